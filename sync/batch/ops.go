package batch

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"unicode/utf8"

	"github.com/communekit/communekit/storage"
)

// The operations encoding is columnar (FORMAT.md, "Operations"): instead of
// one record after another, every attribute of every operation is written
// together — all kinds, then all events, then all sequence numbers as
// steps … then every value of one field, then the next field. Sequence
// numbers become runs of +1, identifiers small steps, strings that repeat
// (device, officer, reason) one-byte references, and zstd sees a column of
// similar names or address lines together, which is where most of the
// compression comes from: see bench_test.go for the figures.

const opsVersion = 1

// Minimum encoded bytes of one operation (its kind, event, device, clock
// counter, officer, reason, origin and fields) and of one change (its seen
// version, reference token and old value). Counts are checked against the
// bytes left before anything is allocated for them.
const (
	minOpBytes     = 8
	minChangeBytes = 3
)

// EncodeOps encodes ops in the canonical columnar encoding: the same ops
// always give the same bytes, and DecodeOps followed by EncodeOps gives
// back the input. It fails on what DecodeOps with [DefaultLimits] would
// refuse: too many operations or changes, strings too long or not UTF-8.
func EncodeOps(ops []*storage.Op) ([]byte, error) {
	b, _, err := encodeOps(ops, DefaultLimits)
	return b, err
}

// colKey names a value column: the record kind and field number, since
// field 1 of a person is not field 1 of a household.
type colKey struct{ kind, field uint8 }

func (k colKey) compare(o colKey) int {
	return cmp.Or(cmp.Compare(k.kind, o.kind), cmp.Compare(k.field, o.field))
}

type opsEncoder struct {
	strIndex map[string]uint64
	strs     []string
}

func (e *opsEncoder) ref(s string) uint64 {
	if i, ok := e.strIndex[s]; ok {
		return i
	}
	i := uint64(len(e.strs))
	e.strIndex[s] = i
	e.strs = append(e.strs, s)
	return i
}

func checkString(what string, s string, l Limits) error {
	if len(s) > l.MaxString {
		return fmt.Errorf("%w: %s is %d bytes, more than %d", ErrMalformedOps, what, len(s), l.MaxString)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s %q is not UTF-8", ErrMalformedOps, what, s)
	}
	return nil
}

