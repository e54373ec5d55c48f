package vm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

// Import is the supervisor's "Import from USB": the batch files (*.ckb)
// officers exported onto a stick are sent from this device to the district
// node, in each device's order, the way `kitctl district import` sends
// them, and each file's fate is said in words. The files are sealed to the
// district, so this device cannot read them: it forwards them and checks
// the district's signed receipt. A device the node does not know yet is
// introduced with its certificate file, which the app's export writes
// beside the batches (certificates are signed and public).
//
// The way back, district to device by file, does not exist: a device
// receives changes made elsewhere only by syncing (sync/client's pull), so
// there is nothing for an officer's device to import.
type Import struct {
	notifier
	tr    Tr
	store *storage.Store
	do    Do
	// HTTP is the client for the node (nil: sync/client's default).
	HTTP *http.Client
	// Timeout bounds one whole import; 0 means two minutes.
	Timeout time.Duration

	mu      sync.Mutex
	busy    bool
	files   []ImportFile
	ran     bool
	message string // why nothing was sent, when nothing was
}

// ImportStatus is what became of one file.
type ImportStatus int

// The fates of a file.
const (
	ImportAccepted  ImportStatus = iota + 1 // the district took it in
	ImportDuplicate                         // the district had it already
	ImportRefused                           // the district, or the check here, refused it
	ImportNotSent                           // the node could not be reached
)

// ImportFile is one file of an import and what became of it.
type ImportFile struct {
	Path    string
	Device  string // the device that sealed it ("" when unreadable)
	Officer string // the officer of that device, when its certificate came along
	Batch   uint64
	Status  ImportStatus
	Ops     int    // operations in an accepted or duplicate batch
	Words   string // what happened, in the current language
	Code    string // the node's refusal code, "local" for the checks here
}

// ImportData is what the import screen shows.
type ImportData struct {
	// Allowed is false on an officer's device; RoleLine says who imports.
	Allowed  bool
	RoleLine string
	Node     string
	Busy     bool
	Files    []ImportFile
	Summary  string // "2 nhận, 1 trùng, 1 bị từ chối, 0 chưa gửi", after a run
	Message  string // why nothing was sent
	Problem  bool
	Accepted int
}

// NewImport returns the import screen of store.
func NewImport(tr Tr, store *storage.Store, do Do) *Import {
	return &Import{tr: tr, store: store, do: do}
}

// allowed reports whether this device imports others' batches: a
// supervisor's or an administrator's.
func (x *Import) allowed() (*cert.Certificate, identity.DistrictPublic, error) {
	c, d, err := outbox.Enrolment(x.store)
	if err != nil {
		return nil, d, err
	}
	if c.Role != cert.RoleSupervisor && c.Role != cert.RoleAdmin {
		return nil, d, errors.New(x.tr.T("import.officer"))
	}
	return c, d, nil
}

func (x *Import) node() string {
	b, err := x.store.GetMeta(client.MetaNode)
	if err != nil {
		return ""
	}
	return string(b)
}

