package storage

import (
	"errors"
	"os"
)

// FailKeyFileWrites makes every write of a new key file stop halfway with
// an error, as a full disk or a pulled stick would, until restore is
// called.
func FailKeyFileWrites() (restore func()) {
	was := writeKeyTemp
	writeKeyTemp = func(f *os.File, b []byte) error {
		f.Write(b[:len(b)/2])
		return errors.New("no space left on device (simulated)")
	}
	return func() { writeKeyTemp = was }
}
