package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/crypto/identity"
)

// A laptop replaced. A commune profile is one device: its operations are
// numbered (device, 1, 2, 3…) and its batches chained, and the district
// accepts each number once. A copy of the profile — restored from a backup,
// or its directory copied to another — that went on under the same device
// would number different work with the numbers the original uses (or used
// after the copy was made): the district answers `replay` to every batch
// of one of them, and its work can never arrive.
//
// So a profile that finds it is a copy takes a new device identity as it
// opens, before anything is saved (reidentify): new device keys, new
// record tags, its own operations numbered from 1 again. The old device's
// operations are kept as another device's (r:, as if pulled), the outbox of
// the old device's sealed batches is dropped, and the old certificate no
// longer applies (sync/outbox sees a certificate for another device). The
// profile then asks the district to enrol the new device as the old one's
// successor (an enrolment request naming it); once the district signs,
// the new device carries over the old device's operations the district
// lacks (CarryOps), and the district retires the old device.
//
// How a copy is found: a restored backup says so itself (metaRestored,
// written by RestoreProfile). A copied directory is found by its place: the
// profile records the computer's name and the identity of its directory
// (device and inode on Unix; volume serial and file index on Windows) as
// it opens (metaPlace, under LocalMetaPrefix). A copy is always a new
// directory, with a new identity, even on the same disk; renaming or
// moving the directory within its disk keeps it. A place that changed for
// another reason — the directory moved to another disk, or rebuilt by a
// backup tool — is taken for a copy too: the cost is an enrolment, never
// two devices under one identity.
const (
	metaPlace    = LocalMetaPrefix + "place"
	metaRestored = "restored"
	metaHandover = "handover"
)

// restoredNote marks a profile restored from a backup (RestoreProfile).
type restoredNote struct {
	From     string    `json:"from"`
	Made     time.Time `json:"made"`
	Restored time.Time `json:"restored"`
}

// place is where a profile directory is: the computer and the directory's
// own identity.
type place struct {
	Host string `json:"host"`
	Dev  uint64 `json:"dev"`
	Ino  uint64 `json:"ino"`
}

func placeOf(dir string) (place, bool) {
	host, _ := os.Hostname()
	dev, ino, ok := dirIdentity(dir)
	return place{Host: host, Dev: dev, Ino: ino}, ok
}

// Handover states.
const (
	HandoverMoving    = "moving"   // the old device's operations are being set aside (resumed at Open)
	HandoverAwaiting  = "awaiting" // a new device, not yet enrolled as the old one's successor
	HandoverCarrying  = "carrying" // enrolled: the old device's unsent operations go to the district
	HandoverDone      = "done"     // the district holds every operation of the old device
	HandoverRestored  = "restored" // Reason: restored from a backup
	HandoverCopied    = "copied"   // Reason: the profile directory was copied
	maxMoveChunk      = 2000       // operations set aside per transaction
	handoverKeysBytes = 64 << 10
)

// Handover is a profile's record of becoming a new device.
type Handover struct {
	State  string    `json:"state"`
	Reason string    `json:"reason"` // HandoverRestored or HandoverCopied
	Old    DeviceID  `json:"old"`
	New    DeviceID  `json:"new"`
	Since  time.Time `json:"since"`
	// OldAcked is the old device's last operation this copy knew the
	// district acknowledged; OldLast its last operation in this copy.
	OldAcked uint64 `json:"old_acked"`
	OldLast  uint64 `json:"old_last"`
	// Carried is the old device's last operation the district holds, as
	// it said when the new device carried operations over (0: not asked
	// yet).
	Carried uint64 `json:"carried"`
	// Keys are the new device's keys until the key file holds them.
	Keys []byte `json:"keys,omitempty"`
	// BackupMade is when the restored backup was made.
	BackupMade time.Time `json:"backup_made,omitempty"`
}

// Unsent is how many of the old device's operations this copy holds that
// the district is not known to hold.
func (h *Handover) Unsent() uint64 {
	done := max(h.OldAcked, h.Carried)
	if h.State == HandoverDone || done >= h.OldLast {
		return 0
	}
	return h.OldLast - done
}

