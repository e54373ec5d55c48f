package batch

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/communekit/communekit/storage"
)

// randomOps makes n operations of every kind and event, with random fields
// (duplicates and unknown numbers included), values that are empty, short,
// repeated nearby or non-ASCII, and random seen versions.
func randomOps(r *rand.Rand, n int) []*storage.Op {
	devices := []storage.DeviceID{testDevice, otherDevice, "", "abcdefgh23456723"}
	officers := []string{testOfficer, "Lò Văn Páo", "", "Hà Thị Ngọc Ánh"}
	reasons := []string{"", "Sửa lỗi nhập", "Chuyển đến từ xã khác", "giấy khai sinh số 12/2026"}
	pool := []string{"", "a", "VN", "12472", "Nguyễn Văn An", "Thôn 5, số nhà 6", "034071839583",
		"Làm ruộng", "H'Mông", "Ê Đê", "日本", "😀 emoji", "2026-11-02", "Chủ hộ", "x\x00y", "\t"}
	value := func() string {
		switch r.IntN(4) {
		case 0:
			return pool[r.IntN(len(pool))]
		case 1:
			b := make([]rune, r.IntN(30))
			for i := range b {
				b[i] = rune(0x20 + r.IntN(0x2000))
				if b[i] >= 0xd800 && b[i] < 0xe000 {
					b[i] = 'x'
				}
			}
			return string(b)
		case 2:
			return ""
		}
		return pool[4+r.IntN(4)]
	}
	var seen []storage.Version
	seq := map[storage.DeviceID]uint64{}
	ms := uint64(1_700_000_000_000)
	ops := make([]*storage.Op, n)
	for i := range ops {
		d := devices[r.IntN(len(devices))]
		seq[d] += uint64(1 + r.IntN(3))
		if r.IntN(10) == 0 {
			seq[d] = r.Uint64()
		}
		ms = (ms + uint64(r.IntN(100_000))) & (1<<48 - 1)
		if r.IntN(20) == 0 {
			ms = r.Uint64() >> 16
		}
		o := &storage.Op{
			Device:  d,
			Seq:     seq[d],
			HLC:     storage.HLC(ms<<16 | uint64(r.IntN(3))*uint64(r.IntN(65536))),
			Officer: officers[r.IntN(len(officers))],
			Kind:    storage.EntityKind(1 + r.IntN(2)),
			ID:      storage.ID{Origin: devices[r.IntN(len(devices))].Tag(), N: uint64(r.IntN(50))},
			Event:   storage.Event(1 + r.IntN(10)),
			Reason:  reasons[r.IntN(len(reasons))],
		}
		if r.IntN(30) == 0 {
			o.Kind = storage.EntityKind(r.IntN(256))
			o.Event = storage.Event(r.IntN(256))
			o.ID.N = r.Uint64()
		}
		nc := r.IntN(12)
		if r.IntN(20) == 0 {
			nc = r.IntN(storage.MaxChanges + 1)
		}
		ascending := r.IntN(2) == 0
		f := uint8(r.IntN(3))
		for range nc {
			c := storage.Change{Field: uint8(1 + r.IntN(storage.NumFields)), Old: value(), New: value()}
			if ascending && int(f)+1 < 256 {
				f += uint8(1 + r.IntN(3))
				c.Field = f
			}
			if r.IntN(40) == 0 {
				c.Field = uint8(r.IntN(256))
			}
			switch {
			case len(seen) > 0 && r.IntN(2) == 0:
				c.Seen = seen[r.IntN(len(seen))]
			case r.IntN(3) == 0:
				c.Seen = storage.Version{HLC: storage.HLC(r.Uint64()), Device: devices[r.IntN(len(devices))]}
				seen = append(seen, c.Seen)
			}
			o.Changes = append(o.Changes, c)
		}
		ops[i] = o
	}
	return ops
}

func TestEncodeOps_RandomRoundTrip(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 7))
		ops := randomOps(r, r.IntN(60))
		enc, err := EncodeOps(ops)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		got, err := DecodeOps(enc, Limits{})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		mustEqualOps(t, got, ops)
	}
}

func TestSealOpen_RandomRoundTrip(t *testing.T) {
	k := mustKeys(t)
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 8))
		ops := randomOps(r, r.IntN(100))
		sealed, err := Seal(ops, k.sealOpts(seed+1))
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		b, err := k.opener().Open(sealed)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		mustEqualOps(t, b.Ops, ops)
		if b.Header.Seq != seed+1 || b.Header.Sender != string(testDevice) || b.SealedBytes != len(sealed) {
			t.Fatalf("seed %d: header %+v, sealed bytes %d of %d", seed, b.Header, b.SealedBytes, len(sealed))
		}
	}
}

func TestSealOpen_GeneratedCommuneRoundTrip(t *testing.T) {
	k := mustKeys(t)
	c := mustCommune(t, 2000, 3)
	r := rand.New(rand.NewPCG(3, 3))
	reg := registerOps(c, r)
	for _, ops := range [][]*storage.Op{reg, editOps(c, mustCommune(t, 100, 4), reg, 700, 60_000, true, r)} {
		sealed, err := Seal(ops, k.sealOpts(1))
		if err != nil {
			t.Fatal(err)
		}
		b, err := k.opener().Open(sealed)
		if err != nil {
			t.Fatal(err)
		}
		mustEqualOps(t, b.Ops, ops)
	}
}

// mustEqualOps compares operations, an empty change list equal to none.
func mustEqualOps(t *testing.T, got, want []*storage.Op) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d operations, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := *got[i], *want[i]
		if len(g.Changes) == 0 {
			g.Changes = nil
		}
		if len(w.Changes) == 0 {
			w.Changes = nil
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("operation %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}
