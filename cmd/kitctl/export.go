package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/communekit/communekit/storage/report"
)

// kitctl export: lists of persons and households for Excel (storage/
// report's export), written as documents are (document.go): a new file,
// whole or not at all.

func cmdExport(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("export needs what to export: persons or households")
	}
	switch args[0] {
	case "persons":
		return exportPersons(e, args[1:])
	case "households":
		return exportHouseholds(e, args[1:])
	}
	return usagef("export: unknown list %q (persons, households)", args[0])
}

// intFlag is an optional whole number.
type intFlag struct{ v *int }

func (f *intFlag) String() string {
	if f.v == nil {
		return ""
	}
	return strconv.Itoa(*f.v)
}

func (f *intFlag) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 150 {
		return fmt.Errorf("%q is not an age (0 to 150)", s)
	}
	f.v = &n
	return nil
}

func exportPersons(e *env, args []string) error {
	fs := flag.NewFlagSet("export persons", flag.ContinueOnError)
	xlsx := fs.String("xlsx", "", "write the list to this new .xlsx file")
	csvPath := fs.String("csv", "", "write the list to this new .csv file (UTF-8 with a byte-order mark, as Excel opens it)")
	hamlet := fs.String("hamlet", "", "only the persons of this hamlet")
	fields := fs.String("fields", "", "the columns, by column name: full_name,birth_date,sex,… and person_id (default: every field)")
	status := fs.String("status", "", "only the living, dead or missing")
	rule := fs.String("rule", "", "only the persons a data-quality rule names: "+strings.Join(report.Rules(), ", "))
	at := fs.String("at", "", "the day ages are counted on (default: today)")
	var ageFrom, ageTo intFlag
	fs.Var(&ageFrom, "age-from", "only the persons at least this old")
	fs.Var(&ageTo, "age-to", "only the persons at most this old")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("export persons takes no arguments, got %q", pos)
	}
	if (*xlsx == "") == (*csvPath == "") {
		return usagef("export persons: give one of --xlsx FILE and --csv FILE")
	}
	if *xlsx != "" {
		err = checkDocument("xlsx", *xlsx, ".xlsx")
	} else {
		err = checkDocument("csv", *csvPath, ".csv")
	}
	if err != nil {
		return err
	}
	o := report.ExportOptions{Hamlet: *hamlet, Status: *status, Rule: *rule, AgeFrom: ageFrom.v, AgeTo: ageTo.v, Lang: e.lang}
	if *fields != "" {
		o.Fields = strings.Split(*fields, ",")
	}
	if o.At, err = dateFlag("at", *at); err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	setMemoryLimit(reportMemoryLimit)
	var n int
	write, flagName, path := func(w io.Writer) error {
		var err error
		n, err = report.WritePersonsXLSX(w, s, o)
		return err
	}, "xlsx", *xlsx
	if *csvPath != "" {
		write, flagName, path = func(w io.Writer) error {
			var err error
			n, err = report.WritePersonsCSV(w, s, o)
			return err
		}, "csv", *csvPath
	}
	size, err := writeDocument(flagName, path, write)
	if err != nil {
		return hamletWords(e, err)
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"persons": n, "file": path, "bytes": size})
	}
	fmt.Fprintf(e.stdout, tr(e.lang, "Đã lưu danh sách %d người vào %s (%s)\n", "Saved the list of %d persons in %s (%s)\n"), n, path, humanBytes(size))
	return nil
}

func exportHouseholds(e *env, args []string) error {
	fs := flag.NewFlagSet("export households", flag.ContinueOnError)
	xlsx := fs.String("xlsx", "", "write the list to this new .xlsx file")
	hamlet := fs.String("hamlet", "", "only the households of this hamlet")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("export households takes no arguments, got %q", pos)
	}
	if *xlsx == "" {
		return usagef("export households: give --xlsx FILE")
	}
	if err := checkDocument("xlsx", *xlsx, ".xlsx"); err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	setMemoryLimit(reportMemoryLimit)
	var n int
	size, err := writeDocument("xlsx", *xlsx, func(w io.Writer) error {
		var err error
		n, err = report.WriteHouseholdsXLSX(w, s, report.HouseholdOptions{Hamlet: *hamlet, Lang: e.lang})
		return err
	})
	if err != nil {
		return hamletWords(e, err)
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"households": n, "file": *xlsx, "bytes": size})
	}
	fmt.Fprintf(e.stdout, tr(e.lang, "Đã lưu danh sách %d hộ vào %s (%s)\n", "Saved the list of %d households in %s (%s)\n"), n, *xlsx, humanBytes(size))
	return nil
}

// hamletWords says a report.UnknownHamletError in the officer's
// language; other errors pass as they are.
func hamletWords(e *env, err error) error {
	var uh *report.UnknownHamletError
	if !errors.As(err, &uh) {
		return err
	}
	list := uh.Hamlets
	if len(list) > 30 {
		list = list[:30]
	}
	return errors.New(tr(e.lang, fmt.Sprintf("không có thôn %q trong hồ sơ này; các thôn có: %s", uh.Given, strings.Join(list, ", ")),
		fmt.Sprintf("no hamlet %q in this profile; the hamlets are: %s", uh.Given, strings.Join(list, ", "))))
}
