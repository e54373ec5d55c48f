package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

// TestExport_USBFileCarriesAPullToTheOtherDevice: two officers' laptops
// of one commune; Lan pushes online, the district exports a file for
// Minh (who never synced), and Minh, with no connection, imports it and
// holds Lan's work. Bad files change nothing; the same file twice, or an
// older one after it, applies nothing; a file whose predecessor is
// missing waits for it; an online sync then goes on from the file's
// cursor.
func TestExport_USBFileCarriesAPullToTheOtherDevice(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	url := c.nodes[0].Addr()
	ctx := context.Background()
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	minh := newDevice(t, c.d, "00769", "Lò Văn Minh", cert.RoleOfficer)
	lan.add(t, 4)
	syncOK(t, url, lan)

	// The cluster does not know Minh's device yet: ExportFile sends the
	// certificate from the district's register, then asks again.
	first := exportOK(t, url, c.d, minh.cert, 0, client.ExportOptions{})
	h := first.Header
	if h.Device != string(minh.s.Profile().Device) || h.Officer != "Lò Văn Minh" || h.From != 0 || h.To != c.nodes[0].store.FeedLast() || h.Ops == 0 ||
		h.FileName() != "district-"+h.Device+"-0-"+itoa(h.To)+".ckp" {
		t.Fatalf("the file's header: %+v", h)
	}

	// Damaged on the stick, cut short, or signed by another district:
	// refused, nothing changes.
	other, _ := identity.NewDistrict("Cụm khác")
	for _, tc := range []struct {
		name, code string
		file       []byte
	}{
		{"a flipped byte", client.FileCodeDamaged, flip(first.File, len(first.File)/2)},
		{"a flipped byte in the header's device", client.FileCodeDamaged, flip(first.File, bytes.Index(first.File, []byte(h.Device))+3)},
		{"cut short", client.FileCodeDamaged, first.File[:len(first.File)-7]},
		{"not a district file", client.FileCodeNotAFile, []byte("hello")},
		{"another district's", client.FileCodeOtherDistrict, resign(t, first.File, c.d, other)},
	} {
		r, err := client.ImportFile(minh.s, tc.name, tc.file)
		if err != nil || r.Status != client.FileRefused || r.Code != tc.code || r.Applied != 0 {
			t.Errorf("%s: %+v %v", tc.name, r, err)
		}
		if p, _, _ := minh.s.Counts(); p != 0 || heldCursor(t, minh) != 0 {
			t.Fatalf("%s: Minh holds %d persons, cursor %d", tc.name, p, heldCursor(t, minh))
		}
		t.Logf("%s: %s", tc.name, r.Reason)
	}
	// Minh's file on Lan's laptop: for another device.
	if r, err := client.ImportFile(lan.s, "minh.ckp", first.File); err != nil || r.Code != client.FileCodeOtherDevice || !errors.Is(r.Err, client.ErrFileOtherDevice) {
		t.Fatalf("Minh's file on Lan's laptop: %+v %v", r, err)
	}

	// More work of Lan's; the district exports the next file from where
	// the first ended. Minh imports the second before the first: it
	// waits for it, nothing is applied.
	lan.add(t, 3)
	syncOK(t, url, lan)
	second := exportOK(t, url, c.d, minh.cert, h.To, client.ExportOptions{})
	if second.Header.From != h.To || second.Header.To != c.nodes[0].store.FeedLast() {
		t.Fatalf("second file: %+v", second.Header)
	}
	r, err := client.ImportFile(minh.s, "second.ckp", second.File)
	if err != nil || r.Code != client.FileCodeGap || !errors.Is(r.Err, client.ErrFileGap) || r.Cursor != 0 {
		t.Fatalf("the second file before the first: %+v %v", r, err)
	}
	if p, _, _ := minh.s.Counts(); p != 0 {
		t.Fatalf("a file after a gap applied %d persons", p)
	}

	// Both on the stick, under names that sort the wrong way: applied in
	// cursor order.
	stick := t.TempDir()
	os.WriteFile(filepath.Join(stick, "a-"+second.Header.FileName()), second.File, 0o644)
	os.WriteFile(filepath.Join(stick, "b-"+h.FileName()), first.File, 0o644)
	os.WriteFile(filepath.Join(stick, "000001.ckb"), []byte("Minh's own batch: not a district file"), 0o644)
	rs, err := client.ImportFiles(minh.s, stick)
	if err != nil || len(rs) != 2 || rs[0].To != h.To || rs[0].Status != client.FileApplied || rs[1].Status != client.FileApplied {
		t.Fatalf("the stick: %v %v", results(rs), err)
	}
	if p, _, _ := minh.s.Counts(); p != 7 || heldCursor(t, minh) != second.Header.To || rs[0].Applied+rs[1].Applied != rs[0].Ops+rs[1].Ops {
		t.Fatalf("Minh holds %d persons of Lan's 7, cursor %d; %v", p, heldCursor(t, minh), results(rs))
	}
	if rs[1].Revocations != 0 || mustHeldRevocations(t, minh) == nil {
		t.Fatalf("the revocation list did not come with the file: %+v", rs[1])
	}

	// Twice, and the older file after the newer: nothing applied.
	rs, err = client.ImportFiles(minh.s, stick)
	if err != nil || rs[0].Status != client.FileHad || rs[1].Status != client.FileHad || rs[0].Applied+rs[1].Applied != 0 {
		t.Fatalf("the stick again: %v %v", results(rs), err)
	}
	if p, _, _ := minh.s.Counts(); p != 7 || heldCursor(t, minh) != second.Header.To {
		t.Fatalf("after the same files again: %d persons, cursor %d", p, heldCursor(t, minh))
	}

	// Online again: the pull goes on from the file's cursor, with only
	// what is new.
	lan.add(t, 2)
	syncOK(t, url, lan)
	res := syncOK(t, url, minh)
	if res.Applied != res.Pulled || res.Pulled == 0 || res.Cursor != c.nodes[0].store.FeedLast() {
		t.Fatalf("Minh's sync after the files: %+v", res)
	}
	if p, _, _ := minh.s.Counts(); p != 9 {
		t.Fatalf("Minh holds %d persons after the sync, want 9", p)
	}
	// Nothing new: no file.
	if none, err := client.ExportFile(ctx, url, c.d, minh.cert, res.Cursor, client.ExportOptions{}); err != nil || none.Header != nil || none.File != nil {
		t.Fatalf("nothing new: %+v %v", none, err)
	}
}

