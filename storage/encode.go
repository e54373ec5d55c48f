package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Records and operations are stored in a small deterministic binary
// encoding: unsigned varints and length-prefixed strings, fields in a fixed
// order, empty fields omitted, no maps. Equal values always encode to equal
// bytes, which the district's state digest relies on. Each encoding starts
// with a version byte so that later formats can be read beside old ones.

const (
	encodingV1 = 1
	// encodingV2 stores a record's field versions as references into a
	// small table of the devices that wrote them (one device, usually, so
	// 16 bytes once instead of once per field) and their clock readings
	// delta-encoded in field order (a registered record's fields share one
	// reading, so every field after the first costs one byte).
	encodingV2 = 2
)

// MaxStringLen bounds any string read from an encoding: a field value is a
// name, code or address line, never a document.
const MaxStringLen = 4096

// ErrCorrupt is wrapped by every decoding error.
var ErrCorrupt = errors.New("corrupt record")

type enc struct{ b []byte }

func (e *enc) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *enc) byte1(v byte)     { e.b = append(e.b, v) }

type dec struct {
	b   []byte
	err error
}

func (d *dec) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrCorrupt, what)
	}
}

func (d *dec) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) byte1() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.fail("truncated")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *dec) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > MaxStringLen || n > uint64(len(d.b)) {
		d.fail("string length out of bounds")
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	if !utf8.ValidString(s) {
		d.fail("string is not UTF-8")
		return ""
	}
	return s
}

func (d *dec) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail("trailing bytes")
	}
	return d.err
}

func (e *enc) version(v Version) {
	e.uvarint(uint64(v.HLC))
	e.str(string(v.Device))
}

func (d *dec) version() Version {
	h := HLC(d.uvarint())
	return Version{HLC: h, Device: DeviceID(d.str())}
}

func (e *enc) id(id ID) { e.str(id.Origin); e.uvarint(id.N) }
func (d *dec) id() ID   { o := d.str(); return ID{Origin: o, N: d.uvarint()} }

// versionTable encodes the versions of one record (encodingV2): the
// devices in order of first use, then per version a device reference (0 for
// none, i+1 for the i-th device) and the clock reading as a zigzag delta
// from the previous one.
type versionTable struct {
	devs []DeviceID
	prev HLC
}

func (t *versionTable) add(d DeviceID) {
	if d == "" {
		return
	}
	for _, x := range t.devs {
		if x == d {
			return
		}
	}
	t.devs = append(t.devs, d)
}

func (e *enc) versionTable(t *versionTable) {
	e.uvarint(uint64(len(t.devs)))
	for _, d := range t.devs {
		e.str(string(d))
	}
}

func (e *enc) versionRef(t *versionTable, v Version) {
	ref := 0
	if v.Device != "" {
		for i, d := range t.devs {
			if d == v.Device {
				ref = i + 1
				break
			}
		}
	}
	e.uvarint(uint64(ref))
	delta := int64(v.HLC - t.prev) // wraps: any two readings have a delta
	e.uvarint(uint64(delta<<1) ^ uint64(delta>>63))
	t.prev = v.HLC
}

// maxVersionDevices bounds a record's device table: a record has at most
// one version per field.
const maxVersionDevices = int(numFields)

func (d *dec) versionTable() *versionTable {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(maxVersionDevices) {
		d.fail("too many devices")
		return nil
	}
	t := &versionTable{devs: make([]DeviceID, 0, n)}
	for i := uint64(0); i < n && d.err == nil; i++ {
		s := d.str()
		if s == "" {
			d.fail("empty device")
		}
		t.devs = append(t.devs, DeviceID(s))
	}
	return t
}

func (d *dec) versionRef(t *versionTable) Version {
	ref := d.uvarint()
	z := d.uvarint()
	if d.err != nil {
		return Version{}
	}
	var v Version
	if ref > 0 {
		if ref > uint64(len(t.devs)) {
			d.fail("device reference out of bounds")
			return Version{}
		}
		v.Device = t.devs[ref-1]
	}
	delta := int64(z>>1) ^ -int64(z&1)
	v.HLC = t.prev + HLC(delta)
	t.prev = v.HLC
	return v
}

// MarshalBinary encodes the person record.
func (p *Person) MarshalBinary() ([]byte, error) {
	e := enc{b: make([]byte, 0, 192)}
	e.byte1(encodingV2)
	e.id(p.ID)
	var t versionTable
	for f := Field(1); f < numFields; f++ {
		t.add(p.Versions[f].Device)
	}
	e.versionTable(&t)
	for f := Field(1); f < numFields; f++ {
		if p.Values[f] == "" && p.Versions[f].IsZero() {
			continue
		}
		e.byte1(byte(f))
		e.str(p.Values[f])
		e.versionRef(&t, p.Versions[f])
	}
	return e.b, nil
}

// UnmarshalBinary decodes a person record; it never panics on bad input.
func (p *Person) UnmarshalBinary(b []byte) error { return p.unmarshal(b, nil) }

// interner hands out one string for each value of the coded fields that
// repeat from record to record (sex, ethnicity, address codes …), so that
// a walk over every person does not allocate and validate them again for
// each. It holds at most internMax values.
type interner map[string]string

const internMax = 1 << 14

// interned reports the fields whose values repeat across records.
func interned(f Field) bool {
	switch f {
	case FieldSex, FieldEthnicity, FieldReligion, FieldNationality, FieldBloodType, FieldMaritalStatus,
		FieldPermanentAddressCode, FieldTemporaryAddressCode, FieldTemporaryAbsenceCode, FieldCurrentAddressCode,
		FieldRelationshipToHead, FieldHometown, FieldBirthRegistrationPlace, FieldIDIssuePlace, FieldOccupation, FieldStatus:
		return true
	}
	return false
}

