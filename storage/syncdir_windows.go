//go:build windows

package storage

// SyncDir does nothing on Windows: a directory cannot be opened there
// for the flush an fsync of it would be (Windows answers "Access
// denied"), and NTFS journals the directory's entries itself, so that a
// rename that returned survives a power cut.
func SyncDir(dir string) error { return nil }
