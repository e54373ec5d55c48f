package protocol

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/communekit/communekit/crypto/identity"
)

// A district backup (`kitctl district backup`, POST /v1/node/backup) is
// one file:
//
//	"CKBAK1\n"         BackupMagic
//	uint32, big end.   length of the header
//	header             BackupHeader as JSON, signed with the district's key
//	sealed state       the node store at Header.Index, exactly as the node's
//	                   Raft snapshots hold it: a Badger backup encrypted
//	                   with age to the district
//
// The sealed state keeps personal data unreadable without the district's
// age key; the signed header, which names the sealed state's size and
// SHA-256, makes a file cut short, altered, or made by someone who knows
// only the district's public keys fail before anything is restored.
const BackupMagic = "CKBAK1\n"

// maxBackupHeader bounds the JSON header of a backup.
const maxBackupHeader = 64 << 10

// Errors of reading a backup file, for errors.Is.
var (
	// ErrNotABackup: the file does not start like a district backup.
	ErrNotABackup = errors.New("not a communekit district backup")
	// ErrBackupOtherDistrict: the backup was made for another district's
	// keys.
	ErrBackupOtherDistrict = errors.New("the backup is of another district")
	// ErrBackupDamaged: the header's signature, the size or the SHA-256
	// of the sealed state does not check out.
	ErrBackupDamaged = errors.New("the backup is damaged or was altered")
)

// BackupRequest asks a node for a backup. Only the holder of the
// district's signing key can make one: the backup is sealed to the
// district anyway, but nobody else may make a node read out its whole
// store.
type BackupRequest struct {
	Node  string `json:"node"`  // the ID of the node asked: another node refuses it
	Time  int64  `json:"time"`  // unix seconds when signed
	Nonce string `json:"nonce"` // NonceSize random bytes, hex: the node takes it once
	Sig   string `json:"sig"`   // hex Ed25519 by the district over SignedBytes
}

// SignedBytes is what the district signs in a backup request.
func (b *BackupRequest) SignedBytes() []byte {
	var w bytes.Buffer
	w.WriteString("CKBKRQ2\x00")
	writeStr(&w, b.Node)
	w.Write(binary.BigEndian.AppendUint64(nil, uint64(b.Time)))
	writeStr(&w, b.Nonce)
	return w.Bytes()
}

// Sign signs the request with the district's key, with a fresh nonce.
func (b *BackupRequest) Sign(key ed25519.PrivateKey, now time.Time) {
	b.Time = now.Unix()
	b.Nonce = NewNonce()
	b.Sig = hex.EncodeToString(ed25519.Sign(key, b.SignedBytes()))
}

// Verify checks the district's signature and that the request is fresh
// (within MaxClockSkew of now).
func (b *BackupRequest) Verify(pub ed25519.PublicKey, now time.Time) error {
	if err := verifyDistrictSigned("backup request", b.SignedBytes(), b.Sig, b.Time, pub, now); err != nil {
		return err
	}
	if !validNonce(b.Nonce) {
		return &Error{Code: CodeMalformed, Message: "the backup request carries no valid nonce (from an older kitctl: update it)"}
	}
	return nil
}

// BackupHeader says what a backup holds. The node that made it signs it
// with the district's key.
type BackupHeader struct {
	District string `json:"district"`     // the district's name
	KeyID    string `json:"district_key"` // the district's key ID
	Node     string `json:"node"`         // ID of the node that made it
	// Index is the Raft index the node had applied: the state is that of
	// every node of the cluster at this index.
	Index  uint64 `json:"index"`
	Digest string `json:"digest"` // hex digest of the state (NodeStatus.Digest at Index)
	Feed   uint64 `json:"feed"`   // operations in the district feed
	Made   int64  `json:"made"`   // unix seconds, by the node's clock
	Size   int64  `json:"size"`   // bytes of sealed state after the header
	SHA256 string `json:"sha256"` // hex SHA-256 of those bytes
	// Signer is the certificate (text form) of the node that made it;
	// empty when the district's root key signed.
	Signer string `json:"signer,omitempty"`
	Sig    string `json:"sig"` // hex Ed25519 by Signer over SignedBytes
}

// SignedBytes is what the node signs in a backup header.
func (h *BackupHeader) SignedBytes() []byte {
	var b bytes.Buffer
	if h.Signer == "" {
		b.WriteString("CKBAKH1\x00")
	} else {
		b.WriteString("CKBAKH2\x00")
		writeStr(&b, h.Signer)
	}
	writeStr(&b, h.District)
	writeStr(&b, h.KeyID)
	writeStr(&b, h.Node)
	b.Write(binary.BigEndian.AppendUint64(nil, h.Index))
	writeStr(&b, h.Digest)
	b.Write(binary.BigEndian.AppendUint64(nil, h.Feed))
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(h.Made)))
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(h.Size)))
	writeStr(&b, h.SHA256)
	return b.Bytes()
}

// Sign signs the header as the node s.
func (h *BackupHeader) Sign(s Signer) {
	h.Signer = s.Cert
	h.Sig, _ = s.sign(h.SignedBytes())
}

