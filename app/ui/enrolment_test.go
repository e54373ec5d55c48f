package ui

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/registry"
)

// TestEnrolThenExportToUSB goes from a new profile's enrolment screen to
// batch files on a stick: the request is saved, a real district signs it,
// the certificate is installed through the screen, and the export screen
// writes a batch the district opens.
func TestEnrolThenExportToUSB(t *testing.T) {
	a := test.NewTempApp(t)
	opts := uiOpts
	dir, s := newUIProfile(t)
	if _, err := s.AddPerson(storage.Values{storage.FieldFullName: "Đặng Văn Đức", storage.FieldBirthDate: "1990",
		storage.FieldSex: "Nam", storage.FieldEthnicity: "01"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	dist, err := storage.Create(filepath.Join(t.TempDir(), "d"), []byte(uiPass), storage.Profile{Kind: storage.KindDistrict, District: "Cụm Hưng Yên"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer dist.Close()
	reg, err := registry.Open(dist, nil)
	if err != nil {
		t.Fatal(err)
	}

	w := a.NewWindow("test")
	w.Resize(fyne.NewSize(1366, 768))
	ui := New(w, i18n.MustLoad(), Config{Dir: dir, Options: opts, DemoPassphrase: uiPass, Do: uiQueue.post})
	w.Show()
	ui.unlocked(s, time.Now())
	defer ui.Close()
	uiQueue.drain()

	ui.showEnrolment()
	if !hasText(ui.content, "chưa đăng ký") {
		t.Fatal("the enrolment screen does not say the device is not enrolled")
	}
	var qr *canvas.Image
	walk(ui.content, func(o fyne.CanvasObject) {
		if img, ok := o.(*canvas.Image); ok && img.Resource != nil && img.Resource.Name() == "request.png" {
			qr = img
		}
	})
	if qr == nil {
		t.Fatal("no QR code of the request")
	}
	if !hasText(ui.content, "CKREQ1:") {
		t.Fatal("no request text")
	}
	tap(t, ui.content, "Lưu yêu cầu thành tệp")
	usb := ui.exchangeDir()
	reqs, _ := filepath.Glob(filepath.Join(usb, "*.req"))
	if len(reqs) != 1 || !hasText(ui.content, "Đã lưu yêu cầu vào") {
		t.Fatalf("request files %v", reqs)
	}

	b, _ := os.ReadFile(reqs[0])
	req, err := cert.ParseRequest([]byte(strings.TrimSpace(string(b))))
	if err != nil {
		t.Fatal(err)
	}
	c, err := reg.Sign(req, cert.RoleOfficer, nil, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	file, _ := outbox.CertificateFile(c, reg.Public())
	certPath := filepath.Join(usb, "device.cert")
	os.WriteFile(certPath, file, 0o644)

	var entry *keyEntry
	walk(ui.content, func(o fyne.CanvasObject) {
		if e, ok := o.(*keyEntry); ok && strings.HasSuffix(e.PlaceHolder, ".cert") {
			entry = e
		}
	})
	if entry == nil {
		t.Fatal("no certificate file entry")
	}
	test.Type(entry, certPath)
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitFor(t, func() bool { return hasText(ui.content, "Cụm Hưng Yên") && hasText(ui.content, "cán bộ") })

	ui.showRoot(func() fyne.CanvasObject { return exportPage(ui) })
	pending, _ := s.Pending()
	waitFor(t, func() bool { return hasText(ui.content, "Gửi đến: Cụm Hưng Yên") })
	if pending == 0 || !hasText(ui.content, fmtUint(pending)) {
		t.Fatalf("the export screen does not show the %d pending changes", pending)
	}
	tap(t, ui.content, "Xuất ra USB")
	waitFor(t, func() bool { return hasText(ui.content, "chờ huyện xác nhận") })
	sealed, err := os.ReadFile(filepath.Join(usb, "000001.ckb"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Opener().Open(sealed); err != nil {
		t.Fatalf("the district cannot open the exported batch: %v", err)
	}
}

func fmtUint(n uint64) string { return strconv.FormatUint(n, 10) }

// tap taps the button under o whose label is text.
func tap(t *testing.T, o fyne.CanvasObject, text string) {
	t.Helper()
	var btn *widget.Button
	walk(o, func(o fyne.CanvasObject) {
		if b, ok := asButton(o); ok && b.Text == text && btn == nil {
			btn = b
		}
	})
	if btn == nil {
		t.Fatalf("no button %q", text)
	}
	test.Tap(btn)
	uiQueue.drain()
}
