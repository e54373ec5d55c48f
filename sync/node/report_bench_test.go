package node

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/storage/report"
	"github.com/communekit/communekit/sync/outbox"
)

// BenchmarkDistrictReport measures the district's reports on a node's
// state of 300,000 persons (COMMUNEKIT_BENCH_PERSONS per commune, 100,000
// by default; 5,000 with -short) in three communes, as it comes to be:
// each commune's laptop imports its generated persons and seals its
// outbox, and the node's state machine applies the batches (without Raft;
// the state is what every node of a cluster holds). Each report is what a
// request makes the node do: compute it and write its JSON (the signature
// check and TLS cost microseconds). sync/node/DESIGN.md, "The district's reports",
// has the figures: the whole district's statistics must be answered within
// 2 s. ms/report is the wall time, cpu-ms/report the process's CPU time.
//
//	go test -run '^$' -bench DistrictReport -benchtime 5x ./sync/node/
func BenchmarkDistrictReport(b *testing.B) {
	s := benchDistrictStore(b)
	at := report.Date{Year: 2026, Month: 12, Day: 31}
	communes := []string{"00769", "03004", "12472"}
	for _, c := range []struct {
		name string
		run  func() (any, error)
	}{
		{"stats/all", func() (any, error) { return report.Stats(s, report.StatsOptions{At: at}) }},
		{"stats/one-commune", func() (any, error) { return report.Stats(s, report.StatsOptions{At: at, Commune: communes[0]}) }},
		{"progress", func() (any, error) {
			return report.ComputeProgress(s, report.ProgressOptions{At: at, Communes: communes})
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ResetTimer()
			c0 := processCPU()
			var size int
			for i := 0; i < b.N; i++ {
				v, err := c.run()
				if err != nil {
					b.Fatal(err)
				}
				var buf bytes.Buffer
				if err := json.NewEncoder(&buf).Encode(v); err != nil {
					b.Fatal(err)
				}
				size = buf.Len()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/report")
			if cpu := processCPU() - c0; cpu > 0 {
				b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/report")
			}
			b.ReportMetric(float64(size), "json-bytes")
		})
	}
}

// benchDistrictStore builds the node store, removed when the benchmark
// ends (its sub-benchmarks share it).
func benchDistrictStore(b *testing.B) *storage.Store {
	b.Helper()
	per := envInt("COMMUNEKIT_BENCH_PERSONS", 100000)
	if testing.Short() {
		per = 5000
	}
	dir, err := os.MkdirTemp("", "district-report-bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	start := time.Now()
	s, err := buildDistrictStore(b, dir, per)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	n, h, _ := s.Counts()
	b.Logf("node store: %d persons, %d households, built in %s", n, h, time.Since(start).Round(time.Second))
	return s
}

func buildDistrictStore(b *testing.B, dir string, per int) (*storage.Store, error) {
	d, err := identity.NewDistrict("Bench")
	if err != nil {
		return nil, err
	}
	ns, err := storage.Create(filepath.Join(dir, "node"), []byte(testPass), storage.Profile{Kind: storage.KindNode, District: "Bench"}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		return nil, err
	}
	f, err := newFSM(ns, testKeys(b, d), slog.New(slog.NewTextHandler(io.Discard, nil)), newMetrics())
	if err != nil {
		return nil, err
	}
	// The checks only refuse: the state of honest batches is the same
	// without them, built faster.
	f.noChecks = true
	index := uint64(0)
	apply := func(data []byte) error {
		index++
		res := f.Apply(&raft.Log{Index: index, Type: raft.LogCommand, Data: data})
		if rs, ok := res.([]batchResult); ok {
			for _, r := range rs {
				if r.Err != nil {
					return r.Err
				}
			}
		} else if err, ok := res.(error); ok && err != nil {
			return err
		}
		return nil
	}
	for i, commune := range []string{"00769", "03004", "12472"} {
		ls, err := storage.Create(filepath.Join(dir, commune), []byte(testPass), storage.Profile{Commune: commune, Officer: "Nguyễn Thị Lan"}, storage.Options{WorkFactor: 10, GCInterval: -1})
		if err != nil {
			return nil, err
		}
		req, err := cert.NewRequest(ls.DeviceKeys(), "Nguyễn Thị Lan", []string{commune}, time.Now())
		if err != nil {
			return nil, err
		}
		c, err := cert.Sign(req, cert.RoleOfficer, nil, 24*time.Hour, uint64(i+1), d, time.Now())
		if err != nil {
			return nil, err
		}
		if err := outbox.Install(ls, c, d.Public(), time.Now()); err != nil {
			return nil, err
		}
		g, err := gen.Generate(gen.Options{Commune: commune, Persons: per, Seed: int64(7 + i)})
		if err != nil {
			return nil, err
		}
		var csv bytes.Buffer
		if err := gen.WriteCSV(&csv, g, int64(7+i)); err != nil {
			return nil, err
		}
		if _, err := ls.ImportPersons(&csv, storage.ImportOptions{}); err != nil {
			return nil, err
		}
		z, err := outbox.SealerFor(ls, 0)
		if err != nil {
			return nil, err
		}
		bs, err := z.Seal(ls)
		if err != nil {
			return nil, err
		}
		cb, _ := c.MarshalBinary()
		if err := apply(append([]byte{entryCertificate}, cb...)); err != nil {
			return nil, err
		}
		for _, ob := range bs {
			if err := apply(encodeBatchesAt(districtTime(time.Now()), [][]byte{ob.Sealed})); err != nil {
				return nil, fmt.Errorf("batch %d of %s: %w", ob.N, commune, err)
			}
		}
		ls.Close()
	}
	// Opened afresh, as a node that restarted: the applies' compactions
	// are over.
	if err := ns.Close(); err != nil {
		return nil, err
	}
	return storage.Open(filepath.Join(dir, "node"), []byte(testPass), storage.Options{GCInterval: -1, Kind: storage.KindNode})
}
