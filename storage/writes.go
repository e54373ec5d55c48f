package storage

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
)

// What a store writes, for measuring Badger alone against it: `kitctl
// bench cluster` records the entries a node's store writes for the
// operations it applies, then has plain Badger databases, opened with the
// same options (BadgerOptions), write the same entries. Nothing here is
// used outside benchmarks and their tests.

// BadgerOptions are the Badger options a store of kind (KindNode, …)
// opens its database in dir with, encrypted with key (32 bytes).
func BadgerOptions(dir string, key []byte, kind string) badger.Options {
	return badgerOptions(dir, key, kind, slog.New(slog.DiscardHandler))
}

// Write is one entry the store wrote: a key and its value (empty for a
// deleted key), and its transaction's commit timestamp, which the entries
// written together share.
type Write struct {
	Key, Value []byte
	Version    uint64
}

// WriteRecorder records what a store writes, from RecordWrites to Stop.
type WriteRecorder struct {
	s      *Store
	cancel context.CancelFunc
	done   chan error
	stop   sync.Once
	err    error // Stop's

	mu     sync.Mutex
	on     bool
	writes []Write
	marks  map[string]bool // mark values seen
}

// markName is the value the recorder writes to know where its recording
// starts and stops (Badger hands what is written to subscribers
// asynchronously).
const markName = "bench-write-mark"

// RecordWrites starts recording every entry committed to the store.
func (s *Store) RecordWrites() (*WriteRecorder, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &WriteRecorder{s: s, cancel: cancel, done: make(chan error, 1), marks: map[string]bool{}}
	go func() {
		// A nil prefix matches every key.
		r.done <- s.db.Subscribe(ctx, r.take, []pb.Match{{}})
	}()
	// The subscription starts in the goroutine: write marks until one
	// comes back.
	for try := 0; try < 100; try++ {
		if err := r.mark(20 * time.Millisecond); err == nil {
			r.mu.Lock()
			r.on, r.writes = true, nil
			r.mu.Unlock()
			return r, nil
		}
	}
	cancel()
	return nil, errors.New("recording the store's writes: the subscription did not start")
}

func (r *WriteRecorder) take(kvs *badger.KVList) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, kv := range kvs.Kv {
		if bytes.HasPrefix(kv.Key, []byte("!badger!")) {
			continue // Badger's own (transaction markers)
		}
		if string(kv.Key) == prefixUserMeta+markName {
			r.marks[string(kv.Value)] = true
			continue
		}
		if r.on {
			r.writes = append(r.writes, Write{Key: kv.Key, Value: kv.Value, Version: kv.Version})
		}
	}
	return nil
}

// mark writes a new mark and waits at most wait for it to be recorded.
func (r *WriteRecorder) mark(wait time.Duration) error {
	b := make([]byte, 8)
	rand.Read(b)
	v := hex.EncodeToString(b)
	if err := r.s.PutMeta(markName, []byte(v)); err != nil {
		return err
	}
	for end := time.Now().Add(wait); ; time.Sleep(time.Millisecond) {
		r.mu.Lock()
		seen := r.marks[v]
		r.mu.Unlock()
		if seen {
			return nil
		}
		if time.Now().After(end) {
			return errors.New("mark not seen")
		}
	}
}

// Stop ends the recording and returns every entry written since
// RecordWrites, in the order written.
// Stop again returns the same.
func (r *WriteRecorder) Stop() ([]Write, error) {
	r.stop.Do(func() {
		r.err = r.mark(10 * time.Second)
		r.cancel()
		<-r.done
		r.mu.Lock()
		r.on = false
		r.mu.Unlock()
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.writes, r.err
}
