package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
	"github.com/communekit/communekit/storage/office"
	"github.com/communekit/communekit/storage/refdata"
)

// Lists of persons and households for the offices that ask for them
// (health, social protection, education), as .xlsx or as CSV that Excel
// opens. The persons' list is written so that importing it gives the same
// records: every field under its label on the form (which the import
// recognises), ethnic groups, religions and nationalities by name, coded
// words in Vietnamese, dates as dates and ID numbers as text.

// PersonIDColumn is the column name of the person's identifier in a list
// (an import skips it: the store gives identifiers).
const PersonIDColumn = "person_id"

// ExportOptions choose the persons of a list and its columns.
type ExportOptions struct {
	// Fields are the columns, by column name (full_name, birth_date, …,
	// and PersonIDColumn); nil for every field in the form's order.
	Fields []string
	// Hamlet keeps the persons of one hamlet, as QualityOptions.Hamlet.
	Hamlet string
	// Status keeps the living, the dead or the missing ("" for all).
	Status string
	// Rule keeps the persons the data-quality rule names (a Rules()
	// code), and the members of the households it names.
	Rule string
	// AgeFrom and AgeTo keep the persons of those ages on At (nil: no
	// bound); a person whose birth date is not known well enough is left
	// out when a bound is given.
	AgeFrom, AgeTo *int
	At             Date   // the day ages are counted on; zero: today
	Commune        string // "" for every commune the store holds
	Lang           string // headings: "vi" (default) or "en"
}

// exportColumn is one column of a list.
type exportColumn struct {
	field storage.Field // 0 for the person's identifier
	title string
}

func (o *ExportOptions) columns() ([]exportColumn, error) {
	names := o.Fields
	if len(names) == 0 {
		for _, f := range storage.Fields() {
			names = append(names, f.String())
		}
	}
	seen := map[string]bool{}
	var cols []exportColumn
	for _, n := range names {
		n = strings.TrimSpace(strings.ToLower(n))
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		if n == PersonIDColumn {
			cols = append(cols, exportColumn{title: say(o.Lang, "import.person_id")})
			continue
		}
		f, ok := storage.FieldByName(n)
		if !ok {
			return nil, fmt.Errorf("unknown field %q; fields are person_id and the column names of the README (full_name, birth_date, sex, id_number, …)", n)
		}
		cols = append(cols, exportColumn{field: f, title: f.Label(o.Lang)})
	}
	return cols, nil
}

// selector decides which persons a list holds.
type selector struct {
	o      ExportOptions
	at     Date
	sc     scope
	hs     *hamlets
	ids    map[storage.ID]bool // the rule's persons
	hhKeys map[string]bool     // the rule's households (folded numbers)
}

func newSelector(s *storage.Store, o ExportOptions) (*selector, error) {
	switch o.Status {
	case "", storage.StatusLiving, storage.StatusDead, storage.StatusMissing:
	default:
		return nil, fmt.Errorf("unknown status %q: living, dead or missing", o.Status)
	}
	at, _, _, err := resolveDates(s, o.At, Date{}, Date{})
	if err != nil {
		return nil, err
	}
	sel := &selector{o: o, at: at, sc: scope{o.Commune}, hs: newHamlets()}
	if o.Rule != "" {
		if _, ok := ruleOrder[o.Rule]; !ok {
			return nil, fmt.Errorf("unknown rule %q; the rules are %s", o.Rule, strings.Join(Rules(), ", "))
		}
		w, err := Quality(s, QualityOptions{At: at, Commune: o.Commune, Hamlet: o.Hamlet})
		if err != nil {
			return nil, err
		}
		sel.ids, sel.hhKeys = map[storage.ID]bool{}, map[string]bool{}
		for _, it := range w.Items {
			if it.Rule != o.Rule {
				continue
			}
			if it.PersonID != "" {
				var id storage.ID
				if id.UnmarshalText([]byte(it.PersonID)) == nil {
					sel.ids[id] = true
				}
			} else if it.HouseholdNumber != "" {
				sel.hhKeys[fold.Fold(it.HouseholdNumber)] = true
			}
		}
	}
	return sel, nil
}

