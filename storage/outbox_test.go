package storage_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/communekit/communekit/storage"
)

func TestOutbox_NumbersAreNeverGivenTwice(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	s := mustCreate(t, dir)
	for i := 0; i < 5; i++ {
		mustAdd(t, s, "Lò Văn Minh")
	}
	ops, err := s.Unbatched(3)
	if err != nil || len(ops) != 3 || ops[0].Seq != 1 {
		t.Fatalf("unbatched: %d ops, %v", len(ops), err)
	}
	b1 := &storage.OutBatch{N: 1, FirstSeq: 1, LastSeq: 3, Sealed: []byte("one"), Hash: [32]byte{1}}
	if err := s.AddBatch(b1); err != nil {
		t.Fatal(err)
	}
	// The same number again, a gap, or operations already sealed: refused.
	for _, b := range []*storage.OutBatch{
		{N: 1, FirstSeq: 4, LastSeq: 5},
		{N: 3, FirstSeq: 4, LastSeq: 5},
		{N: 2, FirstSeq: 3, LastSeq: 5},
		{N: 2, FirstSeq: 4, LastSeq: 99},
	} {
		if err := s.AddBatch(b); !errors.Is(err, storage.ErrOutboxChanged) {
			t.Errorf("AddBatch(%+v) = %v, want ErrOutboxChanged", b, err)
		}
	}
	mustClose(t, s)
	s = mustOpen(t, dir)
	defer s.Close()
	st, _ := s.Outbox()
	if st.Batches != 1 || st.BatchedSeq != 3 || st.LastHash != ([32]byte{1}) {
		t.Fatalf("after reopen: %+v", st)
	}
	ops, _ = s.Unbatched(0)
	if len(ops) != 2 || ops[0].Seq != 4 {
		t.Fatalf("unbatched after reopen: %d", len(ops))
	}
	if p, _ := s.Pending(); p != 5 {
		t.Fatalf("pending %d, want 5 (nothing acknowledged)", p)
	}
	if err := s.Acknowledge(2); err == nil {
		t.Fatal("a receipt for a batch never sealed was accepted")
	}
	if err := s.Acknowledge(1); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Pending(); p != 2 {
		t.Fatalf("pending %d after receipt for batch 1, want 2", p)
	}
	if err := s.Acknowledge(1); err != nil {
		t.Fatalf("a repeated receipt: %v", err)
	}
	un, _ := s.Unacknowledged()
	if len(un) != 0 {
		t.Fatalf("%d unacknowledged batches", len(un))
	}
}
