package node

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/protocol"
)

// ErrDirNotEmpty: a restore was asked into a directory that holds
// something. A restore never overwrites.
var ErrDirNotEmpty = errors.New("the node directory is not empty")

// Restore makes cfg.Dir, which must be empty or absent, the directory of
// the first node of a new cluster that holds the district state saved in
// the backup file (protocol.BackupHeader). Start it afterwards with the
// same cfg (Bootstrap changes nothing: the directory has Raft state); the
// other nodes join it empty and catch up from its snapshot.
//
// The directory gets a node store holding the backup's state (the
// applied index included) and the backup's feed end as the start of a
// new numbering of pull cursors (backup_cursor.go), and a Raft snapshot of
// that store at the backup's index whose configuration has this node
// alone (cfg.ID at its Raft address), with no log. The old cluster's Raft
// configuration is not in a backup, so the node never calls on the old
// nodes; Raft goes on from the backup's index, so the FSM applies every
// new entry (it skips those at or below its applied index); a joining
// node is sent the snapshot. Member records of the old nodes stay in the
// state until the new nodes join or lead under the same IDs.
//
// Nothing is written before the file proves whole and signed by the
// district; the directory is built beside cfg.Dir and renamed into place
// at the end, so a restore that fails leaves nothing behind.
func Restore(cfg Config, file string) (*protocol.BackupHeader, error) {
	if err := checkPlatform(); err != nil {
		return nil, err
	}
	if cfg.ID == "" || strings.ContainsAny(cfg.ID, "/ \t\n") {
		return nil, fmt.Errorf("node ID %q: give a short name without spaces or slashes, e.g. n1", cfg.ID)
	}
	if cfg.District == nil && cfg.Credential == nil {
		return nil, errors.New("no node credential (kitctl district node-cert) and no district profile: give one")
	}
	if cfg.Credential == nil {
		c, err := cert.RootOnlineCredential(cfg.District, cfg.ID, time.Now())
		if err != nil {
			return nil, err
		}
		cfg.Credential = c
	}
	addr, err := restoreRaftAddr(cfg)
	if err != nil {
		return nil, err
	}
	if err := checkEmpty(cfg.Dir); err != nil {
		return nil, err
	}
	// First pass: the whole file checks out before anything is written.
	h, err := readBackupFile(file, cfg, func(state io.Reader) error {
		_, err := io.Copy(io.Discard, state)
		return err
	})
	if err != nil {
		return nil, err
	}
	if h.Index == 0 {
		return nil, fmt.Errorf("backup %s: %w: it names applied index 0", file, protocol.ErrBackupDamaged)
	}
	parent := filepath.Dir(filepath.Clean(cfg.Dir))
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, filepath.Base(cfg.Dir)+".restoring-")
	if err != nil {
		return nil, err
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	tcfg := cfg
	tcfg.Dir = tmp
	if _, err := readBackupFile(file, cfg, func(state io.Reader) error { return buildNodeDir(tcfg, h, addr, state) }); err != nil {
		return nil, err
	}
	// A directory that was there empty is replaced by the one built.
	if err := os.Remove(cfg.Dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s: %v", ErrDirNotEmpty, cfg.Dir, err)
	}
	if err := os.Rename(tmp, cfg.Dir); err != nil {
		return nil, err
	}
	done = true
	storage.SyncDir(parent)
	return h, nil
}

// readBackupFile opens a backup file, checks its header and hands its
// sealed state to use, which must read it to the end: the size and
// SHA-256 are checked there.
func readBackupFile(file string, cfg Config, use func(io.Reader) error) (*protocol.BackupHeader, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	pub := cfg.Credential.District
	h, state, err := protocol.ReadBackup(f, pub, nil)
	if errors.Is(err, protocol.ErrBackupOtherDistrict) {
		return nil, fmt.Errorf("backup %s: %w; this node is of district %q: give the district profile (or a node credential) of the district the backup was made for", file, err, pub.Name)
	}
	if err == nil {
		err = use(state)
	}
	if errors.Is(err, protocol.ErrNotABackup) || errors.Is(err, protocol.ErrBackupDamaged) {
		return nil, fmt.Errorf("backup %s: %w; nothing was restored: use another copy of the backup", file, err)
	}
	if err != nil {
		return nil, fmt.Errorf("restoring backup %s: %w", file, err)
	}
	return h, nil
}

