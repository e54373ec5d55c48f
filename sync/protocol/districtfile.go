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
	"time"
)

// The way back by USB stick: a commune with no connection at all receives
// what its devices' pulls would bring (other officers' edits, persons
// moved in, supervisors' resolutions, the revocation list) in a district
// file that `kitctl district export` writes for one device and the device
// imports (`kitctl batch import`, the app's "Nhập từ USB").
//
// A district file is one file:
//
//	"CKDIST1\n"        DistrictFileMagic
//	uint32, big end.   length of the header
//	header             DistrictFileHeader as JSON, signed with the
//	                   district's key
//	answers            the pull answers, as POST /v1/pull answers them:
//	                   batches sealed to the device and signed by the
//	                   district, one after the other (their sizes are in
//	                   the header)
//	revocation list    the district's signed list (RevocationSize bytes,
//	                   none when 0)
//
// Nothing new is encrypted here: the answers are exactly what the node
// answers a pull, so the device opens them with the same checks. The
// signed header, which names the size and SHA-256 of everything after
// it, binds the answers to one device and one cursor range: a file cut
// short, altered, or put together from another file's parts fails before
// anything is applied.
const DistrictFileMagic = "CKDIST1\n"

// DistrictFileExt is the extension of district files ("p" for pull).
const DistrictFileExt = ".ckp"

// Bounds of a district file.
const (
	// MaxDistrictFile bounds the bytes of a whole file, read at once.
	MaxDistrictFile = 64 << 20
	// MaxDistrictAnswers bounds the pull answers in one file.
	MaxDistrictAnswers = 4096
	maxDistrictHeader  = 256 << 10
)

// Errors of reading a district file, for errors.Is.
var (
	// ErrNotADistrictFile: the file does not start like a district file.
	ErrNotADistrictFile = errors.New("not a communekit district file")
	// ErrDistrictFileOtherDistrict: the file was made by another
	// district than the one given.
	ErrDistrictFileOtherDistrict = errors.New("the file comes from another district")
	// ErrDistrictFileDamaged: the header's signature, the sizes or the
	// SHA-256 of what follows it do not check out.
	ErrDistrictFileDamaged = errors.New("the file is damaged or was altered")
)

// ExportRequest asks a node for what a device's next pull after Cursor
// would receive, on the district's behalf: the answer is the same as
// POST /v1/pull's, sealed to the device. Only the holder of the
// district's signing key can make one (the answer opens only on the
// device anyway, but nobody else may make a node read out a commune).
type ExportRequest struct {
	Device string `json:"device"`
	Cursor uint64 `json:"cursor"`
	Max    int    `json:"max,omitempty"` // operations per answer (the node caps it)
	Time   int64  `json:"time"`          // unix seconds when signed
	Nonce  string `json:"nonce"`         // NonceSize random bytes, hex: a node takes it once
	Sig    string `json:"sig"`           // hex Ed25519 by the district over SignedBytes
}

// SignedBytes is what the district signs in an export request.
func (e *ExportRequest) SignedBytes() []byte {
	var b bytes.Buffer
	b.WriteString("CKEXRQ2\x00")
	writeStr(&b, e.Device)
	b.Write(binary.BigEndian.AppendUint64(nil, e.Cursor))
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(e.Max)))
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(e.Time)))
	writeStr(&b, e.Nonce)
	return b.Bytes()
}

// Hash is the SHA-256 of the signed request, which the answer carries
// (Header.PrevHash), as a pull answer does.
func (e *ExportRequest) Hash() [32]byte {
	return sha256.Sum256(append(e.SignedBytes(), e.Sig...))
}

// Sign signs the request with the district's key, with a fresh nonce.
func (e *ExportRequest) Sign(key ed25519.PrivateKey, now time.Time) {
	e.Time = now.Unix()
	e.Nonce = NewNonce()
	e.Sig = hex.EncodeToString(ed25519.Sign(key, e.SignedBytes()))
}

// Verify checks the district's signature and that the request is fresh
// (within MaxClockSkew of now).
func (e *ExportRequest) Verify(pub ed25519.PublicKey, now time.Time) error {
	if err := verifyDistrictSigned("export request", e.SignedBytes(), e.Sig, e.Time, pub, now); err != nil {
		return err
	}
	if !validNonce(e.Nonce) {
		return &Error{Code: CodeMalformed, Message: "the export request carries no valid nonce (from an older kitctl: update it)"}
	}
	return nil
}