// TestExport_BoundedFileSaysMore: answers of a few operations, a file
// bound smaller than the whole: the file ends where it stopped, says
// more waits, and the next file goes on from there.
func TestExport_BoundedFileSaysMore(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	url := c.nodes[0].Addr()
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	minh := newDevice(t, c.d, "00769", "Lò Văn Minh", cert.RoleOfficer)
	lan.add(t, 12)
	syncOK(t, url, lan)
	var files []*client.FileExport
	var after uint64
	for i := 0; ; i++ {
		f := exportOK(t, url, c.d, minh.cert, after, client.ExportOptions{MaxOps: 3, MaxBytes: 1})
		files = append(files, f)
		if len(f.Header.Answers) != 1 {
			t.Fatalf("file %d holds %d answers, bound to one", i, len(f.Header.Answers))
		}
		after = f.Header.To
		if !f.More {
			break
		}
	}
	if len(files) < 4 {
		t.Fatalf("%d files for 12 persons in answers of 3 operations", len(files))
	}
	for i := len(files) - 1; i >= 0; i-- { // last first: each waits for the one before
		r, err := client.ImportFile(minh.s, "f", files[i].File)
		if err != nil || (i > 0 && r.Code != client.FileCodeGap) || (i == 0 && r.Status != client.FileApplied) {
			t.Fatalf("file %d of %d: %+v %v", i+1, len(files), r, err)
		}
	}
	for _, f := range files {
		if _, err := client.ImportFile(minh.s, "f", f.File); err != nil {
			t.Fatal(err)
		}
	}
	if p, _, _ := minh.s.Counts(); p != 12 || heldCursor(t, minh) != after {
		t.Fatalf("after every file: %d persons, cursor %d of %d", p, heldCursor(t, minh), after)
	}
}

