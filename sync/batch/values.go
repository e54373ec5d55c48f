package batch

import (
	"encoding/binary"
	"math/bits"
	"sort"

	"github.com/communekit/communekit/storage"
)

// Value columns. A new value is written either as a literal (literal.go)
// or, when an equal value of at least refMinLen bytes sits in a lower
// field of an operation at most refWindow away, as a reference to it: the
// father's name is the full name of the household head two operations
// back, the spouse's ID number the ID number of the next operation, the
// current address the permanent address of the same one. zstd finds such
// repeats too, but a match into another column kilobytes back costs it
// three bytes or so, and the tokens of one column are nearly all alike.
// Repeats within a column (the household number of the previous person)
// are left to zstd, which codes them as well as a token would: measured,
// references within a column made batches bigger.

// terminator ends every text literal. 0xFF never occurs in UTF-8, so no
// length is needed and zstd sees only text.
const terminator = 0xff

const (
	refMinLen = 6  // shorter values are cheaper as literals
	refWindow = 16 // how many operations away a reference may point
)

// valuePos is one change inside the operations being encoded.
type valuePos struct{ op, change int }

// target is a value a later one may refer to: the new value of the first
// change of a field in an operation.
type target struct {
	op    int
	field uint8
}

// refIndex finds, for a new value, the nearest equal one already decoded
// when the decoder reaches it (DecodeOps reads the value columns in
// (kind, field) order). Only the first change of a field in an
// operation can be a target, so (operation, field) names it.
type refIndex struct {
	byValue map[string][]target // in operation order
}

func newRefIndex(ops []*storage.Op) *refIndex {
	r := &refIndex{byValue: make(map[string][]target)}
	for i, o := range ops {
		for j, c := range o.Changes {
			if len(c.New) < refMinLen || firstOfField(o.Changes, j) != j {
				continue
			}
			r.byValue[c.New] = append(r.byValue[c.New], target{op: i, field: c.Field})
		}
	}
	return r
}

// firstOfField returns the index of the first change with the field of
// changes[j].
func firstOfField(changes []storage.Change, j int) int {
	for i := range changes[:j] {
		if changes[i].Field == changes[j].Field {
			return i
		}
	}
	return j
}

// token returns 0 for a literal, else 1 + zigzag(op distance)<<8 + field.
// The nearest target wins; at equal distance the earlier operation, then
// the lower field. The target must be in a column the decoder has read
// already: a lower field of the same kind.
func (r *refIndex) token(ops []*storage.Op, p valuePos) uint64 {
	o := ops[p.op]
	c := &o.Changes[p.change]
	if len(c.New) < refMinLen {
		return 0
	}
	ts := r.byValue[c.New]
	lo := sort.Search(len(ts), func(k int) bool { return ts[k].op >= p.op-refWindow })
	best, bestDist := target{}, -1
	for _, t := range ts[lo:] {
		if t.op > p.op+refWindow {
			break
		}
		if ops[t.op].Kind != o.Kind || t.field >= c.Field {
			continue
		}
		d := t.op - p.op
		var dist int
		if d > 0 {
			dist = 2*d + 1 // after the earlier operation at the same distance
		} else {
			dist = -2 * d
		}
		if bestDist < 0 || dist < bestDist || dist == bestDist && t.field < best.field {
			best, bestDist = t, dist
		}
	}
	if bestDist < 0 {
		return 0
	}
	return 1 + zigzag(int64(best.op-p.op))<<8 + uint64(best.field)
}

// tokenMRU is token, except that a target at the same distance and field
// as the previous reference of the column wins over a nearer one: a column
// of identical tokens costs zstd almost nothing.
func (r *refIndex) tokenMRU(ops []*storage.Op, p valuePos, prev uint64) uint64 {
	if prev != 0 {
		t := prev - 1
		f := uint8(t)
		j := p.op + int(unzigzag(t>>8))
		o := ops[p.op]
		c := &o.Changes[p.change]
		if len(c.New) >= refMinLen && j >= 0 && j < len(ops) && ops[j].Kind == o.Kind && f < c.Field {
			for k, tc := range ops[j].Changes {
				if tc.Field == f {
					if tc.New == c.New && firstOfField(ops[j].Changes, k) == k && len(tc.New) >= refMinLen {
						return prev
					}
					break
				}
			}
		}
	}
	return r.token(ops, p)
}

func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// Shapes. Most operations list their fields in ascending order, each once
// (a new record lists every field it sets): their fields are written as a
// bitmap, which zstd compresses to almost nothing because households share
// the same few shapes. Any other list is written out.
//
//	uvarint 2n+1, then n field bytes      fields as listed (fewer than 4, or not ascending)
//	uvarint 2m,   then m bitmap bytes     ascending fields, bit f%8 of byte f/8; last byte non-zero
const shapeMinBitmap = 4

func appendShape(b []byte, changes []storage.Change) []byte {
	if len(changes) >= shapeMinBitmap && ascending(changes) {
		m := int(changes[len(changes)-1].Field)/8 + 1
		b = binary.AppendUvarint(b, uint64(2*m))
		start := len(b)
		b = append(b, make([]byte, m)...)
		for _, c := range changes {
			b[start+int(c.Field)/8] |= 1 << (c.Field % 8)
		}
		return b
	}
	b = binary.AppendUvarint(b, uint64(2*len(changes)+1))
	for _, c := range changes {
		b = append(b, c.Field)
	}
	return b
}

func ascending(changes []storage.Change) bool {
	for i := 1; i < len(changes); i++ {
		if changes[i].Field <= changes[i-1].Field {
			return false
		}
	}
	return true
}

// shape reads one operation's fields.
func (d *opsDecoder) shape() []uint8 {
	u := d.uvarint("fields")
	if d.err != nil {
		return nil
	}
	if u&1 == 1 {
		n := u >> 1
		if n > storage.MaxChanges {
			d.fail("operation has %d changes, more than %d", n, storage.MaxChanges)
			return nil
		}
		return d.bytes(n, "fields")
	}
	m := u >> 1
	if m > 32 {
		d.fail("field bitmap of %d bytes, more than 32", m)
		return nil
	}
	bm := d.bytes(m, "field bitmap")
	var fs []uint8
	for i, x := range bm {
		for x != 0 {
			fs = append(fs, uint8(8*i+bits.TrailingZeros8(x)))
			x &= x - 1
		}
	}
	return fs
}
