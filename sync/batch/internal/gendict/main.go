// Command gendict trains the zstd dictionary that sealed batches of format
// version 1 are compressed with, and writes it to assets/zstd:
//
//	go run ./sync/batch/internal/gendict -o assets/zstd/batch-v1.dict
//
// It trains on what Seal compresses — the columns of the operations
// encoding, framed as the compressor frames them — of survey registrations
// and correction rounds (package workload) in generated communes of every
// region. Commune 12472, on which the benchmarks measure the figures, is
// left out, so that the figures show what the dictionary does for a
// commune it has not seen.
//
// The dictionary is part of format version 1: a batch in flight must open
// with the dictionary it was sealed with. Never regenerate it in place;
// a new dictionary needs a new dictionary ID and format version
// (sync/batch/FORMAT.md).
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"

	"github.com/klauspost/compress/dict"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/batch/workload"
)

// Communes of the mountains, deltas, highlands and cities, wards and rural
// communes, Kinh and minority majorities.
var communes = []string{
	"00769", "00745", "00829", "19742", "04288", "09430", "16279", "22015",
	"27259", "26506", "31036", "11977", "24664", "29416", "25270", "20314",
}

func main() {
	out := flag.String("o", "assets/zstd/batch-v1.dict", "where to write the dictionary")
	flag.Parse()
	var samples [][]byte
	for i, code := range communes {
		c, err := gen.Generate(gen.Options{Commune: code, Persons: 2000, Seed: int64(100 + i)})
		if err != nil {
			log.Fatal(err)
		}
		r := rand.New(rand.NewPCG(uint64(i), 9))
		reg := workload.Register(c, r)
		// Each commune's batches come from its own device and officer, so
		// that the dictionary learns the shape of the data, not one
		// device ID or name.
		dev := workload.RandomDevice(r)
		officer := c.Persons[r.IntN(len(c.Persons))].FullName()
		workload.Rehome(reg, dev, officer)
		batches := [][]*storage.Op{}
		for k := 0; k+500 <= len(reg); k += 500 {
			batches = append(batches, reg[k:k+500])
		}
		edits := workload.Edits(c, c, reg, workload.EditOptions{N: 500, StepMs: 2000}, r)
		workload.Rehome(edits, dev, officer)
		batches = append(batches, edits)
		for _, ops := range batches {
			s, err := batch.DictionarySamples(ops)
			if err != nil {
				log.Fatal(err)
			}
			samples = append(samples, s...)
		}
	}
	d, err := dict.BuildZstdDict(samples, dict.Options{
		MaxDictSize: 64 << 10,
		HashBytes:   8,
		ZstdDictID:  batch.DictionaryID,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, d, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d bytes from %d samples\n", *out, len(d), len(samples))
}
