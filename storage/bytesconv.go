package storage

import "unsafe"

// keyString returns b as a string without copying it. b must never be
// written again: the index keys built for a write are, once built, only
// read (by map lookups and by Badger, which copies what it keeps).
func keyString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// keyBytes returns s as a byte slice without copying it, for Badger calls
// that only read their key (Txn.Set and Txn.Delete copy it into the
// transaction's entry at commit). The slice must never be written.
func keyBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
