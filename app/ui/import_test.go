package ui

import (
	"context"
	"log/slog"
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
)

// TestImportScreen_SupervisorImportsAStickByKeyboard: an officer exports
// onto a stick, one batch file is altered on the way; on the supervisor's
// device the folder is typed and Enter imports: the good batch is
// accepted, the altered one refused in words, the one after it waits for
// it.
func TestImportScreen_SupervisorImportsAStickByKeyboard(t *testing.T) {
	a := test.NewTempApp(t)
	opts := storage.Options{WorkFactor: 10, GCInterval: -1}
	officer, err := storage.Create(filepath.Join(t.TempDir(), "o"), []byte(uiPass), storage.Profile{Commune: "12472", Officer: "Lê Văn Tâm"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer officer.Close()
	reg := enrolled(t, officer, opts)
	for _, name := range []string{"Đặng Văn Đức", "Đặng Thị Hà", "Đặng Văn Long"} {
		if _, err := officer.AddPerson(storage.Values{storage.FieldFullName: name, storage.FieldBirthDate: "1990",
			storage.FieldSex: "Nam", storage.FieldEthnicity: "01"}, storage.SaveOptions{}); err != nil {
			t.Fatal(err)
		}
		// A batch per person.
		z, err := outbox.SealerFor(officer, 1)
		if err == nil {
			_, err = z.Seal(officer)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	res, err := vm.NewExport(i18n.MustLoad(), officer, vm.Now).Run(filepath.Join(t.TempDir(), "usb"))
	if err != nil || len(res.Files) != 3 {
		t.Fatalf("export: %+v %v", res, err)
	}
	b, _ := os.ReadFile(res.Files[1])
	b[len(b)/2] ^= 1
	os.WriteFile(res.Files[1], b, 0o644)

	n, err := node.Start(node.Config{ID: "n1", Dir: filepath.Join(t.TempDir(), "node"), District: reg.Keys(),
		Passphrase: []byte(uiPass), WorkFactor: 10, RaftAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Bootstrap: true,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Shutdown(context.Background())
	waitFor(t, func() bool { return n.Ready() == nil })

	sup, err := storage.Create(filepath.Join(t.TempDir(), "s"), []byte(uiPass), storage.Profile{Commune: "12472", Officer: "Phạm Văn Giám"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := cert.NewRequest(sup.DeviceKeys(), "Phạm Văn Giám", []string{"12472"}, time.Now())
	c, err := reg.Sign(req, cert.RoleSupervisor, nil, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.Install(sup, c, reg.Public(), time.Now()); err != nil {
		t.Fatal(err)
	}
	sup.PutMeta(client.MetaNode, []byte(n.Addr()))

	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: t.TempDir(), Options: opts, Do: uiQueue.post})
	w.Show()
	ui.unlocked(sup, time.Now())
	defer ui.Close()
	uiQueue.drain()
	ui.showImport()
	if !hasText(ui.content, "Máy chủ huyện: "+n.Addr()) {
		t.Fatal("the import screen does not show the node")
	}
	folder := find[*keyEntry](ui.content)
	folder.SetText("")
	test.Type(folder, res.Dir)
	folder.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitFor(t, func() bool { return hasText(ui.content, "Đã nhận 1 tệp") })
	for _, want := range []string{"000001.ckb — máy", "(Lê Văn Tâm), lô 1", "Huyện đã nhận: 1 thay đổi.", "Bị từ chối",
		"Tệp bị hỏng hoặc đã bị sửa", "Huyện cần lô số 2 của máy này trước"} {
		if !hasText(ui.content, want) {
			t.Errorf("the results lack %q", want)
		}
	}
	screenshot(t, w, "import-results")

}
