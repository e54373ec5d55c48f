package bench

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
)

// The floor of the district's ingest: the same machine's Badger alone
// writing what the operations write at the district, three times over.
//
// A node applies each Raft entry in one store transaction: the records,
// their history, the indexes, the feed, the device's chain and receipt,
// the applied index. Here the batches the closed loop pushed are applied
// once, batch by batch, to a node's store in this process while its
// writes are recorded (storage.RecordWrites: every key and value, grouped
// by transaction); then three plain Badger databases, opened with a node
// store's own options (storage.BadgerOptions: encrypted, no fsync per
// transaction, the same memtables), write those transactions again
// concurrently, as the three replicas of a cluster on one machine do.
// What they take is the floor: no Raft, no HTTP, no TLS, no opening of
// batches, no checks, no reads: only Badger writing the same bytes.

// floorFigures are the floor's figures.
type floorFigures struct {
	Stores       int     `json:"stores"`       // Badger databases written concurrently
	Operations   int     `json:"operations"`   // whose entries each store wrote
	Transactions int     `json:"transactions"` // each store's
	EntriesPerOp float64 `json:"entries_per_op"`
	BytesPerOp   float64 `json:"bytes_per_op"` // keys and values
	Seconds      float64 `json:"seconds"`
	OpsPerSec    float64 `json:"ops_per_s"`
}

// floorTxn is one transaction of the node's store, as recorded.
type floorTxn []storage.Write

// recordNodeWrites applies batches [0, load) of every device to a node's
// store in dir, the devices' batches interleaved as they reach the
// cluster, and returns the transactions it wrote and the operations
// applied.
func recordNodeWrites(dir string, d *identity.District, devs []*benchDevice, load int) ([]floorTxn, int, error) {
	s, err := storage.Create(filepath.Join(dir, "node"), []byte(benchPassphrase), storage.Profile{Kind: storage.KindNode, District: "Bench"},
		storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		return nil, 0, err
	}
	defer s.Close()
	signers := map[string]ed25519.PublicKey{}
	for _, dv := range devs {
		signers[dv.id] = dv.cert.Device.SignKey
	}
	op := &batch.Opener{Identity: d.CurrentBatchKey().Age, KeyID: d.Public().KeyID,
		SignerKey: func(dev string) (ed25519.PublicKey, error) {
			if k, ok := signers[dev]; ok {
				return k, nil
			}
			return nil, fmt.Errorf("%w: %s", batch.ErrUnknownSigner, dev)
		}}
	rec, err := s.RecordWrites()
	if err != nil {
		return nil, 0, err
	}
	ops, index := 0, uint64(0)
	opSeq := make([]uint64, len(devs))
	for k := 0; k < load; k++ {
		for i, dv := range devs {
			if k >= len(dv.sealed) {
				continue
			}
			b, err := op.Open(dv.sealed[k])
			if err != nil {
				rec.Stop()
				return nil, 0, fmt.Errorf("device %s batch %d: %v", dv.id, k+1, err)
			}
			index++
			ap, err := s.BeginApply(storage.ApplyOptions{Feed: true, Fresh: true, Time: storage.HLC(uint64(time.Now().UnixMilli()) << 16), SizeHint: len(b.Ops)})
			if err != nil {
				rec.Stop()
				return nil, 0, err
			}
			crt := dv.cert
			snd := &storage.Sender{Device: storage.DeviceID(crt.Device.ID), Officer: crt.Officer, Role: storage.RoleOfficer, Communes: crt.Communes}
			if refused, err := ap.Batch(snd, opSeq[i], b.Ops); err != nil || len(refused) > 0 {
				ap.Discard()
				rec.Stop()
				return nil, 0, fmt.Errorf("device %s batch %d: %d operations refused: %v", dv.id, k+1, len(refused), err)
			}
			opSeq[i] += uint64(len(b.Ops))
			// What the state machine writes beside the operations (the
			// same sizes): the device's chain, the batch's receipt, the
			// applied index.
			h := batch.Hash(dv.sealed[k])
			chain := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(append(binary.BigEndian.AppendUint64(nil, uint64(k+1)), h[:]...), opSeq[i]), index)
			receipt := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(append([]byte{}, h[:]...), index), uint64(len(b.Ops)))
			if _, err := ap.Commit(map[string][]byte{
				"fsm/chain/" + dv.id: chain,
				fmt.Sprintf("fsm/receipt/%s/%020d", dv.id, b.Header.Seq): receipt,
				"fsm/applied": binary.BigEndian.AppendUint64(nil, index),
			}); err != nil {
				rec.Stop()
				return nil, 0, err
			}
			ops += len(b.Ops)
		}
	}
	writes, err := rec.Stop()
	if err != nil {
		return nil, 0, err
	}
	// Entries of one transaction share its commit timestamp.
	var txns []floorTxn
	for i, w := range writes {
		if i == 0 || w.Version != writes[i-1].Version {
			txns = append(txns, nil)
		}
		txns[len(txns)-1] = append(txns[len(txns)-1], w)
	}
	return txns, ops, nil
}

