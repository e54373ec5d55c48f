package node

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
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

// BenchmarkFSMApply measures one node's state machine applying entries of
// 16 batches of 500 new persons each: open, chain check and store write,
// without Raft. ops/s is operations applied per second.
func BenchmarkFSMApply(b *testing.B) {
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
	pub := d.Public()
	rcpt, _ := age.ParseX25519Recipient(pub.AgeRecipient)
	r := rand.New(rand.NewPCG(1, 2))
	const perBatch, perEntry = 500, 16
	total := b.N * perBatch * perEntry
	g, err := gen.Generate(gen.Options{Commune: "00769", Persons: total, Seed: 3})
	if err != nil {
		b.Fatal(err)
	}
	ops := workload.Register(g, r)
	id := workload.RandomDevice(r)
	dev, _ := identity.NewDevice(string(id))
	workload.Rehome(ops, id, "Cán bộ")
	req, _ := cert.NewRequest(dev, "Cán bộ", []string{"00769"}, time.Now())
	c, _ := cert.Sign(req, cert.RoleOfficer, nil, time.Hour, 1, d, time.Now())
	cb, _ := c.MarshalBinary()
	f.Apply(&raft.Log{Index: 1, Type: raft.LogCommand, Data: append([]byte{entryCertificate}, cb...)})
	var entries [][]byte
	var prev [32]byte
	seq := uint64(0)
	for i := 0; i < b.N; i++ {
		var sealed [][]byte
		for k := 0; k < perEntry; k++ {
			seq++
			part := ops[(seq-1)*perBatch : seq*perBatch]
			sb, err := batch.Seal(part, batch.SealOptions{Header: batch.Header{Sender: string(id), Seq: seq, PrevHash: prev, RecipientKeyID: pub.KeyID}, Recipient: rcpt, SignKey: dev.Sign})
			if err != nil {
				b.Fatal(err)
			}
			prev = batch.Hash(sb)
			sealed = append(sealed, sb)
		}
		entries = append(entries, encodeBatches(sealed))
	}
	b.ResetTimer()
	start := time.Now()
	for i, e := range entries {
		res := f.Apply(&raft.Log{Index: uint64(i + 2), Type: raft.LogCommand, Data: e}).([]batchResult)
		for _, r := range res {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "ops/s")
}