// DistrictFileHeader says what a district file holds and for whom.
type DistrictFileHeader struct {
	District  string `json:"district"`     // the district's name
	KeyID     string `json:"district_key"` // the district's key ID
	Device    string `json:"device"`       // the device the answers are sealed to
	DeviceKey string `json:"device_key"`   // that device's key ID (the answers' recipient)
	Officer   string `json:"officer,omitempty"`
	// From is the cursor the first answer follows; To is the last
	// answer's cursor (its Header.Seq): a device that has received up
	// to From or more, and less than To, moves on to To.
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
	// Answers are the sizes of the sealed pull answers, in order.
	Answers []int `json:"answers"`
	// Ops is the number of operations in the answers, as the node
	// counted them (the district cannot open them).
	Ops int `json:"operations"`
	// RevocationSeq and RevocationSize describe the revocation list after
	// the answers (size 0: none).
	RevocationSeq  uint64 `json:"revocation_list"`
	RevocationSize int    `json:"revocation_size"`
	Made           int64  `json:"made"`   // unix seconds, by the exporting machine's clock
	SHA256         string `json:"sha256"` // hex SHA-256 of everything after the header
	// Signers are the certificates (text form) of the nodes that signed
	// the answers: the device checks each against the district and the
	// revocation lists before it opens any answer.
	Signers []string `json:"signers,omitempty"`
	// BatchKey is the announcement (text form) of the district's newest
	// batch key, when it is not the district's own: the device seals to
	// it from then on, as after an online pull.
	BatchKey string `json:"batch_key,omitempty"`
	Sig      string `json:"sig"` // hex Ed25519 by the district over SignedBytes
}

// SignedBytes is what the district signs in a district file's header.
func (h *DistrictFileHeader) SignedBytes() []byte {
	var b bytes.Buffer
	if len(h.Signers) == 0 && h.BatchKey == "" {
		b.WriteString("CKDISTH1\x00")
	} else {
		b.WriteString("CKDISTH2\x00")
		b.Write(binary.BigEndian.AppendUint64(nil, uint64(len(h.Signers))))
		for _, s := range h.Signers {
			writeStr(&b, s)
		}
		writeStr(&b, h.BatchKey)
	}
	writeStr(&b, h.District)
	writeStr(&b, h.KeyID)
	writeStr(&b, h.Device)
	writeStr(&b, h.DeviceKey)
	writeStr(&b, h.Officer)
	b.Write(binary.BigEndian.AppendUint64(nil, h.From))
	b.Write(binary.BigEndian.AppendUint64(nil, h.To))
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(len(h.Answers))))
	for _, n := range h.Answers {
		b.Write(binary.BigEndian.AppendUint64(nil, uint64(n)))
	}
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(h.Ops)))
	b.Write(binary.BigEndian.AppendUint64(nil, h.RevocationSeq))
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(h.RevocationSize)))
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(h.Made)))
	writeStr(&b, h.SHA256)
	return b.Bytes()
}

// FileName is the file's name for people: the device, and the cursors
// it goes from and to ("district-<device>-<from>-<to>.ckp").
func (h *DistrictFileHeader) FileName() string {
	return fmt.Sprintf("district-%s-%d-%d%s", h.Device, h.From, h.To, DistrictFileExt)
}

// DistrictFile is a district file's parts.
type DistrictFile struct {
	Header      DistrictFileHeader
	Answers     [][]byte // sealed pull answers, in order
	Revocations []byte   // the signed revocation list (binary), nil when none
}

// Marshal fills in the header's sizes, SHA-256 and signature (by the
// district's key) and returns the whole file.
func (f *DistrictFile) Marshal(key ed25519.PrivateKey) ([]byte, error) {
	if len(f.Answers) == 0 || len(f.Answers) > MaxDistrictAnswers {
		return nil, fmt.Errorf("a district file holds 1 to %d answers, not %d", MaxDistrictAnswers, len(f.Answers))
	}
	h := &f.Header
	h.Answers = h.Answers[:0]
	sum := sha256.New()
	for _, a := range f.Answers {
		h.Answers = append(h.Answers, len(a))
		sum.Write(a)
	}
	sum.Write(f.Revocations)
	h.RevocationSize = len(f.Revocations)
	h.SHA256 = hex.EncodeToString(sum.Sum(nil))
	h.Sig = hex.EncodeToString(ed25519.Sign(key, h.SignedBytes()))
	j, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	if len(j) > maxDistrictHeader {
		return nil, fmt.Errorf("district file header of %d bytes", len(j))
	}
	out := append([]byte(DistrictFileMagic), binary.BigEndian.AppendUint32(nil, uint32(len(j)))...)
	out = append(out, j...)
	for _, a := range f.Answers {
		out = append(out, a...)
	}
	out = append(out, f.Revocations...)
	if len(out) > MaxDistrictFile {
		return nil, fmt.Errorf("a district file of %d bytes, more than %d", len(out), MaxDistrictFile)
	}
	return out, nil
}