// measureFloor records what the operations of batches [0, load) of devs
// write at a node, then writes it again into stores plain Badger
// databases at once.
func measureFloor(d *identity.District, devs []*benchDevice, load, stores int, progress func(format string, a ...any)) (floorFigures, error) {
	f := floorFigures{Stores: stores}
	dir, err := os.MkdirTemp("", "communekit-bench-floor-")
	if err != nil {
		return f, err
	}
	defer os.RemoveAll(dir)
	progress("floor: recording what a node's store writes for the same batches…")
	txns, ops, err := recordNodeWrites(dir, d, devs, load)
	if err != nil {
		return f, fmt.Errorf("floor: %w", err)
	}
	if ops == 0 || len(txns) == 0 {
		return f, errors.New("floor: nothing was written")
	}
	entries, bytes := 0, 0
	for _, t := range txns {
		entries += len(t)
		for _, w := range t {
			bytes += len(w.Key) + len(w.Value)
		}
	}
	f.Operations, f.Transactions = ops, len(txns)
	f.EntriesPerOp = kit.Round(float64(entries) / float64(ops))
	f.BytesPerOp = kit.Round(float64(bytes) / float64(ops))
	progress("floor: %d operations wrote %d entries (%.1f per operation, %.0f B of keys and values) in %d transactions; %d Badger databases write them again at once…",
		ops, entries, f.EntriesPerOp, f.BytesPerOp, len(txns), stores)
	secs, err := writeFloor(dir, txns, stores)
	if err != nil {
		return f, fmt.Errorf("floor: %w", err)
	}
	f.Seconds = kit.Round(secs)
	f.OpsPerSec = kit.Round(float64(ops) / secs)
	return f, nil
}

// writeFloor has stores Badger databases in dir write txns concurrently
// and returns how long until the last is done, opening and closing
// excluded.
func writeFloor(dir string, txns []floorTxn, stores int) (float64, error) {
	dbs := make([]*badger.DB, stores)
	defer func() {
		for _, db := range dbs {
			if db != nil {
				db.Close()
			}
		}
	}()
	for i := range dbs {
		key := make([]byte, 32)
		rand.Read(key)
		db, err := badger.Open(storage.BadgerOptions(filepath.Join(dir, fmt.Sprintf("floor%d", i+1)), key, storage.KindNode))
		if err != nil {
			return 0, err
		}
		dbs[i] = db
	}
	errs := make([]error, stores)
	var wg sync.WaitGroup
	start := time.Now()
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, t := range txns {
				txn := db.NewTransaction(true)
				for _, w := range t {
					if err := txn.Set(w.Key, w.Value); err != nil {
						txn.Discard()
						errs[i] = err
						return
					}
				}
				if err := txn.Commit(); err != nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start).Seconds(), errors.Join(errs...)
}
