package vm

import (
	"time"

	"github.com/communekit/communekit/storage"
)

// The app was built ahead of sync, enrolment and the conflict queue. These
// interfaces are where those parts plug in; where one is missing the app
// uses the Offline and NoConflicts values below, which say so honestly
// instead of pretending.

// SyncStatus is what the overview shows about sync. [Sync] provides it,
// backed by sync/client.
type SyncStatus interface {
	// LastSync returns when the device last completed a sync; ok is false
	// if it never has.
	LastSync() (t time.Time, ok bool)
	// Online reports whether the last attempt reached a district node.
	Online() bool
	// Attempted reports whether a sync was tried since the app started:
	// until then Online says nothing.
	Attempted() bool
	// Available reports whether the device can sync at all: it knows a
	// district node's address.
	Available() bool
}

// ConflictQueue counts the open conflicts a supervisor must resolve. The
// conflict issue provides one backed by pulled conflicts.
type ConflictQueue interface {
	Open() (int, error)
}

// Enrolment is the step of first-run setup that obtains a device
// certificate from the district (a request shown as a QR code and saved as
// a file, a certificate installed from a file). DeviceEnrolment provides
// it; setup ends on the enrolment screen.
type Enrolment interface {
	// Needed reports whether the profile still lacks a certificate.
	Needed() bool
}

// Offline is the SyncStatus of a device that cannot sync: never synced,
// never online.
type Offline struct{}

// LastSync implements SyncStatus.
func (Offline) LastSync() (time.Time, bool) { return time.Time{}, false }

// Online implements SyncStatus.
func (Offline) Online() bool { return false }

// Attempted implements SyncStatus.
func (Offline) Attempted() bool { return false }

// Available implements SyncStatus.
func (Offline) Available() bool { return false }

// NoConflicts is the ConflictQueue of a build without sync: nothing has
// been merged, so nothing conflicts.
type NoConflicts struct{}

// Open implements ConflictQueue.
func (NoConflicts) Open() (int, error) { return 0, nil }

// StoreConflicts is the ConflictQueue of a device: the conflicts its pulls
// brought, every kind counted (storage derives them from the operations,
// the same way as the district).
type StoreConflicts struct{ Store *storage.Store }

// Open implements ConflictQueue.
func (c StoreConflicts) Open() (int, error) { return c.Store.OpenConflicts() }
