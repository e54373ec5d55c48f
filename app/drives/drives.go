// Package drives finds the removable drives (USB sticks) an officer may
// choose a folder on: on Linux the folders the desktop mounts them under
// (/media/$USER/*, /run/media/$USER/*, /mnt/*), on Windows the drive
// letters that exist, removable ones first. It reads the file system only
// through the functions of a Finder, so that tests give it fake roots; it
// needs no cgo.
package drives

import (
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Drive is a place an officer can choose.
type Drive struct {
	Path      string // the folder to open: "/media/lan/USB DATA", `E:\`
	Name      string // what to call it: "USB DATA", "E:"
	Removable bool   // a stick or card, as far as the system says
}

// Finder looks for drives. The zero value is not usable; see Default.
type Finder struct {
	OS   string // runtime.GOOS
	User string // the user's login name, for /media/$USER
	// Roots are the folders whose subfolders are mounted drives (Linux).
	Roots []string
	// ReadDir lists a folder (os.ReadDir).
	ReadDir func(dir string) ([]fs.DirEntry, error)
	// DriveType says whether a Windows root ("E:\\") exists and whether it
	// is removable.
	DriveType func(root string) (exists, removable bool)
}

// Default is the Finder of this computer.
func Default() Finder {
	f := Finder{OS: runtime.GOOS, ReadDir: os.ReadDir, DriveType: driveType}
	if u, err := user.Current(); err == nil {
		f.User = u.Username
		if i := strings.LastIndexAny(f.User, `\/`); i >= 0 {
			f.User = f.User[i+1:] // DOMAIN\name on Windows
		}
	}
	if f.User == "" {
		f.User = os.Getenv("USER")
	}
	f.Roots = LinuxRoots(f.User)
	return f
}

// LinuxRoots are the folders removable drives are mounted under for user.
func LinuxRoots(user string) []string {
	var roots []string
	if user != "" {
		roots = append(roots, "/media/"+user, "/run/media/"+user)
	}
	return append(roots, "/media", "/mnt")
}

// Find returns the drives found, removable ones first, each once, in
// name order within each kind.
func (f Finder) Find() []Drive {
	var out []Drive
	if f.OS == "windows" {
		for c := 'D'; c <= 'Z'; c++ {
			root := string(c) + `:\`
			if f.DriveType == nil {
				break
			}
			if ok, rem := f.DriveType(root); ok {
				out = append(out, Drive{Path: root, Name: string(c) + ":", Removable: rem})
			}
		}
	} else {
		seen := map[string]bool{}
		rootSet := map[string]bool{}
		for _, r := range f.Roots {
			rootSet[filepath.Clean(r)] = true
		}
		for _, r := range f.Roots {
			if f.ReadDir == nil {
				break
			}
			es, err := f.ReadDir(r)
			if err != nil {
				continue
			}
			for _, e := range es {
				p := filepath.Join(r, e.Name())
				// /media/lan is a root, not a drive; hidden folders are
				// the system's.
				if !e.IsDir() || rootSet[p] || seen[p] || strings.HasPrefix(e.Name(), ".") {
					continue
				}
				seen[p] = true
				out = append(out, Drive{Path: p, Name: e.Name(), Removable: true})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Removable != out[j].Removable {
			return out[i].Removable
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// OnMissingDrive reports whether path would be on a drive that is not
// there: a folder under one of the roots (Linux) or a drive letter
// (Windows) that does not exist. Creating such a folder would make it on
// the computer's own disk, or fail, instead of writing to the stick.
func (f Finder) OnMissingDrive(path string, exists func(string) bool) bool {
	if f.OS == "windows" {
		if len(path) >= 2 && path[1] == ':' && f.DriveType != nil {
			ok, _ := f.DriveType(strings.ToUpper(path[:1]) + `:\`)
			return !ok
		}
		return false
	}
	p := filepath.Clean(path)
	for _, r := range f.Roots {
		r = filepath.Clean(r)
		rel, err := filepath.Rel(r, p)
		if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
			continue
		}
		first := strings.SplitN(rel, string(filepath.Separator), 2)[0]
		if !exists(filepath.Join(r, first)) {
			return true
		}
	}
	return false
}
