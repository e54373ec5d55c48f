package vm

import (
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/report"
)

// Form is the person form: a new person, a correction of every field, or
// an event that changes a few fields (death, a move, temporary residence or
// absence). Each field keeps the text as typed; Set checks it at once and
// puts the message beside it; Save checks the whole record and saves it
// with the field versions seen when the form opened, so an edit made
// meanwhile is not silently overwritten.
type Form struct {
	notifier
	tr    Tr
	store *storage.Store
	now   func() time.Time

	event  storage.Event
	isNew  bool
	orig   storage.Person // the record as opened (zero for a new person)
	seen   map[storage.Field]storage.Version
	fields []storage.Field // the fields shown, in form order

	mu        sync.Mutex
	raw       map[storage.Field]string
	probs     map[storage.Field]string
	reason    string
	message   string // about the form as a whole
	submitted bool   // after a failed save, required fields are flagged as the officer types
	saved     *storage.Person
	missing   []string                 // what the saved record still lacks, in the officer's language
	initial   map[storage.Field]string // the fields as the form opened, to see unsaved changes
	// date is when the event happened, as typed (move out, temporary
	// residence, temporary absence: see HasDate); initialDate its default.
	date, initialDate string
	dateProb          string
	// stale lists, after a save refused because the record changed since
	// the form opened, the fields the officer changed with the value now
	// stored (see Stale and SaveOnNewVersion).
	stale     []StaleField
	other     storage.ID    // the person the last refusal named (other.go)
	otherOf   storage.Field // the field that refusal was about: typing in it forgets other
	messageOK bool          // message says something went well (a QR fill)
}

// NewPersonForm opens a person for correction (p non-nil) or a blank form
// for registering a new one.
func NewPersonForm(tr Tr, store *storage.Store, p *storage.Person) *Form {
	if p == nil {
		return newForm(tr, store, storage.EventRegister, nil, allFields(), nil)
	}
	return newForm(tr, store, storage.EventCorrection, p, allFields(), nil)
}

// eventFields are the fields an event on an existing person changes.
var eventFields = map[storage.Event][]storage.Field{
	storage.EventDeath: {storage.FieldStatus, storage.FieldDeathDate},
	storage.EventMoveOut: {storage.FieldPermanentAddressCode, storage.FieldPermanentAddressDetail,
		storage.FieldCurrentAddressCode, storage.FieldCurrentAddressDetail,
		storage.FieldHouseholdNumber, storage.FieldRelationshipToHead},
	storage.EventMoveIn: {storage.FieldHouseholdNumber, storage.FieldRelationshipToHead,
		storage.FieldPermanentAddressCode, storage.FieldPermanentAddressDetail,
		storage.FieldCurrentAddressCode, storage.FieldCurrentAddressDetail},
	storage.EventTemporaryResidence: {storage.FieldTemporaryAddressCode, storage.FieldTemporaryAddressDetail},
	storage.EventTemporaryAbsence:   {storage.FieldTemporaryAbsenceCode, storage.FieldTemporaryAbsenceDetail},
}

// PersonEvents are the events the household view offers on a member, in
// menu order.
var PersonEvents = []storage.Event{storage.EventDeath, storage.EventMoveOut, storage.EventTemporaryResidence, storage.EventTemporaryAbsence}

// NewEventForm opens the fields event changes on person p: death (status
// dead and the date), move out (the new address; the person leaves the
// household), move in (into a household of this commune), temporary
// residence, temporary absence.
func NewEventForm(tr Tr, store *storage.Store, ev storage.Event, p *storage.Person) *Form {
	fs, ok := eventFields[ev]
	if !ok {
		fs = allFields()
	}
	preset := map[storage.Field]string{}
	switch ev {
	case storage.EventDeath:
		preset[storage.FieldStatus] = storage.StatusDead
	case storage.EventMoveOut:
		preset[storage.FieldHouseholdNumber] = ""
		preset[storage.FieldRelationshipToHead] = ""
		preset[storage.FieldPermanentAddressCode] = ""
		preset[storage.FieldPermanentAddressDetail] = ""
		preset[storage.FieldCurrentAddressCode] = ""
		preset[storage.FieldCurrentAddressDetail] = ""
	}
	return newForm(tr, store, ev, p, fs, preset)
}

