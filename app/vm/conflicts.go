package vm

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/outbox"
)

// Conflicts is the supervisor's conflict queue: every open conflict of the
// store, one selected with its candidates side by side, and the
// resolutions that apply to it. Each resolution calls the storage API the
// matching `kitctl conflicts resolve` calls, and conflicts carry kitctl's
// names ("PERSON/field", "duplicate:A+B", …), so a supervisor can move
// between the two.
//
// Only a supervisor's (or administrator's) device resolves: the district
// refuses a resolution signed by an officer's certificate, so an officer
// sees the queue read-only.
type Conflicts struct {
	notifier
	tr    Tr
	store *storage.Store

	mu         sync.Mutex
	rows       []ConflictRow
	items      map[string]any // the storage conflict behind each row, by ID
	selected   string
	supervisor bool
	err        error
	message    string // the outcome of the last action
	problem    string // why the last action saved nothing
	valueProb  string // the entered value's problems, shown beside it
}

// Conflict kinds as rows name them: storage's semantic kinds, and the
// field conflict.
const ConflictField = "field"

// ConflictNotice is the kind of a row that tells the officer one of its
// persons is in a conflict with a person of another commune.
const ConflictNotice = "notice"

// ConflictRow is one open conflict in the queue.
type ConflictRow struct {
	ID      string // kitctl's name: "PERSON/field", "duplicate:A+B", …: never shown
	Kind    string // ConflictField or a storage.Conflict… kind
	Label   string // the kind in words
	Summary string // one line: who and what
	// Title heads the conflict's page: the kind, the person's name and
	// the field's label, in words ("Lò Thị Mai — Nghề nghiệp: hai giá trị
	// khác nhau"), never an identifier.
	Title string
}

// ConflictColumn is one candidate of the side-by-side view.
type ConflictColumn struct {
	Title  string
	Lines  []ConflictLine
	Person storage.ID // the person the column shows, if any (to open the form)
}

// ConflictLine is one labelled value in a column.
type ConflictLine struct{ Label, Value string }

// ConflictDetail is the selected conflict, side by side, with what can be
// done about it.
type ConflictDetail struct {
	Row     ConflictRow
	Explain string // what happened and what to do
	Columns []ConflictColumn
	// The resolutions that apply (and only if the device may resolve).
	Choose  bool // choose candidate N (field conflicts)
	Enter   bool // enter a value (field conflicts)
	Merge   bool // merge the two persons (duplicates)
	Dismiss bool // not a problem / not the same person
	// Correct lists persons whose form settles the conflict (same ID
	// number, household heads): the screen offers to open each.
	Correct []storage.ID
	// Field is the field in conflict and Shown the value shown meanwhile
	// (field conflicts only).
	Field storage.Field
	Shown string
}

// NewConflicts returns the conflict queue of store; call Refresh to read
// it. The role comes from the installed certificate.
func NewConflicts(tr Tr, store *storage.Store) *Conflicts {
	c := &Conflicts{tr: tr, store: store}
	if crt, _, err := outbox.Enrolment(store); err == nil {
		c.supervisor = crt.Role == cert.RoleSupervisor || crt.Role == cert.RoleAdmin
	}
	return c
}

// CanResolve reports whether this device may resolve conflicts.
func (c *Conflicts) CanResolve() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.supervisor
}

// RoleLine says who resolves: "" on a supervisor's device.
func (c *Conflicts) RoleLine() string {
	if c.CanResolve() {
		return ""
	}
	return c.tr.T("conflicts.read_only")
}

// Refresh reads every open conflict again; the selection stays if the
// conflict is still open.
func (c *Conflicts) Refresh() error {
	rows, items, err := c.read()
	c.mu.Lock()
	c.rows, c.items, c.err = rows, items, err
	if _, ok := items[c.selected]; !ok {
		c.selected = ""
	}
	c.mu.Unlock()
	c.changed()
	return err
}

