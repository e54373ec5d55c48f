package vm

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

// goWords are what Go and the system say about a file, which no screen
// shows: an officer reads the folder and what to do instead.
var goWords = []string{"no such file", "stat ", "open /", "mkdir ", "lstat", "permission denied", "read-only file system",
	"no space left", "not a directory", "is a directory", "input/output error", "executable file not found", "not found: person"}

func noGoWords(t *testing.T, what, msg string) {
	t.Helper()
	if msg == "" {
		t.Errorf("%s: no message", what)
	}
	for _, w := range goWords {
		if strings.Contains(msg, w) {
			t.Errorf("%s shows Go's words %q: %q", what, w, msg)
		}
	}
}

// Every file-system error an officer meets is said in their language,
// with the path and what to do.
func TestFileErrText_CommonCases(t *testing.T) {
	tr := mustTr(t)
	path := "/media/lan/USB/communekit"
	for _, c := range []struct {
		err       error
		vi, en    string
		wantsPath bool
	}{
		{&fs.PathError{Op: "stat", Path: path, Err: syscall.ENOENT}, "cắm USB vào", "plug the stick in", true},
		{&fs.PathError{Op: "open", Path: path, Err: syscall.EACCES}, "không cho phép", "does not allow", true},
		{&fs.PathError{Op: "write", Path: path, Err: syscall.ENOSPC}, "đã đầy", "is full", true},
		{&fs.PathError{Op: "open", Path: path, Err: syscall.EROFS}, "khóa ghi", "read-only", true},
		{&fs.PathError{Op: "mkdir", Path: path, Err: syscall.ENOTDIR}, "không phải thư mục", "not a folder", true},
		{&fs.PathError{Op: "read", Path: path, Err: syscall.EIO}, "rút ra", "pulled out", true},
		{&os.LinkError{Op: "rename", Old: path + ".tmp", New: path, Err: syscall.ENOSPC}, "đã đầy", "is full", true},
		{syscall.ENOENT, "cắm USB vào", "plug the stick in", false},
	} {
		for _, lang := range []string{"vi", "en"} {
			tr.SetLang(lang)
			got := ErrText(tr, c.err)
			want := c.vi
			if lang == "en" {
				want = c.en
			}
			if !strings.Contains(got, want) || (c.wantsPath && !strings.Contains(got, path)) {
				t.Errorf("%s %v: %q, want it to say %q and the path", lang, c.err, got, want)
			}
			noGoWords(t, lang+" "+c.err.Error(), got)
		}
	}
	tr.SetLang("vi")
	if got := ErrText(tr, os.ErrClosed); got != os.ErrClosed.Error() {
		t.Errorf("another error is changed: %q", got)
	}
}

// A USB folder that is not there (the stick not plugged in) on every
// screen that reads or writes one: the message names the folder and says
// to plug the stick in; Go's words never show.
func TestMissingUSBFolder_NoScreenShowsGoWords(t *testing.T) {
	s := mustStore(t, 20)
	enrol(t, s)
	tr := mustTr(t)
	gone := filepath.Join(t.TempDir(), "media", "lan", "KINGSTON", "communekit")

	for _, lang := range []string{"vi", "en"} {
		tr.SetLang(lang)
		plug := map[string]string{"vi": "cắm USB vào", "en": "plug the stick in"}[lang]
		says := func(what, msg string) {
			t.Helper()
			noGoWords(t, lang+" "+what, msg)
			if !strings.Contains(msg, plug) {
				t.Errorf("%s %s: %q does not say to plug the stick in", lang, what, msg)
			}
		}

		x := NewExport(tr, s, Now)
		x.Run(gone)
		says("export", x.Data().Message)
		if _, err := os.Stat(gone); err == nil {
			t.Fatal("the export made the folder of a missing stick")
		}

		im := NewImport(tr, s, Now)
		im.Run(gone)
		says("import", im.Data().Message)

		le := NewListExport(tr, s, Now)
		le.Export(ListRequest{Kind: ListPersons, Format: FormatXLSX, Path: filepath.Join(gone, "ds.xlsx")})
		says("list export", le.Data().Message)

		hs, err := s.Households()
		if err != nil || len(hs) == 0 {
			t.Fatal(err)
		}
		says("print", PrintHousehold(tr, s, gone, hs[0].Number, func(string) error { return nil }).Message)

		si := NewSheetImport(tr, s, Now)
		si.SetPath(filepath.Join(gone, "danh sach.xlsx"))
		says("sheet import", waitSheetProblem(t, si))

		e := NewDeviceEnrolment(tr, s, Now, nil)
		e.SaveRequest(gone)
		msg, _ := e.Message()
		says("enrolment request", msg)
		e.Install(filepath.Join(gone, "may.cert"))
		msg, _ = e.Message()
		says("enrolment certificate", msg)
	}
}

func waitSheetProblem(t *testing.T, x *SheetImport) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if d := x.Data(); d.Message != "" && d.Problem {
			return d.Message
		}
		time.Sleep(10 * time.Millisecond)
	}
	return x.Data().Message
}

// A person who is not in the profile (merged away) is said so, not as
// Go's "person …: not found".
func TestErrText_RecordNotFound(t *testing.T) {
	s := mustStore(t, 0)
	_, err := s.Person(storage.ID{})
	noGoWords(t, "person", ErrText(mustTr(t), err))
}
