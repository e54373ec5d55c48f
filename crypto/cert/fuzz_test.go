package cert_test

import (
	"bytes"
	"testing"

	"github.com/communekit/communekit/crypto/cert"
)

// The fuzz targets hold the parsers to two promises: they never panic, and
// whatever they accept has exactly one encoding — re-encoding gives back the
// input (trimmed, for the text form).

func FuzzParseRequest(f *testing.F) {
	r := mustRequest(f, mustDevice(f, lanDevice), "Nguyễn Thị Lan", "00769", "00772")
	addSeeds(f, mustBinary(f, r), mustText(f, r))
	addSeeds(f, mustBinary(f, mustRequest(f, mustDevice(f, binDevice), "Bìn")), nil)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := cert.ParseRequest(b)
		if err != nil {
			return
		}
		_ = r.Verify()
		checkCanonical(t, b, r)
	})
}

func FuzzParseCertificate(f *testing.F) {
	district := mustDistrict(f, "Cụm Mèo Vạc")
	c := mustEnrol(f, district, lanDevice, "Nguyễn Thị Lan", 42, "00769", "00772")
	addSeeds(f, mustBinary(f, c), mustText(f, c))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := cert.ParseCertificate(b)
		if err != nil {
			return
		}
		_ = c.Verify(district.Public(), now)
		_ = c.Covers("00769")
		checkCanonical(t, b, c)
	})
}

func FuzzParseRevocationList(f *testing.F) {
	district := mustDistrict(f, "Cụm Mèo Vạc")
	empty, err := cert.NewRevocationList(district)
	if err != nil {
		f.Fatal(err)
	}
	l := mustRevoke(f, empty, cert.Revoked{DeviceID: lanDevice, Reason: "máy bị mất", At: now}, district)
	l = mustRevoke(f, l, cert.Revoked{Serial: 9, At: now}, district)
	addSeeds(f, mustBinary(f, empty), mustText(f, empty))
	addSeeds(f, mustBinary(f, l), mustText(f, l))
	c := mustEnrol(f, district, lanDevice, "Lan", 1, "00769")
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := cert.ParseRevocationList(b)
		if err != nil {
			return
		}
		_ = got.Verify(district.Public())
		_ = got.Check(c)
		_ = got.Follows(l)
		checkCanonical(t, b, got)
	})
}

// addSeeds adds real encodings and a few damaged versions of them.
func addSeeds(f *testing.F, bin, text []byte) {
	for _, b := range [][]byte{bin, text} {
		if b == nil {
			continue
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(flipBit(b, 8*len(b)/3))
	}
}

type encoding interface {
	MarshalBinary() ([]byte, error)
	MarshalText() ([]byte, error)
}

func checkCanonical(t *testing.T, in []byte, v encoding) {
	t.Helper()
	bin, err := v.MarshalBinary()
	if err != nil {
		t.Fatalf("accepted input does not encode: %v", err)
	}
	if bytes.Equal(in, bin) {
		return
	}
	text, err := v.MarshalText()
	if err != nil {
		t.Fatalf("accepted input has no text form: %v", err)
	}
	if !bytes.Equal(bytes.TrimSpace(in), text) {
		t.Fatalf("accepted input is not canonical:\n  in %q\n bin %q\ntext %q", in, bin, text)
	}
}

func FuzzParseNodeCertificate(f *testing.F) {
	district := mustDistrict(f, "Cụm Mèo Vạc")
	c := mustNodeCredential(f, district, "n1", 7).Cert
	addSeeds(f, mustBinary(f, c), mustText(f, c))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := cert.ParseNodeCertificate(b)
		if err != nil {
			return
		}
		_ = c.Verify(district.Public(), now)
		checkCanonical(t, b, c)
	})
}

func FuzzParseBatchKeyAnnouncement(f *testing.F) {
	district := mustDistrict(f, "Cụm Mèo Vạc")
	a, _ := mustRollout(f, district, mustNodeCredential(f, district, "n1", 7))
	addSeeds(f, mustBinary(f, a.Key), mustText(f, a.Key))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := cert.ParseBatchKeyAnnouncement(b)
		if err != nil {
			return
		}
		_ = a.Verify(district.Public())
		checkCanonical(t, b, a)
	})
}

func FuzzParseBatchKeyRollout(f *testing.F) {
	district := mustDistrict(f, "Cụm Mèo Vạc")
	n1 := mustNodeCredential(f, district, "n1", 7)
	r, _ := mustRollout(f, district, n1)
	addSeeds(f, mustBinary(f, r), mustText(f, r))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := cert.ParseBatchKeyRollout(b)
		if err != nil {
			return
		}
		if r.Verify(district.Public()) == nil {
			_, _ = r.Open(n1.Node)
		}
		checkCanonical(t, b, r)
	})
}

func FuzzParseNodeCredential(f *testing.F) {
	district := mustDistrict(f, "Cụm Mèo Vạc")
	b := mustBinary(f, mustNodeCredential(f, district, "n1", 7))
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add(flipBit(b, 8*len(b)/3))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := cert.ParseNodeCredential(b)
		if err != nil {
			return
		}
		again, err := c.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted credential does not encode to its input: %v", err)
		}
	})
}