// read lists the conflicts in kitctl's order of kinds.
func (c *Conflicts) read() ([]ConflictRow, map[string]any, error) {
	all, err := c.store.AllConflicts()
	if err != nil {
		return nil, nil, err
	}
	rows, items := c.rowsOf(all)
	return rows, items, nil
}

// rowsOf puts every conflict of all in words, in kitctl's order of kinds.
func (c *Conflicts) rowsOf(all *storage.ConflictSet) ([]ConflictRow, map[string]any) {
	fcs, sems, pcs, hcs, dcs := all.Field, all.SameID, all.Persons, all.Households, all.Duplicates
	var rows []ConflictRow
	items := map[string]any{}
	add := func(id, kind, summary, subject string, item any) {
		label := c.tr.T("conflicts.kind." + kind)
		rows = append(rows, ConflictRow{ID: id, Kind: kind, Label: label, Summary: summary, Title: label + " — " + subject})
		items[id] = item
	}
	for _, fc := range fcs {
		var vals []string
		for _, cand := range fc.Candidates {
			vals = append(vals, "“"+displayValue(c.tr, fc.Field, cand.Value)+"”")
		}
		name, field := c.name(fc.ID), FieldLabel(c.tr, fc.Field)
		add(FieldConflictName(fc), ConflictField,
			c.tr.T("conflicts.sum.field", name, field, strings.Join(vals, " / ")), "", fc)
		rows[len(rows)-1].Title = c.tr.T("conflicts.heading.field", name, field)
	}
	for _, sc := range sems {
		var names []string
		for _, id := range sc.Persons {
			names = append(names, c.name(id))
		}
		add(sc.Name(), sc.Kind, c.tr.T("conflicts.sum."+sc.Kind, sc.Key, strings.Join(names, ", ")), strings.Join(names, ", "), sc)
	}
	for _, pc := range pcs {
		id := pc.Kind + ":" + pc.Person.String()
		switch pc.Kind {
		case storage.ConflictEditAfterDeath:
			add(id, pc.Kind, c.tr.T("conflicts.sum.edit_after_death", c.name(pc.Person), len(pc.Ops)), c.name(pc.Person), pc)
		case storage.ConflictMoveNotMatched:
			add(id, pc.Kind, c.tr.T("conflicts.sum.move_without_move_in", c.name(pc.Person), pc.At.Time().Local().Format("02/01/2006")), c.name(pc.Person), pc)
		}
	}
	for _, hc := range hcs {
		add(storage.ConflictHeads+":"+hc.Commune+"/"+hc.Number, storage.ConflictHeads,
			c.tr.T("conflicts.sum.household_heads", hc.Number, len(hc.Heads), len(hc.Heads)+len(hc.Members)),
			c.tr.T("conflicts.heading.household", hc.Number), hc)
	}
	for _, dc := range dcs {
		add(dc.Name(), storage.ConflictDuplicate, c.tr.T("conflicts.sum.duplicate", c.name(dc.A), c.commune(dc.A), c.name(dc.B), c.commune(dc.B)),
			c.name(dc.A)+", "+c.name(dc.B), dc)
	}
	// A person of this device in a conflict with a person of another
	// commune, which a supervisor of both decides: the other record is
	// not here.
	for _, n := range all.Notices {
		add(ConflictNotice+":"+n.Name(), ConflictNotice, c.tr.T("conflicts.sum.notice."+n.Kind.Conflict(), c.name(n.Person)), c.name(n.Person), n)
	}
	return rows, items
}

// ConflictNames names every conflict of all as the queue's rows do, to
// tell the conflicts that arrived from those held already.
func ConflictNames(all *storage.ConflictSet) map[string]bool {
	out := map[string]bool{}
	for _, fc := range all.Field {
		out[FieldConflictName(fc)] = true
	}
	for _, sc := range all.SameID {
		out[sc.Name()] = true
	}
	for _, pc := range all.Persons {
		out[pc.Kind+":"+pc.Person.String()] = true
	}
	for _, hc := range all.Households {
		out[storage.ConflictHeads+":"+hc.Commune+"/"+hc.Number] = true
	}
	for _, dc := range all.Duplicates {
		out[dc.Name()] = true
	}
	for _, n := range all.Notices {
		out[ConflictNotice+":"+n.Name()] = true
	}
	return out
}

