package keyring_test

import (
	"bytes"
	"errors"
	"testing"

	"filippo.io/age"
	"golang.org/x/text/unicode/norm"

	"github.com/communekit/communekit/crypto/keyring"
)

// The same passphrase as an NFC and an NFD input method type it.
var (
	passNFC = norm.NFC.String("mật khẩu của Lan")
	passNFD = norm.NFD.String("mật khẩu của Lan")
	// passMixed is neither: "ậ" as "ạ" and a combining circumflex, as
	// some input methods make it.
	passMixed = "m\u1ea1\u0302t kh\u1ea9u c\u1ee7a Lan"
)

func TestForms_AreDifferentBytes(t *testing.T) {
	if passNFC == passNFD || passMixed == passNFC || passMixed == passNFD || norm.NFC.String(passMixed) != passNFC {
		t.Fatal("the test's passphrases are not three forms of one")
	}
}

func TestWrap_AnyFormOpens(t *testing.T) {
	secret := []byte("the store key")
	for _, wrapAs := range []string{passNFC, passNFD, passMixed} {
		w := mustWrap(t, secret, wrapAs)
		for _, typed := range []string{passNFC, passNFD, passMixed} {
			got, rewrap, err := keyring.Unlock(w, []byte(typed))
			if err != nil || !bytes.Equal(got, secret) {
				t.Errorf("wrapped as %+q, typed %+q: %v", wrapAs, typed, err)
			}
			if rewrap {
				t.Errorf("wrapped by Wrap, typed %+q: asks to be wrapped again", typed)
			}
		}
	}
}

// legacyWrap wraps as Wrap did before passphrases were normalised: under
// the bytes as typed.
func legacyWrap(t *testing.T, secret []byte, pass string) []byte {
	t.Helper()
	r, err := age.NewScryptRecipient(pass)
	if err != nil {
		t.Fatal(err)
	}
	r.SetWorkFactor(testWorkFactor)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(secret)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestUnlock_LegacyWrappedAsTypedOpensAndAsksForRewrap(t *testing.T) {
	secret := []byte("the store key")
	for _, c := range []struct {
		name, wrapped string
		opens         []string // typed forms that open it
		rewrap        bool
	}{
		// NFD as typed: the same bytes, and the NFC form through its NFD.
		{"NFD", passNFD, []string{passNFD, passNFC, passMixed}, true},
		// A mixed form opens only with its own bytes.
		{"mixed", passMixed, []string{passMixed}, true},
		// NFC as typed is what Wrap makes now: nothing to do.
		{"NFC", passNFC, []string{passNFC, passNFD, passMixed}, false},
	} {
		w := legacyWrap(t, secret, c.wrapped)
		for _, typed := range c.opens {
			got, rewrap, err := keyring.Unlock(w, []byte(typed))
			if err != nil || !bytes.Equal(got, secret) || rewrap != c.rewrap {
				t.Errorf("%s, typed %+q: %q, rewrap %v, %v", c.name, typed, got, rewrap, err)
			}
		}
		if _, _, err := keyring.Unlock(w, []byte("mật khẩu của Lam")); !errors.Is(err, keyring.ErrWrongPassphrase) {
			t.Errorf("%s: a wrong passphrase gives %v", c.name, err)
		}
	}
}

func TestCharacters_CountsLettersNotCodePoints(t *testing.T) {
	if n := keyring.Characters([]byte(passNFD)); n != len([]rune(passNFC)) {
		t.Errorf("Characters(NFD) = %d, want %d", n, len([]rune(passNFC)))
	}
	if err := keyring.CheckNew([]byte(norm.NFD.String("mật khẩu"))); !errors.Is(err, keyring.ErrShortPassphrase) {
		t.Errorf("8 letters typed as 12 code points: %v", err)
	}
	if err := keyring.CheckNew([]byte(passNFD)); err != nil {
		t.Error(err)
	}
}

func TestWorkFactor_Bounded(t *testing.T) {
	for _, wf := range []int{-1, 1, 9, 23, 31, 64} {
		if _, err := keyring.Wrap([]byte("s"), []byte("pass"), wf); !errors.Is(err, keyring.ErrWorkFactor) {
			t.Errorf("Wrap at %d: %v", wf, err)
		}
	}
	for v, want := range map[string]int{"": 0, "10": 10, " 18 ": 18, "22": 22} {
		if got, err := keyring.ParseWorkFactor(v); err != nil || got != want {
			t.Errorf("ParseWorkFactor(%q) = %d, %v", v, got, err)
		}
	}
	for _, v := range []string{"9", "23", "40", "-3", "ten", "18.5", "1e2"} {
		if _, err := keyring.ParseWorkFactor(v); err == nil {
			t.Errorf("ParseWorkFactor(%q) accepted", v)
		}
	}
	w := mustWrap(t, []byte("s"), "pass")
	if wf, err := keyring.WorkFactorOf(w); err != nil || wf != testWorkFactor {
		t.Errorf("WorkFactorOf = %d, %v", wf, err)
	}
	if _, err := keyring.WorkFactorOf([]byte("garbage")); !errors.Is(err, keyring.ErrMalformed) {
		t.Errorf("WorkFactorOf(garbage): %v", err)
	}
}
