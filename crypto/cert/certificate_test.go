package cert_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
)

func TestCertificate_RoundTrip_BinaryAndText(t *testing.T) {
	district := mustDistrict(t, "Cụm Mèo Vạc")
	c := mustEnrol(t, district, lanDevice, "Nguyễn Thị Lan", 42, "00769")
	bin, text := mustBinary(t, c), mustText(t, c)
	for name, in := range map[string][]byte{
		"binary":       bin,
		"text":         text,
		"text, spaced": []byte("\t" + string(text) + "\n"),
	} {
		got, err := cert.ParseCertificate(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("%s: round trip changed the certificate:\n got %+v\nwant %+v", name, got, c)
		}
		if err := got.Verify(district.Public(), now); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var u cert.Certificate
	if err := u.UnmarshalText(text); err != nil || !reflect.DeepEqual(&u, c) {
		t.Fatalf("UnmarshalText: %v", err)
	}
	if err := u.UnmarshalBinary(bin); err != nil || !reflect.DeepEqual(&u, c) {
		t.Fatalf("UnmarshalBinary: %v", err)
	}
}

// TestCertificate_TextFitsQRCode measures the text forms for typical and
// large scopes; the figures go in the package doc.
func TestCertificate_TextFitsQRCode(t *testing.T) {
	district := mustDistrict(t, "Cụm Mèo Vạc")
	for _, communes := range [][]string{{"00769"}, {"00769", "00772", "00775", "00778", "00781"}} {
		r := mustRequest(t, mustDevice(t, lanDevice), "Nguyễn Thị Lan", communes...)
		c, err := cert.Sign(r, cert.RoleSupervisor, nil, year, 1234, district, now)
		if err != nil {
			t.Fatal(err)
		}
		rt, ct := mustText(t, r), mustText(t, c)
		t.Logf("%d communes: request %d B binary, %d chars text; certificate %d B binary, %d chars text",
			len(communes), len(mustBinary(t, r)), len(rt), len(mustBinary(t, c)), len(ct))
		if len(rt) >= 600 || len(ct) >= 600 {
			t.Errorf("%d communes: request %d, certificate %d characters; want under 600", len(communes), len(rt), len(ct))
		}
	}
}

func TestSign_TakesGrantedScopeOrRequested(t *testing.T) {
	district := mustDistrict(t, "D")
	r := mustRequest(t, mustDevice(t, lanDevice), "Lan", "00769", "00772")
	c, err := cert.Sign(r, cert.RoleOfficer, nil, year, 1, district, now)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Communes, []string{"00769", "00772"}) {
		t.Errorf("no grant: communes %q, want the requested ones", c.Communes)
	}
	c, err = cert.Sign(r, cert.RoleOfficer, []string{"00775", "00769"}, year, 2, district, now)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Communes, []string{"00769", "00775"}) {
		t.Errorf("grant: communes %q, want the granted ones, sorted", c.Communes)
	}
	if !c.Covers("00775") || !c.Covers(" 00769") || c.Covers("00772") {
		t.Errorf("Covers disagrees with %q", c.Communes)
	}
	err = c.CheckCommune("00772")
	if !errors.Is(err, cert.ErrNotCovered) || !strings.Contains(err.Error(), `not enrolled for commune "00772"`) {
		t.Errorf("CheckCommune: %v", err)
	}
	if got, want := c.NotAfter, now.Add(year); !got.Equal(want) {
		t.Errorf("not after %v, want %v", got, want)
	}
	if !c.NotBefore.Before(now) {
		t.Errorf("not before %v is not before the signing time %v", c.NotBefore, now)
	}
}