// involves reports whether conflict item concerns person id.
func involves(item any, id storage.ID) bool {
	switch x := item.(type) {
	case storage.FieldConflict:
		return x.ID == id
	case storage.SemanticConflict:
		return slices.Contains(x.Persons, id)
	case storage.PersonConflict:
		return x.Person == id
	case storage.HouseholdConflict:
		return slices.Contains(x.Heads, id) || slices.Contains(x.Members, id)
	case storage.DuplicateConflict:
		return x.A == id || x.B == id
	case storage.ConflictNotice:
		return x.Person == id
	}
	return false
}

// FieldConflictName is kitctl's name of a field conflict: "PERSON/field".
func FieldConflictName(fc storage.FieldConflict) string {
	return fc.ID.String() + "/" + fc.Field.String()
}

func (c *Conflicts) person(id storage.ID) *storage.Person {
	p, err := c.store.Person(id)
	if err != nil {
		return nil
	}
	return p
}

func (c *Conflicts) name(id storage.ID) string {
	if p := c.person(id); p != nil && p.FullName() != "" {
		return p.FullName()
	}
	return id.String()
}

func (c *Conflicts) commune(id storage.ID) string {
	if p := c.person(id); p != nil {
		if code := p.Get(storage.FieldPermanentAddressCode); code != "" {
			return UnitLabel(code)
		}
	}
	return "?"
}

// Rows returns the open conflicts.
func (c *Conflicts) Rows() []ConflictRow {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]ConflictRow(nil), c.rows...)
}

// Error is a store error from the last Refresh, in words, or "".
func (c *Conflicts) Error() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		return ""
	}
	return c.tr.T("conflicts.error", ErrText(c.tr, c.err))
}

// Select shows conflict id (a row's ID); the last action's messages go.
func (c *Conflicts) Select(id string) {
	c.mu.Lock()
	c.selected = id
	c.message, c.problem, c.valueProb = "", "", ""
	c.mu.Unlock()
	c.changed()
}

// Selected returns the ID of the conflict shown, or "".
func (c *Conflicts) Selected() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.selected
}

// Message is the outcome of the last action; Problem says why it saved
// nothing; ValueProblem is the entered value's problems, for beside the
// value entry.
func (c *Conflicts) Message() string { c.mu.Lock(); defer c.mu.Unlock(); return c.message }

// Problem: see Message.
func (c *Conflicts) Problem() string { c.mu.Lock(); defer c.mu.Unlock(); return c.problem }

// ValueProblem: see Message.
func (c *Conflicts) ValueProblem() string { c.mu.Lock(); defer c.mu.Unlock(); return c.valueProb }

