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

const encodingV1 = 1

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

// MarshalBinary encodes the person record.
func (p *Person) MarshalBinary() ([]byte, error) {
	e := enc{b: make([]byte, 0, 256)}
	e.byte1(encodingV1)
	e.id(p.ID)
	for f := Field(1); f < numFields; f++ {
		if p.Values[f] == "" && p.Versions[f].IsZero() {
			continue
		}
		e.byte1(byte(f))
		e.str(p.Values[f])
		e.version(p.Versions[f])
	}
	return e.b, nil
}

// UnmarshalBinary decodes a person record; it never panics on bad input.
func (p *Person) UnmarshalBinary(b []byte) error {
	*p = Person{}
	d := dec{b: b}
	if v := d.byte1(); d.err == nil && v != encodingV1 {
		return fmt.Errorf("%w: person encoding version %d", ErrCorrupt, v)
	}
	p.ID = d.id()
	last := Field(0)
	for d.err == nil && len(d.b) > 0 {
		f := Field(d.byte1())
		if !f.Valid() || f <= last {
			d.fail("person field out of order")
			break
		}
		last = f
		p.Values[f] = d.str()
		p.Versions[f] = d.version()
	}
	return d.end()
}

// MarshalBinary encodes the household record.
func (h *Household) MarshalBinary() ([]byte, error) {
	e := enc{b: make([]byte, 0, 96)}
	e.byte1(encodingV1)
	e.id(h.ID)
	e.str(h.Number)
	e.str(h.AddressCode)
	e.str(h.AddressDetail)
	e.id(h.Head)
	for f := HouseholdField(1); f < numHouseholdFields; f++ {
		e.version(h.Versions[f])
	}
	return e.b, nil
}

// UnmarshalBinary decodes a household record; it never panics on bad input.
func (h *Household) UnmarshalBinary(b []byte) error {
	*h = Household{}
	d := dec{b: b}
	if v := d.byte1(); d.err == nil && v != encodingV1 {
		return fmt.Errorf("%w: household encoding version %d", ErrCorrupt, v)
	}
	h.ID = d.id()
	h.Number = d.str()
	h.AddressCode = d.str()
	h.AddressDetail = d.str()
	h.Head = d.id()
	for f := HouseholdField(1); f < numHouseholdFields; f++ {
		h.Versions[f] = d.version()
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
