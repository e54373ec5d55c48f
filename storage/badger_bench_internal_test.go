package storage

import (
	"crypto/rand"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// BenchmarkBadgerEntries measures what Badger itself reaches here with the
// commune store's options (encryption, Snappy, 8 MB memtable, a durable
// commit per transaction): entries per second, written in transactions the
// size of an import chunk (1,000 persons × 12 entries), with the sizes an
// import writes (keys 10–36 B; values empty for index keys, ~340 B for
// the record and its operation). It is the ceiling of BenchmarkImport100k:
// persons/s × entries per person cannot exceed it.
func BenchmarkBadgerEntries(b *testing.B) {
	// One person's entries as an import writes them: key length, value length.
	person := [][2]int{{18, 349}, {10, 335}, {26, 0}, {36, 0}, {36, 0}, {36, 0}, {33, 0}, {18, 4}, {32, 0}, {33, 0}, {25, 0}, {20, 90}}
	const persons, chunk = 100_000, 1000
	key := make([]byte, 32)
	rand.Read(key)
	var rate float64
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, storeDir), 0o700); err != nil {
			b.Fatal(err)
		}
		s, err := openDB(dir, key, Options{})
		if err != nil {
			b.Fatal(err)
		}
		val := make([]byte, 512)
		rand.Read(val)
		t0 := time.Now()
		entries := 0
		for c := 0; c < persons/chunk; c++ {
			err := s.db.Update(func(txn *badger.Txn) error {
				for p := 0; p < chunk; p++ {
					n := uint64(c*chunk + p)
					for j, kv := range person {
						// Keys spread like an import's: a prefix, then an
						// identifier that does not arrive in key order.
						k := make([]byte, kv[0])
						k[0] = byte('a' + j)
						binary.BigEndian.PutUint64(k[2:], n*0x9E3779B97F4A7C15)
						if err := txn.Set(k, val[:kv[1]]); err != nil {
							return err
						}
						entries++
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		rate = float64(entries) / time.Since(t0).Seconds()
		s.db.Close()
	}
	b.ReportMetric(rate, "entries/s")
	b.ReportMetric(math.Round(rate/float64(len(person))), "persons/s-ceiling")
}
