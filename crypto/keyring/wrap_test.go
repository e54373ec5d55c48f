package keyring_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/communekit/communekit/crypto/keyring"
)

// Tests use a low work factor; the real one only changes the cost.
const testWorkFactor = 10

func TestWrapUnwrap_RoundTrip(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	w, err := keyring.Wrap(secret, []byte("mật khẩu dài"), testWorkFactor)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(w, secret) {
		t.Fatal("wrapped form contains the secret")
	}
	got, err := keyring.Unwrap(w, []byte("mật khẩu dài"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, secret) {
		t.Fatal("round trip changed the secret")
	}
}

func TestUnwrap_WrongPassphrase(t *testing.T) {
	w := mustWrap(t, []byte("secret"), "right")
	_, err := keyring.Unwrap(w, []byte("wrong"))
	if !errors.Is(err, keyring.ErrWrongPassphrase) {
		t.Fatalf("got %v, want ErrWrongPassphrase", err)
	}
}

func TestUnwrap_DamagedFile(t *testing.T) {
	w := mustWrap(t, []byte("secret"), "right")
	for name, b := range map[string][]byte{
		"truncated": w[:len(w)/2],
		"garbage":   []byte("not an age file at all\n"),
		"empty":     nil,
		"flipped":   flip(w, len(w)-5),
	} {
		_, err := keyring.Unwrap(b, []byte("right"))
		if err == nil {
			t.Errorf("%s: Unwrap succeeded", name)
		}
		if errors.Is(err, keyring.ErrWrongPassphrase) && name != "flipped" {
			t.Errorf("%s: damaged file reported as wrong passphrase: %v", name, err)
		}
	}
}

func TestWrap_EmptyPassphrase(t *testing.T) {
	if _, err := keyring.Wrap([]byte("s"), nil, testWorkFactor); !errors.Is(err, keyring.ErrEmptyPassphrase) {
		t.Fatalf("got %v", err)
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 1
	return c
}

func mustWrap(t *testing.T, secret []byte, pass string) []byte {
	t.Helper()
	w, err := keyring.Wrap(secret, []byte(pass), testWorkFactor)
	if err != nil {
		t.Fatal(err)
	}
	return w
}
