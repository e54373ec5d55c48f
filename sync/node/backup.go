package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/protocol"
)

// A backup (POST /v1/node/backup, `kitctl district backup`) is the node
// store's replicated state sealed exactly as a Raft snapshot seals it (a
// Badger backup encrypted with age to the district), behind a header the
// node signs with the district's key (protocol.BackupHeader). Restore
// (backup_restore.go) makes a new cluster's first node from it.

// backupAttempts bounds the tries at a backup during which no entry was
// applied (see writeBackup).
const backupAttempts = 5

// backupQuiet is how long the applied index must stay still before
// another try, up to backupQuietMax.
const (
	backupQuiet    = 200 * time.Millisecond
	backupQuietMax = 5 * time.Second
)

// backupTmp is the directory, in the node's directory, where a backup is
// written before it is sent: the header names its size and SHA-256, so
// the whole of it must exist first.
const backupTmp = "backup-tmp"

// oneBackup lets one backup run at a time in this process (one node per
// process in production): a second would double the disk and CPU a
// backup takes for nothing.
var oneBackup sync.Mutex

// errBusy: entries were applied during every try.
var errBusy = errors.New("entries were applied while each try was made")

func (n *Node) handleBackup(w http.ResponseWriter, r *http.Request) {
	if !n.serving(w) {
		return
	}
	var req protocol.BackupRequest
	_, ok := n.readRequest(w, r, &req, "a backup request")
	if !ok {
		return
	}
	if err := req.Verify(n.fsm.pub.SignKey, n.now()); err != nil {
		n.fail(w, err.(*protocol.Error))
		return
	}
	if req.Node != n.cfg.ID {
		n.fail(w, errf(protocol.CodeMalformed, "this backup request is for node %q, and this is node %s: ask that node, or sign a request for this one", req.Node, n.cfg.ID))
		return
	}
	if e := n.replays.use("backup request", protocol.SignerDistrict, req.Nonce, req.Time, n.now()); e != nil {
		n.fail(w, e)
		return
	}
	release, ok := n.admit(w, "")
	if !ok {
		return
	}
	defer release()
	// A node that is not caught up would save less than the cluster
	// acknowledged: another node is the one to ask.
	if err := n.Ready(); err != nil {
		n.fail(w, errf(protocol.CodeUnavailable, "node %s cannot make a backup now (%v): ask the leader or another node", n.cfg.ID, err))
		return
	}
	if !oneBackup.TryLock() {
		n.fail(w, errf(protocol.CodeUnavailable, "node %s is already making a backup: wait until it is done", n.cfg.ID))
		return
	}
	defer oneBackup.Unlock()
	start := time.Now()
	dir := filepath.Join(n.cfg.Dir, backupTmp)
	// What a node killed during a backup left behind.
	if err := os.RemoveAll(dir); err != nil {
		n.fail(w, errf(protocol.CodeInternal, "node %s: clearing %s: %v", n.cfg.ID, dir, err))
		return
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		n.fail(w, errf(protocol.CodeInternal, "node %s: %v", n.cfg.ID, err))
		return
	}
	defer os.RemoveAll(dir)
	f, err := os.CreateTemp(dir, "backup-*")
	if err != nil {
		n.fail(w, errf(protocol.CodeInternal, "node %s: %v", n.cfg.ID, err))
		return
	}
	defer f.Close()
	h, err := n.writeBackup(r.Context(), f)
	switch {
	case errors.Is(err, errBusy):
		n.fail(w, errf(protocol.CodeUnavailable, "node %s could not make a consistent backup: %v, %d times; try again when fewer devices are syncing", n.cfg.ID, err, backupAttempts))
		return
	case err != nil:
		n.fail(w, errf(protocol.CodeInternal, "node %s: making the backup: %v", n.cfg.ID, err))
		return
	}
	head, err := h.MarshalBinary()
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		n.fail(w, errf(protocol.CodeInternal, "node %s: %v", n.cfg.ID, err))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(int64(len(head))+h.Size, 10))
	w.Write(head)
	if _, err := io.Copy(w, f); err != nil {
		n.log.Warn("sending a backup failed", "err", err)
		return
	}
	n.log.Info("sent a backup", "index", h.Index, "digest", h.Digest, "bytes", int64(len(head))+h.Size, "took", time.Since(start).Round(time.Millisecond))
}

// writeBackup writes the sealed state to f and returns its signed header.
//
// The header's index and digest must describe exactly the state in the
// file, but the FSM goes on applying while the store is read (Badger
// reads one consistent version, the digest another). Every applied entry
// writes the applied index in its own transaction, so when the stored
// index is the same before the digest and after the backup, nothing was
// applied in between and both saw the same state. Otherwise it tries
// again once the index has been still for a moment.
func (n *Node) writeBackup(ctx context.Context, f *os.File) (*protocol.BackupHeader, error) {
	// Sealed to the newest batch key: the district profile and every
	// node's credential made since hold it; a node left out of its
	// rollout (revoked) cannot open the backups made after.
	rcpt, err := age.ParseX25519Recipient(n.fsm.sealKey().Recipient())
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		before, err := n.store.GetMeta(metaApplied)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, errors.New("it has applied nothing yet")
		}
		if err != nil {
			return nil, err
		}
		digest, err := n.store.Digest()
		if err != nil {
			return nil, err
		}
		feed := n.store.FeedLast()
		if err := f.Truncate(0); err != nil {
			return nil, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		sum := sha256.New()
		cw := &countWriter{}
		if err := sealState(io.MultiWriter(f, sum, cw), n.store, rcpt); err != nil {
			return nil, err
		}
		after, err := n.store.GetMeta(metaApplied)
		if err != nil {
			return nil, err
		}
		if bytes.Equal(before, after) && len(after) == 8 {
			h := &protocol.BackupHeader{
				District: n.fsm.pub.Name, KeyID: n.fsm.pub.KeyID, Node: n.cfg.ID,
				Index: binary.BigEndian.Uint64(after), Digest: hex.EncodeToString(digest[:]), Feed: feed,
				Made: n.now().Unix(), Size: cw.n, SHA256: hex.EncodeToString(sum.Sum(nil)),
			}
			h.Sign(n.keys.signer)
			return h, f.Sync()
		}
		if attempt == backupAttempts {
			return nil, errBusy
		}
		n.log.Info("entries were applied while the backup was made: making it again", "attempt", attempt)
		n.waitQuiet(ctx)
	}
}

// sealState writes the store's replicated state as the FSM's snapshots
// hold it: a Badger backup, encrypted with age to the district.
func sealState(w io.Writer, s *storage.Store, to age.Recipient) error {
	aw, err := age.Encrypt(w, to)
	if err != nil {
		return err
	}
	if err := s.Backup(aw); err != nil {
		return err
	}
	return aw.Close()
}

// waitQuiet waits until the applied index has not moved for backupQuiet,
// or backupQuietMax has passed.
func (n *Node) waitQuiet(ctx context.Context) {
	end := time.Now().Add(backupQuietMax)
	last, since := n.fsm.applied.Load(), time.Now()
	for time.Since(since) < backupQuiet && time.Now().Before(end) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
		if a := n.fsm.applied.Load(); a != last {
			last, since = a, time.Now()
		}
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
