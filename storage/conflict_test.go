package storage_test

import (
	"fmt"
	"math/rand"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/communekit/communekit/storage"
)

// simDevice is a device in the merge simulation: a store holding what it
// has seen, its clock and the operations it made.
type simDevice struct {
	id    storage.DeviceID
	s     *storage.Store
	clock storage.HLC
	seq   uint64
	made  []*storage.Op
	known int // how many of the log's operations it has received
}

func TestMerge_AnyInterleavingSameStateAndConflicts(t *testing.T) {
	for seed := int64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { mergeProperty(t, seed) })
	}
}

func mergeProperty(t *testing.T, seed int64) {
	r := rand.New(rand.NewSource(seed))
	fields := []storage.Field{storage.FieldOccupation, storage.FieldPhone, storage.FieldFullName}
	values := []string{"Nông dân", "Giáo viên", "Bác sĩ"}
	persons := []storage.ID{{Origin: "aaaaaaaa", N: 1}, {Origin: "aaaaaaaa", N: 2}, {Origin: "aaaaaaaa", N: 3}}
	var devs []*simDevice
	for i := 0; i < 3; i++ {
		devs = append(devs, &simDevice{id: storage.DeviceID("devaaaaaaaaaaaa" + string(rune('b'+i))), s: mustCreateNode(t, filepath.Join(t.TempDir(), "d"))})
	}
	var log []*storage.Op // every operation, in the order made
	reg := &simDevice{id: "aaaaaaaaaaaaaaaa"}
	for _, id := range persons {
		reg.seq++
		reg.clock++
		op := &storage.Op{Device: reg.id, Seq: reg.seq, HLC: reg.clock, Officer: "Lan", Kind: storage.KindPerson, ID: id, Event: storage.EventRegister}
		for _, f := range fields {
			op.Changes = append(op.Changes, storage.Change{Field: uint8(f), New: values[0]})
		}
		reg.made = append(reg.made, op)
		log = append(log, op)
	}
	receive := func(d *simDevice) {
		var in []*storage.Op
		for _, op := range log[d.known:] {
			if op.Device != d.id {
				in = append(in, op)
			}
			if op.HLC > d.clock {
				d.clock = op.HLC
			}
		}
		d.known = len(log)
		if _, err := d.s.ApplyOps(in, storage.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range devs {
		receive(d)
	}
	for step := 0; step < 60; step++ {
		d := devs[r.Intn(len(devs))]
		if r.Intn(5) == 0 {
			receive(d) // a sync
			continue
		}
		id := persons[r.Intn(len(persons))]
		p, err := d.s.Person(id)
		if err != nil {
			t.Fatal(err)
		}
		op := &storage.Op{Device: d.id, Officer: string(d.id[:4]), Kind: storage.KindPerson, ID: id, Event: storage.EventCorrection}
		for _, f := range fields {
			if r.Intn(2) == 0 {
				continue
			}
			op.Changes = append(op.Changes, storage.Change{Field: uint8(f), Seen: p.Versions[f], Old: p.Values[f], New: values[r.Intn(len(values))]})
		}
		if len(op.Changes) == 0 {
			continue
		}
		d.seq++
		d.clock++
		op.Seq, op.HLC = d.seq, d.clock
		if _, err := d.s.ApplyOps([]*storage.Op{op}, storage.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		d.made = append(d.made, op)
		log = append(log, op)
	}
	streams := [][]*storage.Op{reg.made}
	for _, d := range devs {
		streams = append(streams, d.made)
	}
	var wantDigest [32]byte
	var wantConflicts []storage.FieldConflict
	for round := 0; round < 6; round++ {
		node := mustCreateNode(t, filepath.Join(t.TempDir(), "n"))
		pos := make([]int, len(streams))
		for left := len(log); left > 0; {
			i := r.Intn(len(streams))
			if pos[i] == len(streams[i]) {
				continue
			}
			n := 1 + r.Intn(3)
			end := min(pos[i]+n, len(streams[i]))
			if _, err := node.ApplyOps(streams[i][pos[i]:end], storage.ApplyOptions{Feed: false}); err != nil {
				t.Fatal(err)
			}
			left -= end - pos[i]
			pos[i] = end
		}
		d, err := node.Digest()
		if err != nil {
			t.Fatal(err)
		}
		cs, err := node.Conflicts()
		if err != nil {
			t.Fatal(err)
		}
		node.Close()
		if round == 0 {
			wantDigest, wantConflicts = d, cs
			if len(cs) == 0 {
				t.Logf("seed made no conflict")
			}
			continue
		}
		if d != wantDigest || !reflect.DeepEqual(cs, wantConflicts) {
			t.Fatalf("interleaving %d: digest %x, %d conflicts; first interleaving: %x, %d conflicts", round, d[:4], len(cs), wantDigest[:4], len(wantConflicts))
		}
	}
	for _, d := range devs {
		d.s.Close()
	}
}

func TestMerge_ConcurrentEditsConflictEqualOnesDoNot(t *testing.T) {
	node := mustCreateNode(t, filepath.Join(t.TempDir(), "n"))
	defer node.Close()
	id := storage.ID{Origin: "aaaaaaaa", N: 1}
	regV := storage.Version{HLC: 10, Device: "aaaaaaaaaaaaaaaa"}
	op := func(dev string, seq uint64, hlc storage.HLC, cs ...storage.Change) *storage.Op {
		return &storage.Op{Device: storage.DeviceID(dev), Seq: seq, HLC: hlc, Officer: dev[:3], Kind: storage.KindPerson, ID: id, Event: storage.EventCorrection, Changes: cs}
	}
	ch := func(f storage.Field, seen storage.Version, v string) storage.Change {
		return storage.Change{Field: uint8(f), Seen: seen, New: v}
	}
	reg := op("aaaaaaaaaaaaaaaa", 1, 10, ch(storage.FieldOccupation, storage.Version{}, "Nông dân"), ch(storage.FieldPhone, storage.Version{}, "0912000000"), ch(storage.FieldFullName, storage.Version{}, "Hoàng Văn Thu"))
	// Two officers who both saw the registration:
	a := op("bbbbbbbbbbbbbbbb", 1, 20, ch(storage.FieldOccupation, regV, "Giáo viên"), ch(storage.FieldFullName, regV, "Hoàng Văn Thụ"))
	b := op("cccccccccccccccc", 1, 21, ch(storage.FieldOccupation, regV, "Bác sĩ"), ch(storage.FieldPhone, regV, "0912111111"), ch(storage.FieldFullName, regV, "Hoàng Văn Thụ"))
	if _, err := node.ApplyOps([]*storage.Op{reg, b, a}, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	cs, err := node.Conflicts()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Field != storage.FieldOccupation || len(cs[0].Candidates) != 2 {
		t.Fatalf("conflicts = %+v; want one on occupation (different fields merge, equal names agree)", cs)
	}
	if n, err := node.OpenConflicts(); err != nil || n != 1 {
		t.Errorf("OpenConflicts = %d, %v; want 1", n, err)
	}
	if cs[0].Candidates[0].Value != "Giáo viên" || cs[0].Candidates[0].Officer != "bbb" || cs[0].Candidates[1].Value != "Bác sĩ" {
		t.Errorf("candidates = %+v", cs[0].Candidates)
	}
	p, _ := node.Person(id)
	if p.Get(storage.FieldOccupation) != "Bác sĩ" || p.Get(storage.FieldPhone) != "0912111111" || p.Get(storage.FieldFullName) != "Hoàng Văn Thụ" {
		t.Errorf("record = %v", p.Map())
	}
	// A supervisor who saw both candidates resolves it.
	res := op("dddddddddddddddd", 1, 30,
		ch(storage.FieldOccupation, storage.Version{HLC: 20, Device: "bbbbbbbbbbbbbbbb"}, "Giáo viên"),
		ch(storage.FieldOccupation, storage.Version{HLC: 21, Device: "cccccccccccccccc"}, "Giáo viên"))
	if _, err := node.ApplyOps([]*storage.Op{res}, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if cs, _ := node.Conflicts(); len(cs) != 0 {
		t.Fatalf("after the resolution: %+v", cs)
	}
	if p, _ := node.Person(id); p.Get(storage.FieldOccupation) != "Giáo viên" {
		t.Errorf("resolved occupation %q", p.Get(storage.FieldOccupation))
	}
}

// A supervisor decides a field of a record registered elsewhere that lacks
// other fields: only problems the decision brings stop it.
func TestResolve_IncompleteRecordFromElsewhere(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "sup"))
	defer s.Close()
	id := storage.ID{Origin: "aaaaaaaa", N: 1}
	regV := storage.Version{HLC: 10 << 16, Device: "aaaaaaaaaaaaaaaa"}
	mk := func(dev string, hlc storage.HLC, cs ...storage.Change) *storage.Op {
		return &storage.Op{Device: storage.DeviceID(dev), Seq: 1, HLC: hlc, Officer: dev[:3], Kind: storage.KindPerson, ID: id, Event: storage.EventCorrection, Changes: cs}
	}
	reg := mk("aaaaaaaaaaaaaaaa", regV.HLC, storage.Change{Field: uint8(storage.FieldFullName), New: "Hoàng Văn Thụ"}, storage.Change{Field: uint8(storage.FieldOccupation), New: "Nông dân"})
	a := mk("bbbbbbbbbbbbbbbb", 20<<16, storage.Change{Field: uint8(storage.FieldOccupation), Seen: regV, New: "Giáo viên"})
	b := mk("cccccccccccccccc", 21<<16, storage.Change{Field: uint8(storage.FieldOccupation), Seen: regV, New: "Bác sĩ"})
	if _, err := s.ApplyOps([]*storage.Op{reg, a, b}, storage.ApplyOptions{Index: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Resolve(id, storage.FieldOccupation, "Giáo viên", storage.SaveOptions{Reason: "hỏi trực tiếp"}); err != nil {
		t.Fatalf("resolving on a record without sex or birth date: %v", err)
	}
	if cs, _ := s.Conflicts(); len(cs) != 0 {
		t.Fatalf("still %+v", cs)
	}
	// A value that brings its own problem is refused, nothing saved.
	c := mk("dddddddddddddddd", 30<<16, storage.Change{Field: uint8(storage.FieldPhone), New: "0912000001"})
	d := mk("eeeeeeeeeeeeeeee", 31<<16, storage.Change{Field: uint8(storage.FieldPhone), New: "0912000002"})
	if _, err := s.ApplyOps([]*storage.Op{c, d}, storage.ApplyOptions{Index: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Resolve(id, storage.FieldPhone, "not a phone", storage.SaveOptions{}); err == nil {
		t.Fatal("a bad phone number was accepted")
	}
	if cs, _ := s.Conflicts(); len(cs) != 1 {
		t.Fatalf("conflicts after a refused resolution: %+v", cs)
	}
}
