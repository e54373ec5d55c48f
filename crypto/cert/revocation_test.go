package cert_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
)

func TestRevocationList_RevokedByDevice(t *testing.T) {
	district := mustDistrict(t, "Cụm Mèo Vạc")
	lan := mustEnrol(t, district, lanDevice, "Nguyễn Thị Lan", 1, "00769")
	bin := mustEnrol(t, district, binDevice, "Hoàng Văn Bìn", 2, "00769")
	l := mustRevoke(t, &cert.RevocationList{}, cert.Revoked{DeviceID: lanDevice, Reason: "laptop stolen", At: now}, district)
	if err := l.Verify(district.Public()); err != nil {
		t.Fatal(err)
	}
	err := l.Check(lan)
	var re *cert.RevokedError
	if !errors.Is(err, cert.ErrRevoked) || !errors.As(err, &re) || re.Entry.Reason != "laptop stolen" {
		t.Fatalf("got %v, want a RevokedError with the reason", err)
	}
	if want := "device k3m7q2abx7c4d5ef (Nguyễn Thị Lan) was revoked by the district on 2026-11-25 (laptop stolen)"; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q does not say %q", err, want)
	}
	if err := l.Check(bin); err != nil {
		t.Errorf("another device is refused: %v", err)
	}
	// Every certificate of the device is refused, including later ones.
	again := mustEnrol(t, district, lanDevice, "Nguyễn Thị Lan", 3, "00769")
	if err := l.Check(again); !errors.Is(err, cert.ErrRevoked) {
		t.Errorf("re-enrolled revoked device: got %v, want ErrRevoked", err)
	}
}

func TestRevocationList_RevokedBySerial(t *testing.T) {
	district := mustDistrict(t, "Cụm Mèo Vạc")
	old := mustEnrol(t, district, lanDevice, "Nguyễn Thị Lan", 1, "00769")
	renewed := mustEnrol(t, district, lanDevice, "Nguyễn Thị Lan", 2, "00769", "00772")
	l := mustRevoke(t, &cert.RevocationList{}, cert.Revoked{Serial: 1, Reason: "scope changed", At: now}, district)
	err := l.Check(old)
	if !errors.Is(err, cert.ErrRevoked) || !strings.Contains(err.Error(), "certificate 1 of device k3m7q2abx7c4d5ef (Nguyễn Thị Lan) was revoked") {
		t.Fatalf("got %v", err)
	}
	if err := l.Check(renewed); err != nil {
		t.Errorf("renewed certificate is refused: %v", err)
	}
}

func TestRevocationList_SequenceGrowsAndFollows(t *testing.T) {
	district := mustDistrict(t, "Cụm Mèo Vạc")
	l0, err := cert.NewRevocationList(district)
	if err != nil {
		t.Fatal(err)
	}
	if err := l0.Verify(district.Public()); err != nil {
		t.Fatal(err)
	}
	lists := []*cert.RevocationList{l0}
	for i, e := range []cert.Revoked{
		{DeviceID: lanDevice, Reason: "laptop stolen", At: now},
		{Serial: 9, At: now.Add(time.Hour)},
		{DeviceID: binDevice, Serial: 12, Reason: "officer left", At: now.Add(2 * time.Hour)},
	} {
		prev := lists[len(lists)-1]
		next := mustRevoke(t, prev, e, district)
		if next.Seq != prev.Seq+1 || len(next.Entries) != i+1 || i > 0 && !reflect.DeepEqual(next.Entries[:i], prev.Entries) {
			t.Fatalf("list %d: seq %d, %d entries, after seq %d", i+1, next.Seq, len(next.Entries), prev.Seq)
		}
		if err := next.Verify(district.Public()); err != nil {
			t.Fatal(err)
		}
		lists = append(lists, next)
	}
	for i, newer := range lists {
		for j, held := range lists {
			err := newer.Follows(held)
			if i >= j && err != nil {
				t.Errorf("list %d does not follow list %d: %v", i, j, err)
			}
			if i < j && !errors.Is(err, cert.ErrRollback) {
				t.Errorf("older list %d follows list %d: %v", i, j, err)
			}
		}
	}
}

// TestRevocationList_ForkedHistoryIsRollback: a list with a higher sequence
// that lacks an entry of the held one is refused, whoever signed it.
func TestRevocationList_ForkedHistoryIsRollback(t *testing.T) {
	district := mustDistrict(t, "D")
	l0 := &cert.RevocationList{}
	a := mustRevoke(t, l0, cert.Revoked{DeviceID: lanDevice, At: now}, district)
	b := mustRevoke(t, mustRevoke(t, l0, cert.Revoked{DeviceID: binDevice, At: now}, district), cert.Revoked{Serial: 5, At: now}, district)
	if err := b.Follows(a); !errors.Is(err, cert.ErrRollback) {
		t.Fatalf("forked list: got %v, want ErrRollback", err)
	}
	same := mustRevoke(t, l0, cert.Revoked{DeviceID: binDevice, At: now}, district)
	if err := same.Follows(a); !errors.Is(err, cert.ErrRollback) {
		t.Fatalf("same sequence, other entry: got %v, want ErrRollback", err)
	}
}

