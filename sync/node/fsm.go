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
	"sync/atomic"

	"filippo.io/age"
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
	metaChain       = "fsm/chain/"                           // + device: seq8 + hash32 of its last accepted batch
	metaReceipt     = "fsm/receipt/"                         // + device/seq: hash32 + index8 + ops8
	metaMember      = "fsm/member/"                          // + node ID: member JSON
)

// fsm applies the Raft log to the node's store. Apply is deterministic: it
// reads only the entry and the store, never a clock, randomness or a map's
// order, so every node that applies the same log holds byte-identical state
// (Store.Digest).
type fsm struct {
	s       *storage.Store
	d       *identity.District
	pub     identity.DistrictPublic
	log     *slog.Logger
	m       *metrics
	applied atomic.Uint64
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

func newFSM(s *storage.Store, d *identity.District, log *slog.Logger, m *metrics) (*fsm, error) {
	f := &fsm{s: s, d: d, pub: d.Public(), log: log, m: m}
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
		res = f.applyBatches(l.Index, l.Data[1:])
	case entryCertificate:
		res = f.applyCertificate(l.Index, l.Data[1:])
	case entryRevocations:
		res = f.applyRevocations(l.Index, l.Data[1:])
	case entryMember:
		res = f.applyMember(l.Index, l.Data[1:])
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
// replays the entry after a restart.
func (f *fsm) fatal(index uint64, err error) {
	f.log.Error("cannot apply a committed entry: stopping this node; restart it after fixing the disk (it replays the log)", "index", index, "err", err)
	panic(fmt.Sprintf("districtd: applying entry %d: %v", index, err))
}

type chainRec struct {
	Seq  uint64
	Hash [32]byte
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
	if len(b) != 40 {
		return c, fmt.Errorf("%w: chain record of %s", storage.ErrDamaged, dev)
	}
	c.Seq = binary.BigEndian.Uint64(b)
	copy(c.Hash[:], b[8:])
	return c, nil
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
	r.Sign(f.d.Sign)
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

func (f *fsm) revocations() (*cert.RevocationList, error) {
	b, err := f.s.GetMeta(metaRevocations)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil // nothing revoked yet
	}
	if err != nil {
		return nil, err
	}
	return cert.ParseRevocationList(b)
}

// signerKey is the FSM's signer lookup: enrolled and not revoked.
func (f *fsm) signerKey(dev string) (ed25519.PublicKey, error) {
	c, err := f.certificate(dev)
	if err != nil {
		return nil, err
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
	return &batch.Opener{Identity: f.d.Age, KeyID: f.pub.KeyID, SignerKey: f.signerKey}
}

// applyBatches checks and applies the batches of one entry in one store
// transaction, with the applied index; it returns one result per batch.
func (f *fsm) applyBatches(index uint64, payload []byte) []batchResult {
	sealed, err := decodeBatches(payload)
	if err != nil {
		f.commitMeta(index, nil, nil)
		return nil
	}
	results := make([]batchResult, len(sealed))
	chains := map[string]chainRec{}
	meta := map[string][]byte{}
	scope := map[storage.DeviceID][]string{}
	var ops []*storage.Op
	op := f.opener()
	for i, sb := range sealed {
		b, err := op.Open(sb)
		if err == nil {
			err = checkSender(b)
		}
		if err != nil {
			results[i].Err = refusal(err)
			continue
		}
		dev := b.Header.Sender
		crt, err := f.certificate(dev)
		if err != nil {
			f.fatal(index, err)
		}
		if e := f.checkAuthority(b, crt); e != nil {
			results[i].Err = e
			continue
		}
		c, ok := chains[dev]
		if !ok {
			if c, err = f.chain(dev); err != nil {
				f.fatal(index, err)
			}
		}
		h := batch.Hash(sb)
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
		scope[storage.DeviceID(dev)] = crt.Communes
		chains[dev] = chainRec{Seq: seq, Hash: h}
		meta[metaChain+dev] = append(u64(seq), h[:]...)
		rec := append(append(append([]byte{}, h[:]...), u64(index)...), u64(uint64(len(b.Ops)))...)
		meta[receiptName(dev, seq)] = rec
		r, _, _ := f.storedReceipt(dev, seq, rec)
		results[i].Receipt = r
		for _, o := range b.Ops {
			results[i].Newest = max(results[i].Newest, o.HLC)
		}
		ops = append(ops, b.Ops...)
	}
	meta[metaApplied] = u64(index)
	res, err := f.s.ApplyOps(ops, storage.ApplyOptions{Feed: true, Fresh: true, Scope: scope, Meta: meta})
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
	return results
}

// checkAuthority refuses a batch holding a resolution unless its sender
// is a supervisor (or administrator) whose certificate covers the commune
// of every record it resolves, as the district's state holds the record.
// The whole batch is refused: a device's batches are all or nothing.
func (f *fsm) checkAuthority(b *batch.Batch, c *cert.Certificate) *protocol.Error {
	for _, op := range b.Ops {
		if op.Event != storage.EventResolution {
			continue
		}
		if c.Role != cert.RoleSupervisor && c.Role != cert.RoleAdmin {
			return &protocol.Error{Code: protocol.CodeForbidden, Message: fmt.Sprintf("batch %d of device %s resolves a conflict, but the device is enrolled as %s (%s): only a supervisor's device may resolve conflicts", b.Header.Seq, b.Header.Sender, c.Role, c.Officer)}
		}
		commune := ""
		if op.Kind == storage.KindPerson || op.Kind == storage.KindDecision {
			if p, err := f.s.Person(op.ID); err == nil {
				commune = p.Get(storage.FieldPermanentAddressCode)
			}
		}
		if commune == "" || !c.Covers(commune) {
			return &protocol.Error{Code: protocol.CodeOutOfScope, Message: fmt.Sprintf("batch %d of device %s resolves a conflict on %s, of commune %q, outside the supervisor's communes %v", b.Header.Seq, b.Header.Sender, op.ID, commune, c.Communes)}
		}
	}
	return nil
}

// checkSender refuses a batch whose operations name another device than
// the one that signed it.
func checkSender(b *batch.Batch) error {
	for _, op := range b.Ops {
		if string(op.Device) != b.Header.Sender {
			return fmt.Errorf("%w: operation %d names device %s, the batch was signed by %s", batch.ErrSenderMismatch, op.Seq, op.Device, b.Header.Sender)
		}
	}
	return nil
}

// refusal turns an opening error into the protocol's error.
func refusal(err error) *protocol.Error {
	code := protocol.CodeTampered
	switch {
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
	if old, err := f.certificate(c.Device.ID); err == nil && old.Serial >= c.Serial {
		return f.commitMeta(index, nil, nil)
	}
	return f.commitMeta(index, map[string][]byte{metaCert + c.Device.ID: p}, nil)
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
	return f.commitMeta(index, map[string][]byte{metaRevocations: p}, nil)
}

func (f *fsm) applyMember(index uint64, p []byte) error {
	var m member
	if err := json.Unmarshal(p, &m); err != nil || m.ID == "" {
		return f.commitMeta(index, nil, fmt.Errorf("%w: member record", errBadEntry))
	}
	b, _ := json.Marshal(m)
	return f.commitMeta(index, map[string][]byte{metaMember + m.ID: b}, nil)
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
// node store, encrypted with age to the district: snapshot files and
// snapshots sent to other nodes hold no plaintext.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) { return &fsmSnapshot{f: f}, nil }

// Restore replaces the node's state with a snapshot.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	r, err := age.Decrypt(rc, f.d.Age)
	if err != nil {
		return fmt.Errorf("snapshot is not sealed to this district: %w", err)
	}
	if err := f.s.Restore(r); err != nil {
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

type fsmSnapshot struct{ f *fsm }

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	rcpt, err := age.ParseX25519Recipient(s.f.pub.AgeRecipient)
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