// TestExport_OnlyTheDistrictMayAsk: an export request not signed with the
// district's key, or signed long ago, is refused with 401 before the node
// says anything about the device; a revoked device gets no file.
func TestExport_OnlyTheDistrictMayAsk(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	url := c.nodes[0].Addr()
	minh := newDevice(t, c.d, "00769", "Lò Văn Minh", cert.RoleOfficer)
	minh.register(t, url)
	dev := string(minh.s.Profile().Device)
	other, _ := identity.NewDistrict("Cụm khác")
	foreign := protocol.ExportRequest{Device: dev}
	foreign.Sign(other.Sign, time.Now())
	old := protocol.ExportRequest{Device: dev}
	old.Sign(c.d.Sign, time.Now().Add(-time.Hour))
	byDevice := protocol.ExportRequest{Device: dev}
	byDevice.Sign(minh.s.DeviceKeys().Sign, time.Now())
	for _, tc := range []struct {
		name string
		req  any
		code string
	}{
		{"unsigned", map[string]any{"device": dev, "time": time.Now().Unix()}, protocol.CodeBadSignature},
		{"another district's key", foreign, protocol.CodeBadSignature},
		{"the device's own key", byDevice, protocol.CodeBadSignature},
		{"an hour old", old, protocol.CodeStale},
	} {
		body, _ := json.Marshal(tc.req)
		st, b := post(t, url, protocol.PathExport, body)
		var e protocol.Error
		if json.Unmarshal(b, &e) != nil || st != http.StatusUnauthorized || e.Code != tc.code {
			t.Fatalf("%s: %d %s, want 401 %s", tc.name, st, b, tc.code)
		}
	}
	if _, err := client.ExportFile(context.Background(), url, other, minh.cert, 0, client.ExportOptions{}); err == nil {
		t.Fatal("another district's keys made a file")
	}

	l, _ := cert.NewRevocationList(c.d)
	l, err := l.Revoke(cert.Revoked{DeviceID: dev, Reason: "laptop stolen", At: time.Now()}, c.d)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.PostRevocations(context.Background(), testHTTP(url), url, l); err != nil {
		t.Fatal(err)
	}
	_, err = client.ExportFile(context.Background(), url, c.d, minh.cert, 0, client.ExportOptions{})
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeRevoked {
		t.Fatalf("a revoked device's file: %v", err)
	}
}

func syncOK(t *testing.T, url string, dv *device) *client.Result {
	t.Helper()
	cl := &client.Client{Node: url, Store: dv.s, Retry: client.Backoff{Base: 50 * time.Millisecond, Max: 500 * time.Millisecond, Attempts: 20}}
	res, err := cl.Sync(context.Background())
	if err != nil {
		t.Fatalf("sync of %s: %v", dv.cert.Officer, err)
	}
	return res
}

func exportOK(t *testing.T, url string, d *identity.District, c *cert.Certificate, after uint64, o client.ExportOptions) *client.FileExport {
	t.Helper()
	f, err := client.ExportFile(context.Background(), url, d, c, after, o)
	if err != nil || f.Header == nil {
		t.Fatalf("export for %s after %d: %+v %v", c.Officer, after, f, err)
	}
	return f
}

func flip(b []byte, i int) []byte {
	b = bytes.Clone(b)
	b[i] ^= 0x20
	return b
}

// resign makes file look made by district by: its header signed with
// by's key (the answers stay sealed by from).
func resign(t *testing.T, file []byte, from, by *identity.District) []byte {
	t.Helper()
	f, err := protocol.ReadDistrictFile(file, from.Public().KeyID, from.Public().SignKey)
	if err != nil {
		t.Fatal(err)
	}
	f.Header.KeyID, f.Header.District = by.Public().KeyID, by.Name
	b, err := f.Marshal(by.Sign)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func results(rs []*client.FileResult) []client.FileResult {
	var out []client.FileResult
	for _, r := range rs {
		out = append(out, *r)
	}
	return out
}

func mustHeldRevocations(t *testing.T, dv *device) []byte {
	t.Helper()
	b, err := dv.s.GetMeta(client.MetaRevocations)
	if err != nil {
		return nil
	}
	return b
}

// heldCursor is the device's pull cursor, 0 before any.
func heldCursor(t *testing.T, dv *device) uint64 {
	t.Helper()
	if _, err := dv.s.GetMeta(client.MetaCursor); err != nil {
		return 0
	}
	return cursorOf(t, dv)
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
