//go:build windows

package storage

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// renameRetryFor is how long renameReplace retries a replacement Windows
// refuses because another program has the file open.
const renameRetryFor = 3 * time.Second

// renameReplace renames from to to, replacing to. Windows refuses to
// replace a file another program has open without sharing its deletion
// (what Go's os.Open does, and most programs): an antivirus scanning the
// file just written, a backup tool copying the profile, kitctl reading
// the key file. Such a hold lasts a moment, so the rename is retried for
// a few seconds; a file still held then, or marked read-only, is refused
// with what to do.
func renameReplace(from, to string) error {
	deadline := time.Now().Add(renameRetryFor)
	delay := 5 * time.Millisecond
	for {
		err := os.Rename(from, to)
		if err == nil || !heldOrReadOnly(err) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s cannot be replaced: it is marked read-only, or another program keeps it open (an antivirus scan, a backup copying it, a second communekit or kitctl): "+
				"clear \"Read-only\" in its properties, or close that program, and try again (%w)", to, err)
		}
		time.Sleep(delay)
		delay = min(2*delay, 200*time.Millisecond)
	}
}

// heldOrReadOnly tells the refusals of a replacement that another
// program's handle, or the read-only attribute, causes.
func heldOrReadOnly(err error) bool {
	return errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}
