package protocol_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/sync/protocol"
)

// backupFile returns a signed backup file around state, and the key.
func backupFile(t testing.TB, state []byte, edit func(*protocol.BackupHeader)) ([]byte, ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(state)
	h := &protocol.BackupHeader{District: "Cụm Mèo Vạc", KeyID: "k1", Node: "n1", Index: 42, Digest: "ab", Feed: 7,
		Made: time.Now().Unix(), Size: int64(len(state)), SHA256: hex.EncodeToString(sum[:])}
	h.Sign(protocol.Signer{Key: key})
	if edit != nil {
		edit(h)
	}
	b, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return append(b, state...), pub, key
}

func readAll(file []byte, keyID string, pub ed25519.PublicKey) (*protocol.BackupHeader, []byte, error) {
	h, r, err := protocol.ReadBackup(bytes.NewReader(file), identity.DistrictPublic{KeyID: keyID, SignKey: pub}, nil)
	if err != nil {
		return nil, nil, err
	}
	b, err := io.ReadAll(r)
	return h, b, err
}

func TestReadBackup_WholeFileReadsBack(t *testing.T) {
	state := bytes.Repeat([]byte("sealed state "), 10000)
	file, pub, _ := backupFile(t, state, nil)
	h, got, err := readAll(file, "k1", pub)
	if err != nil || !bytes.Equal(got, state) || h.Index != 42 || h.Node != "n1" {
		t.Fatalf("%+v %d bytes %v", h, len(got), err)
	}
}

// TestReadBackup_RefusesWhatDoesNotCheckOut: each fault is refused with
// the error a caller branches on, at the latest at the end of the state.
func TestReadBackup_RefusesWhatDoesNotCheckOut(t *testing.T) {
	state := bytes.Repeat([]byte("sealed state "), 1000)
	good, pub, _ := backupFile(t, state, nil)
	flipped := append([]byte{}, good...)
	flipped[len(flipped)-100] ^= 1
	reindexed, _, _ := backupFile(t, state, func(h *protocol.BackupHeader) { h.Index = 41 })
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		name  string
		file  []byte
		keyID string
		pub   ed25519.PublicKey
		want  error
	}{
		{"empty", nil, "k1", pub, protocol.ErrNotABackup},
		{"not a backup", []byte("CKBF\x01 a batch file, not a backup"), "k1", pub, protocol.ErrNotABackup},
		{"another district", good, "k2", pub, protocol.ErrBackupOtherDistrict},
		{"signed with another key", good, "k1", otherPub, protocol.ErrBackupDamaged},
		{"header altered after signing", reindexed, "k1", pub, protocol.ErrBackupDamaged},
		{"a byte of the state flipped", flipped, "k1", pub, protocol.ErrBackupDamaged},
		{"cut short", good[:len(good)-1], "k1", pub, protocol.ErrBackupDamaged},
		{"cut inside the header", good[:20], "k1", pub, protocol.ErrBackupDamaged},
		{"a byte more", append(append([]byte{}, good...), 0), "k1", pub, protocol.ErrBackupDamaged},
	} {
		_, _, err := readAll(tc.file, tc.keyID, tc.pub)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			continue
		}
		t.Logf("%s: %v", tc.name, err)
	}
}

func TestBackupRequest_SignedByTheDistrictAndFresh(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Now()
	var r protocol.BackupRequest
	r.Sign(key, now)
	if err := r.Verify(pub, now); err != nil {
		t.Fatal(err)
	}
	var pe *protocol.Error
	if err := r.Verify(otherPub, now); !errors.As(err, &pe) || pe.Code != protocol.CodeBadSignature {
		t.Fatalf("another key: %v", err)
	}
	if err := r.Verify(pub, now.Add(protocol.MaxClockSkew+time.Minute)); !errors.As(err, &pe) || pe.Code != protocol.CodeStale {
		t.Fatalf("stale: %v", err)
	}
}

// FuzzReadBackup: whatever the bytes, reading a backup file gives an
// error, or exactly the state its signed header describes; never a panic.
func FuzzReadBackup(f *testing.F) {
	good, pub, _ := backupFile(f, bytes.Repeat([]byte("sealed state "), 100), nil)
	f.Add(good)
	f.Add(good[:40])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, state, err := readAll(b, "k1", pub)
		if err != nil {
			return
		}
		if int64(len(state)) != h.Size || len(state) > len(b) {
			t.Fatalf("read %d bytes of state, header says %d, file %d", len(state), h.Size, len(b))
		}
	})
}

// A backup made by a node is signed with the node's key under its
// certificate: it reads while the district trusts the node, and not
// once the node is revoked or with another district's certificate.
func TestReadBackup_SignedByANode(t *testing.T) {
	d, err := identity.NewDistrict("Cụm Mèo Vạc")
	if err != nil {
		t.Fatal(err)
	}
	cr, err := cert.IssueNodeCredential(d, "n2", 7, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := cr.Cert.MarshalText()
	state := []byte("sealed state")
	sum := sha256.Sum256(state)
	h := &protocol.BackupHeader{District: d.Name, KeyID: d.Public().KeyID, Node: "n2", Index: 1, Made: time.Now().Unix(),
		Size: int64(len(state)), SHA256: hex.EncodeToString(sum[:])}
	h.Sign(protocol.Signer{Key: cr.Node.Sign, Cert: string(ct)})
	b, _ := h.MarshalBinary()
	file := append(b, state...)
	read := func(revoked protocol.Revoked) error {
		_, r, err := protocol.ReadBackup(bytes.NewReader(file), d.Public(), revoked)
		if err == nil {
			_, err = io.ReadAll(r)
		}
		return err
	}
	if err := read(nil); err != nil {
		t.Fatal(err)
	}
	err = read(func(serial uint64, node string) error { return errors.New("revoked " + node) })
	if !errors.Is(err, protocol.ErrBackupDamaged) || !strings.Contains(err.Error(), "revoked n2") {
		t.Fatalf("a revoked node's backup: %v", err)
	}
	// The same header claiming to be signed by a node of this district
	// with another district's certificate.
	other, _ := identity.NewDistrict("Cụm Mèo Vạc")
	ocr, _ := cert.IssueNodeCredential(other, "n2", 7, time.Hour, time.Now())
	oct, _ := ocr.Cert.MarshalText()
	h.Sign(protocol.Signer{Key: ocr.Node.Sign, Cert: string(oct)})
	b, _ = h.MarshalBinary()
	file = append(b, state...)
	if err := read(nil); !errors.Is(err, protocol.ErrBackupDamaged) {
		t.Fatalf("another district's node: %v", err)
	}
}
