package storage

import (
	"path/filepath"
	"testing"
)

// TestOptions_BlockCache: a commune store's block cache is 8 MB unless
// Options.BlockCache asks for another size.
func TestOptions_BlockCache(t *testing.T) {
	for _, c := range []struct{ ask, want int64 }{{0, 8 << 20}, {2 << 20, 2 << 20}} {
		dir := filepath.Join(t.TempDir(), "p")
		s, err := Create(dir, []byte("a passphrase of the test"), Profile{Commune: "00769", Officer: "Người Thử"},
			Options{WorkFactor: 10, GCInterval: -1, BlockCache: c.ask})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.db.Opts().BlockCacheSize; got != c.want {
			t.Errorf("BlockCache %d: Badger's block cache %d, want %d", c.ask, got, c.want)
		}
		s.Close()
	}
}