// Detail returns the selected conflict side by side, or nil.
func (c *Conflicts) Detail() *ConflictDetail {
	c.mu.Lock()
	id, sup := c.selected, c.supervisor
	item := c.items[id]
	var row ConflictRow
	for _, r := range c.rows {
		if r.ID == id {
			row = r
		}
	}
	c.mu.Unlock()
	if item == nil {
		return nil
	}
	tr := c.tr
	d := &ConflictDetail{Row: row}
	switch x := item.(type) {
	case storage.FieldConflict:
		d.Field = x.Field
		if p := c.person(x.ID); p != nil {
			d.Shown = displayValue(tr, x.Field, p.Get(x.Field))
		}
		d.Explain = tr.T("conflicts.explain.field", c.name(x.ID), FieldLabel(tr, x.Field), d.Shown)
		if !sup {
			// Nothing to choose with here: say who decides and what the
			// values are.
			d.Explain = tr.T("conflicts.explain.field.officer", c.name(x.ID), FieldLabel(tr, x.Field), c.valuesBy(x, ""), d.Shown)
		}
		for i, cand := range x.Candidates {
			d.Columns = append(d.Columns, ConflictColumn{Title: tr.T("conflicts.candidate", i+1), Person: x.ID, Lines: []ConflictLine{
				{tr.T("conflicts.value"), displayValue(tr, x.Field, cand.Value)},
				{tr.T("conflicts.officer"), cand.Officer},
				{tr.T("conflicts.device"), c.device(cand.Version.Device)},
				{tr.T("conflicts.when"), cand.Version.HLC.Time().Local().Format("15:04 02/01/2006")},
				{tr.T("conflicts.event"), tr.T("event." + cand.Event.String())},
				{tr.T("conflicts.reason"), cand.Reason},
			}})
		}
		d.Choose, d.Enter = sup, sup
	case storage.SemanticConflict:
		d.Explain = tr.T("conflicts.explain."+x.Kind, x.Key)
		for _, id := range x.Persons {
			d.Columns = append(d.Columns, c.personColumn(id, storage.FieldFullName, storage.FieldBirthDate, storage.FieldPermanentAddressCode, storage.FieldIDNumber))
			d.Correct = append(d.Correct, id)
		}
	case storage.PersonConflict:
		switch x.Kind {
		case storage.ConflictEditAfterDeath:
			d.Explain = tr.T("conflicts.explain.edit_after_death"+officer(sup), c.name(x.Person))
			d.Columns = c.editColumns(x)
		case storage.ConflictMoveNotMatched:
			d.Explain = tr.T("conflicts.explain.move_without_move_in"+officer(sup), c.name(x.Person), x.At.Time().Local().Format("02/01/2006"))
			d.Columns = []ConflictColumn{c.personColumn(x.Person, storage.FieldFullName, storage.FieldBirthDate, storage.FieldPermanentAddressCode, storage.FieldIDNumber)}
		}
		d.Dismiss = sup
	case storage.HouseholdConflict:
		d.Explain = tr.T("conflicts.explain.household_heads", x.Number, len(x.Heads))
		for _, id := range append(append([]storage.ID(nil), x.Heads...), x.Members...) {
			d.Columns = append(d.Columns, c.personColumn(id, storage.FieldFullName, storage.FieldBirthDate, storage.FieldRelationshipToHead))
			d.Correct = append(d.Correct, id)
		}
	case storage.ConflictNotice:
		d.Explain = tr.T("conflicts.explain.notice."+x.Kind.Conflict(), c.name(x.Person))
		d.Columns = []ConflictColumn{c.personColumn(x.Person, storage.FieldFullName, storage.FieldBirthDate, storage.FieldPermanentAddressCode, storage.FieldIDNumber)}
		d.Correct = []storage.ID{x.Person}
	case storage.DuplicateConflict:
		d.Explain = tr.T("conflicts.explain.duplicate" + officer(sup))
		for _, id := range []storage.ID{x.A, x.B} {
			d.Columns = append(d.Columns, c.personColumn(id, storage.FieldFullName, storage.FieldBirthDate, storage.FieldPermanentAddressCode,
				storage.FieldHometown, storage.FieldFatherName, storage.FieldMotherName, storage.FieldIDNumber))
		}
		d.Merge, d.Dismiss = sup, sup
	}
	return d
}

// officer is the suffix of the explanations an officer's device shows,
// where the supervisor decides and nothing asks to choose.
func officer(supervisor bool) string {
	if supervisor {
		return ""
	}
	return ".officer"
}

// valuesBy lists the candidates of fc other than the value except, each
// with the officer who entered it: "“Giáo viên” (do Vũ Văn Nam ghi) và
// “Bác sĩ” (do Trần Thị Hoa ghi)".
func (c *Conflicts) valuesBy(fc storage.FieldConflict, except string) string {
	return valuesBy(c.tr, fc, except)
}

