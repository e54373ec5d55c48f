package client_test

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
)

func TestPull_AppliesOtherDevicesChangesAndCursor_Idempotently(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	lan := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	minh := d.enrol(t, "Lò Văn Minh", "00769", false)
	mustImport(t, lan, "Sùng Thị Dung", 5)
	cl, _ := newClient(srv.URL, lan)
	res, err := cl.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	feed := d.node.FeedLast()
	if feed == 0 {
		t.Fatal("nothing in the district feed")
	}
	// Lan's own changes come back as an empty answer that moves her cursor.
	if res.Pulled != 0 || res.Cursor != feed || mustCursor(t, lan) != feed {
		t.Fatalf("Lan: result %+v, cursor %d, feed %d", res, mustCursor(t, lan), feed)
	}

	cm, log := newClient(srv.URL, minh)
	cm.PullMax = 3 // several answers, X-Communekit-More between them
	res, err = cm.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Pulled != int(feed) || res.Applied != int(feed) || res.Cursor != feed || mustCursor(t, minh) != feed {
		t.Fatalf("Minh: result %+v, cursor %d, feed %d", res, mustCursor(t, minh), feed)
	}
	if hits := mustSearch(t, minh, "sung thi dung"); hits != 5 {
		t.Fatalf("Minh finds %d of the 5 persons Lan registered", hits)
	}
	pulls := log.phase(client.PhasePull)
	answers := 0
	for _, p := range pulls {
		answers = max(answers, p.Done)
	}
	if answers < 3 {
		t.Fatalf("%d answers of at most 3 operations for %d operations", answers, feed)
	}
	last, err := minh.GetMeta(client.MetaLast)
	if err != nil {
		t.Fatal(err)
	}
	if at, err := time.Parse(time.RFC3339, string(last)); err != nil || time.Since(at) > time.Minute {
		t.Fatalf("last sync %q: %v", last, err)
	}

	// Nothing new: the node answers 204 and nothing changes.
	res, err = cm.Sync(context.Background())
	if err != nil || res.Pulled != 0 || res.Cursor != feed {
		t.Fatalf("again: %+v %v", res, err)
	}
	// The same changes again (a cursor lost): applied once only.
	persons, households := mustCounts(t, minh)
	if err := minh.PutMeta(client.MetaCursor, make([]byte, 8)); err != nil {
		t.Fatal(err)
	}
	res, err = cm.Pull(context.Background())
	if err != nil || res.Pulled != int(feed) || res.Applied != 0 || res.Cursor != feed {
		t.Fatalf("replayed: %+v %v", res, err)
	}
	if p, h := mustCounts(t, minh); p != persons || h != households || mustSearch(t, minh, "sung thi dung") != 5 {
		t.Fatalf("after the same changes again: %d persons, %d households (were %d, %d)", p, h, persons, households)
	}
}

func TestPull_AnswerOlderThanCursor_Refused(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	lan := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	minh := d.enrol(t, "Lò Văn Minh", "00769", false)
	mustImport(t, lan, "Sùng Thị Dung", 2)
	cl, _ := newClient(srv.URL, lan)
	cm, _ := newClient(srv.URL, minh)
	mustSync(t, cl)
	mustSync(t, cm)
	held := mustCursor(t, minh)

	mustImport(t, lan, "Vàng Văn Chứ", 1)
	mustSync(t, cl)
	d.pullSeq = func(uint64) uint64 { return 1 } // an old answer, replayed
	res, err := cm.Pull(context.Background())
	if !errors.Is(err, client.ErrStalePull) {
		t.Fatalf("got %v", err)
	}
	if res.Pulled != 0 || mustCursor(t, minh) != held || mustSearch(t, minh, "vang van chu") != 0 {
		t.Fatalf("applied a stale answer: %+v, cursor %d (was %d)", res, mustCursor(t, minh), held)
	}
	d.pullSeq = nil
	if _, err := cm.Pull(context.Background()); err != nil || mustSearch(t, minh, "vang van chu") != 1 {
		t.Fatalf("the right answer afterwards: %v", err)
	}
}

