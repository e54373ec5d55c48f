package vm

import (
	"context"
	"encoding/binary"
	"errors"
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

// Import is "Import from USB". On every enrolled device it imports the
// district files (*.ckp) the district exported for this device (`kitctl
// district export`): what its pulls would bring — other officers' edits,
// persons moved in, supervisors' resolutions — for a commune with no
// connection at all. They are applied with sync/client's ImportFiles, the
// code `kitctl batch import` runs, exactly as a pull applies its answers,
// and each file's fate is said in words. The device's own batch files
// (*.ckb) on the same stick are left alone.
//
// On a supervisor's (or administrator's) device it also sends the batch
// files officers exported onto a stick to the district node, in each
// device's order, the way `kitctl district import` sends them. Those are
// sealed to the district, so this device cannot read them: it forwards
// them and checks the district's signed receipt. A device the node does
// not know yet is introduced with its certificate file, which the app's
// export writes beside the batches (certificates are signed and public).
type Import struct {
	notifier
	tr    Tr
	store *storage.Store
	do    Do
	// HTTP is the client for the node (nil: client.HTTPClient for the
	// district the laptop is enrolled with).
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
	// District files for this device:
	ImportApplied     // its changes were applied to this device
	ImportHad         // this device had everything in it already
	ImportOtherDevice // for another device: left on the stick for it
)

// ImportFile is one file of an import and what became of it.
type ImportFile struct {
	Path    string
	Device  string // the device that sealed it, or a district file's device ("" when unreadable)
	Officer string // the officer of that device, when known
	Batch   uint64
	Status  ImportStatus
	Ops     int    // operations in an accepted or duplicate batch, or in a district file
	Words   string // what happened, in the current language
	Code    string // the node's refusal code, "local" for the checks here, client.FileCode… for district files
	// District is true for a district file (*.ckp) for a device; From
	// and To are the district's change numbers it goes from and to,
	// Applied the operations new to this device.
	District bool
	From, To uint64
	Applied  int
}

// ImportData is what the import screen shows.
type ImportData struct {
	// Allowed is false on a device that is not enrolled; RoleLine says
	// what to do.
	Allowed  bool
	RoleLine string
	// Forwards is true on a supervisor's or administrator's device: it
	// also sends officers' batch files to the district node.
	Forwards bool
	Node     string
	// CursorLine says which of the district's changes this device has
	// received, for the district's next export ("… đến số 60").
	CursorLine string
	Busy       bool
	Files      []ImportFile
	Summary    string // "Đã nhập 1 tệp …", after a run
	Message    string // why nothing was imported
	Problem    bool
	Accepted   int // batch files the district accepted
	Applied    int // district files applied to this device
}

// NewImport returns the import screen of store.
func NewImport(tr Tr, store *storage.Store, do Do) *Import {
	return &Import{tr: tr, store: store, do: do}
}

// enrolment returns this device's certificate and district, and whether
// it forwards officers' batches (a supervisor's or an administrator's).
func (x *Import) enrolment() (*cert.Certificate, identity.DistrictPublic, bool, error) {
	c, d, err := outbox.Enrolment(x.store)
	if err != nil {
		return nil, d, false, err
	}
	return c, d, c.Role == cert.RoleSupervisor || c.Role == cert.RoleAdmin, nil
}

func (x *Import) node() string {
	b, err := x.store.GetMeta(client.MetaNode)
	if err != nil {
		return ""
	}
	return string(b)
}

// cursor is the district change number this device has received up to.
func (x *Import) cursor() uint64 {
	b, err := x.store.GetMeta(client.MetaCursor)
	if err != nil || len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// Data returns what the screen shows, in the current language.
func (x *Import) Data() ImportData {
	d := ImportData{Node: x.node()}
	_, _, forwards, err := x.enrolment()
	switch {
	case errors.Is(err, outbox.ErrNotEnrolled):
		d.RoleLine = x.tr.T("import.not_enrolled")
	case err != nil:
		d.RoleLine = err.Error()
	default:
		d.Allowed, d.Forwards = true, forwards
		if dev := x.store.DeviceKeys(); dev != nil {
			d.CursorLine = x.tr.T("import.cursor", dev.ID, x.cursor())
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	d.Busy, d.Files, d.Message = x.busy, x.files, x.message
	d.Problem = x.message != ""
	if x.ran && x.message == "" {
		n := map[ImportStatus]int{}
		batches, files, applied, refusedFiles, refusedBatches := false, false, 0, 0, 0
		for _, f := range x.files {
			n[f.Status]++
			batches = batches || !f.District
			files = files || f.District
			applied += f.Applied
			switch {
			case f.Status == ImportRefused && f.District:
				refusedFiles++
			case f.Status == ImportRefused:
				refusedBatches++
			}
		}
		var parts []string
		if files {
			parts = append(parts, x.tr.T("import.summary_device", n[ImportApplied], Count(x.tr, applied), n[ImportHad], refusedFiles))
		}
		if batches {
			parts = append(parts, x.tr.T("import.summary", n[ImportAccepted], n[ImportDuplicate], refusedBatches, n[ImportNotSent]))
		}
		d.Accepted, d.Applied = n[ImportAccepted], n[ImportApplied]
		d.Summary = strings.Join(parts, " ")
		d.Problem = n[ImportRefused] > 0 || n[ImportNotSent] > 0
	}
	return d
}

// Run imports the files in paths (files, or folders searched): the
// district files for this device are applied to it; on a supervisor's
// device the batch files are sent to the district node. It returns each
// file's fate.
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
		x.message = errText(x.tr, err)
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
	_, dist, forwards, err := x.enrolment()
	if errors.Is(err, outbox.ErrNotEnrolled) {
		return nil, errors.New(x.tr.T("import.not_enrolled"))
	}
	if err != nil {
		return nil, err
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
	found, districtFiles, certs, err := x.stickFiles(clean, dist)
	if err != nil {
		return nil, errors.New(x.tr.T("import.read_failed", errText(x.tr, err)))
	}
	if !forwards {
		// An officer's stick also carries this device's own batch files
		// on their way to the district: not for importing here.
		found = nil
	}
	node := x.node()
	if forwards && node == "" && (len(found) > 0 || len(districtFiles) == 0) {
		return nil, errors.New(x.tr.T("import.no_node"))
	}
	switch {
	case len(found) == 0 && len(districtFiles) == 0 && forwards:
		return nil, errors.New(x.tr.T("import.none", strings.Join(clean, ", ")))
	case len(found) == 0 && len(districtFiles) == 0 && !hasRefusals(clean):
		return nil, errors.New(x.tr.T("import.none_device", strings.Join(clean, ", ")))
	}

	var out []ImportFile
	if !forwards {
		// The district's refusals of this device's batches, left on the
		// stick by the district's import: acted on as a sync would.
		rs, err := client.ImportRefusals(x.store, clean...)
		if err != nil {
			return nil, errors.New(x.tr.T("import.file_store", errText(x.tr, err)))
		}
		for _, r := range rs {
			out = append(out, x.refusalFile(r))
		}
	}
	if len(districtFiles) > 0 {
		rs, err := client.ImportFiles(x.store, districtFiles...)
		mine := false
		for _, r := range rs {
			f := x.districtFile(r)
			mine = mine || f.Status != ImportOtherDevice
			out = append(out, f)
		}
		if err != nil && rs == nil {
			return nil, errors.New(x.tr.T("import.file_store", errText(x.tr, err)))
		}
		if err != nil {
			// The store failed midway: what was applied stays, with its
			// cursor; the rest is not tried.
			return out, errors.New(x.tr.T("import.file_store", errText(x.tr, err)))
		}
		if !mine && len(found) == 0 && !hasRefusals(clean) {
			return out, errors.New(x.tr.T("import.none_for_device", x.store.DeviceKeys().ID))
		}
	}
	if len(found) > 0 {
		out = append(out, x.forward(found, certs, dist, node)...)
	}
	return out, nil
}

// refusalFile says in words what became of a district's refusal of one
// of this device's batches.
func (x *Import) refusalFile(r *client.RefusalResult) ImportFile {
	f := ImportFile{Path: r.Path, Batch: r.Batch, Code: "refusal"}
	switch r.Status {
	case "applied":
		f.Status, f.Words = ImportApplied, x.tr.T("import.refusal_applied", r.Batch, Count(x.tr, len(r.Refused)), Count(x.tr, r.Restamped))
	case "already":
		f.Status, f.Words = ImportHad, x.tr.T("import.refusal_had", r.Batch)
	case "other_device":
		f.Status, f.Words = ImportOtherDevice, x.tr.T("import.refusal_other_device")
	default:
		f.Status, f.Words = ImportRefused, x.tr.T("import.refused", r.Reason)
	}
	return f
}

// districtFile says in words what became of a district file.
func (x *Import) districtFile(r *client.FileResult) ImportFile {
	f := ImportFile{Path: r.Path, District: true, Device: r.Device, Officer: r.Officer, From: r.From, To: r.To,
		Ops: r.Ops, Applied: r.Applied, Code: r.Code}
	switch {
	case r.Status == client.FileApplied:
		f.Status, f.Words = ImportApplied, x.tr.T("import.applied", Count(x.tr, r.Ops), Count(x.tr, r.Applied))
	case r.Status == client.FileHad:
		f.Status, f.Words = ImportHad, x.tr.T("import.had", r.Cursor)
	case r.Code == client.FileCodeOtherDevice:
		f.Status, f.Words = ImportOtherDevice, x.tr.T("import.file_other_device", r.Device, r.Officer)
	default:
		f.Status = ImportRefused
		switch r.Code {
		case client.FileCodeDamaged:
			f.Words = x.tr.T("import.file_damaged")
		case client.FileCodeOtherDistrict:
			f.Words = x.tr.T("import.file_other_district", r.District)
		case client.FileCodeGap:
			dev := x.store.DeviceKeys().ID
			f.Words = x.tr.T("import.file_gap", r.From, r.Cursor, dev, r.Cursor)
		case client.FileCodeNotAFile:
			f.Words = x.tr.T("import.file_not_district")
		case client.FileCodeUnreadable:
			f.Words = x.tr.T("import.unreadable", r.Reason)
		default:
			f.Words = x.tr.T("import.file_store", r.Reason)
		}
	}
	return f
}

// forward sends officers' batch files to the district node, in each
// device's order, and says what became of each.
func (x *Import) forward(found []*stickFile, certs map[string]*cert.Certificate, dist identity.DistrictPublic, node string) []ImportFile {
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
	hc := x.HTTP
	if hc == nil {
		hc = client.HTTPClient(dist, client.HTTPOptions{})
	}
	var stop error
	for _, f := range found {
		if f.Status != 0 {
			continue
		}
		if stop != nil {
			f.Status, f.Words = ImportNotSent, x.tr.T("import.not_sent", stop.Error())
			continue
		}
		rec, err := client.PushSealed(ctx, hc, node, f.sealed)
		var pe *protocol.Error
		if errors.As(err, &pe) && pe.Code == protocol.CodeUnknownDevice && certs[f.Device] != nil && !introduced[f.Device] {
			// A device that never synced: its certificate came on the
			// stick and goes with the batch; the node checks the
			// district's signature on it and the batch's with its key.
			introduced[f.Device] = true
			rec, err = client.PushSealedIntroducing(ctx, hc, node, f.sealed, certs[f.Device])
		}
		if err == nil {
			err = client.VerifyReceipt(rec, dist, f.sealed, client.RevokedNodes(x.store, dist))
		}
		switch {
		case err == nil && rec.Duplicate:
			f.Status, f.Ops, f.Words = ImportDuplicate, rec.Ops, x.tr.T("import.duplicate")
		case err == nil:
			f.Status, f.Ops, f.Words = ImportAccepted, rec.Ops, x.tr.T("import.accepted", Count(x.tr, rec.Ops))
		case errors.As(err, &pe):
			f.Status, f.Code, f.Words = ImportRefused, pe.Code, x.refusal(pe, certs[f.Device] != nil)
			if pe.Signed() {
				// Left beside the batch: the laptop acts on it when it
				// imports the stick.
				if _, werr := client.WriteRefusal(filepath.Dir(f.Path), pe); werr == nil {
					f.Words += " " + x.tr.T("import.refusal_left")
				}
			}
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
	return out
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

// hasRefusals reports whether paths hold a district's refusal file.
func hasRefusals(paths []string) bool {
	found := false
	for _, p := range paths {
		filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(path), client.RefusalFileExt) {
				found = true
				return filepath.SkipAll
			}
			return nil
		})
	}
	return found
}

// stickFiles lists the batch files under paths, read and checked as far
// as this device can (the header, the district they are sealed to), in
// each device's order; the district files (*.ckp) under paths; and the
// certificates found beside them that the district dist signed, by
// device.
func (x *Import) stickFiles(paths []string, dist identity.DistrictPublic) ([]*stickFile, []string, map[string]*cert.Certificate, error) {
	var names, districtFiles, certNames []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, nil, err
		}
		if !st.IsDir() {
			switch ext := strings.ToLower(filepath.Ext(p)); ext {
			case protocol.DistrictFileExt:
				districtFiles = append(districtFiles, p)
			case client.RefusalFileExt: // ImportRefusals
			default:
				names = append(names, p)
			}
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
			case ext == protocol.DistrictFileExt:
				districtFiles = append(districtFiles, path)
			case ext == CertificateExt:
				certNames = append(certNames, path)
			}
			return nil
		})
		if err != nil {
			return nil, nil, nil, err
		}
	}
	certs := map[string]*cert.Certificate{}
	for _, n := range certNames {
		b, err := client.ReadFileMax(n, 64<<10, "a certificate file")
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
		b, err := client.ReadFileMax(n, batch.DefaultLimits.MaxSealed, "a batch")
		if err != nil {
			f.Status, f.Code, f.Words = ImportRefused, "local", x.tr.T("import.unreadable", errText(x.tr, err))
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
	return files, districtFiles, certs, nil
}

// CertificateExt is the extension of a certificate file (what `kitctl
// enrol sign --out` writes); the export writes the device's beside its
// batches, so that a supervisor importing them can introduce the device
// to the district.
const CertificateExt = ".cert"