func (sel *selector) keep(p *storage.Person) bool {
	o := &sel.o
	if o.Status != "" && p.Values[storage.FieldStatus] != o.Status {
		return false
	}
	if sel.ids != nil && !sel.ids[p.ID] {
		hh := p.Values[storage.FieldHouseholdNumber]
		if hh == "" || !sel.hhKeys[fold.Fold(hh)] {
			return false
		}
	}
	if o.Hamlet != "" || o.Commune != "" {
		in, _, _, h := sel.sc.place(p, sel.hs)
		if !in {
			return false
		}
		if o.Hamlet != "" && (h < 0 || sel.hs.list[h].Name == "" || !matchHamlet(sel.hs.list[h].Name, o.Hamlet)) {
			return false
		}
	}
	if o.AgeFrom != nil || o.AgeTo != nil {
		age, ok := ageOn(p.BirthDate(), sel.at)
		if !ok || (o.AgeFrom != nil && age < *o.AgeFrom) || (o.AgeTo != nil && age > *o.AgeTo) {
			return false
		}
	}
	return true
}

// ageOn is the age in whole years on at of a person born on b; a birth
// known by its year alone counts as the age reached that year.
func ageOn(b storage.PartialDate, at Date) (int, bool) {
	if b.IsZero() {
		return 0, false
	}
	age := at.Year - b.Year
	if m := int(at.Month); b.Month != 0 && (m < b.Month || m == b.Month && b.Day != 0 && at.Day < b.Day) {
		age--
	}
	return age, age >= 0
}

// cell is a person's value of f as a list gives it: a date as a time (a
// full one) or as written (yyyy, mm/yyyy); a coded value by its name.
func cell(p *storage.Person, f storage.Field) any {
	v := p.Values[f]
	if v == "" {
		return nil
	}
	switch f {
	case storage.FieldBirthDate, storage.FieldDeathDate, storage.FieldIDIssueDate:
		d, err := storage.ParseDate(v)
		if err != nil {
			return v
		}
		switch {
		case d.Day != 0:
			return time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC)
		case d.Month != 0:
			return fmt.Sprintf("%02d/%04d", d.Month, d.Year)
		}
		return fmt.Sprintf("%04d", d.Year)
	case storage.FieldEthnicity:
		if e, ok := refdata.EthnicityByCode(v); ok {
			return e.NameVi
		}
	case storage.FieldReligion:
		if r, ok := refdata.ReligionByCode(v); ok {
			return r.NameVi
		}
	case storage.FieldNationality:
		if c, ok := refdata.CountryByCode(v); ok {
			return c.NameVi
		}
	case storage.FieldStatus:
		switch v {
		case storage.StatusLiving:
			return "Còn sống"
		case storage.StatusDead:
			return "Đã chết"
		case storage.StatusMissing:
			return "Mất tích"
		}
	case storage.FieldMaritalStatus:
		switch v {
		case storage.MaritalSingle:
			return "Độc thân"
		case storage.MaritalMarried:
			return "Đã kết hôn"
		case storage.MaritalDivorced:
			return "Ly hôn"
		case storage.MaritalWidowed:
			return "Góa"
		}
	}
	return v
}

// eachPerson calls fn with each person the options keep, in the store's
// order (persons recorded together, such as a household imported, stay
// together). p is only valid during the call.
func eachPerson(s *storage.Store, o ExportOptions, fn func(p *storage.Person) error) error {
	sel, err := newSelector(s, o)
	if err != nil {
		return err
	}
	err = s.ScanPersons(func(p *storage.Person) error {
		if !sel.keep(p) {
			return nil
		}
		return fn(p)
	})
	if err == nil && o.Hamlet != "" {
		var names []string
		for _, h := range sel.hs.list {
			names = append(names, h.Name)
		}
		err = hamletFound(o.Hamlet, names)
	}
	return err
}

