package batch

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"

	"github.com/communekit/communekit/storage"
)

// Opener verifies and opens sealed batches addressed to one key.
type Opener struct {
	// Identity decrypts batches addressed to us.
	Identity age.Identity
	// KeyID is the key ID of Identity: a batch addressed to another key
	// fails with ErrWrongRecipient before any cryptography.
	KeyID string
	// Keys, when set, replaces Identity and KeyID for a recipient that
	// has several keys (the generations of a district's batch key): it
	// returns the identity for the key ID a batch names, or an error
	// (wrapping ErrWrongRecipient for a key ID that is not ours).
	Keys func(keyID string) (age.Identity, error)
	// SignerKey maps a sender to its enrolled Ed25519 key. It returns an
	// error wrapping ErrUnknownSigner for a sender it does not know, or
	// its own error for one that is revoked or expired; Open wraps either.
	SignerKey func(sender string) (ed25519.PublicKey, error)
	// Limits bound the work of one Open; zero fields: DefaultLimits.
	Limits Limits
}

// Batch is an opened batch.
type Batch struct {
	Header Header
	Ops    []*storage.Op
	// Sizes of the sealed batch, of the plaintext (inner header and
	// operations) and of the zstd stream inside the encryption.
	SealedBytes, PlainBytes, CompressedBytes int
}

// Open checks a sealed batch and returns its operations. The checks run
// cheapest first and each failure wraps its own error (errors.go): size →
// header → recipient → signer → signature → decryption → bounded
// decompression → inner header → operations within the limits.
func (o *Opener) Open(sealed []byte) (*Batch, error) {
	l := o.Limits.orDefault()
	h, id, err := o.verify(sealed)
	if err != nil {
		return nil, err
	}
	signed := len(sealed) - SignatureSize

	// The ciphertext is at most MaxSealed bytes and age's output is never
	// longer than its input, so reading all of it is bounded.
	r, err := age.Decrypt(bytes.NewReader(sealed[HeaderSize:signed]), id)
	if err != nil {
		return nil, fmt.Errorf("%w: batch %d from %s: %v", ErrDecrypt, h.Seq, h.Sender, err)
	}
	z, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%w: batch %d from %s: %v", ErrDecrypt, h.Seq, h.Sender, err)
	}
	plain, err := decompress(z, int(h.PlainSize))
	if err != nil {
		return nil, fmt.Errorf("batch %d from %s: %w", h.Seq, h.Sender, err)
	}

	if len(plain) < innerHeaderSize {
		return nil, fmt.Errorf("%w: batch %d from %s: plaintext of %d bytes has no inner header", ErrMalformedOps, h.Seq, h.Sender, len(plain))
	}
	if want := appendInner(nil, h.Sender, h.Seq); !bytes.Equal(plain[:innerHeaderSize], want) {
		return nil, fmt.Errorf("%w: header says %s batch %d, payload says %q batch %d",
			ErrSenderMismatch, h.Sender, h.Seq, plain[:senderLen], binary.BigEndian.Uint64(plain[senderLen:innerHeaderSize]))
	}
	ops, err := DecodeOps(plain[innerHeaderSize:], l)
	if err != nil {
		return nil, fmt.Errorf("batch %d from %s: %w", h.Seq, h.Sender, err)
	}
	return &Batch{Header: h, Ops: ops, SealedBytes: len(sealed), PlainBytes: len(plain), CompressedBytes: len(z)}, nil
}

// Verify runs Open's checks up to and including the signature — size,
// header, recipient, signer, signature — without decrypting anything: a
// district node's leader uses it to refuse a push before proposing it to
// Raft, where every node then opens it in full.
func (o *Opener) Verify(sealed []byte) (Header, error) {
	h, _, err := o.verify(sealed)
	return h, err
}

// verify is Verify, returning the identity that opens the batch too.
func (o *Opener) verify(sealed []byte) (Header, age.Identity, error) {
	l := o.Limits.orDefault()
	if (o.Keys == nil && (o.Identity == nil || o.KeyID == "")) || o.SignerKey == nil {
		return Header{}, nil, errors.New("opening a batch: the opener needs an identity and its key ID (or Keys) and a signer lookup")
	}
	if len(sealed) > l.MaxSealed {
		return Header{}, nil, fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, len(sealed), l.MaxSealed)
	}
	h, err := ParseHeader(sealed)
	if err != nil {
		return Header{}, nil, err
	}
	if int64(h.PlainSize) > int64(l.MaxPlain) {
		return Header{}, nil, fmt.Errorf("%w: the header declares %d bytes, more than %d", ErrDecompressedTooLarge, h.PlainSize, l.MaxPlain)
	}
	id := o.Identity
	if o.Keys != nil {
		if id, err = o.Keys(h.RecipientKeyID); err != nil {
			return Header{}, nil, fmt.Errorf("batch %d from %s: %w", h.Seq, h.Sender, err)
		}
	} else if h.RecipientKeyID != o.KeyID {
		return Header{}, nil, fmt.Errorf("%w: batch %d from %s is for key %s, we are %s", ErrWrongRecipient, h.Seq, h.Sender, h.RecipientKeyID, o.KeyID)
	}
	pub, err := o.SignerKey(h.Sender)
	if err != nil {
		if errors.Is(err, ErrUnknownSigner) {
			return Header{}, nil, fmt.Errorf("batch %d from %s: %w", h.Seq, h.Sender, err)
		}
		return Header{}, nil, fmt.Errorf("%w: batch %d from %s: %w", ErrUnknownSigner, h.Seq, h.Sender, err)
	}
	if len(pub) != ed25519.PublicKeySize {
		return Header{}, nil, fmt.Errorf("%w: the key enrolled for %s is %d bytes, want %d", ErrUnknownSigner, h.Sender, len(pub), ed25519.PublicKeySize)
	}
	signed := len(sealed) - SignatureSize
	if !ed25519.Verify(pub, sealed[:signed], sealed[signed:]) {
		return Header{}, nil, fmt.Errorf("%w: batch %d from %s was altered or not signed by its enrolled key", ErrBadSignature, h.Seq, h.Sender)
	}
	return h, id, nil
}
