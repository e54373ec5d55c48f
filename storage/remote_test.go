package storage_test

import (
	"bytes"
	"math/rand"
	"path/filepath"
	"testing"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
)

func mustCreateNode(t *testing.T, dir string) *storage.Store {
	t.Helper()
	s, err := storage.Create(dir, []byte(testPass), storage.Profile{Kind: storage.KindNode, District: "Test"},
		storage.Options{WorkFactor: testWorkFactor, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// communeWithOps makes a commune store of n generated persons plus some
// edits and returns it with all its operations.
func communeWithOps(t *testing.T, n int, seed int64) (*storage.Store, []*storage.Op) {
	t.Helper()
	s := mustCreate(t, filepath.Join(t.TempDir(), "c"))
	c, err := gen.Generate(gen.Options{Persons: n, Seed: seed, Commune: "00769"})
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if err := gen.WriteCSV(&csv, c, seed); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportPersons(&csv, storage.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	ops, err := s.Unbatched(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		id := ops[i*3].ID
		if ops[i*3].Kind != storage.KindPerson {
			continue
		}
		if _, _, err := s.EditPerson(id, storage.Values{storage.FieldOccupation: "Nông dân " + string(rune('A'+i))}, storage.SaveOptions{Reason: "sửa"}); err != nil {
			t.Fatal(err)
		}
	}
	ops, err = s.Unbatched(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	return s, ops
}

func TestApplyOps_AnyOrderSameDigest(t *testing.T) {
	src, ops := communeWithOps(t, 300, 3)
	defer src.Close()
	var digests [][32]byte
	for round := 0; round < 3; round++ {
		node := mustCreateNode(t, filepath.Join(t.TempDir(), "n"))
		order := append([]*storage.Op(nil), ops...)
		if round > 0 {
			rand.New(rand.NewSource(int64(round))).Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		// Apply in chunks, some twice: duplicates change nothing. (The
		// feed numbers operations in arrival order, which Raft makes the
		// same on every node but which differs between these rounds, so
		// it is off here.)
		for i := 0; i < len(order); i += 97 {
			end := min(i+97, len(order))
			if _, err := node.ApplyOps(order[i:end], storage.ApplyOptions{Index: true}); err != nil {
				t.Fatal(err)
			}
		}
		res, err := node.ApplyOps(order[:50], storage.ApplyOptions{Index: true})
		if err != nil || res.Applied != 0 || res.Skipped != 50 {
			t.Fatalf("re-applying: %+v, %v", res, err)
		}
		d, err := node.Digest()
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d)
		persons, households, _ := node.Counts()
		wp, wh, _ := src.Counts()
		if persons != wp || households != wh {
			t.Errorf("node counts %d/%d, source %d/%d", persons, households, wp, wh)
		}
		// Every source record is on the node, field for field. Per-field
		// versions agree too, because the same operations won.
		for _, op := range ops[:40] {
			if op.Kind != storage.KindPerson {
				continue
			}
			want, _ := src.Person(op.ID)
			got, err := node.Person(op.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Values != want.Values {
				t.Fatalf("person %s differs on the node", op.ID)
			}
		}
		node.Close()
	}
	if digests[0] != digests[1] || digests[0] != digests[2] {
		t.Fatalf("digests differ between orders: %x %x %x", digests[0][:4], digests[1][:4], digests[2][:4])
	}
}

func TestApplyOps_LaterVersionWins(t *testing.T) {
	node := mustCreateNode(t, filepath.Join(t.TempDir(), "n"))
	defer node.Close()
	id := storage.ID{Origin: "aaaaaaaa", N: 1}
	mk := func(dev string, seq uint64, hlc storage.HLC, occ string) *storage.Op {
		return &storage.Op{Device: storage.DeviceID(dev), Seq: seq, HLC: hlc, Kind: storage.KindPerson, ID: id, Event: storage.EventCorrection,
			Changes: []storage.Change{{Field: uint8(storage.FieldOccupation), New: occ}}}
	}
	a := mk("aaaaaaaaaaaaaaaa", 1, 100, "Giáo viên")
	b := mk("bbbbbbbbbbbbbbbb", 1, 200, "Bác sĩ")
	if _, err := node.ApplyOps([]*storage.Op{b, a}, storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	p, err := node.Person(id)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Get(storage.FieldOccupation); got != "Bác sĩ" {
		t.Errorf("occupation %q, want the later edit's value", got)
	}
	h, err := node.History(id)
	if err != nil || len(h) != 2 || h[0].HLC != 100 {
		t.Errorf("history = %v, %v; want both operations in clock order", h, err)
	}
}

func TestFeed_PagesByCommuneLeavingOutTheAsker(t *testing.T) {
	src, ops := communeWithOps(t, 120, 5)
	defer src.Close()
	node := mustCreateNode(t, filepath.Join(t.TempDir(), "n"))
	defer node.Close()
	if _, err := node.ApplyOps(ops, storage.ApplyOptions{Feed: true, Communes: []string{"00769"}}); err != nil {
		t.Fatal(err)
	}
	// Another device of the commune pages through everything.
	var got int
	var cursor uint64
	for {
		page, err := node.Feed([]string{"00769"}, cursor, "zzzzzzzzzzzzzzzz", 50)
		if err != nil {
			t.Fatal(err)
		}
		got += len(page.Ops)
		cursor = page.Last
		if !page.More {
			break
		}
	}
	if got != len(ops) || cursor != node.FeedLast() {
		t.Errorf("paged %d operations to cursor %d, want %d to %d", got, cursor, len(ops), node.FeedLast())
	}
	// The device that made them gets none back, but its cursor moves.
	page, err := node.Feed([]string{"00769"}, 0, src.Profile().Device, 50)
	if err != nil || len(page.Ops) != 0 || page.Last != node.FeedLast() {
		t.Errorf("own operations: %d back, cursor %d, %v", len(page.Ops), page.Last, err)
	}
	// Another commune sees nothing.
	page, err = node.Feed([]string{"00001"}, 0, "zzzzzzzzzzzzzzzz", 50)
	if err != nil || len(page.Ops) != 0 {
		t.Errorf("other commune got %d operations, %v", len(page.Ops), err)
	}
}

func TestBackupRestore_SameDigest(t *testing.T) {
	src, ops := communeWithOps(t, 200, 9)
	defer src.Close()
	a := mustCreateNode(t, filepath.Join(t.TempDir(), "a"))
	defer a.Close()
	if _, err := a.ApplyOps(ops, storage.ApplyOptions{Feed: true, Meta: map[string][]byte{"raft/applied": {7}}}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := a.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	b := mustCreateNode(t, filepath.Join(t.TempDir(), "b"))
	defer b.Close()
	// b holds other state first: the restore replaces it.
	if _, err := b.ApplyOps(ops[:10], storage.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := b.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Fatal("restored node's digest differs")
	}
	if b.Profile().Device == a.Profile().Device {
		t.Error("restore replaced the node's own profile")
	}
	if v, err := b.GetMeta("raft/applied"); err != nil || len(v) != 1 || v[0] != 7 {
		t.Errorf("applied index after restore: %v %v", v, err)
	}
}
