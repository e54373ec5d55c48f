package vm

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/outbox"
)

// Export is the USB export screen: the exact number of changes the
// district has not acknowledged, and writing them as sealed batch files
// into a folder (a USB stick) to carry to the district.
type Export struct {
	notifier
	tr    Tr
	store *storage.Store
	do    Do

	mu       sync.Mutex
	data     ExportData
	err      error
	result   *ExportResult
	runErr   error
	busy     bool
	notReady bool // the last export failed because the device is not enrolled
}

// ExportData is what the export screen shows.
type ExportData struct {
	Loaded   bool
	Pending  uint64 // operations the district has not acknowledged
	Waiting  int    // sealed batches the district has not acknowledged
	Enrolled bool
	District string
	Busy     bool
	// Message is the outcome of the last export, or what to do first when
	// the device is not enrolled; Problem says whether it is an error.
	Message string
	Problem bool
}

// ExportResult is what one export wrote.
type ExportResult struct {
	Dir     string
	Files   []string // one per batch, in order
	New     int      // batches sealed by this export; the others were sealed before
	Bytes   int64
	Pending uint64 // operations in the files, still unacknowledged
	// Certificate is the device's certificate file written beside the
	// batches ("" when there were none).
	Certificate string
}

// NewExport returns the export screen of store; call Refresh.
func NewExport(tr Tr, store *storage.Store, do Do) *Export {
	return &Export{tr: tr, store: store, do: do}
}

// Refresh reads the pending count and the enrolment again.
func (x *Export) Refresh() error {
	var d ExportData
	var err error
	d.Pending, err = x.store.Pending()
	if err == nil {
		var un []*storage.OutBatch
		un, err = x.store.Unacknowledged()
		d.Waiting = len(un)
	}
	c, _, eerr := outbox.Enrolment(x.store)
	switch {
	case eerr == nil:
		d.Enrolled, d.District = true, c.District
	case !errors.Is(eerr, outbox.ErrNotEnrolled) && err == nil:
		err = eerr
	}
	d.Loaded = true
	x.mu.Lock()
	d.Busy = x.busy
	x.data, x.err = d, err
	x.mu.Unlock()
	x.changed()
	return err
}

// Data returns what the screen shows, in the current language.
func (x *Export) Data() ExportData {
	x.mu.Lock()
	d, err, res, runErr, notReady := x.data, x.err, x.result, x.runErr, x.notReady
	d.Busy = x.busy
	x.mu.Unlock()
	switch {
	case runErr != nil && (notReady || errors.Is(runErr, outbox.ErrNotEnrolled)):
		d.Message, d.Problem = x.tr.T("export.not_enrolled"), true
	case runErr != nil && errors.As(runErr, new(*FolderError)):
		d.Message, d.Problem = runErr.Error(), true
	case runErr != nil:
		d.Message, d.Problem = x.tr.T("export.failed", errText(x.tr, runErr)), true
	case res != nil && len(res.Files) == 0:
		d.Message = x.tr.T("export.nothing")
	case res != nil:
		d.Message = x.tr.T("export.done", len(res.Files), res.New, Bytes(res.Bytes), res.Dir, res.Pending)
	case err != nil:
		d.Message, d.Problem = x.tr.T("export.error", errText(x.tr, err)), true
	case d.Loaded && !d.Enrolled:
		d.Message, d.Problem = x.tr.T("export.not_enrolled"), true
	}
	return d
}

// Run seals the pending operations and writes every batch the district has
// not acknowledged into dir: batches written by an earlier export are
// written again, so a stick lost on the way loses nothing.
func (x *Export) Run(dir string) (*ExportResult, error) {
	res, err := x.run(dir)
	x.finish(res, err)
	return res, err
}

// RunAsync runs Run on its own goroutine and calls done (may be nil)
// through Do when it ends.
func (x *Export) RunAsync(dir string, done func(*ExportResult, error)) {
	x.mu.Lock()
	if x.busy {
		x.mu.Unlock()
		return
	}
	x.busy = true
	x.mu.Unlock()
	x.changed()
	go func() {
		res, err := x.run(dir)
		x.do(func() {
			x.finish(res, err)
			if done != nil {
				done(res, err)
			}
		})
	}()
}

func (x *Export) finish(res *ExportResult, err error) {
	x.mu.Lock()
	x.busy = false
	x.result, x.runErr = res, err
	x.notReady = errors.Is(err, outbox.ErrNotEnrolled)
	x.mu.Unlock()
	x.Refresh()
}

func (x *Export) run(dir string) (*ExportResult, error) {
	dir = strings.TrimSpace(dir)
	if dir == "" {
		return nil, errors.New(x.tr.T("export.no_dir"))
	}
	if err := checkFolder(x.tr, dir); err != nil {
		return nil, err
	}
	z, err := outbox.SealerFor(x.store, outbox.DefaultMaxOps)
	if err != nil {
		return nil, err
	}
	made, err := z.Seal(x.store)
	if err != nil {
		return nil, err
	}
	un, err := x.store.Unacknowledged()
	if err != nil {
		return nil, err
	}
	paths, err := outbox.WriteFiles(dir, un)
	if err != nil {
		return nil, err
	}
	res := &ExportResult{Dir: dir, Files: paths, New: len(made)}
	if len(paths) > 0 {
		// The device's certificate goes along: a supervisor who imports
		// the batches introduces the device to a district node that has
		// not seen it (Import).
		c, d, err := outbox.Enrolment(x.store)
		if err != nil {
			return nil, err
		}
		b, err := outbox.CertificateFile(c, d)
		if err != nil {
			return nil, err
		}
		res.Certificate = filepath.Join(dir, "communekit-"+safeName(c.Device.ID)+CertificateExt)
		if err := os.WriteFile(res.Certificate, b, 0o644); err != nil {
			return nil, err
		}
	}
	for _, b := range un {
		res.Bytes += int64(len(b.Sealed))
	}
	res.Pending, err = x.store.Pending()
	return res, err
}

// Bytes writes a size for people: "1,2 MB".
func Bytes(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1000*1000:
		return decimal(n, 1000) + " kB"
	}
	return decimal(n, 1000*1000) + " MB"
}

func decimal(n, unit int64) string {
	tenths := (n*10 + unit/2) / unit
	return strconv.FormatInt(tenths/10, 10) + "," + strconv.FormatInt(tenths%10, 10)
}
