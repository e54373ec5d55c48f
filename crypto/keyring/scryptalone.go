package keyring

import (
	"crypto/rand"
	"time"

	"golang.org/x/crypto/scrypt"
)

// scryptLabel is the salt prefix of age's scrypt recipient.
const scryptLabel = "age-encryption.org/v1/scrypt"

// ScryptAlone derives one key as age's scrypt stanza does at workFactor
// (N = 2^workFactor, r = 8, p = 1, a 16-byte salt behind age's label, a
// 32-byte key) and returns how long that took. It is the floor of an
// unlock: the work factor's own time, which the benchmarks measure in the
// same process and run as the unlock they compare with it.
func ScryptAlone(workFactor int) (time.Duration, error) {
	if err := CheckWorkFactor(workFactor); err != nil {
		return 0, err
	}
	if workFactor == 0 {
		workFactor = DefaultWorkFactor
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	salt = append([]byte(scryptLabel), salt...)
	t0 := time.Now()
	_, err := scrypt.Key([]byte("a passphrase to time the derivation"), salt, 1<<workFactor, 8, 1, 32)
	return time.Since(t0), err
}
