package node

import (
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"

	"filippo.io/age"
	"github.com/dgraph-io/badger/v4"
	"github.com/hashicorp/raft"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/protocol"
)

// Names of the FSM's values in the node store (storage meta). All of them
// are replicated state: written only by Apply, in the transaction of the
// entry that changed them.
const (
	metaApplied     = storage.PositionMetaPrefix + "applied" // uint64: index of the last command entry applied (not in the digest)
	metaCert        = "fsm/cert/"                            // + device: its latest certificate
	metaRevocations = "fsm/revocations"                      // the district's revocation list
	metaChain       = "fsm/chain/"                           // + device: seq8 + hash32 + opseq8 + at8 of its last accepted batch
	metaReceipt     = "fsm/receipt/"                         // + device/seq: hash32 + index8 + ops8
	metaMember      = "fsm/member/"                          // + node ID: member JSON
	// metaMemberRequests: the join and removal requests carried out
	// (JSON list of memberRequest), so that none is carried out twice.
	// Replicated, but left out of the digest (a position): a cluster
	// restored from a backup, its nodes joining again on the same
	// addresses, holds the backup's digest.
	metaMemberRequests = storage.PositionMetaPrefix + "member-requests"
	metaBatchKey       = "fsm/batchkey/"   // + generation (10 digits): the rollout of that generation
	metaBatchKeyID     = "fsm/batchkeyid/" // + batch key ID: generation (4 bytes): announced, devices may seal to it
	// metaDashboard: the dashboard's password, the district's signed
	// setting (protocol.DashboardPassword JSON) as the entry carried it.
	// In the digest: every node must check logins against the same hash.
	metaDashboard = "fsm/dashboard"
)

// fsm applies the Raft log to the node's store. Apply is deterministic: it
// reads only the entry and the store, never a clock, randomness or a map's
// order, so every node that applies the same log holds byte-identical state
// (Store.Digest).
type fsm struct {
	s       *storage.Store
	k       *keys
	pub     identity.DistrictPublic
	log     *slog.Logger
	m       *metrics
	applied atomic.Uint64
	// revoked is the revocation list as last committed (nil: none yet),
	// read without the store: Raft's TLS handshakes ask for it on the
	// transport's goroutines, which may still run while the node closes
	// its store.
	revoked atomic.Pointer[cert.RevocationList]
	// noChecks applies batches without checking their operations: only
	// for measuring what the checks cost (BenchmarkFSMApply).
	noChecks bool
}

// batchResult is the outcome of one batch of an entry: a receipt or a
// refusal.
type batchResult struct {
	Receipt *protocol.Receipt
	Err     *protocol.Error
	// Newest is the latest clock reading among the operations of a batch
	// accepted now (zero otherwise): the push handler compares it with
	// the node's clock, which the state machine must not read.
	Newest storage.HLC
}

func newFSM(s *storage.Store, k *keys, log *slog.Logger, m *metrics) (*fsm, error) {
	f := &fsm{s: s, k: k, pub: k.pub, log: log, m: m}
	b, err := s.GetMeta(metaApplied)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return nil, err
	case len(b) == 8:
		f.applied.Store(binary.BigEndian.Uint64(b))
	default:
		return nil, fmt.Errorf("%w: applied index of %d bytes", storage.ErrDamaged, len(b))
	}
	if err := f.loadRevocations(); err != nil {
		return nil, err
	}
	return f, nil
}

// Apply applies one committed entry. An entry at or below the applied index
// is one this node applied before a restart: it is skipped.
func (f *fsm) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand || len(l.Data) == 0 {
		return nil
	}
	if l.Index <= f.applied.Load() {
		return nil
	}
	var res any
	switch l.Data[0] {
	case entryBatches:
		sealed, err := decodeBatches(l.Data[1:])
		res = f.applyBatches(l.Index, 0, sealed, err)
	case entryBatchesAt:
		at, sealed, err := decodeBatchesAt(l.Data[1:])
		res = f.applyBatches(l.Index, at, sealed, err)
	case entryCertificate:
		res = f.applyCertificate(l.Index, l.Data[1:])
	case entryRevocations:
		res = f.applyRevocations(l.Index, l.Data[1:])
	case entryMember:
		res = f.applyMember(l.Index, l.Data[1:])
	case entryBatchKey:
		res = f.applyBatchKey(l.Index, l.Data[1:])
	case entryDashboard:
		res = f.applyDashboard(l.Index, l.Data[1:])
	default:
		res = f.commitMeta(l.Index, nil, fmt.Errorf("%w: kind %d", errBadEntry, l.Data[0]))
	}
	f.m.appliedIndex.Set(float64(l.Index))
	return res
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// commitMeta records the applied index (and meta) for an entry that
// changes no records, and returns refusal (which may be nil).
func (f *fsm) commitMeta(index uint64, meta map[string][]byte, refusal error) error {
	if meta == nil {
		meta = map[string][]byte{}
	}
	meta[metaApplied] = u64(index)
	if _, err := f.s.ApplyOps(nil, storage.ApplyOptions{Meta: meta}); err != nil {
		f.fatal(index, err)
	}
	f.applied.Store(index)
	return refusal
}

