package vm

import "github.com/communekit/communekit/storage"

// AppBlockCache is the block cache of the store the app opens (a commune
// store's default is 8 MB). The app's reads are the search index, a
// hamlet's households and a record at a time, and the passes of the
// statistics and the worklist, which read every block once whatever the
// cache; the window itself already holds ~150 MB. Measured with
// communekit --measure at 100,000 persons: the Go runtime held 88 MB
// instead of 99 MB, search as you type unchanged.
const AppBlockCache = 2 << 20

// appOptions are o with the app's sizes where o leaves them to the store.
func appOptions(o storage.Options) storage.Options {
	if o.BlockCache == 0 {
		o.BlockCache = AppBlockCache
	}
	return o
}
