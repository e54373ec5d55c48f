package vm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/communekit/communekit/storage"
)

// Backup is the "Sao lưu" action: the whole profile, sealed with its
// passphrase, written to a folder (a USB stick), so that a new laptop can
// go on from it (storage's profilebackup.go; restored, the profile becomes
// a new device and is enrolled again). The officer types the passphrase:
// the app does not keep it after unlocking.
type Backup struct {
	tr    Tr
	store *storage.Store
	now   func() time.Time
}

// NewBackup returns the backup of store.
func NewBackup(tr Tr, store *storage.Store) *Backup {
	return &Backup{tr: tr, store: store, now: time.Now}
}

// Status says when the last backup was made, and whether one is due (none
// yet, or more than a week ago): the overview reminds.
func (b *Backup) Status() (text string, due bool) {
	rec, ok, err := b.store.LastBackup()
	if err != nil {
		return b.tr.T("backup.status_error", err.Error()), true
	}
	if !ok {
		return b.tr.T("backup.never"), true
	}
	text = b.tr.T("backup.last", syncTime(rec.Made))
	if b.now().Sub(rec.Made) > storage.BackupDue {
		return b.tr.T("backup.due", syncTime(rec.Made)), true
	}
	return text, false
}

// FileName is the name of a backup made now: the commune, the device and
// the time, so that backups of several laptops on one stick stay apart.
func (b *Backup) FileName() string {
	p := b.store.Profile()
	return fmt.Sprintf("communekit-%s-%s-%s.ckpbak", p.Commune, p.Device.Tag(), b.now().Format("20060102-1504"))
}

// Run writes a backup into folder, sealed with passphrase (the profile's),
// and returns the file written, or an error in words for the officer.
func (b *Backup) Run(folder, passphrase string) (string, error) {
	if fi, err := os.Stat(folder); folder == "" || err != nil || !fi.IsDir() {
		return "", errors.New(b.tr.T("backup.no_folder", folder))
	}
	path := filepath.Join(folder, b.FileName())
	_, err := b.store.BackupProfile(path, []byte(passphrase))
	switch {
	case errors.Is(err, storage.ErrWrongPassphrase):
		return "", errors.New(b.tr.T("backup.wrong"))
	case err != nil:
		return "", errors.New(b.tr.T("backup.failed", errText(b.tr, err)))
	}
	return path, nil
}

// HandoverNote tells the officer, on the overview, that this profile is a
// copy (restored from a backup, or copied from another laptop) that became
// a new device and waits to be enrolled as the old one's successor, or is
// carrying its work over; "" otherwise.
func HandoverNote(tr Tr, store *storage.Store) string {
	h, err := store.Handover()
	if err != nil || h == nil {
		return ""
	}
	switch h.State {
	case storage.HandoverAwaiting:
		return tr.T("handover.awaiting", Count(tr, int(h.Unsent())))
	case storage.HandoverCarrying:
		return tr.T("handover.carrying", Count(tr, int(h.Unsent())))
	}
	return ""
}
