package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/communekit/communekit/app/i18n"
)

// The line above the search results follows a language chosen after the
// search: "2 kết quả" becomes "2 results", "no one found" too.
func TestSearch_ResultLineFollowsTheLanguage(t *testing.T) {
	ui, _ := householdsApp(t)
	defer ui.setLang(i18n.Vietnamese)
	ui.focusSearch()
	test.Type(ui.search.entry, "tran van")
	searchFor(t, ui, "tran van")
	if ui.search.message.Text != "2 kết quả" {
		t.Fatalf("the line says %q", ui.search.message.Text)
	}
	ui.setLang(i18n.English)
	uiQueue.drain()
	if ui.search.message.Text != "2 results" {
		t.Fatalf("in English the line says %q", ui.search.message.Text)
	}
	ui.search.entry.SetText("zzzz")
	searchFor(t, ui, "zzzz")
	ui.setLang(i18n.Vietnamese)
	uiQueue.drain()
	if want := ui.tr.T("search.none", "zzzz"); ui.search.message.Text != want {
		t.Fatalf("back in Vietnamese the line says %q, want %q", ui.search.message.Text, want)
	}
}