// Handover returns the profile's hand-over record, nil when it never
// became a new device.
func (s *Store) Handover() (*Handover, error) {
	b, err := s.GetMeta(metaHandover)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	h := &Handover{}
	if err := json.Unmarshal(b, h); err != nil {
		return nil, fmt.Errorf("%w: the hand-over record: %v", ErrDamaged, err)
	}
	return h, nil
}

func (s *Store) putHandover(h *Handover) error {
	b, _ := json.Marshal(h)
	return s.PutMeta(metaHandover, b)
}

// SetHandoverState records the hand-over's progress: HandoverCarrying
// once enrolled as the successor, HandoverDone once the district holds
// every operation of the old device; carried is the old device's last
// operation the district holds.
func (s *Store) SetHandoverState(state string, carried uint64) error {
	h, err := s.Handover()
	if err != nil || h == nil {
		return err
	}
	h.State = state
	h.Carried = max(h.Carried, carried)
	return s.putHandover(h)
}

// CarryOps returns up to max operations of the handed-over device after
// operation number after (and no further than this copy held when it
// became a new device), in order.
func (s *Store) CarryOps(after uint64, max int) ([]*Op, error) {
	h, err := s.Handover()
	if err != nil || h == nil {
		return nil, err
	}
	var ops []*Op
	err = s.db.View(func(txn *badger.Txn) error {
		for seq := after + 1; seq <= h.OldLast && (max <= 0 || len(ops) < max); seq++ {
			op, err := getOp(txn, remoteOpKey(h.Old, seq))
			if errors.Is(err, badger.ErrKeyNotFound) {
				return fmt.Errorf("%w: operation %d of device %s, to carry over, is missing", ErrDamaged, seq, h.Old)
			}
			if err != nil {
				return err
			}
			ops = append(ops, op)
		}
		return nil
	})
	return ops, err
}

