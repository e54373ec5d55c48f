package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/report"
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
	var refused *report.RefusedBook
	if *refusedXLSX != "" {
		refused = report.NewRefusedBook(e.lang)
		defer refused.Close()
		o.OnHeader, o.OnRefused = refused.Header, refused.Row
	}
	rep, err := s.ImportFile(pos[1], o)
	if o.Progress != nil && rep != nil && rep.Imported > 0 {
		fmt.Fprintln(e.stderr)
	}
	if err != nil {
		if rep != nil && rep.Imported > 0 {
			fmt.Fprintf(e.stderr, "kitctl: %d persons were saved before the error and are kept\n", rep.Imported)
		}
		if refused != nil && refused.Rows() > 0 {
			if werr := saveRefused(e, refused, *refusedXLSX); werr != nil {
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
		if refused.Rows() == 0 {
			if !e.jsonOut {
				fmt.Fprintln(e.stdout, tr(e.lang, "Không có dòng nào bị từ chối; không ghi tệp "+*refusedXLSX, "No row was refused; "+*refusedXLSX+" was not written"))
			}
		} else if err := saveRefused(e, refused, *refusedXLSX); err != nil {
			return err
		}
	}
	if len(rep.Rejected) > 0 {
		return silentExit{Code: exitData}
	}
	return nil
}

// saveRefused writes the refused rows' workbook.
func saveRefused(e *env, r *report.RefusedBook, path string) error {
	what := fmt.Sprintf(tr(e.lang, "%d dòng bị từ chối", "%d refused rows"), r.Rows())
	return saveDocument(e, what, "refused-xlsx", path, func(w io.Writer) error {
		_, err := r.WriteTo(w)
		return err
	})
}
