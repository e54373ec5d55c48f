package vm

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
	"github.com/communekit/communekit/storage/report"
)

// ListExport is "Export a list (Excel)": persons (every field or the ones
// ticked; filtered by hamlet, status, age or a data-quality rule) or
// households, written to a new .xlsx or CSV file the officer names,
// through storage/report's writers (the code `kitctl export` runs). The
// file is written atomically and never over another; the outcome says how
// many were written and where, or what to do when the file could not be
// written (already there, disk full, read-only).
type ListExport struct {
	notifier
	tr    Tr
	store *storage.Store
	do    Do
	// Go runs the hamlets' reading and the writing off the UI goroutine
	// (the app counts them, to close the store after them); plain go when
	// nil.
	Go func(func())

	mu      sync.Mutex
	hamlets []string
	busy    bool
	message string
	problem bool
	written int
	path    string // the file last written
}

// List kinds and formats.
const (
	ListPersons    = "persons"
	ListHouseholds = "households"
	FormatXLSX     = "xlsx"
	FormatCSV      = "csv"
)

// ListRequest is what to export, as the screen's controls say it.
type ListRequest struct {
	Kind   string // ListPersons or ListHouseholds
	Format string // FormatXLSX or FormatCSV (households: .xlsx only)
	Path   string
	Hamlet string // "" for every hamlet
	Status string // "", living, dead or missing
	// AgeFrom and AgeTo are the ages typed ("" for no bound).
	AgeFrom, AgeTo string
	Rule           string // a report.Rules() code, "" for none
	// Fields are the persons' fields to write; nil or every field for all.
	Fields []storage.Field
}

// ListExportData is what the screen shows.
type ListExportData struct {
	Hamlets []string
	Busy    bool
	Message string
	Problem bool
	Written int
	Path    string
}

// NewListExport returns the screen for store; call LoadHamlets.
func NewListExport(tr Tr, store *storage.Store, do Do) *ListExport {
	return &ListExport{tr: tr, store: store, do: do}
}

func (x *ListExport) goDo(f func()) {
	if x.Go != nil {
		x.Go(f)
	} else {
		go f()
	}
}

// LoadHamlets reads the hamlets named in the households' addresses, for
// the hamlet filter, off the UI goroutine.
func (x *ListExport) LoadHamlets() {
	x.goDo(func() {
		hs, err := x.store.LiveHouseholds()
		names := map[string]string{}
		for _, h := range hs {
			if n := storage.Hamlet(h.AddressDetail); n != "" {
				names[fold.Fold(n)] = n
			}
		}
		list := make([]string, 0, len(names))
		for _, n := range names {
			list = append(list, n)
		}
		sort.Slice(list, func(i, j int) bool { return fold.Fold(list[i]) < fold.Fold(list[j]) })
		x.do(func() {
			x.mu.Lock()
			x.hamlets = list
			if err != nil {
				x.message, x.problem = errText(x.tr, err), true
			}
			x.mu.Unlock()
			x.changed()
		})
	})
}

// StatusChoices are the status filter's options: every person first.
func (x *ListExport) StatusChoices() []Choice {
	out := []Choice{{"", x.tr.T("listexport.all_status")}}
	for _, c := range Choices(x.tr, storage.FieldStatus) {
		if c.Value != "" {
			out = append(out, c)
		}
	}
	return out
}

// RuleChoices are the data-quality rules, with the words of the quality
// screen; "" for none.
func (x *ListExport) RuleChoices() []Choice {
	out := []Choice{{"", x.tr.T("listexport.no_rule")}}
	for _, r := range report.Rules() {
		out = append(out, Choice{r, x.tr.T("quality.rule." + r)})
	}
	return out
}

// FieldChoices are the persons' fields in the form's order, each with its
// label in the current language.
func (x *ListExport) FieldChoices() []Choice {
	var out []Choice
	for _, f := range storage.Fields() {
		out = append(out, Choice{f.String(), f.Label(x.tr.Lang())})
	}
	return out
}

// Data returns what the screen shows.
func (x *ListExport) Data() ListExportData {
	x.mu.Lock()
	defer x.mu.Unlock()
	return ListExportData{Hamlets: x.hamlets, Busy: x.busy, Message: x.message, Problem: x.problem, Written: x.written, Path: x.path}
}

