package vm

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/report"
	"github.com/communekit/communekit/storage/syserr"
)

// SheetImport is "Import a list (Excel)": persons from an .xlsx, CSV or
// tab-separated file through storage's ImportFile, the code `kitctl
// import persons` runs. The officer chooses the file and sees its first
// rows and what each column is read as (the headings storage recognises),
// changes a column's field by hand (ImportOptions.Map), checks the file
// (a dry run: every refused row with its line, field and message), then
// imports it with a progress bar and can stop: the import ends after the
// chunk being saved and says how many persons were saved; importing the
// same file again skips them (already_present). The refused rows can be
// saved as an .xlsx with a column saying what to fix (report.RefusedBook,
// as kitctl's --refused-xlsx).
type SheetImport struct {
	notifier
	tr    Tr
	store *storage.Store
	do    Do
	// Go runs the preview, the check and the import off the UI goroutine
	// (the app counts them, to close the store after them); plain go when
	// nil.
	Go func(func())
	// Chunk is the rows per transaction (storage's default when 0): tests
	// make it small to stop an import in the middle.
	Chunk int
	// PreviewRows is how many rows the preview shows (8 when 0).
	PreviewRows int

	mu      sync.Mutex
	path    string
	maps    map[int]storage.Field // columns mapped by hand; 0 skips
	preview *storage.ImportPreview
	stage   SheetStage
	gen     uint64 // increases with every preview asked for
	err     error
	rep     *storage.ImportReport
	checked *storage.ImportReport // the last dry run, for the progress total
	book    *report.RefusedBook
	saved   int // rows saved so far by the import running
	cancel  chan struct{}
	note    string // the outcome of saving the refused rows
	noteBad bool
}

// SheetStage is where the import screen is.
type SheetStage int

// The stages of the import screen.
const (
	SheetNoFile     SheetStage = iota // no file chosen, or it cannot be read
	SheetPreviewing                   // reading the file's first rows
	SheetPreviewed                    // the first rows shown: check or import
	SheetChecking                     // the dry run is going
	SheetChecked                      // the dry run's outcome shown
	SheetImporting                    // saving
	SheetImported                     // the import's outcome shown (or it was stopped)
)

// SheetColumn is one column of the file and the field it fills.
type SheetColumn struct {
	Index  int
	Letter string        // A, B, …
	Header string        // as written in the file
	Field  storage.Field // 0: skipped
	ByHand bool
	// Unknown marks a heading no field is known by: choose its field, or
	// skip it, before importing.
	Unknown bool
}

// SheetRefusal is one problem of a refused row.
type SheetRefusal struct {
	Line    int
	Field   string // the field's label in the current language
	Message string
}

// SheetImportData is what the import screen shows.
type SheetImportData struct {
	Path    string
	Stage   SheetStage
	Columns []SheetColumn
	Rows    []storage.PreviewRow
	Refused []SheetRefusal
	// RefusedRows is the number of rows refused (Refused has one line per
	// problem, a row may have several).
	RefusedRows int
	Saved       int     // persons saved by the import running
	Progress    float64 // 0 to 1, while importing
	Message     string
	Problem     bool
	// SaveNote is the outcome of saving the refused rows.
	SaveNote    string
	SaveProblem bool
	Busy        bool
	Cancelled   bool // the last import was stopped
	// Ready is true when the file can be checked and imported: read, its
	// columns all known, nothing running.
	Ready bool
}

// NewSheetImport returns the screen for store.
func NewSheetImport(tr Tr, store *storage.Store, do Do) *SheetImport {
	return &SheetImport{tr: tr, store: store, do: do, maps: map[int]storage.Field{}}
}

func (x *SheetImport) goDo(f func()) {
	if x.Go != nil {
		x.Go(f)
	} else {
		go f()
	}
}