func TestSync_KeepsRevocationListOnlyIfItFollows(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	lan := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	stolen := d.enrol(t, "Lò Văn Minh", "00769", false)
	cl, _ := newClient(srv.URL, lan)
	if res := mustSync(t, cl); res.Revocations != 0 || mustHeldList(t, lan).Seq != 0 {
		t.Fatalf("first list: %+v", res)
	}
	empty, err := lan.GetMeta(client.MetaRevocations)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.reg.Revoke(stolen.DeviceKeys().ID, "laptop stolen"); err != nil {
		t.Fatal(err)
	}
	if res := mustSync(t, cl); res.Revocations != 1 {
		t.Fatalf("after a revocation: %+v", res)
	}
	if l := mustHeldList(t, lan); l.Seq != 1 || len(l.Entries) != 1 || l.Entries[0].DeviceID != stolen.DeviceKeys().ID {
		t.Fatalf("held %+v", l)
	}

	// A node serving the older list does not bring the stolen laptop back.
	d.revocations = empty
	res, err := cl.Sync(context.Background())
	if !errors.Is(err, cert.ErrRollback) || res.Revocations != 1 {
		t.Fatalf("older list: %+v %v", res, err)
	}
	if l := mustHeldList(t, lan); l.Seq != 1 {
		t.Fatalf("held %d after a rollback", l.Seq)
	}

	// Nor does a list that is not the district's.
	other := newDistrict(t)
	ol, _ := other.reg.Revocations()
	d.revocations, _ = ol.MarshalBinary()
	if _, err := cl.Sync(context.Background()); !errors.Is(err, cert.ErrWrongDistrict) {
		t.Fatalf("foreign list: %v", err)
	}
	if l := mustHeldList(t, lan); l.Seq != 1 {
		t.Fatalf("held %d after a foreign list", l.Seq)
	}
}

func mustSync(t *testing.T, c *client.Client) *client.Result {
	t.Helper()
	res, err := c.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mustCursor(t *testing.T, s *storage.Store) uint64 {
	t.Helper()
	b, err := s.GetMeta(client.MetaCursor)
	if errors.Is(err, storage.ErrNotFound) {
		return 0
	}
	if err != nil || len(b) != 8 {
		t.Fatalf("cursor %x: %v", b, err)
	}
	return binary.BigEndian.Uint64(b)
}

func mustSearch(t *testing.T, s *storage.Store, q string) int {
	t.Helper()
	hits, err := s.Search(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(hits)
}

func mustCounts(t *testing.T, s *storage.Store) (int, int) {
	t.Helper()
	p, h, err := s.Counts()
	if err != nil {
		t.Fatal(err)
	}
	return p, h
}

func mustHeldList(t *testing.T, s *storage.Store) *cert.RevocationList {
	t.Helper()
	b, err := s.GetMeta(client.MetaRevocations)
	if err != nil {
		t.Fatal(err)
	}
	l, err := cert.ParseRevocationList(b)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// An answer that is not the answer to the pull request sent (an old one
// replayed, or one to another cursor: the request's hash it carries,
// signed, is another's) is refused and nothing of it applied.
func TestPull_AnswerToAnotherRequest_Refused(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	lan := d.enrol(t, "Nguyễn Thị Lan", "00769", false)
	mai := d.enrol(t, "Lò Thị Mai", "00769", false)
	mustImport(t, mai, "Giàng Thị Mỷ", 3)
	c, _ := newClient(srv.URL, mai)
	mustSync(t, c)
	d.pullBinding = func(h [32]byte) [32]byte { h[0] ^= 1; return h }
	cl, _ := newClient(srv.URL, lan)
	if _, err := cl.Sync(context.Background()); !errors.Is(err, client.ErrStalePull) || !strings.Contains(err.Error(), "not the answer to the pull request sent") {
		t.Fatalf("an answer to another request: %v", err)
	}
	if n := mustCursor(t, lan); n != 0 {
		t.Fatalf("cursor moved to %d", n)
	}
}
