package vm

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/paper"
	"github.com/communekit/communekit/storage/report"
)

// Printing from the app: a household's sheet, a person's sheet, or a
// hamlet's round (storage/paper, as kitctl print) is saved as a new PDF
// in a folder of documents, named after what it shows and never over a
// file there (a number is added), then opened with the system's viewer,
// from which the officer prints it.

// Opener opens a saved file with the system's viewer; tests replace it so
// that no viewer is launched.
type Opener func(path string) error

// OpenWithViewer opens path with the program the system gives its type:
// xdg-open on Linux and the BSDs, open on macOS, the file protocol
// handler on Windows. It does not wait for the viewer.
func OpenWithViewer(path string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", path)
	case "darwin":
		cmd = exec.Command("open", path)
	default:
		cmd = exec.Command("xdg-open", path)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() // reaped when the launcher ends
	return nil
}

// DocumentsDir is where printed sheets go by default: the user's
// Documents folder when there is one, else the folder holding the
// profile.
func DocumentsDir(profileDir string) string {
	if h, err := os.UserHomeDir(); err == nil {
		for _, name := range []string{"Documents", "Tài liệu"} {
			if st, err := os.Stat(filepath.Join(h, name)); err == nil && st.IsDir() {
				return filepath.Join(h, name)
			}
		}
	}
	return filepath.Dir(profileDir)
}

// Printed is the outcome of printing: the file saved, and the words to
// show.
type Printed struct {
	Path    string
	Message string
	Problem bool
}

// PrintHousehold saves the sheet of household number in dir and opens it.
func PrintHousehold(tr Tr, s *storage.Store, dir, number string, open Opener) Printed {
	h, err := paper.LoadHousehold(s, number)
	if err != nil {
		return printFailed(tr, err)
	}
	o := printOptions(tr, s)
	return printTo(tr, dir, tr.T("print.file_household", h.Record.Number), open,
		func(w io.Writer) error { return paper.WriteHouseholds(w, []*paper.Household{h}, o) })
}

// PrintHamlet saves the round of a hamlet (its list, then every
// household's sheet) in dir and opens it.
func PrintHamlet(tr Tr, s *storage.Store, dir, hamlet string, open Opener) Printed {
	r, err := paper.LoadHamlet(s, hamlet)
	if err != nil {
		return printFailed(tr, err)
	}
	o := printOptions(tr, s)
	return printTo(tr, dir, tr.T("print.file_hamlet", r.Hamlet), open,
		func(w io.Writer) error { return paper.WriteRound(w, r, o) })
}

// PrintPerson saves a person's information sheet in dir and opens it.
func PrintPerson(tr Tr, s *storage.Store, dir string, id storage.ID, open Opener) Printed {
	pp, err := paper.LoadPerson(s, id)
	if err != nil {
		return printFailed(tr, err)
	}
	o := printOptions(tr, s)
	return printTo(tr, dir, tr.T("print.file_person", pp.Record.FullName()), open,
		func(w io.Writer) error { return paper.WritePerson(w, pp, o) })
}

func printOptions(tr Tr, s *storage.Store) paper.Options {
	return paper.Options{Lang: tr.Lang(), Commune: s.Profile().Commune, Printed: time.Now()}
}

func printFailed(tr Tr, err error) Printed {
	var nf *paper.NotFoundError
	if errors.As(err, &nf) {
		return Printed{Message: tr.T("print.not_found", nf.Given), Problem: true}
	}
	return Printed{Message: tr.T("print.failed", errText(tr, err)), Problem: true}
}

// printTo writes a new PDF named name in dir (a number added when the
// name is taken) and opens it.
func printTo(tr Tr, dir, name string, open Opener, write func(io.Writer) error) Printed {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return Printed{Message: tr.T("file.no_dir", dir), Problem: true}
	}
	var path string
	var err error
	for range 3 { // another file may take the name between the two
		path = FreePath(dir, name, ".pdf")
		_, err = report.WriteNewFile(path, write)
		if !errors.Is(err, report.ErrFileExists) {
			break
		}
	}
	if err != nil {
		return Printed{Message: DocumentError(tr, path, err).Error(), Problem: true}
	}
	if open == nil {
		open = OpenWithViewer
	}
	if err := open(path); err != nil {
		return Printed{Path: path, Message: tr.T("print.saved_not_opened", path, errText(tr, err))}
	}
	return Printed{Path: path, Message: tr.T("print.saved", path)}
}
