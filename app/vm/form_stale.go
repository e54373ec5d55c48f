package vm

import (
	"strings"

	"github.com/communekit/communekit/storage"
)

// A save is refused (storage.ErrStale) when a field the officer changed
// was changed elsewhere after the form opened: by another form, a
// conflict's resolution or a sync. Instead of closing the form and typing
// the change again, the officer is shown each field they changed with
// their value and the value now stored, keeps theirs or takes the stored
// one, field by field, and saves on the record as it now is.

// StaleField is one field the officer changed, beside the value stored
// now.
type StaleField struct {
	Field storage.Field
	Label string // the field's name
	Mine  string // the officer's value, as shown
	// Stored is the value stored now, as shown ("chưa có" when empty);
	// Opened the value the form opened with.
	Stored, Opened string
	// ChangedElsewhere reports whether the stored value is no longer the
	// one the form opened with: the field the officer must decide on.
	ChangedElsewhere bool
}

// Stale returns, after a save refused because the record changed since
// the form opened, each field the officer changed; nil otherwise.
func (f *Form) Stale() []StaleField {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]StaleField(nil), f.stale...)
}

// noteStale reads the record as now stored and lists the fields the
// officer changed beside it.
func (f *Form) noteStale() {
	cur, err := f.store.Person(f.orig.ID)
	if err != nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stale = nil
	for _, fl := range f.changedFields() {
		v, p := storage.Canonicalize(fl, f.raw[fl])
		if p != nil {
			v = strings.TrimSpace(f.raw[fl])
		}
		f.stale = append(f.stale, StaleField{
			Field:  fl,
			Label:  FieldLabel(f.tr, fl),
			Mine:   ValueText(f.tr, fl, v),
			Stored: ValueText(f.tr, fl, cur.Get(fl)),
			Opened: ValueText(f.tr, fl, f.orig.Get(fl)),
			ChangedElsewhere: cur.Get(fl) != f.orig.Get(fl) ||
				cur.Versions[fl] != f.orig.Versions[fl],
		})
	}
}

// changedFields are the fields shown whose value differs from the record
// as opened; f.mu held.
func (f *Form) changedFields() []storage.Field {
	var out []storage.Field
	for _, fl := range f.fields {
		v, p := storage.Canonicalize(fl, f.raw[fl])
		if p != nil || v != f.orig.Values[fl] {
			out = append(out, fl)
		}
	}
	return out
}

// SaveOnNewVersion saves the officer's changes on the record as it is now
// stored: each field the officer changed keeps their value, unless
// takeStored names it, when the stored value is taken instead; every other
// field shows the stored value. The form then stands on the new version
// (a later save checks against it), and saves as Save does; a record
// changed again meanwhile is refused again, with Stale listing anew.
func (f *Form) SaveOnNewVersion(takeStored map[storage.Field]bool) (*storage.Person, error) {
	if f.isNew {
		return f.Save()
	}
	cur, err := f.store.Person(f.orig.ID)
	if err != nil {
		return f.saveFailed(err)
	}
	f.mu.Lock()
	keep := map[storage.Field]bool{}
	for _, fl := range f.changedFields() {
		keep[fl] = !takeStored[fl]
	}
	for _, fl := range storage.Fields() {
		if keep[fl] {
			continue
		}
		f.raw[fl] = editText(fl, cur.Get(fl))
		f.initial[fl] = f.raw[fl]
	}
	f.orig = *cur
	for _, fl := range storage.Fields() {
		f.seen[fl] = cur.Versions[fl]
	}
	f.stale = nil
	f.message = ""
	kept := 0
	for _, k := range keep {
		if k {
			kept++
		}
	}
	f.mu.Unlock()
	f.check()
	if kept == 0 {
		// The officer took every stored value: there is nothing of
		// theirs left to save, and the form shows the record as stored.
		f.mu.Lock()
		f.message = f.tr.T("form.stale_took_stored")
		f.mu.Unlock()
		f.changed()
		return nil, errInvalid
	}
	return f.Save()
}

// ValueText is a stored value as a person reads it: the label of a choice,
// the name of a place, a date the Vietnamese way, "chưa có" when empty.
func ValueText(tr Tr, fl storage.Field, v string) string {
	if strings.TrimSpace(v) == "" {
		return tr.T("value.none")
	}
	switch InputOf(fl) {
	case InputChoice:
		if l := ChoiceLabel(Choices(tr, fl), v); l != "" {
			return l
		}
	case InputUnit:
		if l := UnitLabel(v); l != "" {
			return l
		}
	}
	return storage.DisplayValue(fl, v)
}
