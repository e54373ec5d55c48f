package client

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

// The way back by USB stick, on the device: district files (made by
// `kitctl district export`, sync/protocol/districtfile.go) are applied as
// a pull would apply the answers they carry — the same opener (the
// enrolled district is the only sender), the same ApplyOps with the
// cursor in the same transaction — so a file and an online sync go on
// from each other's cursor, and a device never holds anything a pull
// would not have given it.
//
// A file covers the cursors From (exclusive) to To. It is applied whole
// or not at all as far as checks go: every answer in it is opened before
// the first is applied, so a damaged or altered file changes nothing.
// Applying itself is answer by answer, each with its cursor, as a pull
// is: a crash midway leaves the store consistent and the same file
// imported again finishes the work.
//
// Order matters only through the cursor:
//   - To ≤ the device's cursor: it has everything in the file already
//     (imported twice, or an older file after a newer one, or after an
//     online sync): nothing is applied.
//   - From > the cursor: a file before this one is missing. Its changes
//     are not applied: the cursor cannot move past changes never
//     received, and applying them out of order would show the officer
//     partial records (an edit of a person whose registration is in the
//     missing file). The message names the cursor to export from.
//   - otherwise the answers after the cursor are applied; what the device
//     held already is skipped (ApplyOps is idempotent).

// FileStatus is what became of a district file on a device.
type FileStatus string

// The fates of a district file.
const (
	FileApplied FileStatus = "applied"     // its changes were applied, and the cursor moved to its end
	FileHad     FileStatus = "already_had" // the device had received everything in it: nothing changed
	FileRefused FileStatus = "refused"     // nothing of it was applied; Code and Err say why
)

// Codes of a refused district file, in FileResult.Code.
const (
	FileCodeUnreadable    = "unreadable"     // the file could not be read
	FileCodeNotAFile      = "not_a_file"     // not a district file
	FileCodeDamaged       = "damaged"        // cut short, altered, or not signed by the district
	FileCodeOtherDistrict = "other_district" // made by another district than this device's
	FileCodeOtherDevice   = "other_device"   // for another device (a commune's files travel on one stick)
	FileCodeGap           = "gap"            // a file before it is missing
	FileCodeStore         = "store"          // this device's store failed
)

// Errors of importing a district file, besides sync/protocol's
// ErrNotADistrictFile, ErrDistrictFileDamaged and
// ErrDistrictFileOtherDistrict.
var (
	// ErrFileOtherDevice: the file is sealed to another device.
	ErrFileOtherDevice = errors.New("the district file is for another device")
	// ErrFileGap: the file starts after changes this device has not
	// received: a file made before it is missing.
	ErrFileGap = errors.New("a district file before this one is missing")
)

// FileResult is what became of one district file.
type FileResult struct {
	Path     string     `json:"file"`
	Status   FileStatus `json:"status"`
	Code     string     `json:"code,omitempty"`
	Device   string     `json:"device,omitempty"`  // the device the file is for
	Officer  string     `json:"officer,omitempty"` // that device's officer
	District string     `json:"district,omitempty"`
	From     uint64     `json:"from,omitempty"` // the file's changes are those after From …
	To       uint64     `json:"to,omitempty"`   // … up to To
	Made     int64      `json:"made,omitempty"` // unix seconds, when the district made it
	Ops      int        `json:"operations"`     // operations in the file
	Applied  int        `json:"applied"`        // of those, new to this device
	// Cursor is what this device has received up to after the file.
	Cursor uint64 `json:"cursor"`
	// Revocations is the number of the revocation list kept from the
	// file (0: none kept).
	Revocations uint64 `json:"revocation_list,omitempty"`
	Reason      string `json:"reason,omitempty"` // Err in English words
	Err         error  `json:"-"`
}

// ImportFiles applies the district files at paths — files as named,
// folders searched for *.ckp — to the enrolled device s, in the order of
// their cursors, and returns what became of each. A refused file changes
// nothing and does not stop the others. The error is for what stops the
// whole import: the device is not enrolled, a path cannot be read, the
// store fails (what was applied before stays, with its cursor).
func ImportFiles(s *storage.Store, paths ...string) ([]*FileResult, error) {
	im, err := newImporter(s)
	if err != nil {
		return nil, err
	}
	names, err := DistrictFiles(paths...)
	if err != nil {
		return nil, err
	}
	type file struct {
		r *FileResult
		b []byte
	}
	var files []file
	for _, n := range names {
		f := file{r: &FileResult{Path: n}}
		f.b, err = ReadFileMax(n, protocol.MaxDistrictFile, "a district file")
		if err != nil {
			im.refuse(f.r, FileCodeUnreadable, err)
		} else if h, _, err := protocol.ReadDistrictFileHeader(f.b); err == nil {
			f.r.From, f.r.To = h.From, h.To
		}
		files = append(files, f)
	}
	// Oldest first, so that a stick holding several files of this device
	// applies them all whatever their names.
	sort.SliceStable(files, func(i, j int) bool {
		if files[i].r.From != files[j].r.From {
			return files[i].r.From < files[j].r.From
		}
		return files[i].r.To < files[j].r.To
	})
	var out []*FileResult
	for _, f := range files {
		out = append(out, f.r)
		if f.r.Status != "" {
			continue
		}
		im.apply(f.r, f.b)
		if f.r.Code == FileCodeStore {
			return out, f.r.Err
		}
	}
	return out, nil
}