// FieldChoices are the fields a column may be set to, the first being
// "skip this column" (field 0), each with its label in the current
// language.
func (x *SheetImport) FieldChoices() ([]storage.Field, []string) {
	fs := append([]storage.Field{0}, storage.Fields()...)
	labels := make([]string, len(fs))
	labels[0] = x.tr.T("sheet.skip")
	for i, f := range fs[1:] {
		labels[i+1] = f.Label(x.tr.Lang()) + " (" + f.String() + ")"
	}
	return fs, labels
}

// SetPath chooses the file and reads its first rows; mappings by hand of
// another file are forgotten.
func (x *SheetImport) SetPath(path string) {
	path = strings.TrimSpace(path)
	x.mu.Lock()
	if x.busyLocked() {
		x.mu.Unlock()
		return
	}
	if path != x.path {
		x.maps = map[int]storage.Field{}
	}
	x.path = path
	x.mu.Unlock()
	x.reload()
}

// SetColumn maps column (0 for A) to field f by hand (0: skip it), and
// reads the preview again.
func (x *SheetImport) SetColumn(column int, f storage.Field) {
	x.mu.Lock()
	if x.busyLocked() || x.path == "" {
		x.mu.Unlock()
		return
	}
	x.maps[column] = f
	x.mu.Unlock()
	x.reload()
}

func (x *SheetImport) readyLocked() bool {
	return (x.stage == SheetPreviewed || x.stage == SheetChecked || x.stage == SheetImported) && x.preview != nil && x.preview.Problem == nil
}

func (x *SheetImport) busyLocked() bool {
	return x.stage == SheetChecking || x.stage == SheetImporting
}

func (x *SheetImport) mapsLocked() []storage.ColumnMap {
	var ms []storage.ColumnMap
	for c, f := range x.maps {
		ms = append(ms, storage.ColumnMap{Column: c, Field: f})
	}
	return ms
}

// reload reads the preview again; what a dry run or an import found is
// forgotten, since the mapping changed.
func (x *SheetImport) reload() {
	x.mu.Lock()
	x.gen++
	gen, path, maps := x.gen, x.path, x.mapsLocked()
	x.preview, x.err, x.rep, x.checked, x.note = nil, nil, nil, nil, ""
	x.setBook(nil)
	if path == "" {
		x.stage = SheetNoFile
		x.mu.Unlock()
		x.changed()
		return
	}
	x.stage = SheetPreviewing
	n := x.PreviewRows
	if n == 0 {
		n = 8
	}
	x.mu.Unlock()
	x.changed()
	x.goDo(func() {
		p, err := storage.PreviewFile(path, "", maps, n)
		x.do(func() {
			x.mu.Lock()
			if gen != x.gen {
				x.mu.Unlock()
				return // another file or mapping was asked for since
			}
			x.preview, x.err = p, err
			x.stage = SheetPreviewed
			if err != nil {
				x.stage = SheetNoFile
			}
			x.mu.Unlock()
			x.changed()
		})
	})
}

func (x *SheetImport) setBook(b *report.RefusedBook) {
	if x.book != nil {
		x.book.Close()
	}
	x.book = b
}

// Check runs the dry run: every row checked, nothing saved.
func (x *SheetImport) Check() { x.run(true) }

// Import saves the file's valid rows.
func (x *SheetImport) Import() { x.run(false) }

// Cancel stops the import running after the chunk being saved.
func (x *SheetImport) Cancel() {
	x.mu.Lock()
	if x.stage == SheetImporting && x.cancel != nil {
		close(x.cancel)
		x.cancel = nil
	}
	x.mu.Unlock()
}

