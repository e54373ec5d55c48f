package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/communekit/communekit/storage"
)

// Documents (lists, reports, sheets) are written as a district backup
// is: a file named is never replaced, and it appears whole or not at
// all. It is written beside its place, synced, then linked into place
// (which fails if a file appeared there meanwhile), or renamed where the
// file system has no links (a FAT-formatted stick).

// ErrFileExists is the error of WriteNewFile given the path of a file
// that exists.
var ErrFileExists = errors.New("the file already exists")

// WriteNewFile writes a new file at path through write, atomically and
// without replacing anything; it returns the file's size. Its errors wrap
// the system's (a full disk, a read-only stick: storage/syserr tells them
// on unix and Windows; or a permission error) and ErrFileExists.
func WriteNewFile(path string, write func(io.Writer) error) (int64, error) {
	if _, err := os.Lstat(path); err == nil {
		return 0, ErrFileExists
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("cannot write in %s: %w", dir, err)
	}
	saved := false
	defer func() {
		if !saved {
			tmp.Close()
		}
		os.Remove(tmp.Name())
	}()
	if err := write(tmp); err != nil {
		return 0, err
	}
	if err := tmp.Sync(); err != nil {
		return 0, fmt.Errorf("saving: %w (is the disk full?)", err)
	}
	st, err := tmp.Stat()
	if err != nil {
		return 0, err
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("saving: %w", err)
	}
	saved = true
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return 0, ErrFileExists
		}
		// No hard links here: check, then rename.
		if _, err := os.Lstat(path); err == nil {
			return 0, ErrFileExists
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return 0, fmt.Errorf("saving: %w", err)
		}
	}
	storage.SyncDir(dir)
	return st.Size(), nil
}
