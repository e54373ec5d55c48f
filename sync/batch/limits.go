package batch

import "github.com/communekit/communekit/storage"

// Limits bound what opening a batch may cost. They are checked before the
// work they bound: the sealed size before anything, the decompressed size
// while decompressing, the counts before allocating. A zero field means the
// field of [DefaultLimits].
type Limits struct {
	MaxSealed int // bytes of the whole sealed batch
	MaxPlain  int // bytes of the plaintext after decompression
	MaxOps    int // operations in one batch
	MaxString int // bytes of one string (value, officer, reason, …)
}

// DefaultLimits fit the largest batch the outbox makes (small
// batches, cheap to retry over 2G) many times over. 500 new persons seal to
// about 14 KB and decompress to about 125 KB; a sender that wants more
// splits its batches.
var DefaultLimits = Limits{
	MaxSealed: 4 << 20,
	MaxPlain:  16 << 20,
	MaxOps:    100_000,
	MaxString: storage.MaxStringLen,
}

// orDefault fills zero fields from DefaultLimits.
func (l Limits) orDefault() Limits {
	if l.MaxSealed <= 0 {
		l.MaxSealed = DefaultLimits.MaxSealed
	}
	if l.MaxPlain <= 0 {
		l.MaxPlain = DefaultLimits.MaxPlain
	}
	if l.MaxOps <= 0 {
		l.MaxOps = DefaultLimits.MaxOps
	}
	if l.MaxString <= 0 {
		l.MaxString = DefaultLimits.MaxString
	}
	return l
}
