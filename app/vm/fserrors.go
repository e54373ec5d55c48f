package vm

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/communekit/communekit/app/drives"
	"github.com/communekit/communekit/storage"
)

// ErrText is err in words an officer can act on, in the current language:
// see errText.
func ErrText(tr Tr, err error) string { return errText(tr, err) }

// fileErrText words an error of the file system (a USB stick not plugged
// in or pulled out, a folder typed wrong, a stick locked or full) as what
// to do about it, naming the file or folder, instead of Go's "stat …: no
// such file or directory". It reports false for any other error.
func fileErrText(tr Tr, err error) (string, bool) {
	path := ""
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		path = pe.Path
	case errors.As(err, &le):
		path = le.New
	}
	if path == "" {
		path = tr.T("fs.the_folder")
	}
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return tr.T("fs.no_program"), true
	case isNotReady(err), errors.Is(err, fs.ErrNotExist):
		return tr.T("fs.not_found", path), true
	case isDiskFull(err):
		return tr.T("fs.full", path), true
	case isReadOnly(err):
		return tr.T("fs.read_only", path), true
	case errors.Is(err, fs.ErrPermission):
		return tr.T("fs.permission", path), true
	case errors.Is(err, syscall.ENOTDIR):
		return tr.T("fs.not_dir", path), true
	case errors.Is(err, syscall.EISDIR):
		return tr.T("fs.is_dir", path), true
	case errors.Is(err, syscall.EIO), errors.Is(err, syscall.ENXIO), errors.Is(err, syscall.ENODEV):
		return tr.T("fs.io", path), true
	case errors.Is(err, storage.ErrNotFound):
		return tr.T("fs.no_record"), true
	}
	if pe != nil || le != nil {
		return tr.T("fs.other", path), true
	}
	return "", false
}

func isDiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || isDiskFullOS(err)
}

func isReadOnly(err error) bool { return errors.Is(err, syscall.EROFS) || isReadOnlyOS(err) }

// checkFolder refuses, in words, a folder to write into that is on a USB
// stick not plugged in (making it would put the files on the computer's
// own disk, or fail with "permission denied"), or whose parent folder
// does not exist; a missing last folder is made by the writer. nil when
// the folder can be used.
func checkFolder(tr Tr, dir string) error {
	st, err := os.Stat(dir)
	switch {
	case err == nil && !st.IsDir():
		return &FolderError{tr.T("fs.not_dir", dir)}
	case err == nil:
		return nil
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	if drives.Default().OnMissingDrive(dir, exists) || !exists(filepath.Dir(dir)) {
		return &FolderError{tr.T("file.no_dir", dir)}
	}
	return nil
}

// FolderError is a folder refused before anything was written, in words
// that say the whole of it (a screen shows them alone).
type FolderError struct{ Words string }

func (e *FolderError) Error() string { return e.Words }
