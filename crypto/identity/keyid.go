package identity

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
)

// KeyIDLen is the length of a key ID in hex characters.
const KeyIDLen = 16

// KeyID names a pair of public keys in 16 hex characters: the first 8 bytes
// of SHA-256 over the age recipient string followed by the 32 bytes of the
// signing key. A canonical age1 recipient always has the same length, so the
// concatenation is unambiguous.
//
// 64 bits tell keys apart; they do not authenticate them. Whoever trusts a
// key ID must still check a signature against the full key.
func KeyID(ageRecipient string, signKey ed25519.PublicKey) string {
	h := sha256.New()
	h.Write([]byte(ageRecipient))
	h.Write(signKey)
	return hex.EncodeToString(h.Sum(nil)[:KeyIDLen/2])
}