// checkCopy runs as a commune profile opens, before anything is saved:
// it finishes a hand-over a crash interrupted, or starts one when the
// profile finds it is a copy (above). key is the store key, for writing
// the key file again with the new device's keys.
func (s *Store) checkCopy(pass, key []byte) error {
	h, err := s.Handover()
	if err != nil {
		return err
	}
	if h != nil && (h.State == HandoverMoving || len(h.Keys) > 0) {
		return s.finishReidentify(h, pass, key)
	}
	here, known := placeOf(s.dir)
	var restored *restoredNote
	if b, err := s.GetMeta(metaRestored); err == nil {
		restored = &restoredNote{}
		if err := json.Unmarshal(b, restored); err != nil {
			return fmt.Errorf("%w: the note of the restore: %v", ErrDamaged, err)
		}
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	if restored != nil {
		return s.reidentify(HandoverRestored, restored.Made, pass, key)
	}
	if !known {
		return nil // no directory identity on this system: restores only
	}
	b, err := s.GetMeta(metaPlace)
	if errors.Is(err, ErrNotFound) {
		// A profile made before places were kept, or just created.
		pb, _ := json.Marshal(here)
		return s.PutMeta(metaPlace, pb)
	}
	if err != nil {
		return err
	}
	var was place
	if err := json.Unmarshal(b, &was); err != nil {
		return fmt.Errorf("%w: the profile's place: %v", ErrDamaged, err)
	}
	if was == here {
		return nil
	}
	s.log.Warn("this profile was copied from another directory or computer: it becomes a new device, to be enrolled as the old one's successor",
		"profile", s.dir, "device", s.profile.Device, "was", was, "now", here)
	return s.reidentify(HandoverCopied, time.Time{}, pass, key)
}

// reidentify gives the profile a new device identity (above).
func (s *Store) reidentify(reason string, made time.Time, pass, key []byte) error {
	id := NewDeviceID()
	dev, err := identity.NewDevice(string(id))
	if err != nil {
		return err
	}
	kb, err := dev.MarshalBinary()
	if err != nil {
		return err
	}
	st, err := s.Outbox()
	if err != nil {
		return err
	}
	s.mu.Lock()
	last := s.ctr.Seq
	s.mu.Unlock()
	h := &Handover{State: HandoverMoving, Reason: reason, Old: s.profile.Device, New: id,
		Since: s.now().UTC().Truncate(time.Second), OldAcked: st.AckedSeq, OldLast: last, Keys: kb, BackupMade: made}
	if err := s.putHandover(h); err != nil {
		return err
	}
	return s.finishReidentify(h, pass, key)
}

// finishReidentify carries out a hand-over record in state moving, and
// writes the key file with the new keys; each step can be run again after
// a crash.
func (s *Store) finishReidentify(h *Handover, pass, key []byte) error {
	dev, err := identity.ParseDevice(h.Keys)
	if err != nil || dev.ID != string(h.New) {
		return fmt.Errorf("%w: the new device's keys in the hand-over record", ErrDamaged)
	}
	if h.State == HandoverMoving {
		if err := s.setAsideOwnOps(h.Old); err != nil {
			return err
		}
		here, _ := placeOf(s.dir)
		pb, _ := json.Marshal(here)
		p := s.profile
		p.Device = h.New
		prof, _ := json.Marshal(p)
		h.State = HandoverAwaiting
		hb, _ := json.Marshal(h)
		s.mu.Lock()
		ctr := s.ctr
		ctr.Seq = 0
		err := s.update(func(txn *badger.Txn) error {
			for _, k := range []string{keyMetaOutbox, prefixUserMeta + metaRestored} {
				if err := txn.Delete([]byte(k)); err != nil {
					return err
				}
			}
			for k, v := range map[string][]byte{keyMetaProfile: prof, keyMetaCounters: ctr.bytes(),
				prefixUserMeta + metaHandover: hb, prefixUserMeta + metaPlace: pb} {
				if err := txn.Set([]byte(k), v); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			s.ctr, s.profile = ctr, p
		}
		s.mu.Unlock()
		if err != nil {
			return err
		}
	}
	s.device = dev
	// The key file last: until it holds the new keys, the hand-over
	// record does, and Open takes them from there.
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	was, err := os.ReadFile(filepath.Join(s.dir, keyFile))
	if err != nil {
		return fmt.Errorf("%w: the key file is missing or unreadable (%v)", ErrDamaged, err)
	}
	if err := rewrapKeyFile(s.dir, was, encodeKeyFile(key, h.Keys), pass); err != nil {
		return err
	}
	h.Keys = nil
	return s.putHandover(h)
}

// setAsideOwnOps keeps this device's operations as another device's (old):
// r: and L: keys in place of o:, l: and n:, and drops the sealed batches.
func (s *Store) setAsideOwnOps(old DeviceID) error {
	for _, prefix := range []string{prefixOp, prefixHistory, prefixBorn, prefixBatch} {
		err := s.inChunks(maxMoveChunk, func(txn *badger.Txn, budget int) (bool, func(), error) {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix), PrefetchValues: prefix == prefixOp})
			defer it.Close()
			n := 0
			for it.Seek([]byte(prefix)); it.ValidForPrefix([]byte(prefix)); it.Next() {
				if n == budget {
					return false, nil, nil
				}
				k := it.Item().KeyCopy(nil)
				if prefix == prefixOp {
					op := &Op{}
					if err := it.Item().Value(op.UnmarshalBinary); err != nil {
						return false, nil, fmt.Errorf("%w: operation %d: %v", ErrDamaged, binary.BigEndian.Uint64(k[len(prefix):]), err)
					}
					if op.Device != old {
						return false, nil, fmt.Errorf("%w: operation %d names device %s, not this profile's %s", ErrDamaged, op.Seq, op.Device, old)
					}
					if err := putRemote(txn, op, remoteOpKey(op.Device, op.Seq)); err != nil {
						return false, nil, err
					}
				}
				if err := txn.Delete(k); err != nil {
					return false, nil, err
				}
				n++
			}
			return true, nil, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
