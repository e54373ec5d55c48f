package node

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/communekit/communekit/storage"
)

// Pull cursors across restores.
//
// A device's pull cursor is what the district sent it (the answer's
// Header.Seq); the device only sends it back and never lets it go down.
// Without restores it is the feed position (the number of the last
// operation the answer covered). A cluster restored from a backup goes on
// from the backup's feed end R: the operations the old cluster numbered
// after R are lost, and those that come again (devices push the batches
// the district lacks) get new numbers after R. A device that pulled from
// the old cluster after the backup holds a cursor past R in the old
// numbering, which means nothing in the new one: taken as a position it
// would skip new operations.
//
// So every restore k (k = 1, 2, …) records its R_k (metaFeedRestores),
// and positions after R_k are sent as cursors k·cursorJump higher. A
// cursor then says which numbering it is in: one between R_k and
// R_k + k·cursorJump is from the part of the feed restore k lost, and
// stands for R_k (everything after it is sent again; the device skips
// what it holds). Devices need no change, and never see an error.
const cursorJump = 1 << 40 // more operations than a district feed holds

// metaFeedRestores holds R_1, R_2, … as 8-byte big-endian numbers. It is
// written by Restore before the new cluster starts and travels in
// snapshots and backups. It says where the district's history was cut,
// not what the district holds, so it is left out of the digest (a
// restored cluster's digest is its backup's).
const metaFeedRestores = storage.PositionMetaPrefix + "feed-restores"

// feedRestores are the feed ends R_1, R_2, … of a district's restores.
type feedRestores []uint64

func readFeedRestores(s *storage.Store) (feedRestores, error) {
	b, err := s.GetMeta(metaFeedRestores)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(b)%8 != 0 {
		return nil, fmt.Errorf("%w: feed restores of %d bytes", storage.ErrDamaged, len(b))
	}
	rs := make(feedRestores, len(b)/8)
	for i := range rs {
		rs[i] = binary.BigEndian.Uint64(b[8*i:])
	}
	return rs, nil
}

func (rs feedRestores) bytes() []byte {
	var b []byte
	for _, r := range rs {
		b = binary.BigEndian.AppendUint64(b, r)
	}
	return b
}

// cursor returns the pull cursor of feed position p.
func (rs feedRestores) cursor(p uint64) uint64 {
	var jump uint64
	for k, r := range rs {
		if r >= p {
			break
		}
		jump = uint64(k+1) * cursorJump
	}
	return p + jump
}

// position returns the feed position a pull cursor stands for.
func (rs feedRestores) position(c uint64) uint64 {
	k := 0 // restores whose numbering c is past
	for i, r := range rs {
		if r+uint64(i+1)*cursorJump >= c {
			break
		}
		k = i + 1
	}
	p := c - uint64(k)*cursorJump
	if k < len(rs) && p > rs[k] {
		p = rs[k] // from the part of the feed restore k+1 lost
	}
	return p
}
