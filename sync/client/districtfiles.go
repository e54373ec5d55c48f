package client

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/registry"
)

// ExportedFile is one device's part of a district export.
type ExportedFile struct {
	Device  string `json:"device"`
	Officer string `json:"officer,omitempty"`
	Status  string `json:"status"` // written, nothing new, skipped, failed
	File    string `json:"file,omitempty"`
	From    uint64 `json:"from"`
	To      uint64 `json:"to,omitempty"`
	Ops     int    `json:"operations"`
	Bytes   int    `json:"bytes,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// The statuses of an ExportedFile.
const (
	ExportWritten    = "written"
	ExportNothingNew = "nothing new"
	ExportSkipped    = "skipped"
	ExportFailed     = "failed"
)

// DistrictExport says which district files to write.
type DistrictExport struct {
	Device  string // one device, by ID; or
	Commune string // every enrolled device of a commune
	Out     string // the directory to write to (a USB stick)
	// After starts the device's files after this change instead of the
	// registry's export cursor (-1: the cursor). Only with Device.
	After int64
}

// ExportDistrictFiles writes district files for devices onto a stick
// (PROTOCOL.md, "District files"): what each device's next pull would
// receive, sealed to it by the cluster at node, signed by the district. A
// file is written atomically before the registry's cursor for its device
// moves past it. It returns what happened for each device; the error is
// the one that stopped it (the node unreachable), if any.
func ExportDistrictFiles(ctx context.Context, node string, reg *registry.Registry, o DistrictExport) ([]*ExportedFile, error) {
	var devices []*ExportedFile
	var certs []*cert.Certificate
	if o.Device != "" {
		c, err := reg.Check(o.Device)
		if errors.Is(err, registry.ErrUnknownDevice) {
			return nil, fmt.Errorf("%v: `kitctl enrol list` shows the enrolled devices", err)
		}
		if err != nil {
			return nil, fmt.Errorf("no file is made for device %s: %w", o.Device, err)
		}
		certs = append(certs, c)
	} else {
		all, err := reg.Certificates()
		if err != nil {
			return nil, err
		}
		for _, c := range all {
			if !c.Covers(o.Commune) {
				continue
			}
			if _, err := reg.Check(c.Device.ID); err != nil {
				devices = append(devices, &ExportedFile{Device: c.Device.ID, Officer: c.Officer, Status: ExportSkipped, Reason: err.Error()})
				continue
			}
			certs = append(certs, c)
		}
		if len(certs) == 0 && len(devices) == 0 {
			return nil, fmt.Errorf("no device of this district is enrolled for commune %s: `kitctl enrol list` shows the enrolled devices", o.Commune)
		}
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("--out %s: %w", o.Out, err)
	}
	revs, err := reg.Revocations()
	if err != nil {
		return nil, err
	}

	var stop error
	for _, c := range certs {
		from, err := reg.ExportCursor(c.Device.ID)
		if err != nil {
			return devices, err
		}
		if o.After >= 0 && o.Device != "" {
			from = uint64(o.After)
		}
		for {
			f := &ExportedFile{Device: c.Device.ID, Officer: c.Officer, From: from}
			devices = append(devices, f)
			if stop != nil {
				f.Status, f.Reason = ExportFailed, "not asked: "+stop.Error()
				break
			}
			x, err := ExportFile(ctx, node, reg.Keys(), c, from, ExportOptions{Revocations: revs})
			if err == nil && x.Header != nil {
				f.File = filepath.Join(o.Out, x.Header.FileName())
				err = storage.WriteFileAtomic(f.File, x.File)
				if err == nil {
					// Recorded only once the file is on the stick.
					err = reg.SetExportCursor(c.Device.ID, x.Header.To)
				}
			}
			switch {
			case err != nil:
				f.Status, f.File, f.Reason = ExportFailed, "", err.Error()
				if errors.Is(err, ErrUnreachable) || errors.Is(err, ErrNotANode) || ctx.Err() != nil {
					stop = err
				}
			case x.Header == nil:
				f.Status = ExportNothingNew
			default:
				f.Status, f.To, f.Ops, f.Bytes = ExportWritten, x.Header.To, x.Header.Ops, len(x.File)
			}
			if err != nil || x.Header == nil || !x.More {
				break
			}
			from = x.Header.To // more than one file holds: the next goes on
		}
	}
	return devices, stop
}