// fatal stops the node: a committed entry that cannot be written to the
// local disk leaves the node unable to go on without diverging. Raft
// replays the entry after a restart. It is for the disk only: what a batch
// holds is refused, never fatal (applyBatches).
func (f *fsm) fatal(index uint64, err error) {
	f.log.Error("cannot apply a committed entry: stopping this node; restart it after fixing the disk (it replays the log)", "index", index, "err", err)
	panic(fmt.Sprintf("districtd: applying entry %d: %v", index, err))
}

// chainRec is where a device's chain stands on the district: its last
// accepted batch, that batch's hash, the number of the last operation it
// carried (the next batch's operations run on from it), and the district's
// time of the entry that accepted it (the leader's clock written into the
// entry; 0 for an entry without it, and in records written before the
// record held it): the age of a device's last batch in the district's
// progress table, by the leader's clock.
type chainRec struct {
	Seq   uint64
	Hash  [32]byte
	OpSeq uint64
	At    storage.HLC
}

func (c chainRec) bytes() []byte {
	b := append(u64(c.Seq), c.Hash[:]...)
	b = binary.BigEndian.AppendUint64(b, c.OpSeq)
	return binary.BigEndian.AppendUint64(b, uint64(c.At))
}

func (f *fsm) chain(dev string) (chainRec, error) {
	var c chainRec
	b, err := f.s.GetMeta(metaChain + dev)
	if errors.Is(err, storage.ErrNotFound) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if len(b) != 40 && len(b) != 48 && len(b) != 56 {
		return c, fmt.Errorf("%w: chain record of %s", storage.ErrDamaged, dev)
	}
	c.Seq = binary.BigEndian.Uint64(b)
	copy(c.Hash[:], b[8:])
	if len(b) == 56 {
		c.At = storage.HLC(binary.BigEndian.Uint64(b[48:]))
	}
	if len(b) >= 48 {
		c.OpSeq = binary.BigEndian.Uint64(b[40:])
		return c, nil
	}
	// Kept before the record held the last operation's number: the
	// device's operations the store holds say it.
	c.OpSeq, err = f.s.LastRemoteSeq(storage.DeviceID(dev))
	return c, err
}

func receiptName(dev string, seq uint64) string {
	return fmt.Sprintf("%s%s/%020d", metaReceipt, dev, seq)
}

// storedReceipt rebuilds the receipt of an accepted batch.
func (f *fsm) storedReceipt(dev string, seq uint64, rec []byte) (*protocol.Receipt, [32]byte, error) {
	var h [32]byte
	if len(rec) != 48 {
		return nil, h, fmt.Errorf("%w: receipt record of %s/%d", storage.ErrDamaged, dev, seq)
	}
	copy(h[:], rec)
	r := &protocol.Receipt{District: f.pub.KeyID, Device: dev, Seq: seq, Hash: hex.EncodeToString(h[:]),
		Index: binary.BigEndian.Uint64(rec[32:]), Ops: int(binary.BigEndian.Uint64(rec[40:]))}
	// Signed when read, by this node: the state holds no signature, so
	// that nodes with keys of their own hold the same bytes.
	r.Sign(f.k.signer)
	return r, h, nil
}

// Receipt returns the receipt of batch seq of dev if the district accepted
// it with the given hash.
func (f *fsm) receipt(dev string, seq uint64) (*protocol.Receipt, [32]byte, error) {
	b, err := f.s.GetMeta(receiptName(dev, seq))
	if err != nil {
		return nil, [32]byte{}, err
	}
	return f.storedReceipt(dev, seq, b)
}