// NewArrivalForm opens a blank person form for someone joining household
// h: a birth (the child of the head or the head's spouse) or a move in
// from elsewhere. The household's number and address are filled in, and
// for a birth the relationship, parents, ethnicity and religion from the
// head, all of which the officer can change.
func NewArrivalForm(tr Tr, store *storage.Store, ev storage.Event, h *storage.Household, head *storage.Person) *Form {
	preset := map[storage.Field]string{
		storage.FieldHouseholdNumber:        h.Number,
		storage.FieldPermanentAddressCode:   h.AddressCode,
		storage.FieldPermanentAddressDetail: h.AddressDetail,
		storage.FieldCurrentAddressCode:     h.AddressCode,
		storage.FieldCurrentAddressDetail:   h.AddressDetail,
		storage.FieldNationality:            "VN",
	}
	if ev == storage.EventBirth {
		preset[storage.FieldRelationshipToHead] = "Con"
		preset[storage.FieldStatus] = storage.StatusLiving
		if head != nil {
			for _, f := range []storage.Field{storage.FieldEthnicity, storage.FieldReligion} {
				preset[f] = head.Get(f)
			}
			self := [2]string{head.FullName(), head.IDNumber()}
			spouse := [2]string{head.Get(storage.FieldSpouseName), head.Get(storage.FieldSpouseIDNumber)}
			father, mother := self, spouse
			if head.Get(storage.FieldSex) == storage.SexFemale {
				father, mother = spouse, self
			}
			preset[storage.FieldFatherName], preset[storage.FieldFatherIDNumber] = father[0], father[1]
			preset[storage.FieldMotherName], preset[storage.FieldMotherIDNumber] = mother[0], mother[1]
		}
	}
	return newForm(tr, store, ev, nil, allFields(), preset)
}

func allFields() []storage.Field {
	var fs []storage.Field
	for _, g := range PersonGroups {
		fs = append(fs, g.Fields...)
	}
	return fs
}

func newForm(tr Tr, store *storage.Store, ev storage.Event, p *storage.Person, fields []storage.Field, preset map[storage.Field]string) *Form {
	f := &Form{tr: tr, store: store, now: time.Now, event: ev, isNew: p == nil, fields: fields,
		raw: map[storage.Field]string{}, probs: map[storage.Field]string{}}
	if p != nil {
		f.orig = *p
		f.seen = make(map[storage.Field]storage.Version, storage.NumFields)
		for _, fl := range storage.Fields() {
			f.seen[fl] = p.Versions[fl]
			f.raw[fl] = editText(fl, p.Get(fl))
		}
	}
	for fl, v := range preset {
		f.raw[fl] = v
	}
	if f.isNew && f.raw[storage.FieldNationality] == "" {
		f.raw[storage.FieldNationality] = "VN"
	}
	f.initial = make(map[storage.Field]string, len(f.raw))
	for fl, v := range f.raw {
		f.initial[fl] = v
	}
	if f.HasDate() {
		f.date = today(f.now()).Vietnamese()
		f.initialDate = f.date
	}
	f.check()
	return f
}

// Dirty reports whether the officer typed something the form has not
// saved: a field or the reason changed since the form opened or was last
// saved. Leaving a dirty form asks first.
func (f *Form) Dirty() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.saved == nil && strings.TrimSpace(f.reason) != "" {
		return true
	}
	if f.saved == nil && strings.TrimSpace(f.date) != strings.TrimSpace(f.initialDate) {
		return true
	}
	for _, fl := range f.fields {
		if strings.TrimSpace(f.raw[fl]) != strings.TrimSpace(f.initial[fl]) {
			return true
		}
	}
	return false
}

// Missing returns what the saved record still lacks that the Law on
// Identification requires (report.CheckPerson), one message each, after a
// successful Save; nil before.
func (f *Form) Missing() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.missing...)
}

// MissingOf returns what p lacks that the Law on Identification requires,
// or a mismatch of its ID number, one message each in tr's language, on
// the date of now: what the person's page lists under its name.
func MissingOf(tr Tr, p *storage.Person, now time.Time) []string {
	var out []string
	for _, it := range report.CheckPerson(p, report.DateOf(now)) {
		out = append(out, it.Message(tr.Lang()))
	}
	return out
}

// missingSummary names the fields of the messages of report.CheckPerson
// on p, for the one line that confirms a save.
func missingSummary(tr Tr, p *storage.Person, now time.Time) string {
	var names []string
	seen := map[string]bool{}
	for _, it := range report.CheckPerson(p, report.DateOf(now)) {
		fl, ok := storage.FieldByName(it.Field)
		if !ok || seen[it.Field] {
			continue
		}
		seen[it.Field] = true
		names = append(names, strings.ToLower(FieldLabel(tr, fl)))
	}
	return strings.Join(names, ", ")
}

