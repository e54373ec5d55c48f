package protocol

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

// A dashboard password is checked as letters (typed composed or not),
// its hash refuses parameters a node would not spend, and its setting
// verifies only with the district's key, fresh.
func TestDashboardPassword(t *testing.T) {
	pass := "Mật khẩu Huyện Mèo Vạc"
	h, err := HashDashboardPassword([]byte(norm.NFD.String(pass)))
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseScryptHash(h.String())
	if err != nil {
		t.Fatal(err)
	}
	if !back.Check([]byte(norm.NFC.String(pass))) || back.Check([]byte(pass+" ")) || back.Check(nil) {
		t.Error("the check does not tell the password from others")
	}
	for _, bad := range []string{
		"", "scrypt$15$8$1$abc", "bcrypt$15$8$1$" + strings.Repeat("A", 22) + "$" + strings.Repeat("A", 43),
		"scrypt$21$8$1$" + strings.Repeat("A", 22) + "$" + strings.Repeat("A", 43), // 2 GiB a check
		"scrypt$17$8$1$" + strings.Repeat("A", 22) + "$" + strings.Repeat("A", 43), // 128 MiB
		"scrypt$15$8$1$" + strings.Repeat("A", 8) + "$" + strings.Repeat("A", 43),  // a short salt
		"scrypt$015$8$1$" + strings.Repeat("A", 22) + "$" + strings.Repeat("A", 43),
	} {
		if _, err := ParseScryptHash(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := HashDashboardPassword([]byte("chín chữ.")); err == nil {
		t.Error("a 9-letter password accepted")
	}
	pub, key, _ := ed25519.GenerateKey(nil)
	otherPub, _, _ := ed25519.GenerateKey(nil)
	d := &DashboardPassword{Hash: h.String()}
	now := time.Now()
	d.Sign(key, now)
	if _, err := d.Verify(pub, now); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Verify(otherPub, now); err == nil {
		t.Error("verified with another key")
	}
	if _, err := d.Verify(pub, now.Add(time.Hour)); err == nil {
		t.Error("an hour-old setting is fresh")
	}
	d.Hash = strings.Replace(d.Hash, "$15$", "$14$", 1)
	if _, err := d.VerifySignature(pub); err == nil {
		t.Error("a changed hash verified")
	}
}

// BenchmarkDashboardPasswordCheck measures one login's scrypt check (N =
// 2^15, r = 8: 32 MiB).
func BenchmarkDashboardPasswordCheck(b *testing.B) {
	h, err := HashDashboardPassword([]byte("mật khẩu bảng số liệu"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		h.Check([]byte("không phải mật khẩu"))
	}
}
