package batch

import "errors"

// Errors returned by [Opener.Open], [ParseHeader], [Seal] and [DecodeOps],
// one per check, always wrapped with what was found so that a message names
// the check and the input: test with errors.Is. The checks run in the order
// listed, cheapest and most public first, so that a batch that is not for
// us, not signed by an enrolled device or altered in transit costs no
// decryption or decompression.
var (
	// ErrTooLarge: the sealed batch is bigger than Limits.MaxSealed.
	ErrTooLarge = errors.New("sealed batch is too large")
	// ErrTruncated: the sealed batch ends before its header, ciphertext or
	// signature does.
	ErrTruncated = errors.New("sealed batch is truncated")
	// ErrBadMagic: the bytes do not start like a sealed batch.
	ErrBadMagic = errors.New("not a sealed batch")
	// ErrUnsupportedVersion: a sealed batch of a format version this
	// program does not read.
	ErrUnsupportedVersion = errors.New("unsupported sealed batch version")
	// ErrMalformedHeader: a header field is out of its range (sender or
	// recipient key ID spelling, sequence number 0, sizes that do not add up).
	ErrMalformedHeader = errors.New("malformed sealed batch header")
	// ErrWrongRecipient: the batch is addressed to another key.
	ErrWrongRecipient = errors.New("sealed batch is addressed to another recipient")
	// ErrUnknownSigner: the sender is not enrolled; Opener.SignerKey
	// returns it (or an error wrapping it) for senders it does not know.
	ErrUnknownSigner = errors.New("sender is not enrolled")
	// ErrBadSignature: the signature does not verify under the sender's
	// enrolled key: the batch was altered or forged.
	ErrBadSignature = errors.New("sealed batch signature does not verify")
	// ErrDecrypt: age could not decrypt the ciphertext with our identity.
	ErrDecrypt = errors.New("sealed batch does not decrypt")
	// ErrDecompress: the decrypted payload is not a valid zstd stream, or
	// does not have the size the header declares.
	ErrDecompress = errors.New("sealed batch payload does not decompress")
	// ErrDecompressedTooLarge: the payload decompresses, or declares it
	// decompresses, to more than Limits.MaxPlain or the declared size (a
	// zstd bomb).
	ErrDecompressedTooLarge = errors.New("sealed batch decompresses to too many bytes")
	// ErrSenderMismatch: the sender or sequence number inside the
	// encrypted payload differ from the signed header.
	ErrSenderMismatch = errors.New("sealed batch payload names another sender or sequence number")
	// ErrTooManyOps: more operations than Limits.MaxOps.
	ErrTooManyOps = errors.New("too many operations in batch")
	// ErrMalformedOps: the operations encoding is invalid (bad varint,
	// string too long or not UTF-8, reference out of range, trailing bytes,
	// or not in canonical form).
	ErrMalformedOps = errors.New("malformed operations encoding")
)