func TestRevocationList_Revoke_Refusals(t *testing.T) {
	district, other := mustDistrict(t, "D"), mustDistrict(t, "E")
	l := mustRevoke(t, &cert.RevocationList{}, cert.Revoked{DeviceID: lanDevice, At: now}, district)
	if _, err := l.Revoke(cert.Revoked{DeviceID: lanDevice, At: now}, district); !errors.Is(err, cert.ErrRevoked) {
		t.Errorf("revoked twice: got %v, want ErrRevoked", err)
	}
	if _, err := l.Revoke(cert.Revoked{DeviceID: binDevice, At: now}, other); !errors.Is(err, cert.ErrWrongDistrict) {
		t.Errorf("other district's list: got %v, want ErrWrongDistrict", err)
	}
	tampered := *l
	tampered.Entries = nil
	if _, err := tampered.Revoke(cert.Revoked{DeviceID: binDevice, At: now}, district); !errors.Is(err, cert.ErrBadSignature) {
		t.Errorf("tampered list: got %v, want ErrBadSignature", err)
	}
	for name, e := range map[string]cert.Revoked{
		"nothing named":  {At: now},
		"bad device ID":  {DeviceID: "LAN", At: now},
		"no time":        {DeviceID: binDevice},
		"reason too big": {DeviceID: binDevice, Reason: strings.Repeat("x", 201), At: now},
	} {
		if _, err := l.Revoke(e, district); !errors.Is(err, cert.ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

func TestRevocationList_WrongDistrict(t *testing.T) {
	mine, theirs := mustDistrict(t, "Cụm Mèo Vạc"), mustDistrict(t, "Cụm Đồng Văn")
	l := mustRevoke(t, &cert.RevocationList{}, cert.Revoked{DeviceID: lanDevice, At: now}, theirs)
	if err := l.Verify(mine.Public()); !errors.Is(err, cert.ErrWrongDistrict) {
		t.Errorf("Verify: got %v, want ErrWrongDistrict", err)
	}
	c := mustEnrol(t, mine, lanDevice, "Lan", 1, "00769")
	if err := l.Check(c); !errors.Is(err, cert.ErrWrongDistrict) {
		t.Errorf("Check: got %v, want ErrWrongDistrict", err)
	}
	held := mustRevoke(t, &cert.RevocationList{}, cert.Revoked{DeviceID: lanDevice, At: now}, mine)
	if err := l.Follows(held); !errors.Is(err, cert.ErrWrongDistrict) {
		t.Errorf("Follows: got %v, want ErrWrongDistrict", err)
	}
}

func TestRevocationList_RoundTrip_BinaryAndText(t *testing.T) {
	district := mustDistrict(t, "Cụm Mèo Vạc")
	empty, err := cert.NewRevocationList(district)
	if err != nil {
		t.Fatal(err)
	}
	l := mustRevoke(t, empty, cert.Revoked{DeviceID: lanDevice, Reason: "máy bị mất", At: now}, district)
	l = mustRevoke(t, l, cert.Revoked{Serial: 9, At: now}, district)
	for _, want := range []*cert.RevocationList{empty, l} {
		bin, text := mustBinary(t, want), mustText(t, want)
		t.Logf("revocation list seq %d: %d B binary, %d chars text", want.Seq, len(bin), len(text))
		for name, in := range map[string][]byte{"binary": bin, "text": []byte(" " + string(text) + "\n")} {
			got, err := cert.ParseRevocationList(in)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: round trip changed the list:\n got %+v\nwant %+v", name, got, want)
			}
			if err := got.Verify(district.Public()); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
}

func TestRevocationList_EveryBitFlipRejected(t *testing.T) {
	district := mustDistrict(t, "D")
	l := mustRevoke(t, &cert.RevocationList{}, cert.Revoked{DeviceID: lanDevice, Reason: "stolen", At: now}, district)
	l = mustRevoke(t, l, cert.Revoked{Serial: 3, At: now}, district)
	b := mustBinary(t, l)
	for i := range len(b) * 8 {
		got, err := cert.ParseRevocationList(flipBit(b, i))
		if err == nil {
			err = got.Verify(district.Public())
		}
		if !errors.Is(err, cert.ErrMalformed) && !errors.Is(err, cert.ErrBadSignature) && !errors.Is(err, cert.ErrWrongDistrict) {
			t.Fatalf("bit %d flipped: got %v", i, err)
		}
	}
	for n := range len(b) {
		if _, err := cert.ParseRevocationList(b[:n]); !errors.Is(err, cert.ErrMalformed) {
			t.Fatalf("cut to %d bytes: got %v", n, err)
		}
	}
}

func TestParseRevocationList_HugeCountFailsFast(t *testing.T) {
	district := mustDistrict(t, "D")
	b := mustBinary(t, mustRevoke(t, &cert.RevocationList{}, cert.Revoked{Serial: 1, At: now}, district))
	// The count follows magic (4), name (2), key ID (8) and sequence (8).
	for i := 22; i < 30; i++ {
		b[i] = 0xff
	}
	_, err := cert.ParseRevocationList(b)
	if !errors.Is(err, cert.ErrMalformed) || !strings.Contains(err.Error(), "more than 10000") {
		t.Fatalf("got %v", err)
	}
}
