package ui

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

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

// TestImportScreen_OfficerImportsTheDistrictsFileByKeyboard: officer Tâm
// syncs online; the district exports a file for officer Mai's laptop,
// which has no connection; on Mai's laptop the folder is typed and Enter
// imports it: Tâm's persons arrive, the line says which changes, and no
// district node is asked for.
func TestImportScreen_OfficerImportsTheDistrictsFileByKeyboard(t *testing.T) {
	a := test.NewTempApp(t)
	opts := storage.Options{WorkFactor: 10, GCInterval: -1}
	tam, err := storage.Create(filepath.Join(t.TempDir(), "tam"), []byte(uiPass), storage.Profile{Commune: "12472", Officer: "Lê Văn Tâm"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer tam.Close()
	reg := enrolled(t, tam, opts)
	for _, name := range []string{"Đặng Văn Đức", "Đặng Thị Hà"} {
		if _, err := tam.AddPerson(storage.Values{storage.FieldFullName: name, storage.FieldBirthDate: "1990",
			storage.FieldSex: "Nam", storage.FieldEthnicity: "01"}, storage.SaveOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := node.Start(node.Config{ID: "n1", Dir: filepath.Join(t.TempDir(), "node"), District: reg.Keys(),
		Passphrase: []byte(uiPass), WorkFactor: 10, RaftAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Bootstrap: true,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Shutdown(context.Background())
	waitFor(t, func() bool { return n.Ready() == nil })
	if _, err := (&client.Client{Node: n.Addr(), Store: tam}).Sync(context.Background()); err != nil {
		t.Fatal(err)
	}

	mai, err := storage.Create(filepath.Join(t.TempDir(), "mai"), []byte(uiPass), storage.Profile{Commune: "12472", Officer: "Vũ Thị Mai"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := cert.NewRequest(mai.DeviceKeys(), "Vũ Thị Mai", []string{"12472"}, time.Now())
	c, err := reg.Sign(req, cert.RoleOfficer, nil, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.Install(mai, c, reg.Public(), time.Now()); err != nil {
		t.Fatal(err)
	}
	f, err := client.ExportFile(context.Background(), n.Addr(), reg.Keys(), c, 0, client.ExportOptions{})
	if err != nil || f.Header == nil {
		t.Fatalf("export: %+v %v", f, err)
	}
	stick := filepath.Join(t.TempDir(), "usb")
	os.MkdirAll(stick, 0o755)
	os.WriteFile(filepath.Join(stick, f.Header.FileName()), f.File, 0o644)
	n.Shutdown(context.Background()) // Mai's laptop has no connection anyway

	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: t.TempDir(), Options: opts, Do: uiQueue.post})
	w.Show()
	ui.unlocked(mai, time.Now())
	defer ui.Close()
	uiQueue.drain()
	ui.showImport()
	if !shownText(ui.content, "đã nhận các thay đổi của huyện đến số 0") || shownText(ui.content, "Máy chủ huyện:") || !shownText(ui.content, "Nhập các tệp huyện đã xuất cho máy này") {
		t.Fatal("an officer's import screen: no cursor line or explanation, or a node line")
	}
	folder := find[*keyEntry](ui.content)
	folder.SetText("")
	test.Type(folder, stick)
	folder.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitFor(t, func() bool { return hasText(ui.content, "Đã nhập 1 tệp của huyện") })
	to := strconv.FormatUint(f.Header.To, 10)
	for _, want := range []string{f.Header.FileName() + " — tệp của huyện, thay đổi sau số 0 đến số " + to, "Đã nhập", "thay đổi mới với máy này",
		"đến số " + to + ". Huyện cần"} {
		if !hasText(ui.content, want) {
			t.Errorf("the screen lacks %q", want)
		}
	}
	if hits, err := mai.Search("dang thi ha", 5); err != nil || len(hits) != 1 {
		t.Fatalf("Mai finds %d of Tâm's persons: %v", len(hits), err)
	}
	screenshot(t, w, "import-district-file")

	// The same stick again, by keyboard: already had.
	folder = find[*keyEntry](ui.content)
	folder.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitFor(t, func() bool { return hasText(ui.content, "Đã nhập 0 tệp của huyện") })
	if !hasText(ui.content, "Máy này đã có mọi thay đổi trong tệp") {
		t.Error("the second import does not say the device had it")
	}
}

// shownText reports whether a visible label holds s.
func shownText(o fyne.CanvasObject, s string) bool {
	found := false
	walk(o, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Visible() && strings.Contains(l.Text, s) {
			found = true
		}
	})
	return found
}