// ReadDistrictFileHeader reads a district file's header without checking
// it: what a caller says about a file before, or instead of, trusting it
// (which device it names, which district). Use ReadDistrictFile for
// anything else.
func ReadDistrictFileHeader(b []byte) (*DistrictFileHeader, []byte, error) {
	if len(b) < len(DistrictFileMagic)+4 {
		if bytes.HasPrefix([]byte(DistrictFileMagic), b) && len(b) > 0 {
			return nil, nil, fmt.Errorf("%w: it is cut short inside its header", ErrDistrictFileDamaged)
		}
		return nil, nil, fmt.Errorf("%w: it is shorter than a district file's header", ErrNotADistrictFile)
	}
	if string(b[:len(DistrictFileMagic)]) != DistrictFileMagic {
		return nil, nil, fmt.Errorf("%w: it does not start with %q", ErrNotADistrictFile, DistrictFileMagic[:len(DistrictFileMagic)-1])
	}
	b = b[len(DistrictFileMagic):]
	n := binary.BigEndian.Uint32(b)
	b = b[4:]
	if n == 0 || n > maxDistrictHeader {
		return nil, nil, fmt.Errorf("%w: a header of %d bytes", ErrDistrictFileDamaged, n)
	}
	if uint64(len(b)) < uint64(n) {
		return nil, nil, fmt.Errorf("%w: it ends inside its header", ErrDistrictFileDamaged)
	}
	var h DistrictFileHeader
	if err := json.Unmarshal(b[:n], &h); err != nil {
		return nil, nil, fmt.Errorf("%w: its header does not read (%v)", ErrDistrictFileDamaged, err)
	}
	// One spelling only: JSON reads names in any case and skips unknown
	// ones, so a header that is not what Marshal writes was changed after
	// it was made.
	if again, err := json.Marshal(&h); err != nil || !bytes.Equal(again, b[:n]) {
		return nil, nil, fmt.Errorf("%w: its header is not as the district writes it", ErrDistrictFileDamaged)
	}
	return &h, b[n:], nil
}

// ReadDistrictFile reads a whole district file and checks that it is of
// the district with key ID keyID, signed with its key pub, and whole:
// exactly the answers and list its header names, with its SHA-256. The
// answers themselves are then opened by the device as pull answers are.
func ReadDistrictFile(b []byte, keyID string, pub ed25519.PublicKey) (*DistrictFile, error) {
	if len(b) > MaxDistrictFile {
		return nil, fmt.Errorf("%w: %d bytes, more than a district file may be (%d)", ErrDistrictFileDamaged, len(b), MaxDistrictFile)
	}
	h, rest, err := ReadDistrictFileHeader(b)
	if err != nil {
		return nil, err
	}
	if h.KeyID != keyID {
		return nil, fmt.Errorf("%w: it was made by district %q (key %s), not by the district with key %s", ErrDistrictFileOtherDistrict, h.District, h.KeyID, keyID)
	}
	sig, err := hex.DecodeString(h.Sig)
	if err != nil || hex.EncodeToString(sig) != h.Sig || !ed25519.Verify(pub, h.SignedBytes(), sig) {
		return nil, fmt.Errorf("%w: its header is not signed with the district's key (altered, or not made by this district)", ErrDistrictFileDamaged)
	}
	if len(h.Answers) == 0 || len(h.Answers) > MaxDistrictAnswers || h.RevocationSize < 0 || h.To <= h.From {
		return nil, fmt.Errorf("%w: its header names %d answers from change %d to %d", ErrDistrictFileDamaged, len(h.Answers), h.From, h.To)
	}
	want := int64(h.RevocationSize)
	for _, n := range h.Answers {
		if n <= 0 || n > MaxDistrictFile {
			return nil, fmt.Errorf("%w: its header names an answer of %d bytes", ErrDistrictFileDamaged, n)
		}
		want += int64(n)
	}
	if int64(len(rest)) != want {
		return nil, fmt.Errorf("%w: %d bytes follow its header, it says %d (cut short, or something was added)", ErrDistrictFileDamaged, len(rest), want)
	}
	sum := sha256.Sum256(rest)
	if hex.EncodeToString(sum[:]) != h.SHA256 {
		return nil, fmt.Errorf("%w: its contents do not match the SHA-256 in its signed header", ErrDistrictFileDamaged)
	}
	f := &DistrictFile{Header: *h}
	for _, n := range h.Answers {
		f.Answers = append(f.Answers, rest[:n:n])
		rest = rest[n:]
	}
	if h.RevocationSize > 0 {
		f.Revocations = rest
	}
	return f, nil
}
