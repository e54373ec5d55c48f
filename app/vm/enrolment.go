package vm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/refdata"
	"github.com/communekit/communekit/sync/outbox"
)

// RequestExt is the extension of a saved enrolment request, the one
// `kitctl enrol request --out FILE.req` uses.
const RequestExt = ".req"

// DeviceEnrolment is the enrolment screen: whether the district has enrolled
// this device, the request to take to the district (QR code, text, file),
// and installing the certificate the district hands back. It is the
// [Enrolment] of setup.
type DeviceEnrolment struct {
	notifier
	tr    Tr
	store *storage.Store
	do    Do
	now   func() time.Time

	mu      sync.Mutex
	status  EnrolmentStatus
	loaded  bool
	request string // the request's text form, once made
	qr      []byte // its QR code as PNG
	saved   string // where the request was last saved
	message string // the outcome of the last action, for the officer
	problem bool   // whether message is an error
	busy    bool
}

// EnrolmentStatus is what the screen says about the installed certificate.
type EnrolmentStatus struct {
	Enrolled   bool
	District   string
	Officer    string
	Role       string // in the current language
	Communes   string // "Xã Quỳnh Phụ, Hưng Yên (12472)", comma-separated
	ValidUntil string // dd/mm/yyyy, local time
	Expired    bool
	Error      string // the stored enrolment could not be read
}

// NewDeviceEnrolment returns the enrolment screen of store. A nil now is
// time.Now.
func NewDeviceEnrolment(tr Tr, store *storage.Store, do Do, now func() time.Time) *DeviceEnrolment {
	if now == nil {
		now = time.Now
	}
	e := &DeviceEnrolment{tr: tr, store: store, do: do, now: now}
	e.Refresh()
	return e
}

// Needed implements [Enrolment]: the profile has no certificate yet.
func (e *DeviceEnrolment) Needed() bool {
	return !e.Status().Enrolled
}

// Refresh reads the installed certificate again.
func (e *DeviceEnrolment) Refresh() {
	c, _, err := outbox.Enrolment(e.store)
	e.mu.Lock()
	e.status = EnrolmentStatus{}
	switch {
	case errors.Is(err, outbox.ErrNotEnrolled):
	case err != nil:
		e.status.Error = err.Error()
	default:
		e.status = e.describe(c)
	}
	e.loaded = true
	e.mu.Unlock()
	e.changed()
}

func (e *DeviceEnrolment) describe(c *cert.Certificate) EnrolmentStatus {
	communes := make([]string, len(c.Communes))
	for i, code := range c.Communes {
		communes[i] = code
		if u, ok := refdata.Commune2025(code); ok {
			communes[i] = u.FullName() + " (" + code + ")"
		}
	}
	return EnrolmentStatus{
		Enrolled:   true,
		District:   c.District,
		Officer:    c.Officer,
		Role:       string(c.Role),
		Communes:   strings.Join(communes, "; "),
		ValidUntil: c.NotAfter.Local().Format("02/01/2006"),
		Expired:    !e.now().Before(c.NotAfter),
	}
}

// Status returns the enrolment in the current language.
func (e *DeviceEnrolment) Status() EnrolmentStatus {
	e.mu.Lock()
	s := e.status
	e.mu.Unlock()
	if s.Enrolled {
		s.Role = e.tr.T("enrol.role." + s.Role)
	}
	if s.Error != "" {
		s.Error = e.tr.T("enrol.err.stored", s.Error)
	}
	return s
}

// Summary is the status in one sentence.
func (e *DeviceEnrolment) Summary() string {
	s := e.Status()
	switch {
	case s.Error != "":
		return s.Error
	case !s.Enrolled:
		return e.tr.T("enrol.not_enrolled")
	case s.Expired:
		return e.tr.T("enrol.expired", s.District, s.ValidUntil)
	}
	return e.tr.T("enrol.enrolled", s.District, s.ValidUntil)
}

// MakeRequest makes this device's enrolment request for the profile's
// officer and commune, and its QR code.
func (e *DeviceEnrolment) MakeRequest() (string, error) {
	p := e.store.Profile()
	dev := e.store.DeviceKeys()
	var text string
	var png []byte
	err := errors.New("this profile has no device keys")
	if dev != nil {
		var req *cert.Request
		// A copy of a profile asks to replace the device it was.
		var old string
		if old, err = outbox.SuccessorOf(e.store); err == nil {
			req, err = cert.NewSuccessorRequest(dev, p.Officer, []string{p.Commune}, old, e.now())
		}
		if err == nil {
			var b []byte
			b, err = req.MarshalText()
			text = string(b)
		}
		if err == nil {
			png, err = qrcode.Encode(text, qrcode.Medium, 256)
		}
	}
	e.mu.Lock()
	if err != nil {
		e.message, e.problem = e.tr.T("enrol.err.request", err.Error()), true
	} else {
		e.request, e.qr, e.saved = text, png, ""
		e.message, e.problem = "", false
	}
	e.mu.Unlock()
	e.changed()
	return text, err
}

// Request is the request's text form ("CKREQ1:…"), or "" before
// MakeRequest.
func (e *DeviceEnrolment) Request() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.request
}

// QR is the request as a QR code (PNG), or nil before MakeRequest.
func (e *DeviceEnrolment) QR() []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.qr
}

