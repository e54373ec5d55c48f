package vm

import (
	"time"

	"github.com/communekit/communekit/storage"
)

// What an event form says about itself: the hint of its reason, one line
// on what the event does, and for a move out, temporary residence or
// temporary absence the date it happened. The record keeps no field for
// that date: it is written at the head of the reason kept in the history
// ("Chuyển đi ngày 05/12/2026: …"), where the officer reading the history
// looks for it.

// datedEvents are the events whose form asks when they happened.
var datedEvents = map[storage.Event]bool{
	storage.EventMoveOut:            true,
	storage.EventTemporaryResidence: true,
	storage.EventTemporaryAbsence:   true,
}

// EventDaysAhead is how far after today an event's date may be: a
// temporary absence or a move is often declared a few days before.
const EventDaysAhead = 30

// HasDate reports whether the form asks when the event happened.
func (f *Form) HasDate() bool { return !f.isNew && datedEvents[f.event] }

// DateLabel is the label of the event's date ("Ngày chuyển đi").
func (f *Form) DateLabel() string { return f.keyed("form.date_label.") }

// Explain is one line on what the event does to the record, or "".
func (f *Form) Explain() string {
	return f.keyed("form.explain.")
}

// ReasonHint is the example under the reason, fitting the form's event
// (a correction: "Ví dụ: sửa theo thẻ CCCD").
func (f *Form) ReasonHint() string {
	if s := f.keyed("form.reason_hint."); s != "" {
		return s
	}
	return f.tr.T("form.reason_placeholder")
}

// keyed is the text of prefix+event, or "" when there is none.
func (f *Form) keyed(prefix string) string {
	key := prefix + f.event.String()
	if !f.tr.Has(key) {
		return ""
	}
	return f.tr.T(key)
}

// Date is the event's date as typed (today's date when the form opens).
func (f *Form) Date() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.date
}

// SetDate records the event's date as typed and checks it at once.
func (f *Form) SetDate(s string) {
	f.mu.Lock()
	f.date = s
	f.mu.Unlock()
	f.check()
	f.changed()
}

// DateProblem is the message beside the event's date, or "".
func (f *Form) DateProblem() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dateProb
}

// checkDate returns the problem with the event's date, or ""; f.mu held.
func (f *Form) checkDate() string {
	if !f.HasDate() {
		return ""
	}
	d, err := storage.ParseDate(f.date)
	switch {
	case err != nil:
		return f.tr.T("form.date_bad", today(f.now()).Vietnamese())
	case d.IsZero():
		return f.tr.T("form.date_required")
	case d.Earliest().After(f.now().AddDate(0, 0, EventDaysAhead)):
		return f.tr.T("form.date_future", EventDaysAhead)
	}
	if b, err := storage.ParseDate(f.orig.Get(storage.FieldBirthDate)); err == nil && !b.IsZero() && d.Before(b) {
		return f.tr.T("form.date_before_birth", b.Vietnamese())
	}
	return ""
}

// datedReason is the reason kept in the history: the event's date first
// when the form asks for one.
func (f *Form) datedReason(reason string) string {
	if !f.HasDate() {
		return reason
	}
	d, err := storage.ParseDate(f.Date())
	if err != nil || d.IsZero() {
		return reason
	}
	return f.tr.T("form.dated."+f.event.String(), d.Vietnamese(), reason)
}

func today(now time.Time) storage.PartialDate {
	return storage.PartialDate{Year: now.Year(), Month: int(now.Month()), Day: now.Day()}
}