// certificate returns the device's certificate as the district's state
// holds it, checking its signature but not its dates (Apply may not read
// a clock; the leader checks dates before proposing).
func (f *fsm) certificate(dev string) (*cert.Certificate, error) {
	b, err := f.s.GetMeta(metaCert + dev)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("%w: the district has no certificate for device %s", batch.ErrUnknownSigner, dev)
	}
	if err != nil {
		return nil, err
	}
	return cert.ParseCertificate(b)
}

// revocations returns the district's revocation list as last committed,
// nil when nothing is revoked yet.
func (f *fsm) revocations() (*cert.RevocationList, error) {
	return f.revoked.Load(), nil
}

// loadRevocations reads the committed revocation list from the store
// into f.revoked: when the node opens and after a snapshot replaces the
// state.
func (f *fsm) loadRevocations() error {
	b, err := f.s.GetMeta(metaRevocations)
	if errors.Is(err, storage.ErrNotFound) {
		f.revoked.Store(nil) // nothing revoked yet
		return nil
	}
	if err != nil {
		return err
	}
	l, err := cert.ParseRevocationList(b)
	if err != nil {
		return fmt.Errorf("%w: the held revocation list: %v", storage.ErrDamaged, err)
	}
	f.revoked.Store(l)
	return nil
}

// signerKey is the FSM's signer lookup: enrolled and not revoked; for a
// replaced device, its successor's key (handover.go).
func (f *fsm) signerKey(dev string) (ed25519.PublicKey, error) {
	c, err := f.certificate(dev)
	if err != nil {
		return nil, err
	}
	if h, err := f.handover(dev); err != nil {
		return nil, err
	} else if h != nil {
		return f.successorKey(h)
	}
	l, err := f.revocations()
	if err != nil {
		return nil, err
	}
	if l != nil {
		if err := l.Check(c); err != nil {
			return nil, err
		}
	}
	return c.Device.SignKey, nil
}

func (f *fsm) opener() *batch.Opener {
	// At most storage.MaxBatchOps operations: checking and applying a
	// batch costs more than in proportion to its size.
	return &batch.Opener{Keys: f.batchIdentity, SignerKey: f.signerKey, Limits: batch.Limits{MaxOps: storage.MaxBatchOps}}
}

// batchIdentity is the opener's key lookup: the generation of the batch
// key a batch names. What is announced in the state decides, not what
// this node happens to hold, so that every node refuses or opens alike:
// a batch sealed to a generation the state does not announce is refused;
// one sealed to an announced generation this node lacks stops it
// (errMissingBatchKey) rather than let it refuse what the others apply.
func (f *fsm) batchIdentity(keyID string) (age.Identity, error) {
	if keyID != f.pub.KeyID {
		if _, err := f.s.GetMeta(metaBatchKeyID + keyID); errors.Is(err, storage.ErrNotFound) {
			return nil, fmt.Errorf("%w: the batch is sealed to key %s, not to a batch key of district %s", batch.ErrWrongRecipient, keyID, f.pub.Name)
		} else if err != nil {
			return nil, err
		}
	}
	if b, ok := f.k.batchKey(keyID); ok {
		return b.Age, nil
	}
	return nil, fmt.Errorf("%w %s: give this node a credential made after that batch key was rolled out (kitctl district node-cert)", errMissingBatchKey, keyID)
}

// sealKey is the generation snapshots and backups are sealed to: the
// newest the state announces, which every node applying the log holds
// (else it has stopped), and the district office too; the newest this
// node holds if it lacks it.
func (f *fsm) sealKey() identity.BatchKey {
	if _, r, err := f.currentGen(); err == nil && r != nil {
		if b, ok := f.k.batchKey(r.Key.KeyID(f.pub)); ok {
			return b
		}
	} else if err == nil {
		if b, ok := f.k.batchKey(f.pub.KeyID); ok {
			return b
		}
	}
	return f.k.current()
}