func TestSign_RejectsBadArguments(t *testing.T) {
	district := mustDistrict(t, "D")
	r := mustRequest(t, mustDevice(t, lanDevice), "Lan", "00769")
	bare := mustRequest(t, mustDevice(t, lanDevice), "Lan")
	for name, c := range map[string]struct {
		r        *cert.Request
		role     cert.Role
		validFor time.Duration
		serial   uint64
		want     error
	}{
		"unknown role":   {r, "mayor", year, 1, cert.ErrUnknownRole},
		"no commune":     {bare, cert.RoleOfficer, year, 1, cert.ErrMalformed},
		"no validity":    {r, cert.RoleOfficer, 0, 1, cert.ErrMalformed},
		"too long":       {r, cert.RoleOfficer, cert.MaxValidity + time.Second, 1, cert.ErrMalformed},
		"serial 0":       {r, cert.RoleOfficer, year, 0, cert.ErrMalformed},
		"unsigned":       {&cert.Request{Device: r.Device, Officer: "Lan", Created: now}, cert.RoleOfficer, year, 1, cert.ErrBadSignature},
		"bad field kept": {&cert.Request{Device: r.Device, Officer: "", Created: now, Sig: r.Sig}, cert.RoleOfficer, year, 1, cert.ErrMalformed},
	} {
		if _, err := cert.Sign(c.r, c.role, nil, c.validFor, c.serial, district, now); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]cert.Role{"officer": cert.RoleOfficer, " Supervisor": cert.RoleSupervisor, "ADMIN": cert.RoleAdmin} {
		if got, err := cert.ParseRole(in); err != nil || got != want {
			t.Errorf("ParseRole(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := cert.ParseRole("chairman"); !errors.Is(err, cert.ErrUnknownRole) || !strings.Contains(err.Error(), "officer, supervisor and admin") {
		t.Errorf("got %v", err)
	}
}

func TestCertificate_Verify_WrongDistrict(t *testing.T) {
	mine, theirs := mustDistrict(t, "Cụm Mèo Vạc"), mustDistrict(t, "Cụm Đồng Văn")
	c := mustEnrol(t, theirs, lanDevice, "Nguyễn Thị Lan", 1, "00769")
	err := c.Verify(mine.Public(), now)
	if !errors.Is(err, cert.ErrWrongDistrict) {
		t.Fatalf("got %v, want ErrWrongDistrict", err)
	}
	if !strings.Contains(err.Error(), `issued by district "Cụm Đồng Văn"`) {
		t.Errorf("message does not name the issuer: %v", err)
	}
	// A public key that claims the issuer's key ID is judged by its keys.
	forged := mine.Public()
	forged.KeyID = theirs.Public().KeyID
	forged.Name = theirs.Name
	if err := c.Verify(forged, now); !errors.Is(err, cert.ErrWrongDistrict) {
		t.Fatalf("forged key ID: got %v, want ErrWrongDistrict", err)
	}
}

// TestCertificate_Verify_ForgedUnderRightKeyID: a certificate that names the
// trusted district but was signed by another key fails the signature.
func TestCertificate_Verify_ForgedUnderRightKeyID(t *testing.T) {
	mine, attacker := mustDistrict(t, "Cụm Mèo Vạc"), mustDistrict(t, "Cụm Mèo Vạc")
	c := mustEnrol(t, attacker, lanDevice, "Lan", 1, "00769")
	c.DistrictKeyID = mine.Public().KeyID
	if err := c.Verify(mine.Public(), now); !errors.Is(err, cert.ErrBadSignature) {
		t.Fatalf("got %v, want ErrBadSignature", err)
	}
}

func TestCertificate_Verify_ValidityWindow(t *testing.T) {
	district := mustDistrict(t, "Cụm Mèo Vạc")
	c := mustEnrol(t, district, lanDevice, "Nguyễn Thị Lan", 1, "00769")
	p := district.Public()
	for name, tc := range map[string]struct {
		at   time.Time
		want error
		says string
	}{
		"signing time":        {now, nil, ""},
		"slow clock, 30 min":  {now.Add(-30 * time.Minute), nil, ""},
		"last second":         {c.NotAfter.Add(-time.Second), nil, ""},
		"first invalid":       {c.NotAfter, cert.ErrExpired, "certificate of device k3m7q2abx7c4d5ef (Nguyễn Thị Lan) expired on 2027-11-25; enrol the device again"},
		"years later":         {now.Add(5 * year), cert.ErrExpired, "expired on 2027-11-25"},
		"before issue":        {c.NotBefore.Add(-time.Second), cert.ErrNotYetValid, "not valid before 2026-11-25 08:30 UTC; check the date and time"},
		"clock reset to 1970": {time.Unix(0, 0), cert.ErrNotYetValid, "check the date and time"},
	} {
		err := c.Verify(p, tc.at)
		if tc.want == nil {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: got %v, want %v saying %q", name, err, tc.want, tc.says)
		}
	}
}

// TestCertificate_AlteredFieldsFailSignature changes each field of a signed
// certificate to a value that encodes fine; none survives Verify.
func TestCertificate_AlteredFieldsFailSignature(t *testing.T) {
	district := mustDistrict(t, "Cụm Mèo Vạc")
	other := mustDevice(t, binDevice).Public()
	for name, alter := range map[string]func(c *cert.Certificate){
		"serial":     func(c *cert.Certificate) { c.Serial++ },
		"device":     func(c *cert.Certificate) { c.Device = other },
		"officer":    func(c *cert.Certificate) { c.Officer = "Hoàng Văn Bìn" },
		"role":       func(c *cert.Certificate) { c.Role = cert.RoleAdmin },
		"communes":   func(c *cert.Certificate) { c.Communes = append(c.Communes, "00772") },
		"not before": func(c *cert.Certificate) { c.NotBefore = c.NotBefore.Add(-time.Second) },
		"not after":  func(c *cert.Certificate) { c.NotAfter = c.NotAfter.Add(10 * year) },
		"district":   func(c *cert.Certificate) { c.District = "Cụm Đồng Văn" },
	} {
		c := mustEnrol(t, district, lanDevice, "Lan", 1, "00769")
		alter(c)
		if err := c.Verify(district.Public(), now); !errors.Is(err, cert.ErrBadSignature) {
			t.Errorf("%s altered: got %v, want ErrBadSignature", name, err)
		}
	}
}

func TestCertificate_EveryBitFlipRejected(t *testing.T) {
	district := mustDistrict(t, "Cụm Mèo Vạc")
	b := mustBinary(t, mustEnrol(t, district, lanDevice, "Nguyễn Thị Lan", 7, "00769", "00772"))
	for i := range len(b) * 8 {
		c, err := cert.ParseCertificate(flipBit(b, i))
		if err == nil {
			err = c.Verify(district.Public(), now)
		}
		if !errors.Is(err, cert.ErrMalformed) && !errors.Is(err, cert.ErrBadSignature) && !errors.Is(err, cert.ErrWrongDistrict) {
			t.Fatalf("bit %d flipped: got %v", i, err)
		}
	}
}

func TestParseCertificate_EveryTruncationRejected(t *testing.T) {
	c := mustEnrol(t, mustDistrict(t, "D"), lanDevice, "Lan", 1, "00769")
	b, text := mustBinary(t, c), mustText(t, c)
	for n := range len(b) {
		if _, err := cert.ParseCertificate(b[:n]); !errors.Is(err, cert.ErrMalformed) {
			t.Fatalf("binary cut to %d bytes: got %v", n, err)
		}
	}
	for n := range len(text) {
		if _, err := cert.ParseCertificate(text[:n]); !errors.Is(err, cert.ErrMalformed) {
			t.Fatalf("text cut to %d characters: got %v", n, err)
		}
	}
}

func TestParseCertificate_RequestGivenInstead(t *testing.T) {
	r := mustRequest(t, mustDevice(t, lanDevice), "Lan", "00769")
	_, err := cert.ParseCertificate(mustText(t, r))
	if !errors.Is(err, cert.ErrMalformed) || !strings.Contains(err.Error(), "this is an enrolment request, not a certificate") {
		t.Fatalf("got %v", err)
	}
}

func TestCertificate_MarshalUnsigned(t *testing.T) {
	c := mustEnrol(t, mustDistrict(t, "D"), lanDevice, "Lan", 1, "00769")
	c.Sig = nil
	if _, err := c.MarshalText(); !errors.Is(err, cert.ErrMalformed) {
		t.Fatalf("got %v, want ErrMalformed", err)
	}
}

// TestCertificate_Verify_DamagedTrustedKey: a certificate crafted for the key
// ID of an empty district key must not crash the verifier.
func TestCertificate_Verify_DamagedTrustedKey(t *testing.T) {
	c := mustEnrol(t, mustDistrict(t, "D"), lanDevice, "Lan", 1, "00769")
	var broken identity.DistrictPublic
	c.DistrictKeyID = identity.KeyID(broken.AgeRecipient, broken.SignKey)
	if err := c.Verify(broken, now); !errors.Is(err, cert.ErrBadSignature) {
		t.Fatalf("got %v, want ErrBadSignature", err)
	}
	l := &cert.RevocationList{District: "D", DistrictKeyID: c.DistrictKeyID, Sig: make([]byte, 64)}
	if err := l.Verify(broken); !errors.Is(err, cert.ErrBadSignature) {
		t.Fatalf("revocation list: got %v, want ErrBadSignature", err)
	}
}
