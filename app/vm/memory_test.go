package vm

import (
	"testing"

	"github.com/communekit/communekit/storage"
)

// TestAppOptions_BlockCache: the stores the app opens or creates have the
// app's block cache, unless the options name one.
func TestAppOptions_BlockCache(t *testing.T) {
	if u := NewUnlock(mustTr(t), t.TempDir(), storage.Options{}, Now); u.opts.BlockCache != AppBlockCache {
		t.Errorf("unlock: block cache %d", u.opts.BlockCache)
	}
	if s := NewSetup(mustTr(t), t.TempDir(), storage.Options{}); s.opts.BlockCache != AppBlockCache {
		t.Errorf("setup: block cache %d", s.opts.BlockCache)
	}
	if u := NewUnlock(mustTr(t), t.TempDir(), storage.Options{BlockCache: 1 << 20}, Now); u.opts.BlockCache != 1<<20 {
		t.Errorf("unlock, 1 MB asked: block cache %d", u.opts.BlockCache)
	}
}