// UnknownHamletError is an export asked for a hamlet that no record's
// address names: said, with the hamlets there are, rather than an empty
// list written as if the hamlet were empty.
type UnknownHamletError struct {
	Given   string
	Hamlets []string // the hamlets the records name, sorted
}

func (e *UnknownHamletError) Error() string {
	return fmt.Sprintf("no hamlet %q in this profile; the hamlets are: %s", e.Given, strings.Join(e.Hamlets, ", "))
}

// hamletFound returns an *UnknownHamletError unless one of names (the
// hamlets seen while listing) is the hamlet typed.
func hamletFound(typed string, names []string) error {
	seen := map[string]bool{}
	var list []string
	for _, n := range names {
		if n == "" {
			continue
		}
		if matchHamlet(n, typed) {
			return nil
		}
		if !seen[fold.Fold(n)] {
			seen[fold.Fold(n)] = true
			list = append(list, n)
		}
	}
	sort.Slice(list, func(i, j int) bool { return fold.Fold(list[i]) < fold.Fold(list[j]) })
	return &UnknownHamletError{Given: typed, Hamlets: list}
}

// WritePersonsXLSX writes the list of persons as an .xlsx workbook of one
// sheet ("Nhân khẩu"): a header row of the columns' labels, one person a
// row. It returns how many persons it wrote.
func WritePersonsXLSX(w io.Writer, s *storage.Store, o ExportOptions) (int, error) {
	cols, err := o.columns()
	if err != nil {
		return 0, err
	}
	wb := office.NewWorkbook()
	defer wb.Close()
	sheetCols := make([]office.Column, len(cols))
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
		sheetCols[i] = office.Column{Width: columnWidth(c.field)}
	}
	wb.Sheet(say(o.Lang, "report.export.persons_sheet"), office.SheetOptions{Columns: sheetCols, FreezeRows: 1})
	wb.Header(titles...)
	n := 0
	row := make([]any, len(cols))
	err = eachPerson(s, o, func(p *storage.Person) error {
		for i, c := range cols {
			if c.field == 0 {
				row[i] = p.ID.String()
			} else {
				row[i] = cell(p, c.field)
			}
		}
		wb.Row(row...)
		n++
		return nil
	})
	if err != nil {
		return 0, err
	}
	_, err = wb.WriteTo(w)
	return n, err
}

func columnWidth(f storage.Field) float64 {
	switch f {
	case storage.FieldFullName, storage.FieldFatherName, storage.FieldMotherName, storage.FieldSpouseName, storage.FieldRepresentativeName:
		return 24
	case storage.FieldPermanentAddressDetail, storage.FieldCurrentAddressDetail, storage.FieldTemporaryAddressDetail,
		storage.FieldTemporaryAbsenceDetail, storage.FieldIDIssuePlace, storage.FieldOccupation, storage.FieldHometown:
		return 28
	case storage.FieldBirthDate, storage.FieldDeathDate, storage.FieldIDIssueDate, storage.FieldSex:
		return 12
	}
	return 16
}

// textKept reports whether a value is written in CSV as ="…", the form
// Excel opens as text: a number with a leading zero (an ID number, a unit
// code, a phone number) that Excel would otherwise read as a number and
// drop its zeros, or a long one it would show in exponent form.
func textKept(f storage.Field, v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return v[0] == '0' || len(v) > 11
}