func valuesBy(tr Tr, fc storage.FieldConflict, except string) string {
	var out []string
	for _, cand := range fc.Candidates {
		v := displayValue(tr, fc.Field, cand.Value)
		if except != "" && v == except {
			continue
		}
		out = append(out, tr.T("conflicts.value_by", v, cand.Officer))
	}
	return strings.Join(out, tr.T("conflicts.and"))
}

// personColumn shows fields of one person, titled with the name (the
// lines beneath tell two persons of one name apart; an identifier would
// tell an officer nothing).
func (c *Conflicts) personColumn(id storage.ID, fields ...storage.Field) ConflictColumn {
	col := ConflictColumn{Title: c.name(id), Person: id}
	p := c.person(id)
	for _, f := range fields {
		v := ""
		if p != nil {
			v = p.Get(f)
			if f == storage.FieldPermanentAddressCode && v != "" {
				v = UnitLabel(v)
			} else {
				v = displayValue(c.tr, f, v)
			}
		}
		col.Lines = append(col.Lines, ConflictLine{FieldLabel(c.tr, f), v})
	}
	return col
}

// editColumns shows each edit made after a death: who, when, what.
func (c *Conflicts) editColumns(pc storage.PersonConflict) []ConflictColumn {
	hist, _ := c.store.History(pc.Person)
	var out []ConflictColumn
	for i, r := range pc.Ops {
		col := ConflictColumn{Title: c.tr.T("conflicts.edit", i+1), Person: pc.Person}
		for _, op := range hist {
			if op.Device != r.Device || op.Seq != r.Seq {
				continue
			}
			var fields []string
			for _, ch := range op.Changes {
				if op.Kind == storage.KindPerson {
					f := storage.Field(ch.Field)
					fields = append(fields, FieldLabel(c.tr, f)+": "+displayValue(c.tr, f, ch.New))
				}
			}
			col.Lines = []ConflictLine{
				{c.tr.T("conflicts.officer"), op.Officer},
				{c.tr.T("conflicts.device"), c.device(op.Device)},
				{c.tr.T("conflicts.when"), op.HLC.Time().Local().Format("15:04 02/01/2006")},
				{c.tr.T("conflicts.event"), c.tr.T("event." + op.Event.String())},
				{c.tr.T("conflicts.changes"), strings.Join(fields, "; ")},
				{c.tr.T("conflicts.reason"), op.Reason},
			}
		}
		out = append(out, col)
	}
	return out
}

// ErrNotSupervisor means this device's certificate does not let it
// resolve conflicts.
var ErrNotSupervisor = errors.New("only a supervisor's device resolves conflicts")

// selectedItem returns the selected conflict, or an error the screen shows.
func (c *Conflicts) selectedItem() (any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.supervisor {
		c.problem = c.tr.T("conflicts.read_only")
		return nil, ErrNotSupervisor
	}
	item := c.items[c.selected]
	if item == nil {
		c.problem = c.tr.T("conflicts.gone")
		return nil, storage.ErrNoConflict
	}
	return item, nil
}

// Choose resolves the selected field conflict with candidate n (from 1),
// with note as the reason kept in the history.
func (c *Conflicts) Choose(n int, note string) error {
	item, err := c.selectedItem()
	if err != nil {
		c.changed()
		return err
	}
	fc, ok := item.(storage.FieldConflict)
	if !ok || n < 1 || n > len(fc.Candidates) {
		return c.failed(fmt.Errorf("candidate %d of %s: no such candidate", n, c.Selected()))
	}
	return c.resolve(fc, fc.Candidates[n-1].Value, note)
}

// Enter resolves the selected field conflict with a value the supervisor
// typed. A value the record refuses saves nothing; its problems are in
// ValueProblem.
func (c *Conflicts) Enter(value, note string) error {
	item, err := c.selectedItem()
	if err != nil {
		c.changed()
		return err
	}
	fc, ok := item.(storage.FieldConflict)
	if !ok {
		return c.failed(fmt.Errorf("%s is not a field conflict", c.Selected()))
	}
	return c.resolve(fc, value, note)
}

