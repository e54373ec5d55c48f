package storage_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

// TestRestore_ResetsCountersTheBackupOmits: a store restored from a backup
// holds the backup's state and nothing of its own before it, in its
// counters too. The counters record omits the fields that are zero (feed,
// seen, now, notices); a restore must not keep the store's own values of
// those, which the next write would put back into the state, and two nodes
// with the same backup and the same entries after it would then differ.
//
// A regression test: it failed before 076f7c4, when Store.loadMeta
// unmarshalled the counters record into s.ctr as it was (json.Unmarshal
// leaves absent fields alone); loadMeta now unmarshals into zero counters.
func TestRestore_ResetsCountersTheBackupOmits(t *testing.T) {
	empty, used := ocNode(t), ocNode(t)
	var backup bytes.Buffer
	if err := empty.Backup(&backup); err != nil {
		t.Fatal(err)
	}
	op := &storage.Op{Device: "aaaaaaaaaaaaaaaa", Seq: 1, HLC: ocHLC(0), Officer: "Lò Thị Lan", Kind: storage.KindPerson,
		ID: storage.ID{Origin: "aaaaaaaa", N: 1}, Event: storage.EventRegister, Changes: []storage.Change{ocSet(storage.FieldFullName, "Lò Văn Páo")}}
	if _, err := used.ApplyOps([]*storage.Op{op}, storage.ApplyOptions{Feed: true, Time: ocHLC(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := used.Restore(bytes.NewReader(backup.Bytes())); err != nil {
		t.Fatal(err)
	}
	de, _ := empty.Digest()
	if du, _ := used.Digest(); du != de {
		t.Fatal("the restored store differs from the backup's")
	}
	if n := used.FeedLast(); n != 0 {
		t.Errorf("feed at %d after restoring a backup of an empty store", n)
	}
	// The same entry on both: the same state.
	for _, s := range []*storage.Store{empty, used} {
		if _, err := s.ApplyOps(nil, storage.ApplyOptions{Meta: map[string][]byte{storage.PositionMetaPrefix + "applied": {1}}}); err != nil {
			t.Fatal(err)
		}
	}
	de, _ = empty.Digest()
	if du, _ := used.Digest(); du != de {
		t.Error("after the same write, the restored store differs from the store the backup was made of: it kept counters of its own")
	}
}
