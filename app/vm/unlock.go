package vm

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/refdata"
)

// DefaultProfileDir is where the officer's profile lives:
// <user config dir>/communekit/profile.
func DefaultProfileDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "communekit", "profile"), nil
}

// HasProfile reports whether dir holds a profile (it may still be damaged:
// Open says so).
func HasProfile(dir string) bool {
	_, err := storage.ProfileCommune(dir)
	return err == nil
}

// Unlock is the unlock screen: the passphrase opens the profile.
type Unlock struct {
	notifier
	tr   Tr
	dir  string
	opts storage.Options
	do   Do

	// DemoPassphrase, when set, is shown on the screen: the demo profile's
	// passphrase is no secret.
	DemoPassphrase string
	// locked is the store the app locked and reopen opens it again
	// (NewRelock); nil at start.
	locked *storage.Store
	reopen func(passphrase []byte) error

	mu      sync.Mutex
	message string
	busy    bool
	took    time.Duration
}

// NewUnlock returns the unlock screen of the profile in dir.
func NewUnlock(tr Tr, dir string, opts storage.Options, do Do) *Unlock {
	return &Unlock{tr: tr, dir: dir, opts: appOptions(opts), do: do}
}

// Commune names the profile's commune, read from the plaintext marker, so
// the officer knows which profile asks for a passphrase.
func (u *Unlock) Commune() string {
	code, err := storage.ProfileCommune(u.dir)
	if err != nil || code == "" {
		return ""
	}
	if c, ok := refdata.Commune2025(code); ok {
		return c.FullName()
	}
	return code
}

// Message is the error to show, in the current language, or "".
func (u *Unlock) Message() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.message
}

// Busy reports whether an unlock is running (key derivation takes most of
// a second by design).
func (u *Unlock) Busy() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.busy
}

// Took is how long the last successful Open took.
func (u *Unlock) Took() time.Duration {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.took
}

// Submit opens the profile with passphrase. A wrong passphrase leaves a
// message and the officer tries again; nothing is changed on disk.
func (u *Unlock) Submit(passphrase string) (*storage.Store, error) {
	s, err := u.open(passphrase)
	u.changed()
	return s, err
}

// open opens the store and sets the message without telling listeners,
// so that SubmitAsync can tell them on the UI goroutine.
func (u *Unlock) open(passphrase string) (*storage.Store, error) {
	start := time.Now()
	var s *storage.Store
	var err error
	if u.locked != nil { // the app was locked: its store opens in place
		if err = u.reopen([]byte(passphrase)); err == nil {
			s = u.locked
		}
	} else {
		s, err = storage.Open(u.dir, []byte(passphrase), u.opts)
	}
	u.mu.Lock()
	switch {
	case err == nil:
		u.message = ""
		u.took = time.Since(start)
	case passphrase == "":
		u.message = u.tr.T("unlock.empty")
	case errors.Is(err, storage.ErrWrongPassphrase):
		u.message = u.tr.T("unlock.wrong")
	case errors.Is(err, storage.ErrNoProfile):
		u.message = u.tr.T("unlock.no_profile", u.dir)
	case errors.Is(err, storage.ErrReadOnly):
		u.message = u.tr.T("unlock.read_only")
	case errors.Is(err, storage.ErrInUse):
		u.message = u.tr.T("unlock.in_use")
	case errors.Is(err, storage.ErrNewerVersion):
		u.message = u.tr.T("unlock.newer_version")
	case errors.Is(err, storage.ErrDiskFull):
		u.message = errText(u.tr, err)
	case errors.Is(err, storage.ErrDamaged):
		u.message = u.tr.T("unlock.damaged", err.Error())
	default:
		u.message = u.tr.T("unlock.failed", err.Error())
	}
	u.mu.Unlock()
	return s, err
}

// SubmitAsync runs Submit on its own goroutine, so the window stays
// responsive during key derivation, and calls done with the store through
// Do when it opened.
func (u *Unlock) SubmitAsync(passphrase string, done func(*storage.Store)) {
	u.mu.Lock()
	if u.busy {
		u.mu.Unlock()
		return
	}
	u.busy = true
	u.message = ""
	u.mu.Unlock()
	u.changed()
	go func() {
		s, err := u.open(passphrase)
		u.do(func() {
			u.mu.Lock()
			u.busy = false
			u.mu.Unlock()
			u.changed()
			if err == nil {
				done(s)
			}
		})
	}()
}
