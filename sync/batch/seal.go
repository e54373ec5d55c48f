package batch

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"filippo.io/age"

	"github.com/communekit/communekit/storage"
)

// innerHeaderSize is the plaintext's own header: the sender and sequence
// number again, inside the encryption (FORMAT.md).
const innerHeaderSize = senderLen + 8

// SealOptions say who seals a batch for whom.
type SealOptions struct {
	// Header gives Sender, Seq, PrevHash and RecipientKeyID; Seal sets
	// Version, PlainSize and CipherSize.
	Header    Header
	Recipient age.Recipient
	SignKey   ed25519.PrivateKey
	// Limits the batch must fit, so that Seal never makes a batch an
	// [Opener] with the same limits refuses. Zero: [DefaultLimits].
	Limits Limits
}

// Seal encodes ops, compresses them, encrypts them to o.Recipient and signs
// header and ciphertext with o.SignKey (FORMAT.md).
func Seal(ops []*storage.Op, o SealOptions) ([]byte, error) {
	l := o.Limits.orDefault()
	enc, cuts, err := encodeOps(ops, l)
	if err != nil {
		return nil, err
	}
	for i := range cuts {
		cuts[i] += innerHeaderSize
	}
	return sealPlain(o, l, appendInner(nil, o.Header.Sender, o.Header.Seq), enc, cuts)
}

func appendInner(b []byte, sender string, seq uint64) []byte {
	b = append(b, sender...)
	return binary.BigEndian.AppendUint64(b, seq)
}

// sealPlain seals the inner header followed by the encoded operations; the
// tests call it directly to make batches Seal never would.
func sealPlain(o SealOptions, l Limits, inner, enc []byte, cuts []int) ([]byte, error) {
	plain := append(inner, enc...)
	if len(plain) > l.MaxPlain {
		return nil, fmt.Errorf("%w: %d bytes of operations, more than %d: seal fewer operations per batch", ErrDecompressedTooLarge, len(plain), l.MaxPlain)
	}
	z, err := compress(plain, cuts)
	if err != nil {
		return nil, err
	}
	return sealCompressed(o, l, len(plain), z)
}

// sealCompressed encrypts and signs an already compressed payload that
// declares plainSize bytes.
func sealCompressed(o SealOptions, l Limits, plainSize int, z []byte) ([]byte, error) {
	h := o.Header
	h.Version = Version
	if err := h.check(); err != nil {
		return nil, err
	}
	if o.Recipient == nil {
		return nil, errors.New("sealing a batch: no recipient")
	}
	if len(o.SignKey) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("sealing a batch: signing key is %d bytes, want %d", len(o.SignKey), ed25519.PrivateKeySize)
	}
	if plainSize > math.MaxUint32 {
		return nil, fmt.Errorf("%w: %d bytes", ErrDecompressedTooLarge, plainSize)
	}

	var ct bytes.Buffer
	ct.Grow(len(z) + 256)
	w, err := age.Encrypt(&ct, o.Recipient)
	if err != nil {
		return nil, fmt.Errorf("sealing a batch: %v", err)
	}
	if _, err := w.Write(z); err != nil {
		return nil, fmt.Errorf("sealing a batch: %v", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("sealing a batch: %v", err)
	}
	if HeaderSize+ct.Len()+SignatureSize > l.MaxSealed {
		return nil, fmt.Errorf("%w: %d bytes, more than %d: seal fewer operations per batch", ErrTooLarge, HeaderSize+ct.Len()+SignatureSize, l.MaxSealed)
	}
	h.PlainSize = uint32(plainSize)
	h.CipherSize = uint32(ct.Len())

	sealed := make([]byte, 0, HeaderSize+ct.Len()+SignatureSize)
	sealed = appendHeader(sealed, &h)
	sealed = append(sealed, ct.Bytes()...)
	// Encrypt-then-sign: the signature covers the header and the exact
	// ciphertext, so the opener rejects an altered or forged batch before
	// it decrypts or decompresses anything.
	return append(sealed, ed25519.Sign(o.SignKey, sealed)...), nil
}

// Hash returns the SHA-256 of the whole sealed batch. The sender's next
// batch carries it as PrevHash, chaining a device's batches.
func Hash(sealed []byte) [32]byte { return sha256.Sum256(sealed) }