func (c *Conflicts) resolve(fc storage.FieldConflict, value, note string) error {
	p, _, err := c.store.Resolve(fc.ID, fc.Field, value, storage.SaveOptions{Reason: note})
	if err != nil {
		var ps storage.Problems
		if errors.As(err, &ps) {
			c.mu.Lock()
			c.valueProb = ps.Message(c.tr.Lang())
			c.problem, c.message = "", ""
			c.mu.Unlock()
			c.changed()
			return fmt.Errorf("%w: %v", errInvalid, err)
		}
		return c.failed(err)
	}
	return c.done(c.tr.T("conflicts.done.resolved", FieldLabel(c.tr, fc.Field), p.FullName(), displayValue(c.tr, fc.Field, p.Get(fc.Field))))
}

// Merge decides the selected duplicate: the person in column kept (0 or
// 1) is kept and the other is retired into it.
func (c *Conflicts) Merge(kept int, note string) error {
	item, err := c.selectedItem()
	if err != nil {
		c.changed()
		return err
	}
	dc, ok := item.(storage.DuplicateConflict)
	if !ok || kept < 0 || kept > 1 {
		return c.failed(fmt.Errorf("%s: merge needs a duplicate and the person kept", c.Selected()))
	}
	k, r := dc.A, dc.B
	if kept == 1 {
		k, r = dc.B, dc.A
	}
	keptName, retiredName := c.name(k), c.name(r)
	if _, err := c.store.Decide(k, r, storage.DecisionMerge, storage.SaveOptions{Reason: note}); err != nil {
		return c.failed(err)
	}
	return c.done(c.tr.T("conflicts.done.merged", retiredName, keptName))
}

// Dismiss closes the selected conflict without changing a value: a
// duplicate decided "not the same person", or edits after a death or a
// move out found in order.
func (c *Conflicts) Dismiss(note string) error {
	item, err := c.selectedItem()
	if err != nil {
		c.changed()
		return err
	}
	switch x := item.(type) {
	case storage.DuplicateConflict:
		if _, err := c.store.Decide(x.A, x.B, storage.DecisionDistinct, storage.SaveOptions{Reason: note}); err != nil {
			return c.failed(err)
		}
		return c.done(c.tr.T("conflicts.done.distinct", c.name(x.A), c.name(x.B)))
	case storage.PersonConflict:
		if _, err := c.store.Dismiss(x.Person, storage.SaveOptions{Reason: note}); err != nil {
			return c.failed(err)
		}
		return c.done(c.tr.T("conflicts.done.dismissed", c.name(x.Person)))
	}
	return c.failed(fmt.Errorf("%s cannot be dismissed", c.Selected()))
}

// failed shows err beside the buttons.
func (c *Conflicts) failed(err error) error {
	c.mu.Lock()
	c.problem = c.tr.T("conflicts.failed", errText(c.tr, err))
	if errors.Is(err, storage.ErrNoConflict) || errors.Is(err, storage.ErrNotDuplicate) {
		c.problem = c.tr.T("conflicts.gone")
	}
	c.message, c.valueProb = "", ""
	c.mu.Unlock()
	c.changed()
	return err
}

// done reads the queue again after a resolution and says where it goes.
func (c *Conflicts) done(what string) error {
	err := c.Refresh()
	c.mu.Lock()
	c.message = what + " " + c.tr.T("conflicts.next_sync")
	c.problem, c.valueProb = "", ""
	c.mu.Unlock()
	c.changed()
	return err
}

// device says in words which laptop made a change: this one or another.
// The device's own code ("2xtadpwk") means nothing to an officer.
func (c *Conflicts) device(d storage.DeviceID) string {
	if c.store != nil && d == c.store.Profile().Device {
		return c.tr.T("conflicts.device_here")
	}
	return c.tr.T("conflicts.device_other")
}