// str reads a string as d.str does, through the interner.
func (in interner) str(d *dec) string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > MaxStringLen || n > uint64(len(d.b)) {
		d.fail("string length out of bounds")
		return ""
	}
	b := d.b[:n]
	if s, ok := in[string(b)]; ok { // no allocation for the lookup
		d.b = d.b[n:]
		return s
	}
	d.b = d.b[n:]
	if !utf8.Valid(b) {
		d.fail("string is not UTF-8")
		return ""
	}
	s := string(b)
	if len(in) < internMax {
		in[s] = s
	}
	return s
}

// unmarshal decodes a person record, its coded values through in when
// in is not nil.
func (p *Person) unmarshal(b []byte, in interner) error {
	*p = Person{}
	d := dec{b: b}
	v := d.byte1()
	if d.err == nil && v != encodingV1 && v != encodingV2 {
		return fmt.Errorf("%w: person encoding version %d", ErrCorrupt, v)
	}
	if in != nil {
		// The device tags of identifiers repeat too.
		o := in.str(&d)
		p.ID = ID{Origin: o, N: d.uvarint()}
	} else {
		p.ID = d.id()
	}
	var t *versionTable
	if v == encodingV2 {
		t = d.versionTable()
	}
	last := Field(0)
	for d.err == nil && len(d.b) > 0 {
		f := Field(d.byte1())
		if !f.Valid() || f <= last {
			d.fail("person field out of order")
			break
		}
		last = f
		if in != nil && interned(f) {
			p.Values[f] = in.str(&d)
		} else {
			p.Values[f] = d.str()
		}
		if t != nil {
			p.Versions[f] = d.versionRef(t)
		} else {
			p.Versions[f] = d.version()
		}
	}
	return d.end()
}

// MarshalBinary encodes the household record.
func (h *Household) MarshalBinary() ([]byte, error) {
	e := enc{b: make([]byte, 0, 64)}
	e.byte1(encodingV2)
	e.id(h.ID)
	e.str(h.Number)
	e.str(h.AddressCode)
	e.str(h.AddressDetail)
	e.id(h.Head)
	var t versionTable
	for f := HouseholdField(1); f < numHouseholdFields; f++ {
		t.add(h.Versions[f].Device)
	}
	e.versionTable(&t)
	for f := HouseholdField(1); f < numHouseholdFields; f++ {
		e.versionRef(&t, h.Versions[f])
	}
	return e.b, nil
}

// UnmarshalBinary decodes a household record; it never panics on bad input.
func (h *Household) UnmarshalBinary(b []byte) error {
	*h = Household{}
	d := dec{b: b}
	v := d.byte1()
	if d.err == nil && v != encodingV1 && v != encodingV2 {
		return fmt.Errorf("%w: household encoding version %d", ErrCorrupt, v)
	}
	h.ID = d.id()
	h.Number = d.str()
	h.AddressCode = d.str()
	h.AddressDetail = d.str()
	h.Head = d.id()
	var t *versionTable
	if v == encodingV2 {
		t = d.versionTable()
	}
	for f := HouseholdField(1); f < numHouseholdFields; f++ {
		if t != nil {
			h.Versions[f] = d.versionRef(t)
		} else {
			h.Versions[f] = d.version()
		}
	}
	return d.end()
}

// MaxChanges bounds the field changes one operation may carry.
const MaxChanges = 256

// MarshalBinary encodes the operation deterministically.
func (o *Op) MarshalBinary() ([]byte, error) {
	if len(o.Changes) > MaxChanges {
		return nil, fmt.Errorf("operation has %d changes, more than %d", len(o.Changes), MaxChanges)
	}
	e := enc{b: make([]byte, 0, 64+32*len(o.Changes))}
	e.byte1(encodingV1)
	e.str(string(o.Device))
	e.uvarint(o.Seq)
	e.uvarint(uint64(o.HLC))
	e.str(o.Officer)
	e.byte1(byte(o.Kind))
	e.id(o.ID)
	e.byte1(byte(o.Event))
	e.str(o.Reason)
	e.uvarint(uint64(len(o.Changes)))
	for _, c := range o.Changes {
		e.byte1(c.Field)
		e.version(c.Seen)
		e.str(c.Old)
		e.str(c.New)
	}
	return e.b, nil
}

// UnmarshalBinary decodes an operation; it never panics on bad input.
func (o *Op) UnmarshalBinary(b []byte) error {
	*o = Op{}
	d := dec{b: b}
	if v := d.byte1(); d.err == nil && v != encodingV1 {
		return fmt.Errorf("%w: operation encoding version %d", ErrCorrupt, v)
	}
	o.Device = DeviceID(d.str())
	o.Seq = d.uvarint()
	o.HLC = HLC(d.uvarint())
	o.Officer = d.str()
	o.Kind = EntityKind(d.byte1())
	o.ID = d.id()
	o.Event = Event(d.byte1())
	o.Reason = d.str()
	n := d.uvarint()
	if n > MaxChanges {
		d.fail("too many changes")
	}
	if d.err == nil && n > 0 {
		o.Changes = make([]Change, n)
		for i := range o.Changes {
			c := &o.Changes[i]
			c.Field = d.byte1()
			c.Seen = d.version()
			c.Old = d.str()
			c.New = d.str()
		}
	}
	return d.end()
}