// ImportFile applies one district file's bytes to s, as ImportFiles does;
// name is only for the result. The error is the store's.
func ImportFile(s *storage.Store, name string, b []byte) (*FileResult, error) {
	im, err := newImporter(s)
	if err != nil {
		return nil, err
	}
	r := &FileResult{Path: name}
	im.apply(r, b)
	if r.Code == FileCodeStore {
		return r, r.Err
	}
	return r, nil
}

// DistrictFiles lists the district files named: files as given, folders
// searched for *.ckp (a stick may hold a folder per device).
func DistrictFiles(paths ...string) ([]string, error) {
	return findFiles(protocol.DistrictFileExt, true, paths...)
}

// findFiles lists the files at paths: folders searched for files ending
// in ext, files named as given (with anyExt) or when they end in ext.
func findFiles(ext string, anyExt bool, paths ...string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			if anyExt || strings.EqualFold(filepath.Ext(p), ext) {
				out = append(out, p)
			}
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ext) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// importer applies district files to one device.
type importer struct {
	s        *storage.Store
	dev      *identity.Device
	district identity.DistrictPublic
}

func newImporter(s *storage.Store) (*importer, error) {
	_, d, err := outbox.Enrolment(s)
	if err != nil {
		return nil, err
	}
	dev := s.DeviceKeys()
	if dev == nil {
		return nil, errors.New("this profile has no device keys: district files are imported on a commune profile")
	}
	return &importer{s: s, dev: dev, district: d}, nil
}

// revokedNodes refuses a node the revocation list held here, or the one
// the file carries (signed by the district, checked when read), names.
func (im *importer) revokedNodes(f *protocol.DistrictFile) protocol.Revoked {
	held := revokedNodes(im.s, im.district)
	return func(serial uint64, node string) error {
		if err := held(serial, node); err != nil {
			return err
		}
		if len(f.Revocations) > 0 {
			if l, err := cert.ParseRevocationList(f.Revocations); err == nil && l.Verify(im.district) == nil {
				return l.CheckSerial(serial, node)
			}
		}
		return nil
	}
}

func (im *importer) refuse(r *FileResult, code string, err error) {
	r.Status, r.Code, r.Err, r.Reason = FileRefused, code, err, err.Error()
	if cur, cerr := cursor(im.s); cerr == nil {
		r.Cursor = cur
	}
}