func encodeOps(ops []*storage.Op, l Limits) (b []byte, cuts []int, err error) {
	l = l.orDefault()
	if len(ops) > l.MaxOps {
		return nil, nil, fmt.Errorf("%w: %d operations, more than %d", ErrTooManyOps, len(ops), l.MaxOps)
	}
	e := opsEncoder{strIndex: make(map[string]uint64)}
	nChanges := 0
	versions := make(map[storage.Version]uint64)
	var verList []storage.Version
	for i, o := range ops {
		if o == nil {
			return nil, nil, fmt.Errorf("%w: operation %d is nil", ErrMalformedOps, i)
		}
		if len(o.Changes) > storage.MaxChanges {
			return nil, nil, fmt.Errorf("%w: operation %s/%d has %d changes, more than %d", ErrMalformedOps, o.Device, o.Seq, len(o.Changes), storage.MaxChanges)
		}
		for _, s := range [...]struct{ what, s string }{
			{"device", string(o.Device)}, {"officer", o.Officer}, {"reason", o.Reason}, {"identifier origin", o.ID.Origin},
		} {
			if err := checkString(s.what, s.s, l); err != nil {
				return nil, nil, fmt.Errorf("operation %d: %w", i, err)
			}
		}
		e.ref(string(o.Device))
		e.ref(o.Officer)
		e.ref(o.Reason)
		e.ref(o.ID.Origin)
		nChanges += len(o.Changes)
		for _, c := range o.Changes {
			for _, s := range [...]struct{ what, s string }{
				{"old value", c.Old}, {"new value", c.New}, {"seen device", string(c.Seen.Device)},
			} {
				if err := checkString(s.what, s.s, l); err != nil {
					return nil, nil, fmt.Errorf("operation %d: %w", i, err)
				}
			}
			if !c.Seen.IsZero() {
				if _, ok := versions[c.Seen]; !ok {
					versions[c.Seen] = 0
					verList = append(verList, c.Seen)
				}
			}
		}
	}
	// Seen versions are sorted so that the table is a run of small clock
	// deltas per device; changes refer to it by position, 0 meaning the
	// zero version (a field never set, as for every new record).
	slices.SortFunc(verList, func(a, b storage.Version) int {
		return cmp.Or(cmp.Compare(a.Device, b.Device), cmp.Compare(a.HLC, b.HLC))
	})
	for i, v := range verList {
		versions[v] = uint64(i) + 1
		e.ref(string(v.Device))
	}

	w := &colWriter{b: make([]byte, 0, 64+16*len(ops)+40*nChanges)}
	w.b = append(w.b, opsVersion)
	w.uvarint(uint64(len(ops)))
	w.uvarint(uint64(nChanges))

	w.uvarint(uint64(len(e.strs)))
	for _, s := range e.strs {
		w.uvarint(uint64(len(s)))
	}
	for _, s := range e.strs {
		w.b = append(w.b, s...)
	}

	w.uvarint(uint64(len(verList)))
	w.column(len(verList), func(i int) uint64 { return e.strIndex[string(verList[i].Device)] })
	var prevMs uint64
	w.planes(len(verList), func(i int) uint64 {
		ms := uint64(verList[i].HLC) >> 16
		step := (ms - prevMs) & msMask
		prevMs = ms
		return step
	})
	w.column(len(verList), func(i int) uint64 { return uint64(verList[i].HLC) & 0xffff })

	w.cut()
	for _, o := range ops {
		w.b = append(w.b, byte(o.Kind))
	}
	for _, o := range ops {
		w.b = append(w.b, byte(o.Event))
	}
	w.column(len(ops), func(i int) uint64 { return e.strIndex[string(ops[i].Device)] })
	lastSeq := make(map[storage.DeviceID]uint64)
	w.planes(len(ops), func(i int) uint64 {
		o := ops[i]
		step := zigzag(int64(o.Seq - lastSeq[o.Device]))
		lastSeq[o.Device] = o.Seq
		return step
	})
	prevMs = 0
	w.planes(len(ops), func(i int) uint64 {
		ms := uint64(ops[i].HLC) >> 16
		step := (ms - prevMs) & msMask
		prevMs = ms
		return step
	})
	w.column(len(ops), func(i int) uint64 { return uint64(ops[i].HLC) & 0xffff })
	w.column(len(ops), func(i int) uint64 { return e.strIndex[ops[i].Officer] })
	w.column(len(ops), func(i int) uint64 { return e.strIndex[ops[i].Reason] })
	w.column(len(ops), func(i int) uint64 { return e.strIndex[ops[i].ID.Origin] })
	lastN := make(map[string]uint64)
	w.planes(len(ops), func(i int) uint64 {
		o := ops[i]
		step := zigzag(int64(o.ID.N - lastN[o.ID.Origin]))
		lastN[o.ID.Origin] = o.ID.N
		return step
	})
	w.cut()
	for _, o := range ops {
		w.b = appendShape(w.b, o.Changes)
	}

	// A change refers to its seen version as a step from the previous
	// change's (0: the zero version): an officer working through the
	// register in order sees versions in table order, steps of +1.
	w.cut()
	var lastVer uint64
	for _, o := range ops {
		for _, c := range o.Changes {
			v := versions[c.Seen]
			if v == 0 {
				w.b = append(w.b, 0)
				continue
			}
			w.uvarint(1 + zigzag(int64(v-lastVer)))
			lastVer = v
		}
	}

	cols := make(map[colKey][]valuePos)
	for i, o := range ops {
		for j := range o.Changes {
			k := colKey{uint8(o.Kind), o.Changes[j].Field}
			cols[k] = append(cols[k], valuePos{op: i, change: j})
		}
	}
	keys := make([]colKey, 0, len(cols))
	for k := range cols {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, colKey.compare)

	// All reference tokens first, then the literals column by column: the
	// literals are text, the rest numbers, and keeping them apart lets the
	// compressor treat them apart (compress.go).
	w.cut()
	refs := newRefIndex(ops)
	tokens := make([][]uint64, len(keys))
	for i, k := range keys {
		prev := uint64(0)
		for _, p := range cols[k] {
			t := refs.tokenMRU(ops, p, prev)
			tokens[i] = append(tokens[i], t)
			w.uvarint(t)
			if t != 0 {
				prev = t
			}
		}
	}
	for i, k := range keys {
		w.cut()
		for j, p := range cols[k] {
			if tokens[i][j] == 0 {
				w.b = appendLiteral(w.b, ops[p.op].Changes[p.change].New)
			}
		}
		for _, p := range cols[k] {
			w.b = appendLiteral(w.b, ops[p.op].Changes[p.change].Old)
		}
	}
	return w.b, w.cuts, nil
}