// editText is how a stored value appears in its input: dates the
// Vietnamese way, everything else as stored.
func editText(f storage.Field, v string) string {
	if InputOf(f) == InputDate {
		return storage.DisplayValue(f, v)
	}
	return v
}

// IsNew reports whether the form registers a new person.
func (f *Form) IsNew() bool { return f.isNew }

// Event is the event the save records.
func (f *Form) Event() storage.Event { return f.event }

// Person is the record as opened (zero ID for a new person).
func (f *Form) Person() storage.Person { return f.orig }

// Title is the form's heading.
func (f *Form) Title() string {
	name := f.orig.FullName()
	switch {
	case f.isNew:
		return f.tr.T("form.title.new." + f.event.String())
	case f.event == storage.EventCorrection:
		return f.tr.T("form.title.edit", name)
	}
	return f.tr.T("event."+f.event.String()) + ": " + name
}

// Groups returns the groups with the fields this form shows.
func (f *Form) Groups() []Group {
	shown := map[storage.Field]bool{}
	for _, fl := range f.fields {
		shown[fl] = true
	}
	var out []Group
	for _, g := range PersonGroups {
		var fs []storage.Field
		for _, fl := range g.Fields {
			if shown[fl] {
				fs = append(fs, fl)
			}
		}
		if len(fs) > 0 {
			out = append(out, Group{Key: g.Key, Fields: fs})
		}
	}
	return out
}

func (f *Form) shows(fl storage.Field) bool {
	for _, x := range f.fields {
		if x == fl {
			return true
		}
	}
	return false
}

// Fields returns the fields shown, in form order.
func (f *Form) Fields() []storage.Field { return f.fields }

// Value returns the text of field as typed (or as opened).
func (f *Form) Value(fl storage.Field) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.raw[fl]
}

// Problem returns the message beside field, or "".
func (f *Form) Problem(fl storage.Field) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.probs[fl]
}

// Problems returns every message by field.
func (f *Form) Problems() map[storage.Field]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[storage.Field]string, len(f.probs))
	for k, v := range f.probs {
		out[k] = v
	}
	return out
}

// Message is the form-wide message (a save error, a record changed
// meanwhile, "saved"), or "".
func (f *Form) Message() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.message
}

// Reason is the note kept in the history.
func (f *Form) Reason() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reason
}

// ReasonRequired reports whether Save needs a reason: every change to an
// existing record says why, so that its history can be read.
func (f *Form) ReasonRequired() bool { return !f.isNew }

// SetReason sets the note kept in the history.
func (f *Form) SetReason(s string) {
	f.mu.Lock()
	f.reason = s
	f.mu.Unlock()
}

// Set records what the officer typed in field and checks it at once: the
// field alone, then the record as a whole (an ID number that disagrees with
// the sex marks both fields).
func (f *Form) Set(fl storage.Field, raw string) {
	f.mu.Lock()
	f.raw[fl] = raw
	if fl == f.otherOf {
		f.other = storage.ID{}
	}
	f.mu.Unlock()
	f.check()
	f.changed()
}

// check recomputes the message beside every field.
func (f *Form) check() {
	f.mu.Lock()
	defer f.mu.Unlock()
	lang := f.tr.Lang()
	probs := map[storage.Field]string{}
	draft := f.orig
	for _, fl := range storage.Fields() {
		raw, ok := f.raw[fl]
		if !ok {
			continue
		}
		v, p := storage.Canonicalize(fl, raw)
		if p != nil {
			probs[fl] = p.Message(lang)
			draft.Values[fl] = ""
			continue
		}
		draft.Values[fl] = v
	}
	for _, p := range storage.ValidatePerson(&draft, f.now()) {
		if p.Code == "required" && !f.submitted {
			continue
		}
		for _, fl := range []storage.Field{p.Field, p.Other} {
			if fl != 0 && probs[fl] == "" {
				probs[fl] = p.Message(lang)
			}
		}
	}
	f.probs = probs
	f.dateProb = f.checkDate()
}

// FillFromQR fills the form from the text of a citizen identity card's QR
// code, as a USB scanner types it. It returns false, with the reason in
// Message, when the text is no such code.
func (f *Form) FillFromQR(text string) bool {
	d, err := storage.ParseCCCDQR(text)
	if err != nil {
		var ps storage.Problems
		msg := err.Error()
		if errors.As(err, &ps) {
			msg = ps.Message(f.tr.Lang())
		}
		f.mu.Lock()
		f.message, f.messageOK = f.tr.T("form.qr_bad", msg), false
		f.mu.Unlock()
		f.changed()
		return false
	}
	f.mu.Lock()
	for fl, v := range d {
		f.raw[fl] = editText(fl, v)
		if fl == f.otherOf {
			f.other = storage.ID{}
		}
	}
	f.message = f.tr.T("form.qr_filled", len(d))
	f.messageOK = true
	f.mu.Unlock()
	f.check()
	f.changed()
	return true
}

