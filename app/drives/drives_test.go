package drives

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// fakeLinux makes the folders of a Linux desktop under a temporary root
// and a Finder that looks there.
func fakeLinux(t *testing.T, dirs ...string) (Finder, string) {
	t.Helper()
	root := t.TempDir()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var roots []string
	for _, r := range LinuxRoots("lan") {
		roots = append(roots, filepath.Join(root, r))
	}
	return Finder{OS: "linux", User: "lan", Roots: roots, ReadDir: os.ReadDir}, root
}

func names(ds []Drive) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return out
}

func TestFind_Linux(t *testing.T) {
	f, root := fakeLinux(t, "media/lan/USB DATA", "media/lan/KINGSTON", "run/media/lan/SANDISK", "mnt/backup", "media/lan/.hidden")
	if err := os.WriteFile(filepath.Join(root, "media/lan/notes.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ds := f.Find()
	// /media/lan is a root, not a drive; a file and a hidden folder are
	// no drives.
	if got, want := names(ds), []string{"KINGSTON", "SANDISK", "USB DATA", "backup"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("drives %q, want %q", got, want)
	}
	if ds[2].Path != filepath.Join(root, "media/lan/USB DATA") {
		t.Errorf("path %q", ds[2].Path)
	}
}

func TestFind_NoStick(t *testing.T) {
	f, _ := fakeLinux(t, "media/lan")
	if ds := f.Find(); len(ds) != 0 {
		t.Errorf("found %v on a computer with no stick", ds)
	}
	// Roots that do not exist at all (no /run/media) are no error.
	f.Roots = append(f.Roots, "/nonexistent/root")
	f.Find()
}

func TestFind_Windows(t *testing.T) {
	have := map[string]bool{`D:\`: false, `E:\`: true, `G:\`: true}
	f := Finder{OS: "windows", DriveType: func(root string) (bool, bool) {
		rem, ok := have[root]
		return ok, rem
	}}
	ds := f.Find()
	if got, want := names(ds), []string{"E:", "G:", "D:"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("drives %q, want removable first %q", got, want)
	}
	if ds[0].Path != `E:\` || !ds[0].Removable || ds[2].Removable {
		t.Errorf("drives %+v", ds)
	}
	if !f.OnMissingDrive(`F:\communekit`, nil) || f.OnMissingDrive(`e:\communekit`, nil) {
		t.Error("OnMissingDrive: F: is missing, E: is there")
	}
}

func TestOnMissingDrive_Linux(t *testing.T) {
	f, root := fakeLinux(t, "media/lan/KINGSTON", "home/lan")
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	for _, c := range []struct {
		path    string
		missing bool
	}{
		{"media/lan/KINGSTON/communekit", false},
		{"media/lan/KINGSTON", false},
		{"media/lan/SANDISK/communekit", true}, // the stick is not plugged in
		{"media/lan/SANDISK", true},
		{"home/lan/communekit", false}, // not a drive's folder
		{"media/lan", false},
	} {
		if got := f.OnMissingDrive(filepath.Join(root, c.path), exists); got != c.missing {
			t.Errorf("%s: missing %v, want %v", c.path, got, c.missing)
		}
	}
}