func (x *SheetImport) run(dry bool) {
	x.mu.Lock()
	if !x.readyLocked() {
		x.mu.Unlock()
		return
	}
	x.stage = SheetImporting
	if dry {
		x.stage = SheetChecking
	}
	x.err, x.rep, x.saved, x.note = nil, nil, 0, ""
	book := report.NewRefusedBook(x.tr.Lang())
	x.setBook(book)
	cancel := make(chan struct{})
	x.cancel = cancel
	o := storage.ImportOptions{DryRun: dry, Lang: x.tr.Lang(), Chunk: x.Chunk, Map: x.mapsLocked(),
		OnHeader: book.Header, OnRefused: book.Row, Cancel: cancel}
	if !dry {
		o.Reason = x.tr.T("sheet.reason", filepath.Base(x.path))
		o.Progress = func(n int) {
			x.mu.Lock()
			x.saved = n
			x.mu.Unlock()
			x.do(x.changed)
		}
	}
	path := x.path
	x.mu.Unlock()
	x.changed()
	x.goDo(func() {
		rep, err := x.store.ImportFile(path, o)
		x.do(func() {
			x.mu.Lock()
			x.rep, x.err, x.cancel = rep, err, nil
			if rep != nil {
				x.saved = rep.Imported
			}
			if dry {
				x.stage, x.checked = SheetChecked, rep
			} else {
				x.stage = SheetImported
			}
			x.mu.Unlock()
			x.changed()
		})
	})
}

// Data returns what the screen shows, in the current language.
func (x *SheetImport) Data() SheetImportData {
	x.mu.Lock()
	defer x.mu.Unlock()
	d := SheetImportData{Path: x.path, Stage: x.stage, Saved: x.saved, Busy: x.busyLocked(), SaveNote: x.note, SaveProblem: x.noteBad,
		Ready: x.readyLocked()}
	if x.preview != nil {
		for _, c := range x.preview.Columns {
			f, _ := storage.FieldByName(c.Field)
			d.Columns = append(d.Columns, SheetColumn{Index: c.Index, Letter: c.Column, Header: c.Header, Field: f, ByHand: c.ByHand, Unknown: c.Unknown})
		}
		d.Rows = x.preview.Rows
	}
	if x.rep != nil {
		lang := x.tr.Lang()
		lines := map[int]bool{}
		for _, r := range x.rep.Rejected {
			label := r.Field
			if f, ok := storage.FieldByName(r.Field); ok {
				label = f.Label(lang)
			}
			d.Refused = append(d.Refused, SheetRefusal{Line: r.Line, Field: label, Message: r.Message})
			lines[r.Line] = true
		}
		d.RefusedRows = len(lines)
	}
	if x.stage == SheetImporting {
		total := 0
		if x.checked != nil {
			total = x.checked.Imported
		}
		if total > 0 {
			d.Progress = min(1, float64(x.saved)/float64(total))
		}
		d.Message = x.tr.T("sheet.importing", Count(x.tr, x.saved))
		return d
	}
	switch {
	case x.stage == SheetNoFile && x.err != nil:
		d.Message, d.Problem = x.tr.T("sheet.cannot_read", errText(x.tr, x.err)), true
	case x.stage == SheetNoFile:
		d.Message = x.tr.T("sheet.no_file")
	case x.stage == SheetPreviewed && x.preview != nil && x.preview.Problem != nil && unknownColumns(d.Columns) != "":
		d.Message, d.Problem = x.tr.T("sheet.unknown_columns", unknownColumns(d.Columns)), true
	case x.stage == SheetPreviewed && x.preview != nil && x.preview.Problem != nil:
		d.Message, d.Problem = x.tr.T("sheet.header_problem", x.preview.Problem.Error()), true
	case x.stage == SheetPreviewed:
		d.Message = x.tr.T("sheet.previewed", len(d.Columns))
	case x.stage == SheetPreviewing:
		d.Message = x.tr.T("sheet.reading")
	case x.stage == SheetChecking:
		d.Message = x.tr.T("sheet.checking")
	case x.stage == SheetChecked && x.err != nil:
		d.Message, d.Problem = x.tr.T("sheet.failed", errText(x.tr, x.err)), true
	case x.stage == SheetChecked:
		d.Message = x.tr.T("sheet.checked", Count(x.tr, x.rep.Imported), Count(x.tr, d.RefusedRows), Count(x.tr, x.rep.AlreadyPresent))
		d.Problem = d.RefusedRows > 0
	case x.stage == SheetImported && errors.Is(x.err, storage.ErrImportCancelled):
		d.Cancelled = true
		saved := 0
		if x.rep != nil {
			saved = x.rep.Imported
		}
		d.Message, d.Problem = x.tr.T("sheet.cancelled", Count(x.tr, saved)), true
	case x.stage == SheetImported && x.err != nil:
		saved := 0
		if x.rep != nil {
			saved = x.rep.Imported
		}
		d.Message, d.Problem = x.tr.T("sheet.failed_kept", errText(x.tr, x.err), Count(x.tr, saved)), true
	case x.stage == SheetImported:
		d.Message = x.tr.T("sheet.done", Count(x.tr, x.rep.Imported), Count(x.tr, x.rep.Households), Count(x.tr, d.RefusedRows), Count(x.tr, x.rep.AlreadyPresent))
		d.Problem = d.RefusedRows > 0
	}
	return d
}

