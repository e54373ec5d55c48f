package cert

import (
	"bytes"
	"encoding/base64"
)

// A kind is one of the signed encodings: its binary magic (which is
// also the start of the signed bytes, so that a signature over one kind can
// never pass for another), its text prefix, and its size bound.
type kind struct {
	name      string // for messages: "enrolment request"
	aName     string // with its article: "an enrolment request"
	magic     string // first bytes of the binary form, with the version
	prefix    string // text form: prefix, then base64url of the binary form
	maxBinary int
}

var (
	requestKind     = kind{"enrolment request", "an enrolment request", "CKQ\x01", "CKREQ1:", 16 << 10}
	certificateKind = kind{"certificate", "a certificate", "CKC\x01", "CKCRT1:", 16 << 10}
	revocationKind  = kind{"revocation list", "a revocation list", "CKR\x01", "CKREV1:", 4 << 20}
	nodeCertKind    = kind{"node certificate", "a node certificate", "CKN\x01", "CKNOD1:", 16 << 10}
	batchKeyKind    = kind{"batch key announcement", "a batch key announcement", "CKK\x01", "CKBKY1:", 16 << 10}
	rolloutKind     = kind{"batch key rollout", "a batch key rollout", "CKW\x01", "CKBKR1:", 1 << 20}
)

var kinds = []kind{requestKind, certificateKind, revocationKind, nodeCertKind, batchKeyKind, rolloutKind}

var b64 = base64.RawURLEncoding.Strict()

func (k kind) text(bin []byte) []byte {
	t := make([]byte, len(k.prefix)+b64.EncodedLen(len(bin)))
	copy(t, k.prefix)
	b64.Encode(t[len(k.prefix):], bin)
	return t
}

// binary returns the binary form of b, which is either that binary form
// exactly or the text form with any surrounding white space. It checks the
// kind and the size before decoding anything.
func (k kind) binary(b []byte) ([]byte, error) {
	if !bytes.HasPrefix(b, []byte(k.magic)) {
		t := bytes.TrimSpace(b)
		if !bytes.HasPrefix(t, []byte(k.prefix)) {
			return nil, k.foreign(b, t)
		}
		t = t[len(k.prefix):]
		if len(t) > b64.EncodedLen(k.maxBinary) {
			return nil, fail(ErrMalformed, "%s text is %d characters, more than the %d allowed", k.name, len(t), b64.EncodedLen(k.maxBinary))
		}
		// The decoder skips line breaks; a text form has none, so that
		// each value has one text form.
		if i := bytes.IndexFunc(t, notBase64URL); i >= 0 {
			return nil, fail(ErrMalformed, "%s text has %q at character %d, which base64url does not use; copy or scan it again", k.name, t[i:i+1], len(k.prefix)+i+1)
		}
		bin := make([]byte, b64.DecodedLen(len(t)))
		n, err := b64.Decode(bin, t)
		if err != nil {
			return nil, fail(ErrMalformed, "%s text is damaged (%v); copy or scan it again", k.name, err)
		}
		b = bin[:n]
		if !bytes.HasPrefix(b, []byte(k.magic)) {
			return nil, fail(ErrMalformed, "%s text is damaged: its content is not %s", k.name, k.aName)
		}
	}
	if len(b) > k.maxBinary {
		return nil, fail(ErrMalformed, "%s is %d bytes, more than the %d allowed", k.name, len(b), k.maxBinary)
	}
	return b, nil
}

// foreign explains input that is not of kind k: another kind, another
// version, or something else entirely.
func (k kind) foreign(b, t []byte) error {
	for _, o := range kinds {
		if o.name != k.name && (bytes.HasPrefix(b, []byte(o.magic)) || bytes.HasPrefix(t, []byte(o.prefix))) {
			return fail(ErrMalformed, "this is %s, not %s", o.aName, k.aName)
		}
	}
	if len(b) >= len(k.magic) && bytes.HasPrefix(b, []byte(k.magic[:3])) ||
		len(t) >= len(k.prefix) && bytes.HasPrefix(t, []byte(k.prefix[:5])) {
		return fail(ErrMalformed, "this %s is of a format version this program does not read; update it", k.name)
	}
	start := t
	if len(start) > 16 {
		start = start[:16]
	}
	return fail(ErrMalformed, "not %s: it starts with %q, want %q", k.aName, start, k.prefix)
}

func notBase64URL(r rune) bool {
	return !('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_')
}