// RequestFileName is the name the request is saved under.
func (e *DeviceEnrolment) RequestFileName() string {
	name := "communekit-" + e.store.Profile().Commune
	if dev := e.store.DeviceKeys(); dev != nil {
		name += "-" + safeName(dev.Public().ID)
	}
	return name + RequestExt
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}

// SaveRequest writes the request (made first if need be) into dir as
// [DeviceEnrolment.RequestFileName] and returns the path.
func (e *DeviceEnrolment) SaveRequest(dir string) (string, error) {
	text := e.Request()
	if text == "" {
		var err error
		if text, err = e.MakeRequest(); err != nil {
			return "", err
		}
	}
	path := filepath.Join(dir, e.RequestFileName())
	err := checkFolder(e.tr, dir)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err == nil {
		err = os.WriteFile(path, []byte(text+"\n"), 0o644)
	}
	e.mu.Lock()
	var fe *FolderError
	if errors.As(err, &fe) {
		e.message, e.problem = fe.Words, true
	} else if err != nil {
		e.message, e.problem = e.tr.T("enrol.err.save", dir, errText(e.tr, err)), true
	} else {
		e.saved = path
		e.message, e.problem = e.tr.T("enrol.saved", path), false
	}
	e.mu.Unlock()
	e.changed()
	return path, err
}

// Message is the outcome of the last action, and whether it is a problem.
func (e *DeviceEnrolment) Message() (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.message, e.problem
}

// Busy reports whether an install is running.
func (e *DeviceEnrolment) Busy() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.busy
}

// Install reads the certificate file at path and installs it. On failure
// the message says what the officer can do about it.
func (e *DeviceEnrolment) Install(path string) error {
	err := e.install(path)
	e.Refresh()
	return err
}

// InstallAsync runs Install on its own goroutine and calls done (may be
// nil) through Do with its error.
func (e *DeviceEnrolment) InstallAsync(path string, done func(error)) {
	e.mu.Lock()
	if e.busy {
		e.mu.Unlock()
		return
	}
	e.busy = true
	e.message = ""
	e.mu.Unlock()
	e.changed()
	go func() {
		err := e.install(path)
		e.do(func() {
			e.mu.Lock()
			e.busy = false
			e.mu.Unlock()
			e.Refresh()
			if done != nil {
				done(err)
			}
		})
	}()
}

// ErrWrongDevice, ErrWrongCommune and ErrDamagedCertificate are what
// Install returns when the certificate is not for this profile or cannot be
// read; the expiry errors are cert's.
var (
	ErrWrongDevice        = errors.New("certificate for another device")
	ErrWrongCommune       = errors.New("certificate for other communes")
	ErrDamagedCertificate = errors.New("damaged certificate file")
)

func (e *DeviceEnrolment) install(path string) error {
	msg, err := e.tryInstall(strings.TrimSpace(path))
	e.mu.Lock()
	e.message, e.problem = msg, err != nil
	e.mu.Unlock()
	return err
}

// tryInstall checks what outbox.Install checks, first, so that each
// refusal gets its own advice.
func (e *DeviceEnrolment) tryInstall(path string) (string, error) {
	tr := e.tr
	if path == "" {
		return tr.T("enrol.err.no_file"), errors.New("no certificate file chosen")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return tr.T("enrol.err.read", path, errText(tr, err)), err
	}
	c, d, err := outbox.ParseCertificateFile(b)
	if err != nil {
		return tr.T("enrol.err.damaged", filepath.Base(path)), fmt.Errorf("%w: %v", ErrDamagedCertificate, err)
	}
	dev := e.store.DeviceKeys()
	if dev == nil {
		return tr.T("enrol.err.no_keys"), errors.New("profile without device keys")
	}
	if c.Device.ID != dev.Public().ID {
		return tr.T("enrol.err.wrong_device", c.Officer), ErrWrongDevice
	}
	commune := e.store.Profile().Commune
	if !c.Covers(commune) {
		named := make([]string, len(c.Communes))
		for i, code := range c.Communes {
			named[i] = storage.DisplayValue(storage.FieldPermanentAddressCode, code) // "Xã Quỳnh Phụ, Hưng Yên (12472)"
		}
		return tr.T("enrol.err.wrong_commune", strings.Join(named, "; "), UnitLabel(commune), commune), ErrWrongCommune
	}
	err = outbox.Install(e.store, c, d, e.now())
	switch {
	case err == nil:
		return tr.T("enrol.installed", c.District, c.NotAfter.Local().Format("02/01/2006")), nil
	case errors.Is(err, cert.ErrExpired):
		return tr.T("enrol.err.cert_expired", c.NotAfter.Local().Format("02/01/2006")), err
	case errors.Is(err, cert.ErrNotYetValid):
		return tr.T("enrol.err.not_yet_valid", c.NotBefore.Local().Format("15:04 02/01/2006")), err
	case errors.Is(err, cert.ErrBadSignature), errors.Is(err, cert.ErrWrongDistrict), errors.Is(err, cert.ErrMalformed):
		return tr.T("enrol.err.damaged", filepath.Base(path)), fmt.Errorf("%w: %v", ErrDamagedCertificate, err)
	}
	return tr.T("enrol.err.install", errText(tr, err)), err
}

// DefaultExchangeDir is where requests are saved and batches written unless
// the officer chooses otherwise: the home folder.
func DefaultExchangeDir() string {
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return os.TempDir()
}