// Export writes the list r asks for off the UI goroutine; the outcome is
// in Data when the change arrives. It returns false when it did not start
// (an export is running, or r is refused: the message says why).
func (x *ListExport) Export(r ListRequest) bool {
	x.mu.Lock()
	if x.busy {
		x.mu.Unlock()
		return false
	}
	x.mu.Unlock()
	write, ext, err := x.writer(r)
	path := ""
	if err == nil {
		path, err = NewDocumentPath(x.tr, r.Path, ext)
	}
	if err != nil {
		x.mu.Lock()
		x.message, x.problem, x.written = err.Error(), true, 0
		x.mu.Unlock()
		x.changed()
		return false
	}
	x.mu.Lock()
	x.busy, x.message, x.problem = true, x.tr.T("listexport.writing"), false
	x.mu.Unlock()
	x.changed()
	x.goDo(func() {
		n := 0
		_, err := report.WriteNewFile(path, func(w io.Writer) error {
			var err error
			n, err = write(w)
			return err
		})
		err = DocumentError(x.tr, path, err)
		x.do(func() {
			x.mu.Lock()
			x.busy = false
			if err != nil {
				x.message, x.problem, x.written = err.Error(), true, 0
			} else {
				key := "listexport.done_persons"
				if r.Kind == ListHouseholds {
					key = "listexport.done_households"
				}
				x.message, x.problem, x.written, x.path = x.tr.T(key, Count(x.tr, n), path), false, n, path
			}
			x.mu.Unlock()
			x.changed()
		})
	})
	return true
}

// writer checks r and returns what writes its list, and the file's
// extension.
func (x *ListExport) writer(r ListRequest) (func(io.Writer) (int, error), string, error) {
	lang := x.tr.Lang()
	if r.Kind == ListHouseholds {
		if r.Format == FormatCSV {
			return nil, "", errors.New(x.tr.T("listexport.households_xlsx"))
		}
		o := report.HouseholdOptions{Hamlet: r.Hamlet, Lang: lang}
		return func(w io.Writer) (int, error) { return report.WriteHouseholdsXLSX(w, x.store, o) }, ".xlsx", nil
	}
	o := report.ExportOptions{Hamlet: r.Hamlet, Status: r.Status, Rule: r.Rule, Lang: lang,
		Commune: x.store.Profile().Commune}
	var err error
	if o.AgeFrom, err = x.age(r.AgeFrom); err != nil {
		return nil, "", err
	}
	if o.AgeTo, err = x.age(r.AgeTo); err != nil {
		return nil, "", err
	}
	if o.AgeFrom != nil && o.AgeTo != nil && *o.AgeFrom > *o.AgeTo {
		return nil, "", errors.New(x.tr.T("listexport.age_order", *o.AgeFrom, *o.AgeTo))
	}
	if r.Fields != nil {
		if len(r.Fields) == 0 {
			return nil, "", errors.New(x.tr.T("listexport.no_fields"))
		}
		if len(r.Fields) < len(storage.Fields()) {
			for _, f := range r.Fields {
				o.Fields = append(o.Fields, f.String())
			}
		}
	}
	if r.Format == FormatCSV {
		return func(w io.Writer) (int, error) { return report.WritePersonsCSV(w, x.store, o) }, ".csv", nil
	}
	return func(w io.Writer) (int, error) { return report.WritePersonsXLSX(w, x.store, o) }, ".xlsx", nil
}

// age reads an age typed: empty for no bound, else a whole number of years.
func (x *ListExport) age(s string) (*int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 150 {
		return nil, errors.New(x.tr.T("listexport.bad_age", s))
	}
	return &n, nil
}

// FreePath returns dir/name+ext, or with " (2)", " (3)"… added to the
// name when a file of that name is there: a default that is never the
// name of a file already written. Characters file systems refuse in a
// name (/ \ : * ? " < > |) become "-".
func FreePath(dir, name, ext string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < ' ' {
			return '-'
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" {
		name = "communekit"
	}
	p := filepath.Join(dir, name+ext)
	for i := 2; ; i++ {
		if _, err := os.Lstat(p); err != nil {
			return p
		}
		p = filepath.Join(dir, name+" ("+strconv.Itoa(i)+")"+ext)
	}
}