// colWriter appends columns and records where each starts (cuts), so
// that the compressor can try frame boundaries there.
type colWriter struct {
	b    []byte
	cuts []int
}

func (w *colWriter) cut() {
	if n := len(w.cuts); n == 0 || w.cuts[n-1] != len(w.b) {
		w.cuts = append(w.cuts, len(w.b))
	}
}

func (w *colWriter) uvarint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }

// column writes n numbers as varints.
func (w *colWriter) column(n int, get func(i int) uint64) {
	w.cut()
	for i := range n {
		w.uvarint(get(i))
	}
}

// planes writes n numbers as byte planes: the width in bytes of the
// largest, then every number's lowest byte, then every number's next
// byte… A column of clock steps becomes a plane of noise and a plane of
// small numbers, which zstd codes better than interleaved varints.
func (w *colWriter) planes(n int, get func(i int) uint64) {
	w.cut()
	vs := make([]uint64, n)
	var all uint64
	for i := range vs {
		vs[i] = get(i)
		all |= vs[i]
	}
	width := (bits.Len64(all) + 7) / 8
	w.b = append(w.b, byte(width))
	for k := range width {
		for _, v := range vs {
			w.b = append(w.b, byte(v>>(8*k)))
		}
	}
}

// msMask keeps the 48 bits of milliseconds of a clock reading. Clock steps
// wrap around at 2^48, so that the usual step forward is a small number
// with no sign bit.
const msMask = 1<<48 - 1

// opsDecoder reads the columns; the first error sticks and later reads
// return zero values, so the decoding code reads straight through.
type opsDecoder struct {
	b   []byte
	err error
}

func (d *opsDecoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrMalformedOps}, args...)...)
	}
}

