package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/office"
)

// kitctl import persons: a register from a spreadsheet (.xlsx) or a CSV
// or tab-separated file, through storage's import, which tells the two
// apart by the file's first bytes and reads both the same way.

// mapFlag collects repeated --map COLUMN=FIELD flags.
type mapFlag []storage.ColumnMap

func (m *mapFlag) String() string { return fmt.Sprint(len(*m)) }
func (m *mapFlag) Set(v string) error {
	c, err := storage.ParseColumnMap(v)
	if err != nil {
		return err
	}
	*m = append(*m, c)
	return nil
}

func cmdImport(e *env, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	dry := fs.Bool("dry-run", false, "validate only; save nothing")
	reason := fs.String("reason", "", "note kept in each record's history")
	sheet := fs.String("sheet", "", "the sheet of an .xlsx file to read (default: the first)")
	refusedXLSX := fs.String("refused-xlsx", "", "write the refused rows, with what to fix, to this new .xlsx file")
	var maps mapFlag
	fs.Var(&maps, "map", `a column mapped by hand, repeatable: "Cột 3=birth_date", "Cột C=birth_date", "Năm sinh=birth_date", "Ghi chú=-" (skip)`)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] != "persons" {
		return usagef("usage: kitctl import persons FILE.xlsx|FILE.csv [--sheet NAME] [--map \"COLUMN=FIELD\"]... [--dry-run] [--refused-xlsx F] [--json]")
	}
	if *refusedXLSX != "" {
		if err := checkDocument("refused-xlsx", *refusedXLSX, ".xlsx"); err != nil {
			return err
		}
	}
	s, err := e.openBulk()
	if err != nil {
		return err
	}
	defer s.Close()
	o := storage.ImportOptions{DryRun: *dry, Lang: e.lang, Reason: *reason, Sheet: *sheet, Map: maps}
	if !e.jsonOut {
		o.Progress = func(n int) { fmt.Fprintf(e.stderr, "\r%d persons saved…", n) }
	}
	var refused *refusedBook
	if *refusedXLSX != "" {
		refused = &refusedBook{lang: e.lang}
		defer refused.close()
		o.OnHeader, o.OnRefused = refused.header, refused.row
	}
	rep, err := s.ImportFile(pos[1], o)
	if o.Progress != nil && rep != nil && rep.Imported > 0 {
		fmt.Fprintln(e.stderr)
	}
	if err != nil {
		if rep != nil && rep.Imported > 0 {
			fmt.Fprintf(e.stderr, "kitctl: %d persons were saved before the error and are kept\n", rep.Imported)
		}
		if refused != nil && refused.rows > 0 {
			if werr := refused.save(e, *refusedXLSX); werr != nil {
				fmt.Fprintf(e.stderr, "kitctl: %v\n", werr)
			}
		}
		return err
	}
	if e.jsonOut {
		if err := e.printJSON(rep); err != nil {
			return err
		}
	} else {
		verb := "imported"
		if *dry {
			verb = "valid (dry run, nothing saved)"
		}
		fmt.Fprintf(e.stdout, "%d persons %s, %d households created, %d problems in rejected rows\n", rep.Imported, verb, rep.Households, len(rep.Rejected))
		if rep.AlreadyPresent > 0 {
			fmt.Fprintf(e.stdout, "%d rows skipped: these persons are already in the profile (same name, birth date, sex and household)\n", rep.AlreadyPresent)
		}
		for i, r := range rep.Rejected {
			if i == 50 {
				fmt.Fprintf(e.stdout, "  … and %d more (use --json for all, or --refused-xlsx F)\n", len(rep.Rejected)-50)
				break
			}
			fmt.Fprintf(e.stdout, "  line %d: %s: %s\n", r.Line, r.Field, r.Message)
		}
	}
	if refused != nil {
		if refused.rows == 0 {
			if !e.jsonOut {
				fmt.Fprintln(e.stdout, tr(e.lang, "Không có dòng nào bị từ chối; không ghi tệp "+*refusedXLSX, "No row was refused; "+*refusedXLSX+" was not written"))
			}
		} else if err := refused.save(e, *refusedXLSX); err != nil {
			return err
		}
	}
	if len(rep.Rejected) > 0 {
		return silentExit{exitData}
	}
	return nil
}

// refusedBook gathers the refused rows of an import into a workbook: the
// file's columns as they were, then the row's line in the file and what
// to fix. The import skips those two columns, so the corrected file
// imports as it is.
type refusedBook struct {
	lang  string
	wb    *office.Workbook
	width int
	rows  int
}

func (r *refusedBook) header(cols []storage.ImportColumn) {
	r.wb = office.NewWorkbook()
	for _, c := range cols {
		r.width = max(r.width, c.Index+1)
	}
	titles := make([]string, r.width, r.width+2)
	widths := make([]office.Column, r.width, r.width+2)
	for _, c := range cols {
		titles[c.Index] = c.Header
		widths[c.Index] = office.Column{Width: 18}
	}
	titles = append(titles, tr(r.lang, storage.RefusedLineHeaderVi, storage.RefusedLineHeaderEn), tr(r.lang, storage.RefusedFixHeaderVi, storage.RefusedFixHeaderEn))
	widths = append(widths, office.Column{Width: 10}, office.Column{Width: 80})
	r.wb.Sheet(tr(r.lang, "Dòng bị từ chối", "Refused rows"), office.SheetOptions{Columns: widths, FreezeRows: 1})
	r.wb.Header(titles...)
}

func (r *refusedBook) row(line int, cells []string, probs []storage.RowError) {
	if r.wb == nil {
		return
	}
	// The file's columns, the line and what to fix, then any cells past
	// the header's last column (which have no heading).
	vals := make([]any, r.width+2, max(r.width, len(cells))+2)
	for i, c := range cells {
		var v any
		if c != "" {
			v = c
		}
		if i < r.width {
			vals[i] = v
		} else {
			vals = append(vals, v)
		}
	}
	var fix []string
	for _, p := range probs {
		fix = append(fix, p.Message)
	}
	vals[r.width], vals[r.width+1] = line, strings.Join(fix, "; ")
	r.wb.Row(vals...)
	r.rows++
}

func (r *refusedBook) save(e *env, path string) error {
	what := fmt.Sprintf(tr(e.lang, "%d dòng bị từ chối", "%d refused rows"), r.rows)
	return saveDocument(e, what, "refused-xlsx", path, func(w io.Writer) error {
		_, err := r.wb.WriteTo(w)
		return err
	})
}

func (r *refusedBook) close() {
	if r.wb != nil {
		r.wb.Close()
	}
}
