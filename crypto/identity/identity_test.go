package identity_test

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/crypto/keyring"
)

// Tests use a low scrypt work factor; the real one only changes the cost.
const testWorkFactor = 10

const testDeviceID = "k3m7q2abx7c4d5ef"

func TestNewDevice_RejectsBadID(t *testing.T) {
	for _, id := range []string{"", "short", "K3M9Q2ABX7C4D5EF", "k3m9q2abx7c4d5e1", "k3m9q2abx7c4d5efg"} {
		if _, err := identity.NewDevice(id); !errors.Is(err, identity.ErrInvalid) {
			t.Errorf("NewDevice(%q) = %v, want ErrInvalid", id, err)
		}
	}
}

func TestNewDistrict_CleansName(t *testing.T) {
	d, err := identity.NewDistrict("  Cu\u0323m Me\u0300o Va\u0323c ")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "Cụm Mèo Vạc" {
		t.Fatalf("name %q, want NFC without surrounding space", d.Name)
	}
	for _, bad := range []string{"", "  ", "a\nb", strings.Repeat("ạ", 101)} {
		if _, err := identity.NewDistrict(bad); !errors.Is(err, identity.ErrInvalid) {
			t.Errorf("NewDistrict(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestCheckName(t *testing.T) {
	for s, ok := range map[string]bool{
		"Nguyễn Thị Lan":          true,
		"00769":                   true,
		strings.Repeat("a", 200):  true,
		strings.Repeat("a", 201):  false,
		"Nguye\u0302\u0303n":      false, // decomposed
		" Lan":                    false,
		"Lan\t":                   false,
		"La\x00n":                 false,
		"\xff":                    false,
		"":                        false,
		"Lan\u0085Thi":            false, // NEL is a control character
		"Hà Giang – Đồng Văn (2)": true,
	} {
		err := identity.CheckName("name", s)
		if (err == nil) != ok {
			t.Errorf("CheckName(%q) = %v, want ok=%v", s, err, ok)
		}
	}
}

func TestKeyID_SixteenHexDependingOnBothKeys(t *testing.T) {
	a, b := mustDistrict(t, "A").Public(), mustDistrict(t, "B").Public()
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(a.KeyID) {
		t.Fatalf("key ID %q is not 16 hex characters", a.KeyID)
	}
	if identity.KeyID(a.AgeRecipient, b.SignKey) == a.KeyID || identity.KeyID(b.AgeRecipient, a.SignKey) == a.KeyID {
		t.Fatal("key ID does not depend on both keys")
	}
	if identity.KeyID(a.AgeRecipient, a.SignKey) != a.KeyID {
		t.Fatal("key ID is not deterministic")
	}
}

func TestDevice_WrapUnwrap_RoundTrip(t *testing.T) {
	d := mustDevice(t)
	w, err := d.Wrap([]byte("mật khẩu"), testWorkFactor)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(w, d.Sign.Seed()) || bytes.Contains(w, []byte(d.Age.String())) {
		t.Fatal("wrapped key file contains a private key in the clear")
	}
	got, err := identity.UnwrapDevice(w, []byte("mật khẩu"))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != d.ID || got.Age.String() != d.Age.String() || !got.Sign.Equal(d.Sign) {
		t.Fatal("round trip changed the device keys")
	}
}

func TestDistrict_WrapUnwrap_RoundTrip(t *testing.T) {
	d := mustDistrict(t, "Cụm Mèo Vạc")
	w, err := d.Wrap([]byte("mật khẩu"), testWorkFactor)
	if err != nil {
		t.Fatal(err)
	}
	got, err := identity.UnwrapDistrict(w, []byte("mật khẩu"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != d.Name || got.Age.String() != d.Age.String() || !got.Sign.Equal(d.Sign) {
		t.Fatal("round trip changed the district keys")
	}
	if got.Public().KeyID != d.Public().KeyID {
		t.Fatal("round trip changed the key ID")
	}
}

func TestUnwrap_WrongPassphrase(t *testing.T) {
	dev, err := mustDevice(t).Wrap([]byte("right"), testWorkFactor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := identity.UnwrapDevice(dev, []byte("wrong")); !errors.Is(err, keyring.ErrWrongPassphrase) {
		t.Errorf("device: got %v, want keyring.ErrWrongPassphrase", err)
	}
	dis, err := mustDistrict(t, "A").Wrap([]byte("right"), testWorkFactor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := identity.UnwrapDistrict(dis, []byte("wrong")); !errors.Is(err, keyring.ErrWrongPassphrase) {
		t.Errorf("district: got %v, want keyring.ErrWrongPassphrase", err)
	}
}

func TestUnwrap_WrongKindOfKeyFile(t *testing.T) {
	dis, err := mustDistrict(t, "A").Wrap([]byte("p"), testWorkFactor)
	if err != nil {
		t.Fatal(err)
	}
	_, err = identity.UnwrapDevice(dis, []byte("p"))
	if !errors.Is(err, identity.ErrMalformed) || !strings.Contains(err.Error(), "district key file, not a device key file") {
		t.Fatalf("got %v", err)
	}
	dev, err := mustDevice(t).Wrap([]byte("p"), testWorkFactor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := identity.UnwrapDistrict(dev, []byte("p")); !errors.Is(err, identity.ErrMalformed) {
		t.Fatalf("got %v", err)
	}
}

func TestDistrictPublic_TextRoundTrip(t *testing.T) {
	p := mustDistrict(t, "Cụm Mèo Vạc").Public()
	b, err := p.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var got identity.DistrictPublic
	if err := got.UnmarshalText(append(append([]byte(" \n"), b...), "\r\n"...)); err != nil {
		t.Fatal(err)
	}
	if got.Name != p.Name || got.KeyID != p.KeyID || got.AgeRecipient != p.AgeRecipient || !got.SignKey.Equal(p.SignKey) {
		t.Fatalf("round trip: got %+v, want %+v", got, p)
	}
	t.Logf("district public text: %d bytes", len(b))
}

func TestDevicePublic_TextRoundTrip(t *testing.T) {
	p := mustDevice(t).Public()
	b, err := p.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var got identity.DevicePublic
	if err := got.UnmarshalText(b); err != nil {
		t.Fatal(err)
	}
	if got.ID != p.ID || got.AgeRecipient != p.AgeRecipient || !got.SignKey.Equal(p.SignKey) {
		t.Fatalf("round trip: got %+v, want %+v", got, p)
	}
	if got.KeyID() != identity.KeyID(p.AgeRecipient, p.SignKey) {
		t.Fatal("device key ID differs")
	}
}

func TestDistrictPublic_RejectsOtherSpellings(t *testing.T) {
	p := mustDistrict(t, "A").Public()
	b, _ := p.MarshalText()
	s := string(b)
	f := strings.Split(s, " ")
	for name, bad := range map[string]string{
		"double space":     strings.Replace(s, " ", "  ", 1),
		"upper-case age":   strings.Join([]string{f[0], f[1], strings.ToUpper(f[2]), f[3]}, " "),
		"device prefix":    strings.Replace(s, "communekit-district-v1", "communekit-device-v1", 1),
		"version 2":        strings.Replace(s, "-v1", "-v2", 1),
		"padded key":       s + "=",
		"extra field":      s + " x",
		"short key":        strings.Join([]string{f[0], f[1], f[2], f[3][:10]}, " "),
		"name not NFC":     strings.Join([]string{f[0], "YcyA", f[2], f[3]}, " "), // "a" + combining grave
		"age key for sign": strings.Join([]string{f[0], f[1], f[2], f[2]}, " "),
		"empty":            "",
	} {
		var got identity.DistrictPublic
		if err := got.UnmarshalText([]byte(bad)); !errors.Is(err, identity.ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzDistrictPublicUnmarshalText(f *testing.F) {
	b, _ := mustDistrict(f, "Cụm Mèo Vạc").Public().MarshalText()
	f.Add(b)
	f.Add([]byte("communekit-district-v1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p identity.DistrictPublic
		if err := p.UnmarshalText(b); err != nil {
			return
		}
		again, err := p.MarshalText()
		if err != nil {
			t.Fatalf("parsed key does not marshal: %v", err)
		}
		if !bytes.Equal(again, bytes.TrimSpace(b)) {
			t.Fatalf("two spellings of one key: %q and %q", b, again)
		}
	})
}

func mustDevice(t testing.TB) *identity.Device {
	t.Helper()
	d, err := identity.NewDevice(testDeviceID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustDistrict(t testing.TB, name string) *identity.District {
	t.Helper()
	d, err := identity.NewDistrict(name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDistrictBatchKeysRoundTrip(t *testing.T) {
	d, err := identity.NewDistrict("Cụm Mèo Vạc")
	if err != nil {
		t.Fatal(err)
	}
	v1, err := d.MarshalBinary()
	if err != nil || v1[len("CKDSTKEY")] != 1 {
		t.Fatalf("a district never rotated is written as version 1: %v", err)
	}
	for range 3 {
		if _, err := d.NewBatchKey(); err != nil {
			t.Fatal(err)
		}
	}
	if d.CurrentBatchKey().Gen != 3 || len(d.BatchKeys()) != 4 || d.BatchKeys()[0].Age != d.Age {
		t.Fatalf("generations %+v", d.BatchKeys())
	}
	b, err := d.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, err := identity.ParseDistrict(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Batch) != 3 || got.Batch[2].Gen != 3 || got.Batch[2].Age.String() != d.Batch[2].Age.String() || got.Public().KeyID != d.Public().KeyID {
		t.Fatalf("parsed %+v", got)
	}
	// Truncated anywhere, or with a byte more, it is refused.
	for i := len(v1); i < len(b); i++ {
		if _, err := identity.ParseDistrict(b[:i]); err == nil {
			t.Fatalf("truncated at %d accepted", i)
		}
	}
	if _, err := identity.ParseDistrict(append(b, 0)); err == nil {
		t.Fatal("trailing byte accepted")
	}
	n, err := identity.NewNode("n1")
	if err != nil {
		t.Fatal(err)
	}
	nb, _ := n.MarshalBinary()
	if _, err := identity.ParseDistrict(nb); err == nil || !strings.Contains(err.Error(), "node key file") {
		t.Errorf("a node key as a district's: %v", err)
	}
	for _, id := range []string{"", "N1", "-n", "n 1", strings.Repeat("a", 65)} {
		if _, err := identity.NewNode(id); err == nil {
			t.Errorf("node ID %q accepted", id)
		}
	}
}

func TestDeriveNode(t *testing.T) {
	d, _ := identity.NewDistrict("Cụm Mèo Vạc")
	a, err := identity.DeriveNode(d, "n1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := identity.DeriveNode(d, "n1")
	c, _ := identity.DeriveNode(d, "n2")
	other, _ := identity.NewDistrict("Cụm Mèo Vạc")
	o, _ := identity.DeriveNode(other, "n1")
	if a.Public().KeyID() != b.Public().KeyID() || a.Age.String() != b.Age.String() {
		t.Error("two derivations differ")
	}
	if a.Public().KeyID() == c.Public().KeyID() || a.Public().KeyID() == o.Public().KeyID() || a.Age.String() == c.Age.String() {
		t.Error("another node or district derives the same keys")
	}
	if err := a.Public().Check(); err != nil {
		t.Fatal(err)
	}
	// The age key works: what is sealed to its recipient opens with it.
	var buf bytes.Buffer
	w, _ := age.Encrypt(&buf, a.Age.Recipient())
	w.Write([]byte("x"))
	w.Close()
	if r, err := age.Decrypt(&buf, b.Age); err != nil {
		t.Fatal(err)
	} else if got, _ := io.ReadAll(r); string(got) != "x" {
		t.Fatalf("%q", got)
	}
}
