package protocol_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/communekit/communekit/sync/protocol"
)

// districtFile returns a signed district file of two answers and a list,
// and the district's key.
func districtFile(t testing.TB) ([]byte, ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := &protocol.DistrictFile{
		Header: protocol.DistrictFileHeader{District: "Cụm Mèo Vạc", KeyID: "k1", Device: "dev1", DeviceKey: "d1", Officer: "Lò Văn Minh",
			From: 10, To: 42, Ops: 7, RevocationSeq: 3, Made: time.Now().Unix()},
		Answers:     [][]byte{bytes.Repeat([]byte("a"), 300), bytes.Repeat([]byte("b"), 200)},
		Revocations: []byte("signed list"),
	}
	b, err := f.Marshal(key)
	if err != nil {
		t.Fatal(err)
	}
	return b, pub, key
}

func TestDistrictFile_ReadsBackWhole(t *testing.T) {
	b, pub, _ := districtFile(t)
	f, err := protocol.ReadDistrictFile(b, "k1", pub)
	if err != nil {
		t.Fatal(err)
	}
	h := f.Header
	if h.Device != "dev1" || h.From != 10 || h.To != 42 || len(f.Answers) != 2 || len(f.Answers[0]) != 300 || string(f.Revocations) != "signed list" ||
		h.FileName() != "district-dev1-10-42.ckp" {
		t.Fatalf("%+v", f)
	}
}

// TestDistrictFile_RefusesWhatDoesNotCheckOut: each fault is refused with
// the error a caller branches on.
func TestDistrictFile_RefusesWhatDoesNotCheckOut(t *testing.T) {
	good, pub, _ := districtFile(t)
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	flip := func(i int) []byte { b := bytes.Clone(good); b[i] ^= 1; return b }
	for _, tc := range []struct {
		name  string
		file  []byte
		keyID string
		pub   ed25519.PublicKey
		want  error
	}{
		{"empty", nil, "k1", pub, protocol.ErrNotADistrictFile},
		{"a batch file", []byte("CKB1 not a district file at all"), "k1", pub, protocol.ErrNotADistrictFile},
		{"cut inside the magic", good[:4], "k1", pub, protocol.ErrDistrictFileDamaged},
		{"cut inside the header", good[:40], "k1", pub, protocol.ErrDistrictFileDamaged},
		{"cut short", good[:len(good)-1], "k1", pub, protocol.ErrDistrictFileDamaged},
		{"a byte added", append(bytes.Clone(good), 0), "k1", pub, protocol.ErrDistrictFileDamaged},
		{"an answer altered", flip(len(good) - 300), "k1", pub, protocol.ErrDistrictFileDamaged},
		{"another district's key ID", good, "k2", pub, protocol.ErrDistrictFileOtherDistrict},
		{"signed by someone else", good, "k1", otherPub, protocol.ErrDistrictFileDamaged},
	} {
		if _, err := protocol.ReadDistrictFile(tc.file, tc.keyID, tc.pub); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestExportRequest_SignedByTheDistrictAndFresh(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Now()
	r := protocol.ExportRequest{Device: "dev1", Cursor: 7, Max: 2000}
	r.Sign(key, now)
	if err := r.Verify(pub, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	moved := r
	moved.Cursor = 8
	var pe *protocol.Error
	if err := moved.Verify(pub, now); !errors.As(err, &pe) || pe.Code != protocol.CodeBadSignature {
		t.Fatalf("another cursor under the same signature: %v", err)
	}
	if err := r.Verify(pub, now.Add(time.Hour)); !errors.As(err, &pe) || pe.Code != protocol.CodeStale {
		t.Fatalf("an hour later: %v", err)
	}
}

// FuzzReadDistrictFile: whatever the bytes, reading a district file
// returns an error or a file whose parts lie within it, never panics.
func FuzzReadDistrictFile(f *testing.F) {
	good, pub, _ := districtFile(f)
	f.Add(good)
	f.Add(good[:60])
	f.Add([]byte(protocol.DistrictFileMagic + "\x00\x00\x00\x02{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		df, err := protocol.ReadDistrictFile(b, "k1", pub)
		if err != nil {
			return
		}
		n := len(df.Revocations)
		for _, a := range df.Answers {
			n += len(a)
		}
		if n > len(b) {
			t.Fatalf("parts of %d bytes in a file of %d", n, len(b))
		}
	})
}
