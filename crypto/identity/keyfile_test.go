package identity

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// TestDecodeDevice_DamagedPlaintext feeds the key file decoder what a
// correct passphrase could unwrap from a damaged or foreign file.
func TestDecodeDevice_DamagedPlaintext(t *testing.T) {
	good := devicePlaintext(t)
	cases := map[string][]byte{
		"trailing byte":  append(bytes.Clone(good), 0),
		"version 2":      append([]byte("CKDEVKEY\x02"), good[9:]...),
		"bad device ID":  append([]byte("CKDEVKEY\x01K3M7Q2ABX7C4D5EF"), good[25:]...),
		"bad age key":    bytes.Replace(good, []byte("AGE-SECRET-KEY-1"), []byte("AGE-SECRET-KEY-2"), 1),
		"lower age key":  bytes.Replace(good, []byte("AGE-SECRET-KEY-1"), []byte("age-secret-key-1"), 1),
		"district magic": append([]byte("CKDSTKEY"), good[8:]...),
		"empty":          {},
	}
	for n := range len(good) {
		cases[fmt.Sprintf("truncated to %d bytes", n)] = good[:n]
	}
	for name, p := range cases {
		if _, err := decodeDevice(p); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

func TestDecodeDistrict_DamagedPlaintext(t *testing.T) {
	d, err := NewDistrict("Cụm Mèo Vạc")
	if err != nil {
		t.Fatal(err)
	}
	good := append([]byte(districtKeyMagic), keyFileVersion, byte(len(d.Name)))
	good = append(good, d.Name...)
	good = appendSecrets(good, d.Age, d.Sign)
	if _, err := decodeDistrict(good); err != nil {
		t.Fatalf("documented layout does not decode: %v", err)
	}
	for n := range len(good) {
		if _, err := decodeDistrict(good[:n]); !errors.Is(err, ErrMalformed) {
			t.Errorf("truncated to %d bytes: got %v, want ErrMalformed", n, err)
		}
	}
	notNFC := bytes.Replace(good, []byte("Mèo"), []byte("Me\u0300o"), 1)
	notNFC[9] = byte(len(d.Name) + 1)
	if _, err := decodeDistrict(notNFC); !errors.Is(err, ErrMalformed) {
		t.Errorf("name not in NFC: got %v, want ErrMalformed", err)
	}
}

// devicePlaintext builds a device key file plaintext from the layout the
// keyfile.go comment documents, independently of Device.Wrap.
func devicePlaintext(t *testing.T) []byte {
	t.Helper()
	d, err := NewDevice("k3m7q2abx7c4d5ef")
	if err != nil {
		t.Fatal(err)
	}
	secret := d.Age.String()
	p := append([]byte("CKDEVKEY\x01"), d.ID...)
	p = append(p, byte(len(secret)))
	p = append(p, secret...)
	p = append(p, d.Sign.Seed()...)
	got, err := decodeDevice(p)
	if err != nil {
		t.Fatalf("documented layout does not decode: %v", err)
	}
	if got.ID != d.ID || !got.Sign.Equal(d.Sign) || got.Age.String() != secret {
		t.Fatal("documented layout decodes to other keys")
	}
	return p
}
