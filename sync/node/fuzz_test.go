package node

import (
	"bytes"
	"testing"
)

// FuzzDecodeBatches: any payload either decodes to batches that survive
// encoding and decoding again, or is refused; never a panic or a huge
// allocation. (Entries are made by leaders, so a non-minimal varint is
// harmless: every node decodes it alike.)
func FuzzDecodeBatches(f *testing.F) {
	f.Add(encodeBatches(nil)[1:])
	f.Add(encodeBatches([][]byte{[]byte("CKB1 a sealed batch"), {}, []byte("x")})[1:])
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{2, 1, 'a'})
	f.Fuzz(func(t *testing.T, p []byte) {
		bs, err := decodeBatches(p)
		if err != nil {
			return
		}
		again, err := decodeBatches(encodeBatches(bs)[1:])
		if err != nil || len(again) != len(bs) {
			t.Fatalf("re-decoding %d batches: %d, %v", len(bs), len(again), err)
		}
		for i := range bs {
			if !bytes.Equal(again[i], bs[i]) {
				t.Fatalf("batch %d changed", i)
			}
		}
	})
}
