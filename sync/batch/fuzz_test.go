package batch

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/communekit/communekit/storage"
)

// FuzzOpen opens arbitrary bytes with the test district's keys. The seeds
// are real batches, so the fuzzer starts past the magic; most mutations
// then fail the signature, which is the point: nothing before it may
// panic or allocate by a claimed size. Run with
//
//	go test -fuzz FuzzOpen ./sync/batch
func FuzzOpen(f *testing.F) {
	k := mustKeys(f)
	sealed, _ := smallBatch(f, k)
	f.Add(sealed)
	f.Add(mustSeal(f, nil, k.sealOpts(1)))
	f.Add(mustSeal(f, randomOps(rand.New(rand.NewPCG(1, 1)), 5), k.sealOpts(2)))
	f.Add(sealed[:HeaderSize])
	o := k.opener()
	f.Fuzz(func(t *testing.T, b []byte) {
		bt, err := o.Open(b)
		if err != nil {
			return
		}
		// Only our own batches open; they must re-encode to what was sealed.
		if _, err := EncodeOps(bt.Ops); err != nil {
			t.Fatalf("opened operations do not encode: %v", err)
		}
	})
}

// FuzzDecodeOps decodes arbitrary bytes; whatever decodes must encode back
// to the same bytes (the encoding is canonical).
func FuzzDecodeOps(f *testing.F) {
	// Small seeds: the fuzzer minimizes every new input it finds, and
	// minimizing kilobytes takes minutes.
	for seed := range uint64(4) {
		ops := randomOps(rand.New(rand.NewPCG(seed, 3)), int(seed))
		for _, o := range ops {
			o.Changes = o.Changes[:min(len(o.Changes), 3)]
		}
		enc, err := EncodeOps(ops)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	c := mustCommune(f, 20, 8)
	reg := registerOps(c, rand.New(rand.NewPCG(8, 8)))
	for _, ops := range [][]*storage.Op{reg[:2], editOps(c, c, reg, 5, 2000, false, rand.New(rand.NewPCG(8, 9)))} {
		enc, err := EncodeOps(ops)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ops, err := DecodeOps(b, Limits{MaxOps: 1000})
		if err != nil {
			return
		}
		again, err := EncodeOps(ops)
		if err != nil {
			t.Fatalf("decoded operations do not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", b, again)
		}
	})
}
