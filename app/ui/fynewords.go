package ui

import (
	"encoding/json"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/communekit/communekit/app/i18n"
)

// fyneWords are the words Fyne's own dialogs and menus show (the file
// dialog's Open, Cancel, Save, New Folder…): the bundles hold them as
// "fyne.<word>".
var fyneWords = []string{"Cancel", "Open", "Save", "Create Folder", "New Folder", "Show Hidden Files", "File", "Folder",
	"Enter filename", "Error", "Yes", "No", "OK", "Confirm", "Advanced", "(Parent)", "Copy", "Cut", "Paste",
	"Select all", "Undo", "Redo", "file.parent", "file.name"}

// speakToFyne gives Fyne's own words in the app's language. Fyne picks
// its language from the computer's locale and has no Vietnamese: its file
// dialog said Open and Cancel in the Vietnamese interface. The words are
// given for the locales Fyne may pick on an officer's laptop, English and
// Vietnamese, whatever the locale, so that they follow the app's choice.
func speakToFyne(tr *i18n.Bundle) {
	words := make(map[string]string, len(fyneWords))
	for _, w := range fyneWords {
		words[w] = tr.T("fyne." + w)
	}
	data, err := json.Marshal(words)
	if err != nil {
		return
	}
	for _, l := range []fyne.Locale{"en", "vi"} {
		if err := lang.AddTranslationsForLocale(data, l); err != nil {
			fyne.LogError("Fyne's words", err)
		}
	}
}
