package vm

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
	"github.com/communekit/communekit/sync/registry"
)

// enrolAs installs on s a certificate of role signed by reg's district.
func enrolAs(t *testing.T, s *storage.Store, reg *registry.Registry, role cert.Role) {
	t.Helper()
	req, err := cert.NewRequest(s.DeviceKeys(), s.Profile().Officer, []string{s.Profile().Commune}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := reg.Sign(req, role, nil, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.Install(s, c, reg.Public(), time.Now()); err != nil {
		t.Fatal(err)
	}
}

// officerStick is an officer's device that exported its work in batches of
// 150 operations onto a stick: the folder, the files in order.
func officerStick(t *testing.T, reg *registry.Registry) (dir string, files []string, pending uint64) {
	t.Helper()
	o := mustStore(t, 300)
	enrolWith(t, o, reg)
	z, err := outbox.SealerFor(o, 150)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := z.Seal(o); err != nil {
		t.Fatal(err)
	}
	pending, _ = o.Pending()
	dir = filepath.Join(t.TempDir(), "usb")
	res, err := NewExport(mustTr(t), o, Now).Run(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) < 3 || res.Certificate == "" {
		t.Fatalf("export: %+v", res)
	}
	return dir, res.Files, pending
}

// copyStick copies the files named into a new folder, the i-th altered by
// change when it is non-nil.
func copyStick(t *testing.T, files []string, change map[int]func([]byte) []byte) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "stick")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if c := change[i]; c != nil {
			b = c(b)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mustSupervisor(t *testing.T, reg *registry.Registry, node string) (*storage.Store, *Import) {
	t.Helper()
	s := mustStore(t, 0)
	enrolAs(t, s, reg, cert.RoleSupervisor)
	if node != "" {
		if err := s.PutMeta(client.MetaNode, []byte(node)); err != nil {
			t.Fatal(err)
		}
	}
	return s, NewImport(mustTr(t), s, Now)
}

func statuses(fs []ImportFile) []ImportStatus {
	var out []ImportStatus
	for _, f := range fs {
		out = append(out, f.Status)
	}
	return out
}

func TestImport_SupervisorSendsOfficersBatchesToTheDistrict(t *testing.T) {
	reg := mustDistrict(t)
	n := mustNode(t, reg, "127.0.0.1:0")
	dir, files, pending := officerStick(t, reg)
	_, x := mustSupervisor(t, reg, n.Addr())
	if d := x.Data(); !d.Allowed || d.RoleLine != "" || d.Node != n.Addr() {
		t.Fatalf("supervisor's screen: %+v", d)
	}

	// Batches without the certificate: the node does not know the
	// officer's device, and the words say what to copy.
	got, err := x.Run(copyStick(t, files, nil))
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Status != ImportRefused || !strings.Contains(got[0].Words, "Huyện chưa biết máy") || !strings.Contains(got[0].Words, ".cert") {
		t.Fatalf("no certificate: %+v", got[0])
	}

	// The second batch altered on the way, and a file that is no batch.
	flip := func(b []byte) []byte { b[len(b)/2] ^= 0x40; return b }
	stick := copyStick(t, append(files, filepath.Join(dir, "communekit-"+safeName(got[0].Device)+CertificateExt)), map[int]func([]byte) []byte{1: flip})
	if err := os.WriteFile(filepath.Join(stick, "ghichu.ckb"), []byte("không phải lô"), 0o644); err != nil {
		t.Fatal(err)
	}
	ch := changes(x)
	done := make(chan []ImportFile, 1)
	x.RunAsync(func(fs []ImportFile, err error) {
		if err != nil {
			t.Error(err)
		}
		done <- fs
	}, stick)
	waitChange(t, ch) // busy
	got = <-done
	if len(got) != len(files)+1 {
		t.Fatalf("%d results for %d files", len(got), len(files)+1)
	}
	bad := got[0]
	if bad.Device != "" || bad.Status != ImportRefused || !strings.Contains(bad.Words, "Không phải tệp lô") {
		t.Errorf("the file that is no batch: %+v", bad)
	}
	got = got[1:]
	if got[0].Status != ImportAccepted || got[0].Batch != 1 || got[0].Officer != "Nguyễn Văn Test" || !strings.Contains(got[0].Words, "Huyện đã nhận") {
		t.Errorf("batch 1: %+v", got[0])
	}
	if got[1].Status != ImportRefused || !strings.Contains(got[1].Words, "bị hỏng hoặc đã bị sửa") {
		t.Errorf("the altered batch 2: %+v", got[1])
	}
	if got[2].Status != ImportRefused || !strings.Contains(got[2].Words, "cần lô số 2") {
		t.Errorf("batch 3 after a refused 2: %+v", got[2])
	}
	d := x.Data()
	if d.Busy || !d.Problem || !strings.Contains(d.Summary, "Đã nhận 1 tệp") || !strings.Contains(d.Summary, "bị từ chối") {
		t.Errorf("after the run: %+v", d)
	}

	// The stick as exported: batch 1 the district has, the rest it takes.
	got, err = x.Run(dir)
	if err != nil {
		t.Fatal(err)
	}
	ops := 0
	for i, f := range got {
		want := ImportAccepted
		if i == 0 {
			want = ImportDuplicate
		}
		if f.Status != want {
			t.Errorf("batch %d: %+v", f.Batch, f)
		}
		ops += f.Ops
	}
	if uint64(ops) != pending || x.Data().Problem {
		t.Errorf("%d operations acknowledged, %d pending on the officer's device; %+v", ops, pending, statuses(got))
	}

	// A second device of the commune receives what the stick carried.
	s2 := mustStore(t, 0)
	enrolWith(t, s2, reg)
	y := NewSync(mustTr(t), s2, Now, SyncOptions{})
	if err := y.SetNode(n.Addr()); err != nil {
		t.Fatal(err)
	}
	y.Start()
	y.Wait()
	if persons, _, _ := s2.Counts(); persons != 300 {
		t.Errorf("a device syncing after the import holds %d persons, want 300 (%+v)", persons, y.Data())
	}
}

func TestImport_WhatEachDeviceNeeds(t *testing.T) {
	reg := mustDistrict(t)
	x := NewImport(mustTr(t), mustStore(t, 0), Now)
	if d := x.Data(); d.Allowed || !strings.Contains(d.RoleLine, "chưa đăng ký") {
		t.Fatalf("a device not enrolled: %+v", d)
	}
	officer := mustStore(t, 0)
	enrolWith(t, officer, reg)
	x = NewImport(mustTr(t), officer, Now)
	if d := x.Data(); !d.Allowed || d.Forwards || d.RoleLine != "" || !strings.Contains(d.CursorLine, "đến số 0") {
		t.Fatalf("officer's device: %+v", d)
	}
	// An officer's device needs no node; a folder with only batch files
	// (its own, on their way to the district) has nothing for it.
	stick := t.TempDir()
	os.WriteFile(filepath.Join(stick, "000001.ckb"), []byte("a batch"), 0o644)
	if _, err := x.Run(stick); err == nil || !strings.Contains(x.Data().Message, "Không có tệp của huyện (.ckp)") {
		t.Fatalf("an officer's stick without district files: %v", err)
	}

	_, x = mustSupervisor(t, reg, "")
	if d := x.Data(); !d.Allowed || !d.Forwards {
		t.Fatalf("supervisor's device: %+v", d)
	}
	if _, err := x.Run(t.TempDir()); err == nil || !strings.Contains(err.Error(), "màn hình Đồng bộ") {
		t.Fatalf("no node: %v", err)
	}
	_, x = mustSupervisor(t, reg, "https://127.0.0.1:1")
	empty := t.TempDir()
	if _, err := x.Run(empty); err == nil || !strings.Contains(err.Error(), "Không có tệp lô") {
		t.Fatalf("an empty stick: %v", err)
	}
	if _, err := x.Run(" "); err == nil || !strings.Contains(err.Error(), "chọn thư mục") {
		t.Fatalf("no folder: %v", err)
	}
}

// TestImport_OfficerAppliesTheDistrictsFiles: officer A syncs online;
// the district exports files for officers B and C of the same commune
// onto one stick; on B's laptop, with no connection, "Nhập từ USB"
// imports B's file (A's persons arrive) and leaves C's; the same stick
// again changes nothing; a damaged copy is refused in words and changes
// nothing; a file whose predecessor is missing says which export to ask
// for; and the words are in English too.
func TestImport_OfficerAppliesTheDistrictsFiles(t *testing.T) {
	reg := mustDistrict(t)
	n := mustNode(t, reg, "127.0.0.1:0")
	a := mustStore(t, 40)
	enrolWith(t, a, reg)
	syncVM := func(s *storage.Store) {
		t.Helper()
		y := NewSync(mustTr(t), s, Now, SyncOptions{})
		if err := y.SetNode(n.Addr()); err != nil {
			t.Fatal(err)
		}
		y.Start()
		y.Wait()
		if d := y.Data(); d.Problem {
			t.Fatalf("sync: %+v", d)
		}
	}
	syncVM(a)
	b, c := mustStore(t, 0), mustStore(t, 0)
	enrolWith(t, b, reg)
	enrolWith(t, c, reg)
	export := func(s *storage.Store, after uint64, dir string) *protocol.DistrictFileHeader {
		t.Helper()
		ct, err := reg.Certificate(s.DeviceKeys().ID)
		if err != nil {
			t.Fatal(err)
		}
		f, err := client.ExportFile(context.Background(), n.Addr(), reg.Keys(), ct, after, client.ExportOptions{})
		if err != nil || f.Header == nil {
			t.Fatalf("export: %+v %v", f, err)
		}
		os.MkdirAll(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, f.Header.FileName()), f.File, 0o644); err != nil {
			t.Fatal(err)
		}
		return f.Header
	}
	stick := filepath.Join(t.TempDir(), "usb")
	hb := export(b, 0, stick)
	hc := export(c, 0, stick)
	os.WriteFile(filepath.Join(stick, "000001.ckb"), []byte("B's own batch, for the district"), 0o644)

	x := NewImport(mustTr(t), b, Now)
	// Whether the screen was told it is busy, as the first change says
	// (the import may be over before the test looks again).
	busy := make(chan bool, 100)
	x.OnChange(func() { busy <- x.Data().Busy })
	done := make(chan []ImportFile, 1)
	x.RunAsync(func(fs []ImportFile, err error) {
		if err != nil {
			t.Error(err)
		}
		done <- fs
	}, stick)
	select {
	case b := <-busy:
		if !b {
			t.Errorf("not busy while importing: %+v", x.Data())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no change within 5 s")
	}
	got := <-done
	if len(got) != 2 {
		t.Fatalf("%d results for two district files: %+v", len(got), got)
	}
	byDevice := map[string]ImportFile{got[0].Device: got[0], got[1].Device: got[1]}
	mine, theirs := byDevice[hb.Device], byDevice[hc.Device]
	if mine.Status != ImportApplied || !mine.District || mine.To != hb.To || mine.Applied == 0 || !strings.Contains(mine.Words, "Đã nhập") {
		t.Errorf("B's file: %+v", mine)
	}
	if theirs.Status != ImportOtherDevice || !strings.Contains(theirs.Words, "không phải máy này") || !strings.Contains(theirs.Words, hc.Device) {
		t.Errorf("C's file on B's laptop: %+v", theirs)
	}
	d := x.Data()
	if d.Busy || d.Problem || d.Applied != 1 || !strings.Contains(d.Summary, "Đã nhập 1 tệp của huyện") || !strings.Contains(d.CursorLine, "đến số "+strconv.FormatUint(hb.To, 10)) {
		t.Errorf("after the import: %+v", d)
	}
	if persons, _, _ := b.Counts(); persons != 40 {
		t.Fatalf("B holds %d of A's 40 persons", persons)
	}

	// The same stick again: nothing changes.
	got, err := x.Run(stick)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got {
		if f.Device == hb.Device && (f.Status != ImportHad || f.Applied != 0 || !strings.Contains(f.Words, "đã có mọi thay đổi")) {
			t.Errorf("B's file again: %+v", f)
		}
	}

	// A damaged copy: refused in words, nothing changes.
	raw, _ := os.ReadFile(filepath.Join(stick, hb.FileName()))
	raw[len(raw)-60] ^= 1
	bad := filepath.Join(t.TempDir(), "bad")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, hb.FileName()), raw, 0o644)
	got, err = x.Run(bad)
	if err != nil || len(got) != 1 || got[0].Status != ImportRefused || !strings.Contains(got[0].Words, "bị hỏng hoặc đã bị sửa") || !x.Data().Problem {
		t.Fatalf("a damaged file: %+v %v", got, err)
	}
	if persons, _, _ := b.Counts(); persons != 40 {
		t.Fatalf("after a damaged file B holds %d persons", persons)
	}

	// Only C's file: nothing for B.
	only := filepath.Join(t.TempDir(), "c")
	os.MkdirAll(only, 0o755)
	raw, _ = os.ReadFile(filepath.Join(stick, hc.FileName()))
	os.WriteFile(filepath.Join(only, hc.FileName()), raw, 0o644)
	if _, err := x.Run(only); err == nil || !strings.Contains(err.Error(), "Không có tệp nào trên USB dành cho máy này") {
		t.Fatalf("only another device's file: %v", err)
	}

	// C receives a second file without the first: it says what to ask
	// for, in both languages, and imports nothing.
	if _, err := a.AddPerson(storage.Values{storage.FieldFullName: "Hoàng Văn Thụ", storage.FieldBirthDate: "1990",
		storage.FieldSex: "Nam", storage.FieldEthnicity: "01"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	syncVM(a)
	laterDir := filepath.Join(t.TempDir(), "later")
	export(c, hc.To, laterDir)
	tr := mustTr(t)
	y := NewImport(tr, c, Now)
	got, err = y.Run(laterDir)
	if err != nil || len(got) != 1 || got[0].Status != ImportRefused || !strings.Contains(got[0].Words, "Còn thiếu một tệp") ||
		!strings.Contains(got[0].Words, "--device "+hc.Device+" --after 0") {
		t.Fatalf("a file after a missing one: %+v %v", got, err)
	}
	if persons, _, _ := c.Counts(); persons != 0 {
		t.Fatalf("C holds %d persons after a refused file", persons)
	}
	tr.SetLang(i18n.English)
	got, _ = y.Run(laterDir)
	if d := y.Data(); !strings.Contains(got[0].Words, "A file before this one is missing") || !strings.Contains(d.Summary, "0 district file(s) imported") ||
		!strings.Contains(d.CursorLine, "has received the district's changes up to number 0") {
		t.Fatalf("in English: %+v %+v", got, d)
	}
	if _, err := y.Run(filepath.Join(laterDir, "not-there")); err == nil || !strings.Contains(err.Error(), "The USB stick could not be read") {
		t.Fatalf("a folder that is not there: %v", err)
	}
}
