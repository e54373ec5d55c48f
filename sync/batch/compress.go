package batch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// The plaintext is compressed with zstd at its best level: a batch is
// sealed once and sent over 2G links, and at batch sizes compression costs
// a few milliseconds (bench_test.go). No checksum: age authenticates every
// byte already.
var encoder = sync.OnceValues(func() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedBestCompression),
		zstd.WithEncoderCRC(false),
		zstd.WithEncoderConcurrency(1),
	)
})

func compress(plain []byte) ([]byte, error) {
	enc, err := encoder()
	if err != nil {
		return nil, fmt.Errorf("starting zstd: %v", err)
	}
	return enc.EncodeAll(plain, make([]byte, 0, len(plain)/4+64)), nil
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
