package vm

import "github.com/communekit/communekit/app/drives"

// FolderChoice is a drive an officer can pick as a folder: a USB stick
// first.
type FolderChoice struct {
	Path  string
	Label string // "USB “KINGSTON”", "Ổ đĩa D:"
}

// FolderChoices are the drives f finds, removable ones first, named in
// the current language.
func FolderChoices(tr Tr, f drives.Finder) []FolderChoice {
	var out []FolderChoice
	for _, d := range f.Find() {
		key := "folder.drive"
		if d.Removable {
			key = "folder.usb"
		}
		out = append(out, FolderChoice{Path: d.Path, Label: tr.T(key, d.Name)})
	}
	return out
}