// buildNodeDir fills the empty directory cfg.Dir from a backup's sealed
// state: the node store, through the FSM's own snapshot restore, and the
// Raft snapshot that starts the new cluster.
func buildNodeDir(cfg Config, h *protocol.BackupHeader, addr string, state io.Reader) error {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(filepath.Join(cfg.Dir, "snapshots"), 2, hclog.NewNullLogger())
	if err != nil {
		return err
	}
	_, trans := raft.NewInmemTransport(raft.ServerAddress(addr))
	defer trans.Close()
	conf := raft.Configuration{Servers: []raft.Server{{Suffrage: raft.Voter, ID: raft.ServerID(cfg.ID), Address: raft.ServerAddress(addr)}}}
	// Term 1: the new cluster's first election is for term 1, and no
	// entry may carry a later term than the entries after it.
	sink, err := snaps.Create(raft.SnapshotVersionMax, h.Index, 1, conf, h.Index, trans)
	if err != nil {
		return err
	}
	err = func() error {
		k, err := newKeys(cfg.Credential)
		if err != nil {
			return err
		}
		s, err := openNodeStore(cfg, k.pub.Name)
		if err != nil {
			return err
		}
		defer s.Close()
		f, err := newFSM(s, k, log, newMetrics())
		if err != nil {
			return err
		}
		if err := f.Restore(io.NopCloser(state)); err != nil {
			if errors.Is(err, errSnapshotKey) {
				return fmt.Errorf("%w; the backup is sealed to a batch key this node's credential does not hold: make the node a new credential at the district office (kitctl district node-cert), which holds every batch key so far", err)
			}
			return err
		}
		// age stops at its last chunk; the size and SHA-256 are checked
		// at the end.
		if _, err := io.Copy(io.Discard, state); err != nil {
			return err
		}
		if got := f.applied.Load(); got != h.Index {
			return fmt.Errorf("%w: its state is at applied index %d, its header says %d", protocol.ErrBackupDamaged, got, h.Index)
		}
		d, err := s.Digest()
		if err != nil {
			return err
		}
		if got := fmt.Sprintf("%x", d); got != h.Digest {
			return fmt.Errorf("%w: the restored state's digest is %.16s…, its header says %.16s…", protocol.ErrBackupDamaged, got, h.Digest)
		}
		if got := s.FeedLast(); got != h.Feed {
			return fmt.Errorf("%w: its feed ends at %d, its header says %d", protocol.ErrBackupDamaged, got, h.Feed)
		}
		restores, err := readFeedRestores(s)
		if err != nil {
			return err
		}
		if err := s.PutMeta(metaFeedRestores, append(restores, s.FeedLast()).bytes()); err != nil {
			return err
		}
		rcpt, err := age.ParseX25519Recipient(f.sealKey().Recipient())
		if err != nil {
			return err
		}
		if err := sealState(sink, s, rcpt); err != nil {
			return err
		}
		return s.Close()
	}()
	if err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

// restoreRaftAddr returns the Raft address the restored node's
// configuration names: the one other nodes will dial, as Start
// advertises it.
func restoreRaftAddr(cfg Config) (string, error) {
	a, flag := cfg.RaftAdvertise, "--advertise-raft"
	if a == "" {
		a, flag = cfg.RaftAddr, "--raft"
	}
	t, err := net.ResolveTCPAddr("tcp", a)
	if err != nil || t.Port == 0 || t.IP == nil || t.IP.IsUnspecified() {
		return "", fmt.Errorf("%s %q: a restored node starts a new cluster whose configuration names its Raft address: give the host:port other nodes dial, with a fixed port, e.g. 10.0.0.1:7000", flag, a)
	}
	return t.String(), nil
}

// checkEmpty refuses a directory that exists and holds anything.
func checkEmpty(dir string) error {
	if strings.TrimSpace(dir) == "" {
		return errors.New("no node directory: give --dir, an empty or new directory")
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		if st, serr := os.Stat(dir); serr == nil && !st.IsDir() {
			return fmt.Errorf("%w: %s is a file", ErrDirNotEmpty, dir)
		}
		return err
	case len(entries) > 0:
		return fmt.Errorf("%w: %s holds %d entries (%s…): a restore builds a node directory from nothing and never overwrites one. If it is the node restored before, start districtd without --restore; to restore again, move the directory away first",
			ErrDirNotEmpty, dir, len(entries), entries[0].Name())
	}
	return nil
}
