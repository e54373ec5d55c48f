package storage_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
	"golang.org/x/text/unicode/norm"

	"github.com/communekit/communekit/crypto/keyring"
	"github.com/communekit/communekit/storage"
)

// The profile's passphrase as a composing (NFC) and a decomposing (NFD)
// Vietnamese input method type it: the same letters, other bytes.
var (
	passNFC = []byte(norm.NFC.String(testPass))
	passNFD = []byte(norm.NFD.String(testPass))
)

const newPass = "một mật khẩu mới hơn"

func keyFileOf(dir string) string { return filepath.Join(dir, "master-key.age") }

func readKeyFile(t *testing.T, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(keyFileOf(dir))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustOpenWith opens the commune profile in dir with pass and checks that
// it holds the person named name.
func mustOpenWith(t *testing.T, dir string, pass []byte, name string) {
	t.Helper()
	s, err := storage.Open(dir, pass, storage.Options{GCInterval: -1})
	if err != nil {
		t.Fatalf("open with %+q: %v", pass, err)
	}
	defer mustClose(t, s)
	if hits, err := s.Search(name, 1); err != nil || len(hits) != 1 {
		t.Fatalf("opened with %+q: %q not found (%v)", pass, name, err)
	}
}

func mustNotOpen(t *testing.T, dir string, pass []byte) {
	t.Helper()
	before := readKeyFile(t, dir)
	s, err := storage.Open(dir, pass, storage.Options{GCInterval: -1})
	if err == nil {
		s.Close()
		t.Fatalf("%+q opened the profile", pass)
	}
	if !errors.Is(err, storage.ErrWrongPassphrase) {
		t.Fatalf("open with %+q: %v, want ErrWrongPassphrase", pass, err)
	}
	if !bytes.Equal(readKeyFile(t, dir), before) {
		t.Fatalf("a wrong passphrase %+q changed the key file", pass)
	}
}

// newProfile makes a commune profile in a new directory under pass,
// holding one person.
func newProfile(t *testing.T, pass []byte) string {
	t.Helper()
	if bytes.Equal(passNFC, passNFD) {
		t.Fatal("the test passphrase has no letters with marks")
	}
	dir := filepath.Join(t.TempDir(), "p")
	s, err := storage.Create(dir, pass, storage.Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"},
		storage.Options{WorkFactor: testWorkFactor, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, "Trần Thị Mai")
	mustClose(t, s)
	return dir
}

// makeLegacy wraps the key file of dir again as communekit did before
// passphrases were normalised: under the bytes as typed, here asTyped.
func makeLegacy(t *testing.T, dir string, current, asTyped []byte) {
	t.Helper()
	plain, err := keyring.Unwrap(readKeyFile(t, dir), current)
	if err != nil {
		t.Fatal(err)
	}
	r, err := age.NewScryptRecipient(string(asTyped))
	if err != nil {
		t.Fatal(err)
	}
	r.SetWorkFactor(testWorkFactor)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	write(t, keyFileOf(dir), buf.Bytes())
	// As made before: the NFC form alone does not open it.
	id, _ := age.NewScryptIdentity(string(keyring.NFC(asTyped)))
	if _, err := age.Decrypt(bytes.NewReader(buf.Bytes()), id); err == nil {
		t.Fatal("the legacy key file opens with the NFC form")
	}
}

func TestPassphrase_TypedDecomposedOpensProfileMadeComposed(t *testing.T) {
	dir := newProfile(t, passNFC)
	before := readKeyFile(t, dir)
	mustOpenWith(t, dir, passNFD, "Trần Thị Mai")
	mustOpenWith(t, dir, passNFC, "Trần Thị Mai")
	if !bytes.Equal(readKeyFile(t, dir), before) {
		t.Error("a key file wrapped under NFC was written again")
	}
	// And the reverse: a profile made today from NFD typing opens typed
	// in NFC, since Create wraps the NFC form.
	dir = newProfile(t, passNFD)
	mustOpenWith(t, dir, passNFC, "Trần Thị Mai")
	mustNotOpen(t, dir, []byte(norm.NFD.String("mật khẩu thử nghiệm sai")))
}

func TestPassphrase_LegacyProfileWrappedAsTypedInNFDOpensAndIsWrappedAgain(t *testing.T) {
	for _, typed := range []struct {
		name string
		pass []byte
	}{{"typed as before (NFD)", passNFD}, {"typed composed (NFC)", passNFC}} {
		t.Run(typed.name, func(t *testing.T) {
			dir := newProfile(t, passNFC)
			makeLegacy(t, dir, passNFC, passNFD)
			legacy := readKeyFile(t, dir)
			// A wrong passphrase, in either form, changes nothing.
			mustNotOpen(t, dir, []byte(norm.NFD.String("mật khẩu thử nghiệm sai")))
			mustNotOpen(t, dir, []byte(norm.NFC.String("mật khẩu thử nghiệm sai")))

			mustOpenWith(t, dir, typed.pass, "Trần Thị Mai")
			now := readKeyFile(t, dir)
			if bytes.Equal(now, legacy) {
				t.Fatal("the legacy key file was not wrapped again")
			}
			if wf, err := keyring.WorkFactorOf(now); err != nil || wf != testWorkFactor {
				t.Errorf("wrapped again at work factor %d (%v), want the file's %d", wf, err, testWorkFactor)
			}
			if _, rewrap, err := keyring.Unlock(now, passNFC); err != nil || rewrap {
				t.Errorf("the new key file is not wrapped under NFC: rewrap %v, %v", rewrap, err)
			}
			if left, _ := filepath.Glob(keyFileOf(dir) + "*.tmp"); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
			mustOpenWith(t, dir, passNFD, "Trần Thị Mai")
			mustOpenWith(t, dir, passNFC, "Trần Thị Mai")
			if !bytes.Equal(readKeyFile(t, dir), now) {
				t.Error("the key file was written again at a later unlock")
			}
		})
	}
}

func TestPassphrase_LegacyMixedFormOpensWithTheBytesAsTyped(t *testing.T) {
	// "ậ" as "ạ" and a combining circumflex: neither NFC nor NFD.
	mixed := []byte("m\u1ea1\u0302t kh\u1ea9u th\u1eed nghi\u1ec7m")
	if bytes.Equal(keyring.NFC(mixed), mixed) || !bytes.Equal(keyring.NFC(mixed), passNFC) {
		t.Fatal("the mixed form is not another form of the test passphrase")
	}
	dir := newProfile(t, passNFC)
	makeLegacy(t, dir, passNFC, mixed)
	mustOpenWith(t, dir, mixed, "Trần Thị Mai")
	mustOpenWith(t, dir, passNFC, "Trần Thị Mai")
	mustOpenWith(t, dir, passNFD, "Trần Thị Mai")
}

func TestPassphrase_DistrictKeysOfNormalisesAndWrapsLegacyAgain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	s, err := storage.Create(dir, passNFC, storage.Profile{Kind: storage.KindDistrict, District: "Cụm Mèo Vạc"},
		storage.Options{WorkFactor: testWorkFactor, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	want := s.DistrictKeys().Public().KeyID
	mustClose(t, s)
	if d, err := storage.DistrictKeysOf(dir, passNFD); err != nil || d.Public().KeyID != want {
		t.Fatalf("NFD typed: %v", err)
	}
	makeLegacy(t, dir, passNFC, passNFD)
	legacy := readKeyFile(t, dir)
	s, err = storage.Open(dir, passNFD, storage.Options{Kind: storage.KindDistrict, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(readKeyFile(t, dir), legacy) {
		t.Fatal("Open did not wrap the legacy key file again")
	}
	// While kitctl holds the profile open, a node reads the keys and
	// leaves the file alone.
	makeLegacy(t, dir, passNFC, passNFD)
	legacy = readKeyFile(t, dir)
	if d, err := storage.DistrictKeysOf(dir, passNFC); err != nil || d.Public().KeyID != want {
		t.Fatalf("legacy, profile open elsewhere: %v", err)
	}
	if !bytes.Equal(readKeyFile(t, dir), legacy) {
		t.Fatal("DistrictKeysOf wrote the key file of a profile open elsewhere")
	}
	mustClose(t, s)
	if _, err := storage.DistrictKeysOf(dir, passNFC); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(readKeyFile(t, dir), legacy) {
		t.Fatal("DistrictKeysOf did not wrap the legacy key file again")
	}
	if _, rewrap, err := keyring.Unlock(readKeyFile(t, dir), passNFC); err != nil || rewrap {
		t.Fatalf("after DistrictKeysOf: rewrap %v, %v", rewrap, err)
	}
	if _, err := storage.DistrictKeysOf(dir, []byte("sai mật khẩu rồi")); !errors.Is(err, storage.ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
}

func TestChangePassphrase_NewOpensOldDoesNot(t *testing.T) {
	dir := newProfile(t, passNFC)
	if err := storage.ChangePassphrase(dir, passNFD, []byte(newPass)); err != nil {
		t.Fatal(err)
	}
	mustNotOpen(t, dir, passNFC)
	mustNotOpen(t, dir, passNFD)
	mustOpenWith(t, dir, []byte(newPass), "Trần Thị Mai")
	mustOpenWith(t, dir, []byte(norm.NFD.String(newPass)), "Trần Thị Mai")
	if wf, err := keyring.WorkFactorOf(readKeyFile(t, dir)); err != nil || wf != testWorkFactor {
		t.Errorf("work factor after the change: %d, %v", wf, err)
	}

	// The same from the open store, as the app does; the store goes on.
	s, err := storage.Open(dir, []byte(newPass), storage.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ChangePassphrase([]byte(newPass), passNFD); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, "Lê Văn Tâm")
	mustClose(t, s)
	mustNotOpen(t, dir, []byte(newPass))
	mustOpenWith(t, dir, passNFC, "Lê Văn Tâm")
	if err := s.ChangePassphrase(passNFC, []byte(newPass)); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("change on a closed store: %v", err)
	}
}

func TestChangePassphrase_WrongOrShortChangesNothing(t *testing.T) {
	dir := newProfile(t, passNFC)
	before := snapshot(t, dir)
	if err := storage.ChangePassphrase(dir, []byte("sai mật khẩu rồi"), []byte(newPass)); !errors.Is(err, storage.ErrWrongPassphrase) {
		t.Errorf("wrong current passphrase: %v", err)
	}
	// "mật khẩu" is 8 letters, typed as 12 code points in NFD.
	if err := storage.ChangePassphrase(dir, passNFC, []byte(norm.NFD.String("mật khẩu"))); !errors.Is(err, storage.ErrShortPassphrase) {
		t.Errorf("short new passphrase: %v", err)
	}
	if err := storage.ChangePassphrase(filepath.Join(t.TempDir(), "none"), passNFC, []byte(newPass)); !errors.Is(err, storage.ErrNoProfile) {
		t.Errorf("no profile: %v", err)
	}
	if !equalSnapshots(before, snapshot(t, dir)) {
		t.Fatal("a refused change changed files of the profile")
	}
	s, err := storage.Open(dir, passNFC, storage.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	// Open elsewhere: refused (the open store may change it itself).
	if err := storage.ChangePassphrase(dir, passNFC, []byte(newPass)); !errors.Is(err, storage.ErrInUse) {
		t.Errorf("profile open elsewhere: %v", err)
	}
	key := readKeyFile(t, dir)
	if err := s.ChangePassphrase([]byte("sai mật khẩu rồi"), []byte(newPass)); !errors.Is(err, storage.ErrWrongPassphrase) {
		t.Errorf("open store, wrong current passphrase: %v", err)
	}
	if !bytes.Equal(readKeyFile(t, dir), key) {
		t.Error("a wrong passphrase changed the key file")
	}
	mustClose(t, s)
	mustOpenWith(t, dir, passNFC, "Trần Thị Mai")
}

func TestChangePassphrase_FailedWriteLeavesTheProfileOpenable(t *testing.T) {
	dir := newProfile(t, passNFC)
	before := readKeyFile(t, dir)
	restore := storage.FailKeyFileWrites()
	err := storage.ChangePassphrase(dir, passNFC, []byte(newPass))
	restore()
	if err == nil {
		t.Fatal("the change succeeded with a failing write")
	}
	if !bytes.Equal(readKeyFile(t, dir), before) {
		t.Fatal("a failed change touched the key file")
	}
	if left, _ := filepath.Glob(keyFileOf(dir) + "*.tmp"); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	mustOpenWith(t, dir, passNFC, "Trần Thị Mai")
	mustNotOpen(t, dir, []byte(newPass))

	// A kill halfway through the write leaves half a temporary file: the
	// profile opens as before, and the next change clears it away.
	half := filepath.Join(dir, "master-key.age.4242.tmp")
	write(t, half, before[:len(before)/2])
	mustOpenWith(t, dir, passNFC, "Trần Thị Mai")
	if err := storage.ChangePassphrase(dir, passNFC, []byte(newPass)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(half); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the half-written file is still there: %v", err)
	}
	mustOpenWith(t, dir, []byte(newPass), "Trần Thị Mai")
}

func TestChangePassphrase_NodeProfile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "n1", "store")
	s, err := storage.Create(dir, passNFC, storage.Profile{Kind: storage.KindNode, District: "Cụm Mèo Vạc", Officer: "n1"},
		storage.Options{WorkFactor: testWorkFactor, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	if k, err := storage.ProfileKind(dir); err != nil || k != storage.KindNode {
		t.Fatalf("ProfileKind = %q, %v", k, err)
	}
	if err := storage.ChangePassphrase(dir, passNFC, []byte(newPass)); err != nil {
		t.Fatal(err)
	}
	s, err = storage.Open(dir, []byte(newPass), storage.Options{Kind: storage.KindNode, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
}

func TestCreate_WorkFactorOutOfRangeCreatesNothing(t *testing.T) {
	for _, wf := range []int{-1, 9, 23, 40} {
		dir := filepath.Join(t.TempDir(), "p")
		_, err := storage.Create(dir, passNFC, storage.Profile{Commune: "00769", Officer: "A"}, storage.Options{WorkFactor: wf, GCInterval: -1})
		if !errors.Is(err, keyring.ErrWorkFactor) {
			t.Errorf("work factor %d: %v", wf, err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("work factor %d: the directory was made", wf)
		}
	}
}
