package ui

import (
	"context"
	"image/png"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/node"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/registry"
)

// TestSyncScreen_UnreachableThenSyncByKeyboard drives the sync screen in
// Fyne's test driver: the overview's "Sync now" against an address where
// no node runs yet says so in words and offers "Try again"; then a real
// node comes up there, Enter in the address field syncs, and the overview
// says online with nothing pending.
func TestSyncScreen_UnreachableThenSyncByKeyboard(t *testing.T) {
	a := test.NewTempApp(t)
	opts := storage.Options{WorkFactor: 10, GCInterval: -1}
	s, err := storage.Create(filepath.Join(t.TempDir(), "p"), []byte(uiPass), storage.Profile{Commune: "12472", Officer: "Lê Văn Tâm"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPerson(storage.Values{storage.FieldFullName: "Đặng Văn Đức", storage.FieldBirthDate: "1990",
		storage.FieldSex: "Nam", storage.FieldEthnicity: "01"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	reg := enrolled(t, s, opts)
	pending, _ := s.Pending()
	addr := freeAddr(t)

	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: t.TempDir(), Options: opts, Do: uiQueue.post,
		SyncNode:    "https://" + addr,
		SyncOptions: vm.SyncOptions{Retry: client.Backoff{Base: 20 * time.Millisecond, Max: 50 * time.Millisecond, Attempts: 2}}})
	w.Show()
	ui.unlocked(s, time.Now())
	defer ui.Close()
	waitFor(t, func() bool { return hasText(ui.content, "Chưa kết nối") })

	tap(t, ui.content, "Đồng bộ ngay")
	waitFor(t, func() bool {
		return hasText(ui.content, "Không kết nối được máy chủ huyện https://"+addr)
	})
	if !hasText(ui.content, "Thử lại") || !hasText(ui.content, "máy chủ không nhận kết nối") {
		t.Fatal("the failed sync offers no “Thử lại”, or does not say why")
	}
	screenshot(t, w, "sync-unreachable")
	ui.showRoot(ui.overview.view)
	waitFor(t, func() bool { return hasText(ui.content, "Ngoại tuyến: không kết nối được") })

	n, err := node.Start(node.Config{ID: "n1", Dir: filepath.Join(t.TempDir(), "node"), District: reg.Keys(),
		Passphrase: []byte(uiPass), WorkFactor: 10, RaftAddr: "127.0.0.1:0", HTTPAddr: addr, Bootstrap: true,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Shutdown(context.Background())
	waitFor(t, func() bool { return n.Ready() == nil })

	ui.showSync(false)
	entry := find[*keyEntry](ui.content)
	if entry == nil || entry.Text != "https://"+addr {
		t.Fatal("the sync screen does not show the node's address")
	}
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitFor(t, func() bool {
		return hasText(ui.content, "Đã gửi "+vm.Count(ui.tr, int(pending))+" thay đổi, nhận 0 thay đổi từ nơi khác.")
	})
	screenshot(t, w, "sync-done")
	ui.showRoot(ui.overview.view)
	waitFor(t, func() bool { return hasText(ui.content, "Trực tuyến:") })
	if p, _ := s.Pending(); p != 0 || !hasText(ui.content, "Thay đổi chưa gửi lên huyện") {
		t.Errorf("after the sync the store counts %d pending", p)
	}
}

// enrolled enrols s with a new district and returns its registry.
func enrolled(t *testing.T, s *storage.Store, opts storage.Options) *registry.Registry {
	t.Helper()
	dist, err := storage.Create(filepath.Join(t.TempDir(), "d"), []byte(uiPass), storage.Profile{Kind: storage.KindDistrict, District: "Cụm Hưng Yên"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dist.Close() })
	reg, err := registry.Open(dist, nil)
	if err != nil {
		t.Fatal(err)
	}
	req, err := cert.NewRequest(s.DeviceKeys(), s.Profile().Officer, []string{s.Profile().Commune}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := reg.Sign(req, cert.RoleOfficer, nil, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.Install(s, c, reg.Public(), time.Now()); err != nil {
		t.Fatal(err)
	}
	return reg
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// screenshot writes the window as $COMMUNEKIT_SCREENSHOTS/name.png when
// that is set, for a person to look at.
func screenshot(t *testing.T, w fyne.Window, name string) {
	dir := os.Getenv("COMMUNEKIT_SCREENSHOTS")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, w.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}

// TestSyncScreen_RefusedChangesListedAndDealtWith: the changes the district
// refused are listed on the sync screen with the person, the fields and
// the district's reason; "Đã xử lý" takes one off the list.
func TestSyncScreen_RefusedChangesListedAndDealtWith(t *testing.T) {
	a := test.NewTempApp(t)
	opts := storage.Options{WorkFactor: 10, GCInterval: -1}
	s, err := storage.Create(filepath.Join(t.TempDir(), "p"), []byte(uiPass), storage.Profile{Commune: "12472", Officer: "Lê Văn Tâm"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.AddPerson(storage.Values{storage.FieldFullName: "Đặng Văn Đức", storage.FieldBirthDate: "1990",
		storage.FieldSex: "Nam", storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: "12472"}, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, op, err := s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Thợ mộc"}, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Sealed as batch 1, which the district refused (the bytes are a
	// stand-in: nothing here reads them).
	if ops, err := s.Unbatched(0); err != nil {
		t.Fatal(err)
	} else if err := s.AddBatch(&storage.OutBatch{N: 1, FirstSeq: ops[0].Seq, LastSeq: ops[len(ops)-1].Seq, Sealed: []byte("sealed")}); err != nil {
		t.Fatal(err)
	}
	// As a sync does on the district's signed refusal.
	if _, err := s.Rework(storage.Rework{Batch: 1, Withdraw: map[uint64]storage.Refusal{op.Seq: {Rule: storage.RuleOutOfScope,
		Message: "operation 2 changes person of commune 00769, outside the device's communes [12472]"}}}); err != nil {
		t.Fatal(err)
	}
	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: t.TempDir(), Options: opts, Do: uiQueue.post})
	w.Show()
	ui.unlocked(s, time.Now())
	defer ui.Close()
	ui.showSync(false)
	waitFor(t, func() bool { return hasText(ui.content, "Thay đổi bị huyện từ chối") })
	if !hasText(ui.content, "Đặng Văn Đức — Nghề nghiệp: Thợ mộc") {
		t.Fatal("the refused change is not listed with the person and the field")
	}
	screenshot(t, w, "sync-refused")
	tap(t, ui.content, "Đã xử lý")
	waitFor(t, func() bool { return !hasText(ui.content, "Thay đổi bị huyện từ chối") })
	if rs, _ := s.RefusedOps(); len(rs) != 0 {
		t.Fatalf("still refused: %+v", rs)
	}
}
