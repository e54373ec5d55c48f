package node

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/hashicorp/raft"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/batch/workload"
)

// BenchmarkFSMApply measures one node's state machine applying the
// entries the proposer makes of 16 × b.N sealed batches of 500 operations
// pushed by devices that keep pushing: open, chain check and store write,
// without Raft.
//
//   - register: new persons, all from one device.
//   - mixed: what kitctl bench cluster pushes — four devices of four
//     communes, three quarters registrations and a quarter single-field
//     corrections of persons registered earlier.
//
// ops/s is operations applied per second; cpu-µs/op is the process's CPU
// time (every goroutine, Badger's included) per operation, which varies
// far less than ops/s on a machine shared with other work.
//
// COMMUNEKIT_BENCH_BATCH sets the operations per batch, and
// COMMUNEKIT_BENCH_ENTRY a fixed number of batches per entry instead of
// the proposer's limits: what an entry's size costs (propose.go).
func BenchmarkFSMApply(b *testing.B) {
	b.Run("register", func(b *testing.B) { benchFSMApply(b, 1, false) })
	b.Run("mixed", func(b *testing.B) { benchFSMApply(b, 4, true) })
}

var (
	benchPerBatch = envInt("COMMUNEKIT_BENCH_BATCH", 500)
	benchPerEntry = envInt("COMMUNEKIT_BENCH_ENTRY", 0)
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func benchFSMApply(b *testing.B, devices int, edits bool) {
	d, _ := identity.NewDistrict("Bench")
	s, err := storage.Create(filepath.Join(b.TempDir(), "n"), []byte(testPass), storage.Profile{Kind: storage.KindNode, District: "Bench"}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	f, err := newFSM(s, d, slog.New(slog.NewTextHandler(io.Discard, nil)), newMetrics())
	if err != nil {
		b.Fatal(err)
	}
	communes := []string{"00769", "12472", "03004", "16225"}
	const batchesPerN = 16
	perDevice := (b.N*batchesPerN + devices - 1) / devices
	devs := make([][][]byte, devices)
	for i := range devs {
		var crt []byte
		devs[i], crt = benchSealedDevice(b, d, communes[i%len(communes)], uint64(i+1), perDevice, edits)
		f.Apply(&raft.Log{Index: uint64(i + 1), Type: raft.LogCommand, Data: append([]byte{entryCertificate}, crt...)})
	}
	// The devices' batches in turn, as they arrive when all push at once,
	// grouped into entries as the proposer groups what is waiting.
	var pushed [][]byte
	for k := 0; len(pushed) < b.N*batchesPerN; k++ {
		pushed = append(pushed, devs[k%devices][k/devices])
	}
	var entries [][]byte
	for len(pushed) > 0 {
		n, plain := 1, plainSize(pushed[0])
		for n < len(pushed) && (benchPerEntry > 0 && n < benchPerEntry || benchPerEntry == 0 && entryFits(n, plain, plainSize(pushed[n]))) {
			plain += plainSize(pushed[n])
			n++
		}
		entries = append(entries, encodeBatches(pushed[:n]))
		pushed = pushed[n:]
	}
	total := b.N * batchesPerN * benchPerBatch
	b.ResetTimer()
	cpu0, start := processCPU(), time.Now()
	for i, e := range entries {
		res := f.Apply(&raft.Log{Index: uint64(devices + i + 1), Type: raft.LogCommand, Data: e}).([]batchResult)
		for _, r := range res {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "ops/s")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-µs/op")
	}
	b.ReportMetric(float64(total)/float64(len(entries)), "ops/entry")
}

// benchSealedDevice enrols a device of commune and seals its batches of
// benchPerBatch operations: registrations, and with edits a quarter of
// single-field corrections after them. It returns the sealed batches and
// the device's certificate.
func benchSealedDevice(b *testing.B, d *identity.District, commune string, seed uint64, batches int, edits bool) ([][]byte, []byte) {
	pub := d.Public()
	rcpt, _ := age.ParseX25519Recipient(pub.AgeRecipient)
	r := rand.New(rand.NewPCG(seed, 2))
	n := batches * benchPerBatch
	regs := n
	if edits {
		regs = n * 3 / 4
	}
	g, err := gen.Generate(gen.Options{Commune: commune, Persons: regs, Seed: int64(seed) + 2})
	if err != nil {
		b.Fatal(err)
	}
	ops := workload.Register(g, r)
	if edits {
		other, err := gen.Generate(gen.Options{Commune: commune, Persons: 500, Seed: int64(seed) + 1000})
		if err != nil {
			b.Fatal(err)
		}
		ops = append(ops, workload.Edits(g, other, ops, workload.EditOptions{N: n - len(ops), StepMs: 2000, Shuffled: true}, r)...)
	}
	id := workload.RandomDevice(r)
	dev, _ := identity.NewDevice(string(id))
	workload.Rehome(ops, id, "Cán bộ")
	for i, op := range ops {
		op.Seq = uint64(i + 1)
	}
	req, _ := cert.NewRequest(dev, "Cán bộ", []string{commune}, time.Now())
	c, _ := cert.Sign(req, cert.RoleOfficer, nil, time.Hour, seed, d, time.Now())
	cb, _ := c.MarshalBinary()
	var sealed [][]byte
	var prev [32]byte
	for k := 0; k < batches; k++ {
		part := ops[k*benchPerBatch : (k+1)*benchPerBatch]
		sb, err := batch.Seal(part, batch.SealOptions{Header: batch.Header{Sender: string(id), Seq: uint64(k + 1), PrevHash: prev, RecipientKeyID: pub.KeyID}, Recipient: rcpt, SignKey: dev.Sign})
		if err != nil {
			b.Fatal(err)
		}
		prev = batch.Hash(sb)
		sealed = append(sealed, sb)
	}
	return sealed, cb
}