// SaveRefused writes the refused rows of the last check or import to a
// new .xlsx file at path, with the column saying what to fix; it says
// in the screen's SaveNote what became of it.
func (x *SheetImport) SaveRefused(path string) error {
	x.mu.Lock()
	book := x.book
	busy := x.busyLocked()
	x.mu.Unlock()
	var err error
	n := 0
	switch {
	case busy || book == nil || book.Rows() == 0:
		err = errors.New(x.tr.T("sheet.no_refused"))
	default:
		n = book.Rows()
		path, err = NewDocumentPath(x.tr, path, ".xlsx")
		if err == nil {
			_, err = report.WriteNewFile(path, func(w io.Writer) error { _, err := book.WriteTo(w); return err })
			err = DocumentError(x.tr, path, err)
		}
	}
	x.mu.Lock()
	if err != nil {
		x.note, x.noteBad = errText(x.tr, err), true
	} else {
		x.note, x.noteBad = x.tr.T("sheet.saved_refused", Count(x.tr, n), path), false
	}
	x.mu.Unlock()
	x.changed()
	return err
}

// NewDocumentPath checks a path typed for a new document: not empty, with
// the extension ext (added when the name has none), in a folder that
// exists, not the name of a file already there.
func NewDocumentPath(tr Tr, path, ext string) (string, error) {
	path = strings.TrimSpace(path)
	if path == "" {
		return "", errors.New(tr.T("file.no_path"))
	}
	if filepath.Ext(path) == "" {
		path += ext
	}
	if !strings.EqualFold(filepath.Ext(path), ext) {
		return "", errors.New(tr.T("file.need_ext", filepath.Base(path), ext))
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return "", errors.New(tr.T("file.no_dir", filepath.Dir(path)))
	}
	if _, err := os.Lstat(path); err == nil {
		return "", errors.New(tr.T("file.exists", path))
	}
	return path, nil
}

// DocumentError words an error of report.WriteNewFile for the officer:
// a file already there, a full disk, a read-only or forbidden folder.
func DocumentError(tr Tr, path string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, report.ErrFileExists):
		return errors.New(tr.T("file.exists", path))
	case syserr.DiskFull(err):
		return errors.New(tr.T("file.full", path))
	case syserr.ReadOnlyDisk(err), errors.Is(err, fs.ErrPermission):
		return errors.New(tr.T("file.read_only", filepath.Dir(path)))
	}
	if s, ok := fileErrText(tr, err); ok {
		return errors.New(s)
	}
	return errors.New(tr.T("file.failed", path, fmt.Sprint(err)))
}

// unknownColumns names the columns no field is known by: Cột H “Nơi ở cũ”.
func unknownColumns(cs []SheetColumn) string {
	var out []string
	for _, c := range cs {
		if c.Unknown {
			out = append(out, c.Letter+" “"+c.Header+"”")
		}
	}
	return strings.Join(out, ", ")
}
