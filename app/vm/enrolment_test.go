package vm

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/registry"
)

// mustDistrict creates a district profile and its registry.
func mustDistrict(t *testing.T) *registry.Registry {
	t.Helper()
	dist, err := storage.Create(filepath.Join(t.TempDir(), "district"), []byte(testPass),
		storage.Profile{Kind: storage.KindDistrict, District: "Cụm Hưng Yên"}, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dist.Close() })
	reg, err := registry.Open(dist, nil)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// signFile has the district sign the request saved at path, as `kitctl
// enrol sign` does, and writes the certificate file beside it.
func signFile(t *testing.T, reg *registry.Registry, reqPath string, communes []string, validFor time.Duration) string {
	return signFileAs(t, reg, reqPath, strings.TrimSuffix(reqPath, RequestExt)+".cert", communes, validFor)
}

func signFileAs(t *testing.T, reg *registry.Registry, reqPath, out string, communes []string, validFor time.Duration) string {
	t.Helper()
	b, err := os.ReadFile(reqPath)
	if err != nil {
		t.Fatal(err)
	}
	req, err := cert.ParseRequest([]byte(strings.TrimSpace(string(b))))
	if err != nil {
		t.Fatal(err)
	}
	c, err := reg.Sign(req, cert.RoleOfficer, communes, validFor)
	if errors.Is(err, registry.ErrBadCommunes) {
		// The registry no longer signs what a device would refuse; such
		// a certificate can still come from elsewhere (an older kitctl):
		// signed directly with the district's key.
		c, err = cert.Sign(req, cert.RoleOfficer, communes, validFor, uint64(time.Now().UnixNano()), reg.Keys(), time.Now())
	}
	if err != nil {
		t.Fatal(err)
	}
	file, err := outbox.CertificateFile(c, reg.Public())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, file, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// enrol takes s through request → sign → install with a new district
// and returns its registry.
func enrol(t *testing.T, s *storage.Store) *registry.Registry {
	t.Helper()
	return enrolWith(t, s, mustDistrict(t))
}

// enrolWith takes s through request → sign → install with the district
// of reg.
func enrolWith(t *testing.T, s *storage.Store, reg *registry.Registry) *registry.Registry {
	t.Helper()
	e := NewDeviceEnrolment(mustTr(t), s, Now, nil)
	path, err := e.SaveRequest(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Install(signFile(t, reg, path, nil, 24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestEnrolment_RequestSignInstall(t *testing.T) {
	s := mustStore(t, 0)
	reg := mustDistrict(t)
	e := NewDeviceEnrolment(mustTr(t), s, Now, nil)
	ch := changes(e)
	if !e.Needed() || !strings.Contains(e.Summary(), "chưa đăng ký") {
		t.Fatalf("new profile: needed %v, summary %q", e.Needed(), e.Summary())
	}
	text, err := e.MakeRequest()
	if err != nil {
		t.Fatal(err)
	}
	waitChange(t, ch)
	if !strings.HasPrefix(text, "CKREQ1:") || e.Request() != text {
		t.Fatalf("request %q", text)
	}
	if png := e.QR(); len(png) < 100 || string(png[1:4]) != "PNG" {
		t.Fatalf("QR code is no PNG (%d bytes)", len(png))
	}
	dir := filepath.Join(t.TempDir(), "usb")
	path, err := e.SaveRequest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if msg, problem := e.Message(); problem || !strings.Contains(msg, path) {
		t.Errorf("after saving: %q %v", msg, problem)
	}
	if filepath.Ext(path) != RequestExt {
		t.Errorf("request saved as %s", path)
	}
	certPath := signFile(t, reg, path, nil, 24*time.Hour)

	done := make(chan error, 1)
	e.InstallAsync(certPath, func(err error) { done <- err })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if e.Busy() || e.Needed() {
		t.Fatalf("after install: busy %v, needed %v", e.Busy(), e.Needed())
	}
	st := e.Status()
	if st.District != "Cụm Hưng Yên" || st.Role != "cán bộ" || !strings.Contains(st.Communes, "Quỳnh Phụ") || st.ValidUntil == "" || st.Expired {
		t.Errorf("status %+v", st)
	}
	if msg, problem := e.Message(); problem || !strings.Contains(msg, "Đã cài chứng nhận") {
		t.Errorf("after install: %q %v", msg, problem)
	}
	if !strings.Contains(e.Summary(), "đã được Cụm Hưng Yên đăng ký") {
		t.Errorf("summary %q", e.Summary())
	}
	e.tr.SetLang("en")
	defer e.tr.SetLang("vi")
	if st := e.Status(); st.Role != "officer" {
		t.Errorf("English role %q", st.Role)
	}
}

func TestEnrolment_RefusalsSayWhatToDo(t *testing.T) {
	s := mustStore(t, 0)
	other := mustStore(t, 0)
	reg := mustDistrict(t)
	dir := t.TempDir()
	e := NewDeviceEnrolment(mustTr(t), s, Now, nil)
	o := NewDeviceEnrolment(mustTr(t), other, Now, nil)
	mine, _ := e.SaveRequest(filepath.Join(dir, "mine"))
	theirs, _ := o.SaveRequest(filepath.Join(dir, "theirs"))

	damaged := filepath.Join(dir, "damaged.cert")
	good, _ := os.ReadFile(signFile(t, reg, mine, nil, time.Hour))
	good[len(good)/3] ^= 'A' ^ 'B'
	os.WriteFile(damaged, good, 0o644)
	garbage := filepath.Join(dir, "photo.cert")
	os.WriteFile(garbage, []byte("\x89PNG not a certificate"), 0o644)

	for _, c := range []struct {
		name, path string
		want       error
		words      string
	}{
		{"no file", "", nil, "Hãy chọn tệp chứng nhận"},
		{"missing file", filepath.Join(dir, "nope.cert"), os.ErrNotExist, "Không mở được tệp"},
		{"garbage", garbage, ErrDamagedCertificate, "bị hỏng"},
		{"damaged", damaged, ErrDamagedCertificate, "bị hỏng"},
		{"other device", signFile(t, reg, theirs, nil, time.Hour), ErrWrongDevice, "dành cho máy khác"},
		{"other commune", signFileAs(t, reg, mine, filepath.Join(dir, "00769.cert"), []string{"00769"}, time.Hour), ErrWrongCommune, "(00769), không phải xã của hồ sơ này"},
		{"expired", signFileAs(t, reg, mine, filepath.Join(dir, "short.cert"), nil, time.Hour), cert.ErrExpired, "đã hết hạn"},
	} {
		if c.name == "expired" {
			e.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		}
		err := e.Install(c.path)
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
		if msg, problem := e.Message(); !problem || !strings.Contains(msg, c.words) {
			t.Errorf("%s: message %q (problem %v), want %q", c.name, msg, problem, c.words)
		}
		if !e.Needed() {
			t.Errorf("%s: installed anyway", c.name)
		}
	}
}
