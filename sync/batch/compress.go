package batch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"

	dicts "github.com/communekit/communekit/assets/zstd"
)

// The plaintext is compressed with zstd at its best level: a batch is
// sealed once and sent over 2G links. That makes sealing the slow half
// (about 50 ms for 500 new persons on one core, most of it resetting the
// best-level encoder with the dictionary for each frame); the next level
// down is four times faster but 7 % bigger. No checksum: age authenticates
// every byte already.
//
// Every frame is compressed with the format's dictionary (assets/zstd),
// trained on generated communes: it knows the names, hamlets, occupations
// and column layouts a batch starts without, which saves about 6 % on
// batches of 500 operations (bench_test.go) and far more on small ones.
var encoder = sync.OnceValues(func() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedBestCompression),
		zstd.WithEncoderCRC(false),
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderDict(dicts.BatchV1),
	)
})

// trialEncoder only ranks the choice of frame boundaries. Without the
// dictionary it is many times faster per frame and ranks nearly alike.
var trialEncoder = sync.OnceValues(func() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedBestCompression),
		zstd.WithEncoderCRC(false),
		zstd.WithEncoderConcurrency(1),
	)
})

// compress compresses plain as one or more concatenated zstd frames,
// which any zstd decoder reads as one stream. cuts are the offsets where
// one column of the encoding ends and the next begins. A frame has one
// Huffman table for its literals, and a column of clock deltas, one of
// twelve-digit numbers and one of names want very different tables; so the
// encoder starts a new frame at a cut wherever compressing the columns on
// either side apart is smaller than compressing them together. Frame
// boundaries are the encoder's choice and not part of the format.
// maxTrialFrames bounds the trials of compress: a batch of persons has
// about 70 columns.
const maxTrialFrames = 128

func compress(plain []byte, cuts []int) ([]byte, error) {
	enc, err := encoder()
	if err != nil {
		return nil, fmt.Errorf("starting zstd: %v", err)
	}
	trial, err := trialEncoder()
	if err != nil {
		return nil, fmt.Errorf("starting zstd: %v", err)
	}
	bounds := make([]int, 0, len(cuts)+2)
	bounds = append(bounds, 0)
	for _, c := range cuts {
		if c > bounds[len(bounds)-1] && c < len(plain) {
			bounds = append(bounds, c)
		}
	}
	bounds = append(bounds, len(plain))
	if len(bounds) > maxTrialFrames {
		// Unusual batches (many kinds and fields) are not worth the
		// trials: one frame.
		return enc.EncodeAll(plain, make([]byte, 0, len(plain)/4+64)), nil
	}
	var scratch []byte
	size := func(lo, hi int) int {
		scratch = trial.EncodeAll(plain[lo:hi], scratch[:0])
		return len(scratch)
	}
	// Greedy: extend the current frame by the next column while that is
	// smaller than closing it and starting a new one.
	out := make([]byte, 0, len(plain)/4+64)
	start, startSize := 0, size(bounds[0], bounds[1])
	for i := 1; i < len(bounds)-1; i++ {
		next := size(bounds[i], bounds[i+1])
		if merged := size(bounds[start], bounds[i+1]); merged <= startSize+next {
			startSize = merged
			continue
		}
		out = enc.EncodeAll(plain[bounds[start]:bounds[i]], out)
		start, startSize = i, next
	}
	return enc.EncodeAll(plain[bounds[start]:], out), nil
}

// decompress returns exactly size bytes, or fails as soon as the stream
// would give more, so a zstd bomb costs at most size+1 bytes of output and
// a window no larger than size. size has been checked against the limits.
func decompress(compressed []byte, size int) ([]byte, error) {
	window := max(uint64(size), zstd.MinWindowSize)
	dec, err := zstd.NewReader(bytes.NewReader(compressed),
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxMemory(window),
		zstd.WithDecoderMaxWindow(window),
		zstd.WithDecoderDicts(dicts.BatchV1),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecompress, err)
	}
	defer dec.Close()
	plain := make([]byte, 0, size)
	buf := bytes.NewBuffer(plain)
	_, err = buf.ReadFrom(io.LimitReader(dec, int64(size)+1))
	switch {
	case errors.Is(err, zstd.ErrWindowSizeExceeded), errors.Is(err, zstd.ErrDecoderSizeExceeded), errors.Is(err, zstd.ErrFrameSizeExceeded):
		return nil, fmt.Errorf("%w: the stream needs more than the declared %d bytes (%v)", ErrDecompressedTooLarge, size, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrDecompress, err)
	case buf.Len() > size:
		return nil, fmt.Errorf("%w: more than the declared %d bytes", ErrDecompressedTooLarge, size)
	case buf.Len() < size:
		return nil, fmt.Errorf("%w: %d bytes, but the header declares %d", ErrDecompress, buf.Len(), size)
	}
	return buf.Bytes(), nil
}
