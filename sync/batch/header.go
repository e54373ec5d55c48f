package batch

import (
	"encoding/binary"
	"fmt"
)

// Version is the format version Seal writes and Open reads.
const Version = 1

// magic starts every sealed batch. It is also what separates a batch
// signature from every other Ed25519 signature a device makes (enrolment
// requests, receipts): the signed bytes start with it.
const magic = "CKBF"

// Sizes of the fixed parts (FORMAT.md).
const (
	HeaderSize    = 4 + 1 + 16 + 8 + 32 + 16 + 4 + 4 // 85
	SignatureSize = 64
	senderLen     = 16
	keyIDLen      = 16
)

// Header is the public, signed part of a sealed batch: enough to route it,
// check its place in the sender's chain and pick the key that verifies it,
// without decrypting anything.
type Header struct {
	Version uint8
	Sender  string // device ID (16 base32 chars), or the district's key ID for downloads
	Seq     uint64 // the sender's batch number 1, 2, 3…
	// PrevHash is the Hash of a device's previous sealed batch (zero for
	// batch 1: the district refuses any other by the device's chain); in
	// a pull answer, the SHA-256 of the request it answers.
	PrevHash       [32]byte
	RecipientKeyID string // 16 hex chars: the key ID of the recipient's age identity
	PlainSize      uint32 // bytes of the plaintext (inner header and operations) before zstd
	CipherSize     uint32 // bytes of the age ciphertext
}

// check reports the first field out of range.
func (h *Header) check() error {
	if !validSender(h.Sender) {
		return fmt.Errorf("%w: sender %q is not 16 lowercase letters and digits", ErrMalformedHeader, h.Sender)
	}
	if h.Seq == 0 {
		return fmt.Errorf("%w: sequence number 0 (batches are numbered from 1)", ErrMalformedHeader)
	}
	if !validKeyID(h.RecipientKeyID) {
		return fmt.Errorf("%w: recipient key ID %q is not 16 lowercase hex digits", ErrMalformedHeader, h.RecipientKeyID)
	}
	return nil
}

// Both device IDs (base32) and key IDs (hex) are 16 characters from
// [a-z0-9]; the header accepts either as the sender.
func validSender(s string) bool {
	if len(s) != senderLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func validKeyID(s string) bool {
	if len(s) != keyIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'f' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// appendHeader appends the fixed binary layout of h (FORMAT.md).
func appendHeader(b []byte, h *Header) []byte {
	b = append(b, magic...)
	b = append(b, h.Version)
	b = append(b, h.Sender...)
	b = binary.BigEndian.AppendUint64(b, h.Seq)
	b = append(b, h.PrevHash[:]...)
	b = append(b, h.RecipientKeyID...)
	b = binary.BigEndian.AppendUint32(b, h.PlainSize)
	b = binary.BigEndian.AppendUint32(b, h.CipherSize)
	return b
}

// ParseHeader reads the header of a sealed batch and checks that the batch
// is whole: its length is the header, the ciphertext the header declares
// and a signature. It verifies nothing cryptographic; use it to route a
// batch or describe one that failed to open, never to trust its content.
func ParseHeader(sealed []byte) (Header, error) {
	var h Header
	if len(sealed) < len(magic) {
		if string(sealed) == magic[:len(sealed)] {
			return h, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrTruncated, len(sealed), HeaderSize)
		}
		return h, fmt.Errorf("%w: starts with %q", ErrBadMagic, sealed)
	}
	if string(sealed[:len(magic)]) != magic {
		return h, fmt.Errorf("%w: starts with %q, not %q", ErrBadMagic, sealed[:len(magic)], magic)
	}
	if len(sealed) < len(magic)+1 {
		return h, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrTruncated, len(sealed), HeaderSize)
	}
	h.Version = sealed[len(magic)]
	if h.Version != Version {
		return h, fmt.Errorf("%w: version %d (this program reads version %d)", ErrUnsupportedVersion, h.Version, Version)
	}
	if len(sealed) < HeaderSize {
		return h, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrTruncated, len(sealed), HeaderSize)
	}
	b := sealed[len(magic)+1 : HeaderSize]
	h.Sender = string(b[:senderLen])
	b = b[senderLen:]
	h.Seq = binary.BigEndian.Uint64(b)
	b = b[8:]
	copy(h.PrevHash[:], b)
	b = b[32:]
	h.RecipientKeyID = string(b[:keyIDLen])
	b = b[keyIDLen:]
	h.PlainSize = binary.BigEndian.Uint32(b)
	h.CipherSize = binary.BigEndian.Uint32(b[4:])
	if err := h.check(); err != nil {
		return h, err
	}
	want := uint64(HeaderSize) + uint64(h.CipherSize) + SignatureSize
	switch {
	case uint64(len(sealed)) < want:
		return h, fmt.Errorf("%w: %d bytes, but the header declares %d", ErrTruncated, len(sealed), want)
	case uint64(len(sealed)) > want:
		return h, fmt.Errorf("%w: %d bytes after the signature", ErrMalformedHeader, uint64(len(sealed))-want)
	}
	return h, nil
}
