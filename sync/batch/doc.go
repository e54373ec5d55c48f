// Package batch seals operations for the trip between a commune device and
// its district, and opens them at the other end (DESIGN.md, FORMAT.md).
//
// A sealed batch is the only form in which data leaves a machine, over
// HTTP or on a USB stick alike. [Seal] encodes the operations in a compact
// canonical columnar encoding ([EncodeOps]), compresses them with zstd and
// a dictionary trained on generated communes, encrypts them with age to the
// recipient (the district for uploads, a device for downloads) and signs
// header and ciphertext with the sender's Ed25519 key. [Opener.Open] checks
// everything before it trusts anything, cheapest first, and each failed
// check has its own error (errors.go): a batch not addressed to us, from a
// sender not enrolled, or altered on the way is refused before any
// decryption or decompression, and decompression stops as soon as the
// output passes the size the signed header declares, so a zstd bomb costs
// nothing. [ParseHeader] reads the public header for routing and for
// messages about a batch that failed.
//
// Key management is the caller's: the Opener is given our age identity and
// key ID and a function from sender to enrolled public key, which is where
// revoked and expired certificates are refused. So is the chain of
// batches: each header carries the sender's sequence number and the [Hash]
// of its previous batch, which the receiver checks against what it
// accepted last.
//
// The byte layout, the limits and what is signed are in FORMAT.md; why it
// is built this way, and the figures, in DESIGN.md.
package batch