// announced returns the rollouts the state holds, oldest first.
func (f *fsm) announced() ([]*cert.BatchKeyRollout, error) {
	names, err := f.s.ListMeta(metaBatchKey)
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var out []*cert.BatchKeyRollout
	for _, n := range names {
		b, err := f.s.GetMeta(n)
		if err != nil {
			return nil, err
		}
		r, err := cert.ParseBatchKeyRollout(b)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", storage.ErrDamaged, n, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// currentGen is the newest generation announced (0: none after the
// district's own key).
func (f *fsm) currentGen() (uint32, *cert.BatchKeyRollout, error) {
	rs, err := f.announced()
	if err != nil || len(rs) == 0 {
		return 0, nil, err
	}
	r := rs[len(rs)-1]
	return r.Key.Gen, r, nil
}

// openRollouts adds to the node's keys every announced generation sealed
// to it (after a start or a snapshot): the state holds the rollouts, the
// node's own age key opens its part. A generation not sealed to this
// node is logged: it cannot apply batches sealed to it.
func (f *fsm) openRollouts() error {
	rs, err := f.announced()
	if err != nil {
		return err
	}
	for _, r := range rs {
		f.openRollout(r)
	}
	return nil
}

func (f *fsm) openRollout(r *cert.BatchKeyRollout) {
	if _, ok := f.k.batchKey(r.Key.KeyID(f.pub)); ok {
		return
	}
	k, err := r.Open(f.k.node)
	if err != nil {
		f.log.Error("this node cannot open a batch key the district rolled out: it will stop at the first batch sealed to it; the district office makes it a new credential (kitctl district node-cert)", "generation", r.Key.Gen, "err", err)
		return
	}
	f.k.add(k)
	f.log.Info("batch key rolled out to this node", "generation", k.Gen)
}

// applyBatchKey announces the next generation of the batch key, if the
// district signed its rollout.
func (f *fsm) applyBatchKey(index uint64, p []byte) error {
	r, err := cert.ParseBatchKeyRollout(p)
	if err == nil {
		err = r.Verify(f.pub)
	}
	var gen uint32
	if err == nil {
		if gen, _, err = f.currentGen(); err == nil && r.Key.Gen != gen+1 {
			err = fmt.Errorf("batch key %d does not follow batch key %d, the newest the cluster holds", r.Key.Gen, gen)
		}
	}
	if err != nil {
		return f.commitMeta(index, nil, err)
	}
	kid := r.Key.KeyID(f.pub)
	err = f.commitMeta(index, map[string][]byte{
		fmt.Sprintf("%s%010d", metaBatchKey, r.Key.Gen): p,
		metaBatchKeyID + kid:                            binary.BigEndian.AppendUint32(nil, r.Key.Gen),
	}, nil)
	f.openRollout(r)
	return err
}

// applyBatches checks and applies the batches of one entry (proposed at
// the district's time at; 0 for entries written before entries carried
// it) in one store transaction, with the applied index; it returns one
// result per batch. What a batch holds never stops the node: a batch that
// fails to open, does not follow its device's chain, or holds an operation
// the checks refuse (storage.CheckOp, authority by effect) is refused on
// every node alike, and the other batches apply.
func (f *fsm) applyBatches(index uint64, at storage.HLC, sealed [][]byte, err error) []batchResult {
	if err != nil {
		f.commitMeta(index, nil, nil)
		return nil
	}
	results := make([]batchResult, len(sealed))
	opened := make([]*batch.Batch, len(sealed))
	size := 0
	op := f.opener()
	for i, sb := range sealed {
		b, err := op.Open(sb)
		if errors.Is(err, errMissingBatchKey) {
			f.fatal(index, err)
		}
		if err != nil {
			results[i].Err = refusal(err)
			continue
		}
		opened[i] = b
		size += len(b.Ops)
	}
	// A batch that makes applying fail is left out and the entry applied
	// again without it: deterministic, so every node leaves out the same.
	excluded := map[int]*protocol.Error{}
	for {
		res, ok := f.tryBatches(index, at, sealed, opened, results, excluded, size)
		if ok {
			return res
		}
	}
}

// tryBatches applies the entry's opened batches but the excluded ones. It
// reports false, with a new batch excluded, when one made applying fail.
func (f *fsm) tryBatches(index uint64, at storage.HLC, sealed [][]byte, opened []*batch.Batch, opening []batchResult, excluded map[int]*protocol.Error, size int) ([]batchResult, bool) {
	results := slices.Clone(opening)
	ap, err := f.s.BeginApply(storage.ApplyOptions{Feed: true, Fresh: true, Time: at, SizeHint: size, NoChecks: f.noChecks})
	if err != nil {
		f.fatal(index, err)
	}
	defer ap.Discard()
	chains := map[string]chainRec{}
	meta := map[string][]byte{}
	applied := 0 // batches applied in this transaction
	for i, b := range opened {
		if b == nil {
			continue
		}
		if e, ok := excluded[i]; ok {
			results[i].Err = e
			continue
		}
		dev := b.Header.Sender
		crt, err := f.certificate(dev)
		if err != nil {
			f.fatal(index, err)
		}
		c, ok := chains[dev]
		if !ok {
			if c, err = f.chain(dev); err != nil {
				f.fatal(index, err)
			}
		}
		h := batch.Hash(sealed[i])
		seq := b.Header.Seq
		switch {
		case seq <= c.Seq:
			rec, ok := meta[receiptName(dev, seq)]
			if !ok {
				if rec, err = f.s.GetMeta(receiptName(dev, seq)); err != nil && !errors.Is(err, storage.ErrNotFound) {
					f.fatal(index, err)
				}
			}
			if r, old, err := f.storedReceipt(dev, seq, rec); err == nil && old == h {
				r.Duplicate = true
				results[i].Receipt = r
				continue
			}
			results[i].Err = &protocol.Error{Code: protocol.CodeReplay, Message: fmt.Sprintf("device %s: batch %d was already accepted with other contents (the district has accepted up to %d): the device's outbox was lost or replaced", dev, seq, c.Seq)}
			continue
		case seq > c.Seq+1:
			results[i].Err = &protocol.Error{Code: protocol.CodeGap, Expected: c.Seq + 1, Message: fmt.Sprintf("device %s sent batch %d, the district expects batch %d first", dev, seq, c.Seq+1)}
			continue
		case b.Header.PrevHash != c.Hash:
			results[i].Err = &protocol.Error{Code: protocol.CodeReplay, Message: fmt.Sprintf("batch %d of device %s does not follow the batch %d the district accepted", seq, dev, c.Seq)}
			continue
		}
		refused, err := ap.Batch(senderOf(crt), c.OpSeq, b.Ops)
		switch {
		case errors.Is(err, badger.ErrTxnTooBig) && applied == 0:
			excluded[i] = &protocol.Error{Code: protocol.CodeTooLarge, Message: fmt.Sprintf("batch %d of device %s is too large to apply in one transaction: seal smaller batches", seq, dev)}
			return nil, false
		case errors.Is(err, badger.ErrTxnTooBig):
			// It fits an entry of its own: the device pushes it again.
			excluded[i] = &protocol.Error{Code: protocol.CodeUnavailable, Message: "the district could not apply this batch with the others of its entry; nothing was acknowledged: push again"}
			return nil, false
		case errors.Is(err, storage.ErrInvalidOp):
			e := f.refuseOps(protocol.CodeInvalidOperation, b, h, refused, at)
			f.log.Error("a batch could not be applied and is refused on every node: a check is missing", "device", dev, "batch", seq, "index", index, "err", err)
			excluded[i] = e
			return nil, false
		case err != nil:
			f.fatal(index, err)
		case len(refused) > 0:
			results[i].Err = f.refuseOps(refusedCode(refused), b, h, refused, at)
			continue
		}
		applied++
		c = chainRec{Seq: seq, Hash: h, OpSeq: c.OpSeq + uint64(len(b.Ops)), At: at}
		chains[dev] = c
		meta[metaChain+dev] = c.bytes()
		rec := append(append(append([]byte{}, h[:]...), u64(index)...), u64(uint64(len(b.Ops)))...)
		meta[receiptName(dev, seq)] = rec
		r, _, _ := f.storedReceipt(dev, seq, rec)
		results[i].Receipt = r
	}
	meta[metaApplied] = u64(index)
	res, err := ap.Commit(meta)
	if errors.Is(err, badger.ErrTxnTooBig) {
		// The last batch applied goes to an entry of its own.
		for i := len(opened) - 1; i >= 0; i-- {
			if results[i].Receipt != nil && !results[i].Receipt.Duplicate {
				if applied == 1 {
					excluded[i] = &protocol.Error{Code: protocol.CodeTooLarge, Message: fmt.Sprintf("batch %d of device %s is too large to apply in one transaction: seal smaller batches", opened[i].Header.Seq, opened[i].Header.Sender)}
				} else {
					excluded[i] = &protocol.Error{Code: protocol.CodeUnavailable, Message: "the district could not apply this batch with the others of its entry; nothing was acknowledged: push again"}
				}
				return nil, false
			}
		}
		// Too big with no batch of its own to leave out: what the entry
		// derives from the state (late moves flagged, notices) is more
		// than one transaction, which no check of a batch can foresee. It
		// is the same on every node: the entry is recorded as applied with
		// nothing else, and the next entry derives it again (bounded).
		f.log.Error("an entry's derived writes exceed a transaction: recorded without them; the next entries derive them", "index", index)
		f.commitMeta(index, nil, nil)
		return results, true
	}
	if err != nil {
		f.fatal(index, err)
	}
	f.applied.Store(index)
	f.m.opsApplied.Add(float64(res.Applied))
	for _, r := range results {
		switch {
		case r.Err != nil:
			f.m.batches.WithLabelValues("refused").Inc()
		case r.Receipt.Duplicate:
			f.m.batches.WithLabelValues("duplicate").Inc()
		default:
			f.m.batches.WithLabelValues("accepted").Inc()
		}
	}
	return results, true
}

// senderOf is the certificate's sender for the checks.
func senderOf(c *cert.Certificate) *storage.Sender {
	role := storage.RoleOfficer
	switch c.Role {
	case cert.RoleSupervisor:
		role = storage.RoleSupervisor
	case cert.RoleAdmin:
		role = storage.RoleAdmin
	}
	return &storage.Sender{Device: storage.DeviceID(c.Device.ID), Officer: c.Officer, Role: role, Communes: c.Communes}
}

// refusedCode is the protocol code of a batch refused for the operations
// in refused: the first one's.
func refusedCode(refused []storage.OpRefusal) string {
	switch refused[0].Class {
	case storage.RefusedForbidden:
		return protocol.CodeForbidden
	case storage.RefusedScope:
		return protocol.CodeOutOfScope
	case storage.RefusedOfficer:
		return protocol.CodeWrongOfficer
	case storage.RefusedClock:
		return protocol.CodeClockAhead
	}
	return protocol.CodeInvalidOperation
}

// refuseOps is the district's signed refusal of batch b (hash h) for the
// operations in refused, at the district's time at.
func (f *fsm) refuseOps(code string, b *batch.Batch, h [32]byte, refused []storage.OpRefusal, at storage.HLC) *protocol.Error {
	return signedRefusal(f.k, code, b.Header.Sender, b.Header.Seq, h, refused, at)
}

// signedRefusal builds a refusal of a device's batch seq (hash h) for the
// operations in refused, signed by this node.
func signedRefusal(k *keys, code, dev string, seq uint64, h [32]byte, refused []storage.OpRefusal, at storage.HLC) *protocol.Error {
	e := &protocol.Error{Code: code, Device: dev, Batch: seq, Hash: hex.EncodeToString(h[:]), District: k.pub.KeyID}
	if at != 0 {
		e.Time = at.Time().UnixMilli()
	}
	var rules []string
	for _, r := range refused {
		e.Refused = append(e.Refused, protocol.OpRefusal{Seq: r.Seq, Record: r.Record, Rule: r.Rule, Message: r.Message})
		if len(rules) < 3 {
			rules = append(rules, fmt.Sprintf("operation %d: %s (%s)", r.Seq, r.Message, r.Rule))
		}
	}
	more := ""
	if len(refused) > len(rules) {
		more = fmt.Sprintf("; and %d more", len(refused)-len(rules))
	}
	e.Message = fmt.Sprintf("batch %d of device %s is refused: %s%s", seq, dev, strings.Join(rules, "; "), more)
	e.Sign(k.signer)
	return e
}

// refusal turns an opening error into the protocol's error.
func refusal(err error) *protocol.Error {
	code := protocol.CodeTampered
	switch {
	case errors.Is(err, errMissingBatchKey):
		code = protocol.CodeUnavailable // this node cannot open it; another can
	case errors.Is(err, batch.ErrTooLarge), errors.Is(err, batch.ErrDecompressedTooLarge), errors.Is(err, batch.ErrTooManyOps):
		code = protocol.CodeTooLarge
	case errors.Is(err, batch.ErrTruncated), errors.Is(err, batch.ErrBadMagic), errors.Is(err, batch.ErrUnsupportedVersion), errors.Is(err, batch.ErrMalformedHeader):
		code = protocol.CodeMalformed
	case errors.Is(err, batch.ErrWrongRecipient):
		code = protocol.CodeWrongRecipient
	case errors.Is(err, cert.ErrRevoked):
		code = protocol.CodeRevoked
	case errors.Is(err, cert.ErrExpired), errors.Is(err, cert.ErrNotYetValid):
		code = protocol.CodeExpired
	case errors.Is(err, batch.ErrUnknownSigner):
		code = protocol.CodeUnknownDevice
	}
	return &protocol.Error{Code: code, Message: err.Error()}
}

// applyCertificate keeps a certificate the district signed, unless the
// state holds a later one (higher serial) for the device.
func (f *fsm) applyCertificate(index uint64, p []byte) error {
	c, err := cert.ParseCertificate(p)
	if err == nil {
		// Signature only: the certificate's own start is a moment at
		// which it is valid, so Verify checks nothing that depends on
		// when the entry is applied.
		err = c.Verify(f.pub, c.NotBefore)
	}
	if err != nil {
		return f.commitMeta(index, nil, err)
	}
	// Records are named by the first 8 characters of their device's ID:
	// a second device under the same ones could create the first's
	// records (the district's register refuses to sign it; a certificate
	// signed before that rule is refused here).
	tag := storage.DeviceID(c.Device.ID).Tag()
	names, err := f.s.ListMeta(metaCert + tag)
	if err != nil {
		f.fatal(index, err)
	}
	for _, n := range names {
		if other := n[len(metaCert):]; other != c.Device.ID {
			return f.commitMeta(index, nil, fmt.Errorf("device %s names its records like device %s, already enrolled: enrol it again from a new request", c.Device.ID, other))
		}
	}
	if old, err := f.certificate(c.Device.ID); err == nil && old.Serial >= c.Serial {
		return f.commitMeta(index, nil, nil)
	}
	meta := map[string][]byte{}
	if c.Replaces != "" {
		// A successor: the old device is retired (handover.go).
		if meta, err = f.applySuccessor(index, c); err != nil {
			return f.commitMeta(index, nil, err)
		}
	}
	meta[metaCert+c.Device.ID] = p
	return f.commitMeta(index, meta, nil)
}

// applyRevocations replaces the revocation list with one that follows it.
func (f *fsm) applyRevocations(index uint64, p []byte) error {
	l, err := cert.ParseRevocationList(p)
	if err == nil {
		err = l.Verify(f.pub)
	}
	if err == nil {
		var held *cert.RevocationList
		if held, err = f.revocations(); err == nil && held != nil {
			err = l.Follows(held)
		}
	}
	if err != nil {
		return f.commitMeta(index, nil, err)
	}
	err = f.commitMeta(index, map[string][]byte{metaRevocations: p}, nil)
	f.revoked.Store(l)
	return err
}

func (f *fsm) applyMember(index uint64, p []byte) error {
	var m member
	if err := json.Unmarshal(p, &m); err != nil || m.ID == "" {
		return f.commitMeta(index, nil, fmt.Errorf("%w: member record", errBadEntry))
	}
	meta := map[string][]byte{}
	if m.Request != "" {
		// A join or removal the district asked for: taken once. The
		// requests remembered are dropped by their own signed times,
		// never by a clock, once they are older than any request a node
		// would take (memberRequestsKept before this one's time).
		held, err := f.memberRequests()
		if err != nil {
			f.fatal(index, err)
		}
		kept := []memberRequest{}
		for _, r := range held {
			if r.Hash == m.Request {
				return f.commitMeta(index, nil, errReplayedRequest)
			}
			if r.Time >= m.RequestTime-memberRequestsKept {
				kept = append(kept, r)
			}
		}
		kept = append(kept, memberRequest{Hash: m.Request, Time: m.RequestTime})
		meta[metaMemberRequests], _ = json.Marshal(kept)
		m.Request, m.RequestTime = "", 0
	}
	b, _ := json.Marshal(m)
	meta[metaMember+m.ID] = b
	return f.commitMeta(index, meta, nil)
}

// memberRequest is a join or removal request the cluster carried out.
type memberRequest struct {
	Hash string `json:"hash"` // hex MemberRequest.Hash
	Time int64  `json:"time"` // its signed time, unix seconds
}

// memberRequestsKept is how long, by their signed times, the cluster
// remembers the join and removal requests it carried out: a request is
// taken within protocol.MaxClockSkew of a node's clock, so once a newer
// one is this much later, the old one is refused as stale anyway (the
// nodes' clocks agreeing within the rest).
const memberRequestsKept = 3600 // seconds: six times protocol.MaxClockSkew

// errReplayedRequest: a join or removal the cluster carried out already.
var errReplayedRequest = errors.New("this join or removal request was carried out already: it is taken once; sign a new one")

// memberRequests returns the join and removal requests remembered.
func (f *fsm) memberRequests() ([]memberRequest, error) {
	b, err := f.s.GetMeta(metaMemberRequests)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []memberRequest
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%w: member requests: %v", storage.ErrDamaged, err)
	}
	return out, nil
}

// memberRequestTaken reports whether the cluster carried out the request
// with hash h already.
func (f *fsm) memberRequestTaken(h string) bool {
	held, err := f.memberRequests()
	if err != nil {
		return false // the state machine decides, when it applies
	}
	for _, r := range held {
		if r.Hash == h {
			return true
		}
	}
	return false
}

// members returns the member records, by ID.
func (f *fsm) members() (map[string]member, error) {
	names, err := f.s.ListMeta(metaMember)
	if err != nil {
		return nil, err
	}
	out := map[string]member{}
	for _, n := range names {
		b, err := f.s.GetMeta(n)
		if err != nil {
			return nil, err
		}
		var m member
		if json.Unmarshal(b, &m) == nil {
			out[m.ID] = m
		}
	}
	return out, nil
}

// Snapshot returns a snapshot whose Persist streams a Badger backup of the
// node store, encrypted with age to the newest batch key: snapshot files and
// snapshots sent to other nodes hold no plaintext.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) { return &fsmSnapshot{f: f}, nil }

// Restore replaces the node's state with a snapshot.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	r, err := age.Decrypt(rc, f.k.identities()...)
	if err != nil {
		return fmt.Errorf("%w: %w", errSnapshotKey, err)
	}
	if err := f.s.Restore(r); err != nil {
		return err
	}
	if err := f.openRollouts(); err != nil {
		return err
	}
	if err := f.loadRevocations(); err != nil {
		return err
	}
	b, err := f.s.GetMeta(metaApplied)
	var idx uint64
	if err == nil && len(b) == 8 {
		idx = binary.BigEndian.Uint64(b)
	}
	f.applied.Store(idx)
	f.m.snapshotsRestored.Inc()
	f.log.Info("restored state from a snapshot", "applied_index", idx)
	return f.s.Sync()
}

