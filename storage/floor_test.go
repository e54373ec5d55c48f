package storage_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage"
)

// TestEachEntry_WhatAnImportWrote: after an import into a new profile,
// EachEntry gives every entry, the imported persons' records among them,
// in key order; and Badger opens with the commune store's options.
func TestEachEntry_WhatAnImportWrote(t *testing.T) {
	s := mustCreate(t, t.TempDir())
	csv := "full_name,birth_date,sex,ethnicity,id_number,household_number,relationship_to_head\n" +
		"Đặng Văn Đức,12/03/1985,Nam,Kinh,002085012345,H1,Chủ hộ\n" +
		"Giàng A Páo,1990,Nam,H'Mông,,H3,Chủ hộ\n"
	if rep, err := s.ImportPersons(strings.NewReader(csv), storage.ImportOptions{}); err != nil || rep.Imported != 2 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	var keys [][]byte
	persons, values := 0, 0
	err := s.EachEntry(func(k, v []byte) error {
		keys = append(keys, bytes.Clone(k))
		if bytes.HasPrefix(k, []byte("p:")) {
			persons++
		}
		values += len(v)
		return nil
	})
	if err != nil || persons != 2 || values == 0 || len(keys) < 2*10 {
		t.Fatalf("EachEntry: %d keys, %d persons, %d value bytes, %v", len(keys), persons, values, err)
	}
	for i := 1; i < len(keys); i++ {
		if bytes.Compare(keys[i-1], keys[i]) >= 0 {
			t.Fatalf("keys out of order at %d: %q, %q", i, keys[i-1], keys[i])
		}
	}
	stop := errors.New("stop")
	if err := s.EachEntry(func(k, v []byte) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("fn's error: %v", err)
	}
	s.Close()
	if err := s.EachEntry(func(k, v []byte) error { return nil }); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("closed store: %v", err)
	}

	key := make([]byte, 32)
	rand.Read(key)
	o := storage.CommuneBadgerOptions(t.TempDir(), key)
	if !o.SyncWrites || len(o.EncryptionKey) != 32 {
		t.Errorf("options: sync %v, key %d bytes", o.SyncWrites, len(o.EncryptionKey))
	}
	db, err := badger.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}
