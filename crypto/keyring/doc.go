// Package keyring keeps secrets under a passphrase.
//
// Every secret a communekit machine holds at rest — the master key of an
// encrypted store, and later a device's or a district's private keys — is
// wrapped with age's scrypt recipient under the passphrase of the person who
// owns it. The wrapped form is an ordinary age file: it can be inspected
// with the age tool, holds nothing in the clear, and a wrong passphrase is
// detected by age's authenticated header before any plaintext exists.
//
// Wrapping uses scrypt work factor 18 (about 0.6 s here), the cost the
// officer pays once per unlock; unwrapping refuses files that demand more
// than [MaxWorkFactor], so a planted file cannot make the app hang, and
// wrapping refuses factors outside [MinWorkFactor] to [MaxWorkFactor].
//
// The key is derived from the passphrase in Unicode NFC, so that the same
// letters open the secret whichever bytes an input method made of them
// (normalize.go).
package keyring