// MarshalBinary returns what a backup file starts with: the magic, the
// header's length and the header.
func (h *BackupHeader) MarshalBinary() ([]byte, error) {
	j, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	if len(j) > maxBackupHeader {
		return nil, fmt.Errorf("backup header of %d bytes", len(j))
	}
	b := append([]byte(BackupMagic), binary.BigEndian.AppendUint32(nil, uint32(len(j)))...)
	return append(b, j...), nil
}

// ReadBackup reads a backup's header from r and checks that it is of the
// district with key ID keyID and signed with its key pub. It returns the
// header and a reader of the sealed state that fails with
// ErrBackupDamaged, instead of io.EOF, unless exactly Header.Size bytes
// with Header.SHA256 follow: read it to the end before trusting any of it.
func ReadBackup(r io.Reader, d identity.DistrictPublic, revoked Revoked) (*BackupHeader, io.Reader, error) {
	keyID := d.KeyID
	var head [len(BackupMagic) + 4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, nil, fmt.Errorf("%w: it is shorter than a backup's header", ErrNotABackup)
		}
		return nil, nil, err
	}
	if string(head[:len(BackupMagic)]) != BackupMagic {
		return nil, nil, fmt.Errorf("%w: it does not start with %q", ErrNotABackup, BackupMagic[:len(BackupMagic)-1])
	}
	n := binary.BigEndian.Uint32(head[len(BackupMagic):])
	if n == 0 || n > maxBackupHeader {
		return nil, nil, fmt.Errorf("%w: a header of %d bytes", ErrBackupDamaged, n)
	}
	j := make([]byte, n)
	if _, err := io.ReadFull(r, j); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, nil, fmt.Errorf("%w: it ends inside its header", ErrBackupDamaged)
		}
		return nil, nil, err
	}
	var h BackupHeader
	if err := json.Unmarshal(j, &h); err != nil {
		return nil, nil, fmt.Errorf("%w: its header does not read (%v)", ErrBackupDamaged, err)
	}
	// One spelling only: JSON reads names in any case and skips unknown
	// ones, so a header that is not what MarshalBinary writes was
	// changed after it was made.
	if again, err := json.Marshal(&h); err != nil || !bytes.Equal(again, j) {
		return nil, nil, fmt.Errorf("%w: its header is not as a node writes it", ErrBackupDamaged)
	}
	if h.KeyID != keyID {
		return nil, nil, fmt.Errorf("%w: it is a backup of district %q (key %s), not of the district with key %s", ErrBackupOtherDistrict, h.District, h.KeyID, keyID)
	}
	if err := verifyBy(h.SignedBytes(), h.Sig, h.Signer, d, revoked); err != nil {
		return nil, nil, fmt.Errorf("%w: its header is not signed by a node of the district (altered, or made elsewhere): %v", ErrBackupDamaged, err)
	}
	want, err := hex.DecodeString(h.SHA256)
	if err != nil || len(want) != sha256.Size || h.Size <= 0 {
		return nil, nil, fmt.Errorf("%w: its header names no valid size and SHA-256", ErrBackupDamaged)
	}
	return &h, &checkedState{r: r, h: sha256.New(), size: h.Size, want: want}, nil
}

// checkedState reads a backup's sealed state and checks its size and
// SHA-256 at the end.
type checkedState struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	size int64
	want []byte
	err  error
}

func (c *checkedState) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if rest := c.size - c.n; int64(len(p)) > rest+1 {
		p = p[:rest+1] // one byte more than announced is enough to tell
	}
	k, err := c.r.Read(p)
	c.n += int64(k)
	if c.n > c.size {
		c.err = fmt.Errorf("%w: it is longer than its header says (%d bytes)", ErrBackupDamaged, c.size)
		return 0, c.err
	}
	c.h.Write(p[:k])
	switch {
	case errors.Is(err, io.EOF) && c.n < c.size:
		c.err = fmt.Errorf("%w: it is cut short (%d of %d bytes)", ErrBackupDamaged, c.n, c.size)
	case errors.Is(err, io.EOF) && !bytes.Equal(c.h.Sum(nil), c.want):
		c.err = fmt.Errorf("%w: its contents do not match the SHA-256 in its signed header", ErrBackupDamaged)
	case err != nil:
		c.err = err
	default:
		return k, nil
	}
	return k, c.err
}

// verifyDistrictSigned checks a request signed with the district's key
// and made within MaxClockSkew of now.
func verifyDistrictSigned(what string, signed []byte, sigHex string, t int64, pub ed25519.PublicKey, now time.Time) error {
	sig, err := hex.DecodeString(sigHex)
	if err != nil || hex.EncodeToString(sig) != sigHex || !ed25519.Verify(pub, signed, sig) {
		return &Error{Code: CodeBadSignature, Message: fmt.Sprintf("the %s is not signed with this district's key", what)}
	}
	if e := CheckFresh(what, t, now); e != nil {
		return e
	}
	return nil
}
