package vm

import (
	"sync"
	"time"

	"github.com/communekit/communekit/storage"
)

// NewRelock returns the unlock screen of a store the app locked (Ctrl+L,
// the lock button, or the idle time): reopen opens the same store again in
// place with the passphrase (storage's Reopen, once the app has closed
// it), so the screens, and a form not yet saved, are where the officer
// left them. reopen runs off the UI goroutine.
func NewRelock(tr Tr, dir string, store *storage.Store, reopen func(passphrase []byte) error, do Do) *Unlock {
	u := NewUnlock(tr, dir, storage.Options{}, do)
	u.locked, u.reopen = store, reopen
	return u
}

// Relocking reports whether this unlock screen opens a store the app
// locked, rather than the profile at start.
func (u *Unlock) Relocking() bool { return u.locked != nil }

// DefaultIdle is the idle time after which the app locks when the officer
// set no other in the settings.
const DefaultIdle = 10 * time.Minute

// Idle counts the time since the officer last pressed a key or moved the
// mouse, and says when the app is to lock. Its clock is injectable: tests
// move it instead of waiting.
type Idle struct {
	mu    sync.Mutex
	now   func() time.Time
	after time.Duration
	last  time.Time
}

// NewIdle returns an idle counter that locks after the given time (a
// duration of 0 or less: DefaultIdle), on clock now (time.Now when nil).
func NewIdle(after time.Duration, now func() time.Time) *Idle {
	if now == nil {
		now = time.Now
	}
	if after <= 0 {
		after = DefaultIdle
	}
	return &Idle{now: now, after: after, last: now()}
}

// Touch records a key or mouse event now.
func (i *Idle) Touch() {
	i.mu.Lock()
	i.last = i.now()
	i.mu.Unlock()
}

// SetAfter changes the idle time; the time idle so far counts towards it.
func (i *Idle) SetAfter(d time.Duration) {
	if d <= 0 {
		d = DefaultIdle
	}
	i.mu.Lock()
	i.after = d
	i.mu.Unlock()
}

// After is the idle time.
func (i *Idle) After() time.Duration {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.after
}

// Due reports whether the officer has been idle for the idle time.
func (i *Idle) Due() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.now().Sub(i.last) >= i.after
}

// goOr is run, or a goroutine of its own when run is nil: how a view
// model starts its long work (the app passes its counted goroutines).
func goOr(run func(func())) func(func()) {
	if run != nil {
		return run
	}
	return func(f func()) { go f() }
}
