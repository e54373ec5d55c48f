package vm

import (
	"errors"
	"sync"

	"github.com/communekit/communekit/crypto/keyring"
	"github.com/communekit/communekit/storage"
)

// ChangePassphrase is the "Đổi mật khẩu" dialog: the current passphrase,
// the new one twice. The profile's key is wrapped under the new one;
// nothing is encrypted again and nothing is lost (storage's
// passphrase.go). A wrong current passphrase changes nothing.
type ChangePassphrase struct {
	notifier
	tr Tr
	do Do
	// change is the store's ChangePassphrase; tests make it fail.
	change func(old, new []byte) error

	mu      sync.Mutex
	current string
	new1    string
	new2    string
	errs    map[string]string
	busy    bool
	done    bool
}

// NewChangePassphrase returns the dialog changing the passphrase of the
// open store; background results arrive through do.
func NewChangePassphrase(tr Tr, store *storage.Store, do Do) *ChangePassphrase {
	return &ChangePassphrase{tr: tr, do: do, change: store.ChangePassphrase}
}

// Set sets what the officer typed: the current passphrase, the new one
// and its repetition, as typed (the store reads them in any Unicode form).
func (c *ChangePassphrase) Set(current, new1, new2 string) {
	c.mu.Lock()
	c.current, c.new1, c.new2 = current, new1, new2
	c.mu.Unlock()
	c.changed()
}

// Strength rates the new passphrase for the hint beside it, as setup does.
func (c *ChangePassphrase) Strength() (level int, hint string) {
	c.mu.Lock()
	p := c.new1
	c.mu.Unlock()
	level = PassphraseStrength(p)
	switch level {
	case 0:
		return level, c.tr.T("setup.strength.none", MinPassphrase)
	case 1:
		return level, c.tr.T("setup.strength.weak", MinPassphrase)
	case 2:
		return level, c.tr.T("setup.strength.fair")
	}
	return level, c.tr.T("setup.strength.good")
}

// Errors returns the message beside each part of the dialog after a
// failed Submit: keys "current", "new", "repeat", "change".
func (c *ChangePassphrase) Errors() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]string, len(c.errs))
	for k, v := range c.errs {
		out[k] = v
	}
	return out
}

// Busy reports whether a change is running (three key derivations: a few
// seconds at the real work factor).
func (c *ChangePassphrase) Busy() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.busy
}

// Done reports whether the passphrase was changed.
func (c *ChangePassphrase) Done() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// Message is what to say once the change is done, or "".
func (c *ChangePassphrase) Message() string {
	if !c.Done() {
		return ""
	}
	return c.tr.T("passphrase.done")
}

// Submit checks the dialog and changes the passphrase. On a problem it
// returns an error and the messages are in Errors; nothing is changed.
func (c *ChangePassphrase) Submit() error {
	err := c.submit()
	c.changed()
	return err
}

// SubmitAsync runs Submit on its own goroutine, so the window stays
// responsive during the key derivations, and tells listeners, then done
// when the passphrase was changed, through Do.
func (c *ChangePassphrase) SubmitAsync(done func()) {
	c.mu.Lock()
	if c.busy {
		c.mu.Unlock()
		return
	}
	c.busy = true
	c.errs = nil
	c.mu.Unlock()
	c.changed()
	go func() {
		err := c.submit()
		c.do(func() {
			c.mu.Lock()
			c.busy = false
			c.mu.Unlock()
			c.changed()
			if err == nil && done != nil {
				done()
			}
		})
	}()
}

// submit is Submit without telling listeners.
func (c *ChangePassphrase) submit() error {
	c.mu.Lock()
	current, new1, new2 := c.current, c.new1, c.new2
	errs := map[string]string{}
	if current == "" {
		errs["current"] = c.tr.T("passphrase.err.current")
	}
	switch {
	case keyring.Characters([]byte(new1)) < MinPassphrase:
		errs["new"] = c.tr.T("passphrase.err.short", MinPassphrase)
	case samePassphrase(new1, current):
		errs["new"] = c.tr.T("passphrase.err.same")
	}
	if !samePassphrase(new1, new2) {
		errs["repeat"] = c.tr.T("passphrase.err.repeat")
	}
	c.errs, c.done = errs, false
	c.mu.Unlock()
	if len(errs) > 0 {
		return errInvalid
	}
	err := c.change([]byte(current), []byte(new1))
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err == nil:
		c.done = true
		c.current, c.new1, c.new2 = "", "", ""
		return nil
	case errors.Is(err, storage.ErrWrongPassphrase):
		c.errs["current"] = c.tr.T("passphrase.err.wrong")
	case errors.Is(err, storage.ErrShortPassphrase):
		c.errs["new"] = c.tr.T("passphrase.err.short", MinPassphrase)
	default:
		c.errs["change"] = c.tr.T("passphrase.err.failed", errText(c.tr, err))
	}
	return err
}
