package storage_test

import (
	"encoding/hex"
	"fmt"
	"math/rand"
	"path/filepath"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

// TestApplyOps_DistrictDayKeepsItsDigest applies a seeded district day —
// registrations, corrections made with and without seeing each other,
// deaths and edits after them, moves out with and without a move in,
// temporary addresses, shared ID numbers, namesakes across communes,
// households with two heads or none, household records, supervisors'
// resolutions, dismissals, merges and "not the same person" — in entries
// of every size, as a district node applies Raft entries, and as a commune
// device applies what it pulls. The digests must be the ones this code has
// always reached: nodes of one cluster running two versions (during an
// upgrade) must hold byte-identical states, and a change meant to make
// applying faster must not change what it makes. A change that means to
// change the state made updates the digests here, and says why.
//
// Changed for key layout 2 (layout.go): the ID-number counters, the
// hamlet and birth-year keys gave way to x:a: keys and name keys holding
// the birth year, and the household keys (x:h:, x:k:h:) to the member
// lists every store keeps. The records, operations and conflicts are
// unchanged, and a node store, which keeps no search index, has the digest
// it had before (the layout number is left out of digests).
//
// Changed for what reaches whom (notice.go): a node no longer feeds each
// person of a conflict across communes to the other's communes; it makes
// conflict notices for the persons' own communes instead. The records,
// operations and conflicts are unchanged; the feed and the notices are new.
//
// Changed for merges decided twice (duplicate.go): a merge record (Mg:)
// keeps the deciding operation's version, by which two supervisors'
// merges of one person are ordered on every store alike, and a person
// merged twice is counted out once.
func TestApplyOps_DistrictDayKeepsItsDigest(t *testing.T) {
	const (
		wantNode    = "e824ceb156b1e6e8d2c6edf8197e5889bbab0140f4740161efea94c2f278673b"
		wantCommune = "69549d204e62bfa5c68c5273130f985077ebe69ca9fcb12204963802af95c8bd"
	)
	node := mustCreateNode(t, filepath.Join(t.TempDir(), "n"))
	defer node.Close()
	commune := mustCreate(t, filepath.Join(t.TempDir(), "c"))
	defer commune.Close()
	day := newDistrictDay(node, 7)
	kinds := map[string]int{}
	for entry := 0; entry < 60; entry++ {
		ops := day.entry(t, 1+day.r.Intn(120))
		if _, err := node.ApplyOps(ops, storage.ApplyOptions{Feed: true, Fresh: true, Scope: day.scope,
			Meta: map[string][]byte{storage.PositionMetaPrefix + "applied": {byte(entry)}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := commune.ApplyOps(ops, storage.ApplyOptions{Index: true, ObserveClock: true}); err != nil {
			t.Fatal(err)
		}
		cs, err := node.AllConflicts()
		if err != nil {
			t.Fatal(err)
		}
		for k, n := range map[string]int{"field": len(cs.Field), "same_id": len(cs.SameID), "duplicate": len(cs.Duplicates), "person": len(cs.Persons), "household": len(cs.Households)} {
			kinds[k] = max(kinds[k], n)
		}
	}
	for _, k := range []string{"field", "same_id", "duplicate", "person", "household"} {
		if kinds[k] == 0 {
			t.Errorf("the day never made a %s conflict: the workload no longer covers it", k)
		}
	}
	for _, k := range []string{"resolution", "dismissal", "merge", "distinct", "move_in", "death", "household"} {
		if day.made[k] == 0 {
			t.Errorf("the day made no %s", k)
		}
	}
	t.Logf("operations %v, most conflicts at once %v, feed %d", day.made, kinds, node.FeedLast())
	for _, s := range []struct {
		name  string
		store *storage.Store
		want  string
	}{{"node", node, wantNode}, {"commune", commune, wantCommune}} {
		d, err := s.store.Digest()
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(d[:]); got != s.want {
			t.Errorf("%s store digest %s, want %s", s.name, got, s.want)
		}
	}
}

// districtDay makes the operations of five officers of three communes and
// a supervisor of all three, reading the node's state as the devices
// would after a pull — which, within one entry, they have not done yet,
// so edits made in one entry do not see each other.
type districtDay struct {
	r       *rand.Rand
	s       *storage.Store
	devs    []*dayDevice
	sup     *dayDevice
	persons []storage.ID
	hhs     []storage.ID
	scope   map[storage.DeviceID][]string
	at      time.Time
	made    map[string]int
}

type dayDevice struct {
	id      storage.DeviceID
	commune string
	seq     uint64
	records uint64
}

var dayCommunes = []string{"00769", "12472", "03004"}

func newDistrictDay(s *storage.Store, seed int64) *districtDay {
	d := &districtDay{r: rand.New(rand.NewSource(seed)), s: s, scope: map[storage.DeviceID][]string{},
		at: time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC), made: map[string]int{}}
	for i, id := range []string{"aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "cccccccccccccccc", "dddddddddddddddd", "eeeeeeeeeeeeeeee"} {
		dv := &dayDevice{id: storage.DeviceID(id), commune: dayCommunes[i%len(dayCommunes)]}
		d.devs = append(d.devs, dv)
		d.scope[dv.id] = []string{dv.commune}
	}
	d.sup = &dayDevice{id: "ssssssssssssssss"}
	d.scope[d.sup.id] = dayCommunes
	return d
}

func (d *districtDay) pick(vs ...string) string { return vs[d.r.Intn(len(vs))] }

func (d *districtDay) op(dv *dayDevice, kind storage.EntityKind, id storage.ID, ev storage.Event, cs ...storage.Change) *storage.Op {
	dv.seq++
	d.at = d.at.Add(time.Duration(1+d.r.Intn(90)) * time.Minute)
	d.made[ev.String()]++
	return &storage.Op{Device: dv.id, Seq: dv.seq, HLC: hlcAt(d.at), Officer: "Cán bộ " + string(dv.id[:1]), Kind: kind, ID: id, Event: ev, Changes: cs}
}

func set(f storage.Field, v string) storage.Change { return storage.Change{Field: uint8(f), New: v} }

// edit changes f of id to v, having seen the version the node holds (or,
// now and then, an older one: an officer who did not pull first).
func (d *districtDay) edit(dv *dayDevice, id storage.ID, ev storage.Event, f storage.Field, v string) *storage.Op {
	c := set(f, v)
	if p, err := d.s.Person(id); err == nil && p.ID == id && d.r.Intn(6) != 0 {
		c.Seen, c.Old = p.Versions[f], p.Values[f]
	}
	return d.op(dv, storage.KindPerson, id, ev, c)
}

func (d *districtDay) register(dv *dayDevice) *storage.Op {
	dv.records++
	id := storage.ID{Origin: dv.id.Tag(), N: dv.records}
	d.persons = append(d.persons, id)
	rel := d.pick("Chủ hộ", "Con", "Con", "Vợ", "Chồng")
	cs := []storage.Change{
		set(storage.FieldFullName, d.pick("Giàng", "Lò", "Vàng", "Hoàng", "Lý", "Đặng")+" "+d.pick("A", "Thị", "Seo", "Văn")+" "+d.pick("Páo", "Hoa", "Chứ", "Thụ", "Mai", "Đức", "Sử", "Pọm", "Lử", "Chá")),
		set(storage.FieldBirthDate, d.pick("1990-05-17", "1985-01-02", "2001-11-30")),
		set(storage.FieldSex, d.pick("Nam", "Nữ")),
		set(storage.FieldHometown, d.pick("00769", "12472", "Hà Giang")),
		set(storage.FieldFatherName, d.pick("Giàng A Sử", "Lò Văn Pọm", "Vàng Seo Lử")),
		set(storage.FieldPermanentAddressCode, dv.commune),
		set(storage.FieldHouseholdNumber, fmt.Sprintf("%s-%06d", dv.commune[1:], 1+d.r.Intn(12))),
		set(storage.FieldRelationshipToHead, rel),
		set(storage.FieldStatus, storage.StatusLiving),
	}
	if d.r.Intn(3) != 0 {
		cs = append(cs, set(storage.FieldIDNumber, fmt.Sprintf("0011900%05d", d.r.Intn(40))))
	}
	return d.op(dv, storage.KindPerson, id, storage.EventRegister, cs...)
}

// entry makes n operations.
func (d *districtDay) entry(t *testing.T, n int) []*storage.Op {
	t.Helper()
	var ops []*storage.Op
	for len(ops) < n {
		if d.r.Intn(400) == 0 {
			// Long enough for a move out to be late, within an entry
			// as well as between two.
			d.at = d.at.Add(35 * 24 * time.Hour)
		}
		dv := d.devs[d.r.Intn(len(d.devs))]
		if len(d.persons) < 20 {
			ops = append(ops, d.register(dv))
			continue
		}
		id := d.persons[d.r.Intn(len(d.persons))]
		other := dayCommunes[d.r.Intn(len(dayCommunes))]
		switch k := d.r.Intn(100); {
		case k < 35:
			ops = append(ops, d.register(dv))
		case k < 60:
			f := []storage.Field{storage.FieldOccupation, storage.FieldPhone, storage.FieldIDNumber, storage.FieldHouseholdNumber,
				storage.FieldRelationshipToHead, storage.FieldFullName, storage.FieldHometown, storage.FieldBirthDate}[d.r.Intn(8)]
			v := d.pick("Nông dân", "Giáo viên", "0912000001", "0988000002", "Con", "Chủ hộ", "Lò Thị Hoa", "Giàng A Páo")
			switch f {
			case storage.FieldIDNumber:
				v = fmt.Sprintf("0011900%05d", d.r.Intn(40))
			case storage.FieldHouseholdNumber:
				v = fmt.Sprintf("%s-%06d", dv.commune[1:], 1+d.r.Intn(12))
			case storage.FieldBirthDate:
				v = d.pick("1990-05-17", "1985-01-02")
			}
			ops = append(ops, d.edit(dv, id, storage.EventCorrection, f, v))
		case k < 65:
			ops = append(ops, d.edit(dv, id, storage.EventDeath, storage.FieldStatus, storage.StatusDead))
		case k < 70:
			ops = append(ops, d.edit(dv, id, storage.EventMoveOut, storage.FieldPermanentAddressCode, other))
		case k < 74:
			ops = append(ops, d.edit(dv, id, storage.EventMoveIn, storage.FieldPermanentAddressDetail, "Thôn "+d.pick("Sín Chải", "Lùng Tám")))
		case k < 78:
			ops = append(ops, d.edit(dv, id, storage.EventTemporaryResidence, storage.FieldTemporaryAddressCode, other))
		case k < 82:
			ops = append(ops, d.household(dv))
		default:
			ops = append(ops, d.supervise()...)
		}
	}
	return ops
}

func (d *districtDay) household(dv *dayDevice) *storage.Op {
	if len(d.hhs) == 0 || d.r.Intn(2) == 0 {
		dv.records++
		id := storage.ID{Origin: dv.id.Tag(), N: dv.records}
		d.hhs = append(d.hhs, id)
		d.made["household"]++
		return d.op(dv, storage.KindHousehold, id, storage.EventRegister,
			storage.Change{Field: uint8(storage.HouseholdNumber), New: fmt.Sprintf("%s-%06d", dv.commune[1:], 1+d.r.Intn(12))},
			storage.Change{Field: uint8(storage.HouseholdAddressCode), New: dv.commune},
			storage.Change{Field: uint8(storage.HouseholdHead), New: d.persons[d.r.Intn(len(d.persons))].String()})
	}
	d.made["household"]++
	return d.op(dv, storage.KindHousehold, d.hhs[d.r.Intn(len(d.hhs))], storage.EventCorrection,
		storage.Change{Field: uint8(storage.HouseholdAddressDetail), New: "Xóm " + d.pick("Trên", "Dưới")})
}

// supervise decides what the node shows in conflict, as a supervisor
// working through the queue.
func (d *districtDay) supervise() []*storage.Op {
	cs, err := d.s.AllConflicts()
	if err != nil {
		panic(err)
	}
	var out []*storage.Op
	switch k := d.r.Intn(4); {
	case k == 0 && len(cs.Field) > 0:
		fc := cs.Field[d.r.Intn(len(cs.Field))]
		v := fc.Candidates[d.r.Intn(len(fc.Candidates))].Value
		var ch []storage.Change
		for _, c := range fc.Candidates {
			ch = append(ch, storage.Change{Field: uint8(fc.Field), Seen: c.Version, Old: c.Value, New: v})
		}
		d.made["resolution"]++
		out = append(out, d.op(d.sup, storage.KindPerson, fc.ID, storage.EventResolution, ch...))
	case k == 1 && len(cs.Persons) > 0:
		pc := cs.Persons[d.r.Intn(len(cs.Persons))]
		if p, err := d.s.Person(pc.Person); err == nil {
			d.made["dismissal"]++
			out = append(out, d.op(d.sup, storage.KindPerson, p.ID, storage.EventResolution,
				storage.Change{Field: uint8(storage.FieldStatus), Seen: p.Versions[storage.FieldStatus], Old: p.Values[storage.FieldStatus], New: p.Values[storage.FieldStatus]}))
		}
	case k == 2 && len(cs.Duplicates) > 0:
		dc := cs.Duplicates[d.r.Intn(len(cs.Duplicates))]
		dk := storage.DecisionDistinct
		d.made["distinct"]++
		if d.r.Intn(2) == 0 {
			dk = storage.DecisionMerge
			d.made["distinct"]--
			d.made["merge"]++
		}
		out = append(out, d.op(d.sup, storage.KindDecision, dc.A, storage.EventResolution, storage.Change{Field: uint8(dk), New: dc.B.String()}))
	case k == 3 && len(cs.SameID) > 0:
		// An officer corrects one holder's number.
		sc := cs.SameID[d.r.Intn(len(cs.SameID))]
		out = append(out, d.edit(d.devs[0], sc.Persons[0], storage.EventCorrection, storage.FieldIDNumber, fmt.Sprintf("0022900%05d", d.r.Intn(100000))))
	}
	return out
}