func (d *opsDecoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint in %s", what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// planes reads what colWriter.planes writes.
func (d *opsDecoder) planes(n int, what string) []uint64 {
	w := uint64(d.byte1(what))
	if d.err == nil && w > 8 {
		d.fail("%s %d bytes wide", what, w)
	}
	raw := d.bytes(uint64(n)*w, what)
	if d.err != nil {
		return nil
	}
	vs := make([]uint64, n)
	for k := range int(w) {
		for i := range vs {
			vs[i] |= uint64(raw[k*n+i]) << (8 * k)
		}
	}
	return vs
}

func (d *opsDecoder) clockStep(ms, step uint64) uint64 {
	if d.err == nil && step > msMask {
		d.fail("clock step %d does not fit 48 bits", step)
	}
	return (ms + step) & msMask
}

func (d *opsDecoder) bytes(n uint64, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail("%s runs past the end", what)
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

// count reads a count of items that take at least min bytes each, and
// refuses it if the bytes left cannot hold them: no allocation is ever
// sized by a number the input merely claims.
func (d *opsDecoder) count(what string, min int) int {
	n := d.uvarint(what)
	if d.err == nil && n > uint64(len(d.b)/min) {
		d.fail("%d %s cannot fit in the %d bytes left", n, what, len(d.b))
		return 0
	}
	return int(n)
}

// strs reads n lengths then the bytes they measure, as substrings of one
// string so that a column costs one allocation.
func (d *opsDecoder) strs(n int, what string, l Limits) []string {
	if d.err != nil {
		return nil
	}
	lens := make([]int, n)
	total := 0
	for i := range lens {
		v := d.uvarint(what + " length")
		if d.err != nil {
			return nil
		}
		if v > uint64(l.MaxString) {
			d.fail("%s of %d bytes, more than %d", what, v, l.MaxString)
			return nil
		}
		lens[i] = int(v)
		total += int(v)
	}
	raw := d.bytes(uint64(total), what)
	if d.err != nil {
		return nil
	}
	all := string(raw)
	out := make([]string, n)
	for i, m := range lens {
		s := all[:m]
		all = all[m:]
		if !utf8.ValidString(s) {
			d.fail("%s %q is not UTF-8", what, s)
			return nil
		}
		out[i] = s
	}
	return out
}

// DecodeOps decodes what EncodeOps makes, within l (zero fields: the
// defaults). It refuses an operation count over l.MaxOps with
// [ErrTooManyOps] before reading further, and anything else that is not a
// canonical encoding with [ErrMalformedOps]; it never panics and allocates
// in proportion to len(b).
func DecodeOps(b []byte, l Limits) ([]*storage.Op, error) {
	l = l.orDefault()
	ops, err := decodeOps(b, l)
	if err != nil {
		return nil, err
	}
	// A second encoding must give the input back: this rejects overlong
	// varints, a string table out of order, unused entries and every other
	// way to write the same operations twice, so that equal operations
	// always travel as equal bytes.
	again, _, err := encodeOps(ops, l)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, b) {
		return nil, fmt.Errorf("%w: not in canonical form", ErrMalformedOps)
	}
	return ops, nil
}

func decodeOps(b []byte, l Limits) ([]*storage.Op, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrMalformedOps)
	}
	if b[0] != opsVersion {
		return nil, fmt.Errorf("%w: encoding version %d, want %d", ErrMalformedOps, b[0], opsVersion)
	}
	d := &opsDecoder{b: b[1:]}
	n := d.uvarint("operation count")
	if d.err == nil && n > uint64(l.MaxOps) {
		return nil, fmt.Errorf("%w: %d operations, more than %d", ErrTooManyOps, n, l.MaxOps)
	}
	if d.err == nil && n > uint64(len(d.b)/minOpBytes) {
		d.fail("%d operations cannot fit in the %d bytes left", n, len(d.b))
	}
	nOps := int(n)
	nChanges := d.count("changes", minChangeBytes)

	strs := d.strs(d.count("strings", 1), "string", l)
	str := func(what string) string {
		i := d.uvarint(what)
		if d.err == nil && i >= uint64(len(strs)) {
			d.fail("%s refers to string %d of %d", what, i, len(strs))
		}
		if d.err != nil {
			return ""
		}
		return strs[i]
	}

	versions := make([]storage.Version, d.count("seen versions", 3))
	for i := range versions {
		versions[i].Device = storage.DeviceID(str("seen device"))
	}
	var ms uint64
	for i, step := range d.planes(len(versions), "seen clocks") {
		ms = d.clockStep(ms, step)
		versions[i].HLC = storage.HLC(ms << 16)
	}
	for i := range versions {
		versions[i].HLC |= storage.HLC(d.counter())
	}
	if d.err != nil {
		return nil, d.err
	}

	ops := make([]*storage.Op, nOps)
	all := make([]storage.Op, nOps)
	for i := range ops {
		ops[i] = &all[i]
	}
	for _, o := range ops {
		o.Kind = storage.EntityKind(d.byte1("kind"))
	}
	for _, o := range ops {
		o.Event = storage.Event(d.byte1("event"))
	}
	for _, o := range ops {
		o.Device = storage.DeviceID(str("device"))
	}
	lastSeq := make(map[storage.DeviceID]uint64)
	for i, step := range d.planes(nOps, "sequence numbers") {
		o := ops[i]
		o.Seq = lastSeq[o.Device] + uint64(unzigzag(step))
		lastSeq[o.Device] = o.Seq
	}
	ms = 0
	for i, step := range d.planes(nOps, "clocks") {
		ms = d.clockStep(ms, step)
		ops[i].HLC = storage.HLC(ms << 16)
	}
	for _, o := range ops {
		o.HLC |= storage.HLC(d.counter())
	}
	for _, o := range ops {
		o.Officer = str("officer")
	}
	for _, o := range ops {
		o.Reason = str("reason")
	}
	for _, o := range ops {
		o.ID.Origin = str("identifier origin")
	}
	lastN := make(map[string]uint64)
	for i, step := range d.planes(nOps, "identifiers") {
		o := ops[i]
		o.ID.N = lastN[o.ID.Origin] + uint64(unzigzag(step))
		lastN[o.ID.Origin] = o.ID.N
	}
	total := 0
	fields := make([][]uint8, nOps)
	for i := range ops {
		fields[i] = d.shape()
		total += len(fields[i])
	}
	if d.err == nil && total != nChanges {
		d.fail("operations hold %d changes, the count says %d", total, nChanges)
	}
	if d.err != nil {
		return nil, d.err
	}

	changes := make([]storage.Change, nChanges)
	cols := make(map[colKey][]valuePos)
	next := 0
	for i, o := range ops {
		n := len(fields[i])
		if n == 0 {
			continue
		}
		o.Changes = changes[next : next+n : next+n]
		next += n
		for j, f := range fields[i] {
			o.Changes[j].Field = f
			k := colKey{uint8(o.Kind), f}
			cols[k] = append(cols[k], valuePos{op: i, change: j})
		}
	}
	var lastVer uint64
	for i := range changes {
		u := d.uvarint("seen version")
		if d.err != nil {
			return nil, d.err
		}
		if u == 0 {
			continue
		}
		r := lastVer + uint64(unzigzag(u-1))
		if r == 0 || r > uint64(len(versions)) {
			d.fail("seen version %d of %d", r, len(versions))
			return nil, d.err
		}
		changes[i].Seen = versions[r-1]
		lastVer = r
	}

	keys := make([]colKey, 0, len(cols))
	for k := range cols {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, colKey.compare)
	// Literals become substrings of one copy of the rest of the input:
	// one allocation instead of one per value.
	tokens := make([][]uint64, len(keys))
	for i, k := range keys {
		tokens[i] = make([]uint64, len(cols[k]))
		for j := range tokens[i] {
			tokens[i][j] = d.uvarint("value reference")
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	v := &valueReader{d: d, s: string(d.b), l: l}
	for i, k := range keys {
		for j, p := range cols[k] {
			c := &ops[p.op].Changes[p.change]
			if tokens[i][j] == 0 {
				c.New = v.literal("new value")
			} else {
				c.New = v.ref(ops, p, tokens[i][j])
			}
		}
		for _, p := range cols[k] {
			ops[p.op].Changes[p.change].Old = v.literal("old value")
		}
		if d.err != nil {
			return nil, d.err
		}
	}
	if len(d.b) != 0 {
		d.fail("%d bytes after the last column", len(d.b))
		return nil, d.err
	}
	return ops, nil
}

// valueReader reads literals and resolves references (values.go).
type valueReader struct {
	d *opsDecoder
	s string // the undecoded input from the first value column on, as a string
	l Limits
}

func (v *valueReader) literal(what string) string {
	d := v.d
	if d.err != nil {
		return ""
	}
	if len(d.b) > 0 && d.b[0] >= packDigits && d.b[0] <= packDay {
		kind := d.b[0]
		d.b = d.b[1:]
		return unpack(kind, d)
	}
	n := bytes.IndexByte(d.b[:min(len(d.b), v.l.MaxString+1)], terminator)
	if n < 0 {
		if len(d.b) > v.l.MaxString {
			d.fail("%s longer than %d bytes", what, v.l.MaxString)
		} else {
			d.fail("%s runs past the end", what)
		}
		return ""
	}
	off := len(v.s) - len(d.b)
	s := v.s[off : off+n]
	d.b = d.b[n+1:]
	if !utf8.ValidString(s) {
		d.fail("%s %q is not UTF-8", what, s)
		return ""
	}
	return s
}

func (v *valueReader) ref(ops []*storage.Op, p valuePos, token uint64) string {
	d := v.d
	if d.err != nil {
		return ""
	}
	t := token - 1
	field := uint8(t)
	delta := unzigzag(t >> 8)
	c := &ops[p.op].Changes[p.change]
	if delta < -refWindow || delta > refWindow {
		d.fail("value reference %d operations away, more than %d", delta, refWindow)
		return ""
	}
	j := p.op + int(delta)
	if j < 0 || j >= len(ops) || ops[j].Kind != ops[p.op].Kind || field >= c.Field {
		d.fail("value reference to field %d of operation %d from field %d of operation %d", field, j, c.Field, p.op)
		return ""
	}
	for _, tc := range ops[j].Changes {
		if tc.Field == field {
			return tc.New
		}
	}
	d.fail("value reference to field %d of operation %d, which does not set it", field, j)
	return ""
}

func (d *opsDecoder) byte1(what string) byte {
	v := d.bytes(1, what)
	if d.err != nil {
		return 0
	}
	return v[0]
}

// counter reads the logical part of a clock reading, 16 bits.
func (d *opsDecoder) counter() uint64 {
	v := d.uvarint("clock counter")
	if d.err == nil && v > 0xffff {
		d.fail("clock counter %d does not fit 16 bits", v)
		return 0
	}
	return v
}

// DictionaryID is the zstd dictionary ID of format version 1's dictionary
// ("CKB1").
const DictionaryID = 0x434b4231

// DictionarySamples returns what the compressor frames of a batch of ops
// would hold, for training a dictionary (internal/gendict).
func DictionarySamples(ops []*storage.Op) ([][]byte, error) {
	b, cuts, err := encodeOps(ops, DefaultLimits)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	lo := 0
	for _, c := range append(cuts, len(b)) {
		if c > lo {
			out = append(out, b[lo:c])
		}
		lo = c
	}
	return out, nil
}