// apply checks and applies one file, filling r.
func (im *importer) apply(r *FileResult, b []byte) {
	f, err := protocol.ReadDistrictFile(b, im.district.KeyID, im.district.SignKey)
	switch {
	case errors.Is(err, protocol.ErrNotADistrictFile):
		r.From, r.To = 0, 0
		im.refuse(r, FileCodeNotAFile, fmt.Errorf("%w: only files the district made for this device (`kitctl district export`, %s) are imported here", err, protocol.DistrictFileExt))
		return
	case errors.Is(err, protocol.ErrDistrictFileOtherDistrict):
		if h, _, herr := protocol.ReadDistrictFileHeader(b); herr == nil {
			r.District = h.District
		}
		im.refuse(r, FileCodeOtherDistrict, fmt.Errorf("%w; this device is enrolled with district %s: nothing was applied", err, im.district.Name))
		return
	case err != nil:
		r.From, r.To = 0, 0 // its header's word counts for nothing
		im.refuse(r, FileCodeDamaged, fmt.Errorf("%w: nothing was applied; ask the district for a new copy", err))
		return
	}
	h := &f.Header
	r.Device, r.Officer, r.District, r.From, r.To, r.Made, r.Ops = h.Device, h.Officer, h.District, h.From, h.To, h.Made, h.Ops
	if h.Device != im.dev.ID || h.DeviceKey != im.dev.Public().KeyID() {
		im.refuse(r, FileCodeOtherDevice, fmt.Errorf("%w: %s (%s), not this one (%s); leave it on the stick for that laptop", ErrFileOtherDevice, h.Device, h.Officer, im.dev.ID))
		return
	}
	// The nodes that signed the answers: each certified by the district
	// and revoked neither in the list held here nor in the file's own.
	var nodes []*cert.NodeCertificate
	for _, text := range h.Signers {
		n, err := protocol.NodeOf(text, im.district, im.revokedNodes(f))
		if err != nil {
			im.refuse(r, FileCodeDamaged, fmt.Errorf("%w: its answers are signed by a node this device does not trust (%v): nothing was applied; ask the district for a new file", protocol.ErrDistrictFileDamaged, err))
			return
		}
		nodes = append(nodes, n)
	}
	open, err := outbox.DeviceOpener(im.s, nodes...)
	if err != nil {
		im.refuse(r, FileCodeStore, err)
		return
	}
	// Open everything before applying anything.
	var answers []*batch.Batch
	prev, ops := h.From, 0
	for i, a := range f.Answers {
		bt, err := open.Open(a)
		if err == nil && bt.Header.Seq <= prev {
			err = fmt.Errorf("its cursor %d does not follow %d", bt.Header.Seq, prev)
		}
		if err != nil {
			im.refuse(r, FileCodeDamaged, fmt.Errorf("%w: answer %d of %d in it does not open (%v): nothing was applied; ask the district for a new file", protocol.ErrDistrictFileDamaged, i+1, len(f.Answers), err))
			return
		}
		prev, ops = bt.Header.Seq, ops+len(bt.Ops)
		answers = append(answers, bt)
	}
	if prev != h.To {
		im.refuse(r, FileCodeDamaged, fmt.Errorf("%w: its answers end at %d, its header says %d: nothing was applied", protocol.ErrDistrictFileDamaged, prev, h.To))
		return
	}
	if h.BatchKey != "" {
		// In the header the district signed: what this laptop seals
		// from now on goes to it, as after an online pull.
		if _, err := outbox.KeepBatchKey(im.s, h.BatchKey); err != nil {
			im.refuse(r, FileCodeDamaged, fmt.Errorf("%w: the batch key it carries does not check out (%v): nothing was applied", protocol.ErrDistrictFileDamaged, err))
			return
		}
	}
	r.Ops = ops
	cur, err := cursor(im.s)
	if err != nil {
		im.refuse(r, FileCodeStore, err)
		return
	}
	if h.From > cur {
		im.refuse(r, FileCodeGap, fmt.Errorf("%w: it holds the changes after %d, this device has received them up to %d only; import the file that ends at %d first, or ask the district for a new one: kitctl district export --device %s --after %d",
			ErrFileGap, h.From, cur, h.From, im.dev.ID, cur))
		return
	}
	r.Status, r.Cursor = FileHad, cur
	for _, bt := range answers {
		if bt.Header.Seq <= cur {
			continue // received before (an online sync, or this file's start again)
		}
		meta := map[string][]byte{MetaCursor: binary.BigEndian.AppendUint64(nil, bt.Header.Seq)}
		// What the file carries the district accepted before it made the
		// file (its signed time): the device's clock moves at most a day
		// past that.
		limit := storage.HLC(0)
		if r.Made > 0 {
			limit = ClockLimit(time.Unix(r.Made, 0))
		}
		res, err := im.s.ApplyOps(bt.Ops, storage.ApplyOptions{Index: true, ObserveClock: true, ClockLimit: limit, Meta: meta})
		if err != nil {
			im.refuse(r, FileCodeStore, fmt.Errorf("applying district file %s: %w", filepath.Base(r.Path), err))
			return
		}
		r.Status, r.Cursor = FileApplied, bt.Header.Seq
		r.Applied += res.Applied
	}
	if f.Revocations != nil {
		if seq, err := keepRevocations(im.s, im.district, f.Revocations); err == nil {
			r.Revocations = seq
		}
	}
}

// keepRevocations keeps the district's revocation list b if it follows
// the one held, as a sync does, and returns its number (0 when not kept).
func keepRevocations(s *storage.Store, d identity.DistrictPublic, b []byte) (uint64, error) {
	l, err := cert.ParseRevocationList(b)
	if err == nil {
		err = l.Verify(d)
	}
	if err != nil {
		return 0, err
	}
	held, err := (&run{s: s, district: d}).heldRevocations()
	if err != nil {
		return 0, err
	}
	if held != nil {
		if err := l.Follows(held); err != nil {
			return 0, err
		}
		if l.Seq == held.Seq {
			return 0, nil
		}
	}
	if err := s.PutMeta(MetaRevocations, b); err != nil {
		return 0, err
	}
	return l.Seq, nil
}

// ReadFileMax reads a file from a stick of at most max bytes, what says
// what it should be ("a district file") when it is larger: a stick may
// hold anything, and nothing is read whole before it is known to fit.
func ReadFileMax(path string, max int, what string) ([]byte, error) {
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
		return nil, fmt.Errorf("%s is larger than %s may be (%d bytes)", path, what, max)
	}
	return b, nil
}