// errSnapshotKey: a snapshot (or a backup's state) this node cannot
// open.
var errSnapshotKey = errors.New("snapshot is not sealed to a batch key of this district that this node holds")

type fsmSnapshot struct{ f *fsm }

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	rcpt, err := age.ParseX25519Recipient(s.f.sealKey().Recipient())
	if err == nil {
		var w io.WriteCloser
		if w, err = age.Encrypt(sink, rcpt); err == nil {
			if err = s.f.s.Backup(w); err == nil {
				err = w.Close()
			}
		}
	}
	if err != nil {
		sink.Cancel()
		return fmt.Errorf("writing snapshot: %w", err)
	}
	s.f.m.snapshotsTaken.Inc()
	return sink.Close()
}

func (s *fsmSnapshot) Release() {}

// errDashboardNotNewer: a dashboard password setting no newer than the
// one the cluster holds (the same request again, or an older one).
var errDashboardNotNewer = errors.New("the cluster holds a dashboard password set at the same time or later: this setting is taken once, and never over a newer one; set the password again")

// applyDashboard keeps the dashboard password the district signed, when
// it was signed later than the one held (by its own signed time: the
// state machine reads no clock; the node that took the request checked
// that time against its own).
func (f *fsm) applyDashboard(index uint64, p []byte) error {
	var d protocol.DashboardPassword
	if err := json.Unmarshal(p, &d); err != nil {
		return f.commitMeta(index, nil, fmt.Errorf("%w: dashboard password: %v", errBadEntry, err))
	}
	if _, err := d.VerifySignature(f.pub.SignKey); err != nil {
		return f.commitMeta(index, nil, err)
	}
	held, err := f.dashboardPassword()
	if err != nil {
		f.fatal(index, err)
	}
	if held != nil && held.Time >= d.Time {
		return f.commitMeta(index, nil, errDashboardNotNewer)
	}
	return f.commitMeta(index, map[string][]byte{metaDashboard: p}, nil)
}

// dashboardPassword returns the dashboard password setting held, or nil.
func (f *fsm) dashboardPassword() (*protocol.DashboardPassword, error) {
	b, err := f.s.GetMeta(metaDashboard)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var d protocol.DashboardPassword
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%w: dashboard password: %v", storage.ErrDamaged, err)
	}
	return &d, nil
}