// WritePersonsCSV writes the list of persons as CSV the way Excel opens
// it: UTF-8 with a byte-order mark, commas, CRLF line ends, dates as
// dd/mm/yyyy, and the numbers Excel would change (leading zeros, twelve
// digits) as ="…" (which an import reads back as the text inside).
func WritePersonsCSV(w io.Writer, s *storage.Store, o ExportOptions) (int, error) {
	cols, err := o.columns()
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("\ufeff")
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	rec := make([]string, len(cols))
	for i, c := range cols {
		rec[i] = c.title
	}
	cw.Write(rec)
	n := 0
	err = eachPerson(s, o, func(p *storage.Person) error {
		for i, c := range cols {
			if c.field == 0 {
				rec[i] = p.ID.String()
				continue
			}
			switch v := cell(p, c.field).(type) {
			case nil:
				rec[i] = ""
			case time.Time:
				rec[i] = v.Format("02/01/2006")
			case string:
				if textKept(c.field, v) {
					v = `="` + v + `"`
				}
				rec[i] = v
			}
		}
		n++
		return cw.Write(rec)
	})
	if err != nil {
		return 0, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return 0, err
	}
	return n, bw.Flush()
}

// HouseholdOptions choose the households of a list.
type HouseholdOptions struct {
	Hamlet string // the households whose address names this hamlet ("" for all)
	Lang   string
}

// WriteHouseholdsXLSX writes the list of households as an .xlsx workbook:
// number, address, head (name and ID number), how many members the store
// holds. It returns how many households it wrote.
func WriteHouseholdsXLSX(w io.Writer, s *storage.Store, o HouseholdOptions) (int, error) {
	type member struct{ n, living int }
	members := map[string]*member{}
	heads := map[storage.ID][2]string{}
	err := s.ScanPersons(func(p *storage.Person) error {
		k := fold.Fold(p.Values[storage.FieldHouseholdNumber])
		if k == "" {
			return nil
		}
		m := members[k]
		if m == nil {
			m = &member{}
			members[k] = m
		}
		m.n++
		if p.Values[storage.FieldStatus] == storage.StatusLiving {
			m.living++
		}
		if p.IsHead() {
			heads[p.ID] = [2]string{p.FullName(), p.IDNumber()}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	wb := office.NewWorkbook()
	defer wb.Close()
	wb.Sheet(say(o.Lang, "report.export.households_sheet"), office.SheetOptions{FreezeRows: 1, Columns: []office.Column{
		{Width: 14}, {Width: 20}, {Width: 30}, {Width: 16}, {Width: 24}, {Width: 16}, {Width: 10}, {Width: 10}}})
	wb.Header(
		storage.FieldHouseholdNumber.Label(o.Lang),
		say(o.Lang, "report.export.hamlet"),
		say(o.Lang, "report.export.address"),
		say(o.Lang, "report.export.unit_code"),
		say(o.Lang, "report.export.head"),
		say(o.Lang, "report.export.head_id_number"),
		say(o.Lang, "report.export.members"),
		say(o.Lang, "report.export.living"))
	n := 0
	var hamlets []string
	err = s.ScanHouseholds(func(h *storage.Household) error {
		hamlet := storage.Hamlet(h.AddressDetail)
		if o.Hamlet != "" {
			hamlets = append(hamlets, hamlet)
		}
		if o.Hamlet != "" && (hamlet == "" || !matchHamlet(hamlet, o.Hamlet)) {
			return nil
		}
		var head, headID any
		if hd, ok := heads[h.Head]; ok {
			head, headID = hd[0], nonEmpty(hd[1])
		}
		m := members[fold.Fold(h.Number)]
		if m == nil || m.n == 0 {
			return nil // emptied by a merge or by moves: no longer a household
		}
		wb.Row(h.Number, nonEmpty(hamlet), nonEmpty(h.AddressDetail), nonEmpty(h.AddressCode), head, headID, m.n, m.living)
		n++
		return nil
	})
	if err == nil && o.Hamlet != "" {
		err = hamletFound(o.Hamlet, hamlets)
	}
	if err != nil {
		return 0, err
	}
	_, err = wb.WriteTo(w)
	return n, err
}

func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
