package ui

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/communekit/communekit/app/drives"
)

// fakeDrives makes findDrives see the folders under a temporary root as
// a Linux desktop's mounts.
func fakeDrives(t *testing.T, sticks ...string) string {
	t.Helper()
	root := t.TempDir()
	var roots []string
	for _, r := range drives.LinuxRoots("lan") {
		roots = append(roots, filepath.Join(root, r))
	}
	for _, s := range sticks {
		if err := os.MkdirAll(filepath.Join(roots[0], s), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	old := findDrives
	findDrives = func() drives.Finder {
		return drives.Finder{OS: "linux", User: "lan", Roots: roots, ReadDir: os.ReadDir}
	}
	t.Cleanup(func() { findDrives = old })
	return roots[0]
}

// The folder chooser speaks the officer's language and lists the USB
// sticks plugged in first: one press chooses one.
func TestFolderChooser_ListsSticksInTheOfficersLanguage(t *testing.T) {
	media := fakeDrives(t, "KINGSTON")
	ui, _ := householdsApp(t)
	entry := newKeyEntry(ui.keys)
	entry.SetText("/home/lan/communekit")
	chooseFolder(ui, entry)
	top := ui.win.Canvas().Overlays().Top()
	if top == nil || !hasText(top, "Chọn thư mục") || !hasText(top, "USB và ổ đĩa đang cắm vào máy:") ||
		!hasText(top, "Chọn thư mục khác…") || !hasText(top, "Hủy") {
		t.Fatal("the chooser is not in Vietnamese")
	}
	stick := filepath.Join(media, "KINGSTON")
	tap(t, top, "USB “KINGSTON”  —  "+stick)
	if entry.Text != stick || ui.win.Canvas().Overlays().Top() != nil {
		t.Fatalf("choosing the stick: entry %q", entry.Text)
	}
	// Esc closes it, choosing nothing.
	chooseFolder(ui, entry)
	ui.keys.doEscape()
	if ui.win.Canvas().Overlays().Top() != nil {
		t.Fatal("Esc does not close the chooser")
	}
}

func TestFolderChooser_NoStickSaysWhatToDo(t *testing.T) {
	media := fakeDrives(t)
	ui, _ := householdsApp(t)
	ui.tr.SetLang("en")
	entry := newKeyEntry(ui.keys)
	chooseFolder(ui, entry)
	top := ui.win.Canvas().Overlays().Top()
	if top == nil || !hasText(top, "No USB stick found. Plug one in") || !hasText(top, "Choose another folder…") {
		t.Fatal("no advice when no stick is plugged in")
	}
	// The stick plugged in, Look again finds it.
	if err := os.MkdirAll(filepath.Join(media, "SANDISK"), 0o755); err != nil {
		t.Fatal(err)
	}
	tap(t, top, "Look again")
	if !hasText(top, "USB “SANDISK”") || hasText(top, "No USB stick found") {
		t.Fatal("Look again does not find the stick")
	}
}