// Save checks and saves the form: AddPerson for a new person, EditPerson
// with the versions seen at opening otherwise. On failure the messages are
// beside the fields and in Message; nothing is saved.
func (f *Form) Save() (*storage.Person, error) {
	f.mu.Lock()
	f.submitted = true
	f.other, f.messageOK = storage.ID{}, false
	reason := strings.TrimSpace(f.reason)
	vals := storage.Values{}
	for _, fl := range f.fields {
		raw := f.raw[fl]
		if f.isNew {
			if strings.TrimSpace(raw) != "" {
				vals[fl] = raw
			}
			continue
		}
		v, p := storage.Canonicalize(fl, raw)
		if p != nil || v != f.orig.Values[fl] {
			vals[fl] = raw
		}
	}
	f.mu.Unlock()
	f.check()

	fail := func(msg string) (*storage.Person, error) {
		f.mu.Lock()
		f.message = msg
		f.mu.Unlock()
		f.changed()
		return nil, errInvalid
	}
	if probs := f.Problems(); len(probs) > 0 || f.DateProblem() != "" {
		msg := f.tr.T("form.fix_fields")
		// A problem in a field this form does not show (an event form on a
		// record with an old mistake) is spelled out here.
		for _, fl := range storage.Fields() {
			if probs[fl] != "" && !f.shows(fl) {
				msg += " " + probs[fl]
			}
		}
		return fail(msg)
	}
	if !f.isNew && len(vals) == 0 {
		return fail(f.tr.T("form.nothing_changed"))
	}
	if f.ReasonRequired() && reason == "" {
		return fail(f.tr.T("form.reason_required"))
	}
	reason = f.datedReason(reason)
	if f.event == storage.EventMoveOut && f.orig.IsHead() {
		if ms, err := f.store.Members(f.orig.Get(storage.FieldHouseholdNumber)); err == nil && len(ms) > 1 {
			return fail(f.tr.T("form.head_moves_out"))
		}
	}
	opts := storage.SaveOptions{Event: f.event, Reason: reason, Seen: f.seen}
	var p *storage.Person
	var err error
	if f.isNew {
		p, err = f.store.AddPerson(vals, opts)
	} else {
		p, _, err = f.store.EditPerson(f.orig.ID, vals, opts)
	}
	if err != nil {
		return f.saveFailed(err)
	}
	missing := MissingOf(f.tr, p, f.now())
	msg := f.tr.T("form.saved", p.FullName())
	if len(missing) > 0 {
		msg += " " + f.tr.T("form.saved_missing", missingSummary(f.tr, p, f.now()))
	}
	f.mu.Lock()
	f.saved = p
	f.missing = missing
	f.message, f.messageOK = msg, true
	for fl, v := range f.raw {
		f.initial[fl] = v
	}
	f.mu.Unlock()
	f.changed()
	return p, nil
}

// saveFailed puts the store's answer where the officer looks for it.
func (f *Form) saveFailed(err error) (*storage.Person, error) {
	lang := f.tr.Lang()
	f.mu.Lock()
	var ps storage.Problems
	switch {
	case errors.As(err, &ps):
		for _, p := range ps {
			if f.other == (storage.ID{}) {
				f.other, f.otherOf = p.Person, p.Field
			}
			for _, fl := range []storage.Field{p.Field, p.Other} {
				if fl != 0 && f.probs[fl] == "" {
					f.probs[fl] = p.Message(lang)
				}
			}
		}
		f.message = f.tr.T("form.fix_fields") + " " + ps.Message(lang)
	case errors.Is(err, storage.ErrStale):
		f.message = f.tr.T("form.stale")
	case errors.Is(err, storage.ErrNothingChanged):
		f.message = f.tr.T("form.nothing_changed")
	default:
		f.message = f.tr.T("form.save_failed", errText(f.tr, err))
	}
	f.mu.Unlock()
	if errors.Is(err, storage.ErrStale) {
		f.noteStale()
	}
	f.changed()
	return nil, err
}

// Saved returns the record as saved, or nil before a successful Save.
func (f *Form) Saved() *storage.Person {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.saved
}