// Data returns what the screen shows, in the current language.
func (x *Import) Data() ImportData {
	d := ImportData{Node: x.node()}
	_, _, err := x.allowed()
	switch {
	case errors.Is(err, outbox.ErrNotEnrolled):
		d.RoleLine = x.tr.T("import.not_enrolled")
	case err != nil:
		d.RoleLine = err.Error()
	default:
		d.Allowed = true
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	d.Busy, d.Files, d.Message = x.busy, x.files, x.message
	d.Problem = x.message != ""
	if x.ran && x.message == "" {
		n := map[ImportStatus]int{}
		for _, f := range x.files {
			n[f.Status]++
		}
		d.Accepted = n[ImportAccepted]
		d.Summary = x.tr.T("import.summary", n[ImportAccepted], n[ImportDuplicate], n[ImportRefused], n[ImportNotSent])
		d.Problem = n[ImportRefused] > 0 || n[ImportNotSent] > 0
	}
	return d
}

// Run sends every batch file in paths (files, or folders searched for
// *.ckb) to the district node, and returns each file's fate.
func (x *Import) Run(paths ...string) ([]ImportFile, error) {
	x.mu.Lock()
	x.busy = true
	x.mu.Unlock()
	files, err := x.run(paths)
	x.finish(files, err)
	return files, err
}

// RunAsync runs Run on its own goroutine and calls done (may be nil)
// through Do when it ends.
func (x *Import) RunAsync(done func([]ImportFile, error), paths ...string) {
	x.mu.Lock()
	if x.busy {
		x.mu.Unlock()
		return
	}
	x.busy = true
	x.mu.Unlock()
	x.changed()
	go func() {
		files, err := x.run(paths)
		x.do(func() {
			x.finish(files, err)
			if done != nil {
				done(files, err)
			}
		})
	}()
}

func (x *Import) finish(files []ImportFile, err error) {
	x.mu.Lock()
	x.busy, x.files, x.ran, x.message = false, files, true, ""
	if err != nil {
		x.message = err.Error()
	}
	x.mu.Unlock()
	x.changed()
}

// stickFile is a file on the stick while it is sent.
type stickFile struct {
	ImportFile
	sealed []byte
}

func (x *Import) run(paths []string) ([]ImportFile, error) {
	_, dist, err := x.allowed()
	if errors.Is(err, outbox.ErrNotEnrolled) {
		return nil, errors.New(x.tr.T("import.not_enrolled"))
	}
	if err != nil {
		return nil, err
	}
	node := x.node()
	if node == "" {
		return nil, errors.New(x.tr.T("import.no_node"))
	}
	var clean []string
	for _, p := range paths {
		if p = strings.TrimSpace(p); p != "" {
			clean = append(clean, p)
		}
	}
	if len(clean) == 0 {
		return nil, errors.New(x.tr.T("import.no_dir"))
	}
	found, certs, err := x.stickFiles(clean, dist)
	if err != nil {
		return nil, errors.New(x.tr.T("import.read_failed", err.Error()))
	}
	if len(found) == 0 {
		return nil, errors.New(x.tr.T("import.none", strings.Join(clean, ", ")))
	}
	for _, f := range found {
		if c := certs[f.Device]; c != nil {
			f.Officer = c.Officer
		}
	}
	timeout := x.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	introduced := map[string]bool{}
	var stop error
	for _, f := range found {
		if f.Status != 0 {
			continue
		}
		if stop != nil {
			f.Status, f.Words = ImportNotSent, x.tr.T("import.not_sent", stop.Error())
			continue
		}
		rec, err := client.PushSealed(ctx, x.HTTP, node, f.sealed)
		var pe *protocol.Error
		if errors.As(err, &pe) && pe.Code == protocol.CodeUnknownDevice && certs[f.Device] != nil && !introduced[f.Device] {
			// A device that never synced: its certificate came on the
			// stick; the node checks the district's signature on it.
			introduced[f.Device] = true
			if err = client.PostCertificate(ctx, x.HTTP, node, certs[f.Device]); err == nil {
				rec, err = client.PushSealed(ctx, x.HTTP, node, f.sealed)
			}
		}
		if err == nil {
			err = client.VerifyReceipt(rec, dist, f.sealed)
		}
		switch {
		case err == nil && rec.Duplicate:
			f.Status, f.Ops, f.Words = ImportDuplicate, rec.Ops, x.tr.T("import.duplicate")
		case err == nil:
			f.Status, f.Ops, f.Words = ImportAccepted, rec.Ops, x.tr.T("import.accepted", Count(x.tr, rec.Ops))
		case errors.As(err, &pe):
			f.Status, f.Code, f.Words = ImportRefused, pe.Code, x.refusal(pe, certs[f.Device] != nil)
		case errors.Is(err, client.ErrUnreachable), errors.Is(err, client.ErrNotANode), ctx.Err() != nil:
			f.Status, f.Words = ImportNotSent, x.tr.T("import.not_sent", err.Error())
			stop = err
		case errors.Is(err, client.ErrBadReceipt):
			f.Status, f.Code, f.Words = ImportRefused, "receipt", x.tr.T("import.bad_receipt")
		default:
			f.Status, f.Words = ImportRefused, x.tr.T("import.refused", err.Error())
		}
	}
	out := make([]ImportFile, len(found))
	for i, f := range found {
		out[i] = f.ImportFile
	}
	return out, nil
}

// refusal says why the district refused a file, and what to do.
func (x *Import) refusal(pe *protocol.Error, hadCert bool) string {
	switch pe.Code {
	case protocol.CodeGap:
		return x.tr.T("import.gap", pe.Expected)
	case protocol.CodeTampered:
		return x.tr.T("import.tampered")
	case protocol.CodeMalformed:
		return x.tr.T("import.malformed")
	case protocol.CodeWrongRecipient:
		return x.tr.T("import.wrong_district")
	case protocol.CodeUnknownDevice:
		if hadCert {
			return x.tr.T("import.unknown_device_cert")
		}
		return x.tr.T("import.unknown_device")
	case protocol.CodeRevoked:
		return x.tr.T("import.revoked")
	case protocol.CodeExpired:
		return x.tr.T("import.expired")
	case protocol.CodeOutOfScope:
		return x.tr.T("import.out_of_scope")
	case protocol.CodeReplay:
		return x.tr.T("import.replay")
	case protocol.CodeTooLarge:
		return x.tr.T("import.too_large")
	}
	return x.tr.T("import.refused", pe.Error())
}

// stickFiles lists the batch files under paths, read and checked as far
// as this device can (the header, the district they are sealed to), in
// each device's order; and the certificates found beside them that the
// district dist signed, by device.
func (x *Import) stickFiles(paths []string, dist identity.DistrictPublic) ([]*stickFile, map[string]*cert.Certificate, error) {
	var names, certNames []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, err
		}
		if !st.IsDir() {
			names = append(names, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch ext := strings.ToLower(filepath.Ext(path)); {
			case d.IsDir():
			case ext == outbox.FileExt:
				names = append(names, path)
			case ext == CertificateExt:
				certNames = append(certNames, path)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	certs := map[string]*cert.Certificate{}
	for _, n := range certNames {
		b, err := readBounded(n, 64<<10)
		if err != nil {
			continue
		}
		c, d, err := outbox.ParseCertificateFile(b)
		if err == nil && d.KeyID == dist.KeyID && c.Verify(d, time.Now()) == nil {
			certs[c.Device.ID] = c
		}
	}
	var files []*stickFile
	for _, n := range names {
		f := &stickFile{ImportFile: ImportFile{Path: n}}
		files = append(files, f)
		b, err := readBounded(n, batch.DefaultLimits.MaxSealed)
		if err != nil {
			f.Status, f.Code, f.Words = ImportRefused, "local", x.tr.T("import.unreadable", err.Error())
			continue
		}
		h, err := batch.ParseHeader(b)
		if err != nil {
			f.Status, f.Code, f.Words = ImportRefused, "local", x.tr.T("import.not_batch")
			continue
		}
		f.Device, f.Batch, f.sealed = h.Sender, h.Seq, b
		if h.RecipientKeyID != dist.KeyID {
			// Sealed to another district: its node would refuse it too.
			f.Status, f.Code, f.Words = ImportRefused, protocol.CodeWrongRecipient, x.tr.T("import.wrong_district")
		}
	}
	sort.SliceStable(files, func(i, j int) bool {
		if files[i].Device != files[j].Device {
			return files[i].Device < files[j].Device
		}
		return files[i].Batch < files[j].Batch
	})
	return files, certs, nil
}

// readBounded reads a file of at most max bytes.
func readBounded(path string, max int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(b) > max {
		return nil, fmt.Errorf("%s is larger than a batch can be (%d bytes)", path, max)
	}
	return b, nil
}

// CertificateExt is the extension of a certificate file (what `kitctl
// enrol sign --out` writes); the export writes the device's beside its
// batches, so that a supervisor importing them can introduce the device
// to the district.
const CertificateExt = ".cert"
