package cert_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/communekit/communekit/crypto/cert"
)

const (
	lanDevice = "k3m7q2abx7c4d5ef"
	binDevice = "zz2345abcdefghij"
)

func TestRequest_RoundTrip_BinaryAndText(t *testing.T) {
	r := mustRequest(t, mustDevice(t, lanDevice), "Nguyễn Thị Lan", "00769")
	if err := r.Verify(); err != nil {
		t.Fatal(err)
	}
	bin := mustBinary(t, r)
	text := mustText(t, r)
	for name, parse := range map[string]func() (*cert.Request, error){
		"binary":        func() (*cert.Request, error) { return cert.ParseRequest(bin) },
		"text":          func() (*cert.Request, error) { return cert.ParseRequest(text) },
		"text, spaced":  func() (*cert.Request, error) { return cert.ParseRequest([]byte("\n  " + string(text) + "\r\n")) },
		"UnmarshalText": func() (*cert.Request, error) { var q cert.Request; return &q, q.UnmarshalText(text) },
		"UnmarshalBinary": func() (*cert.Request, error) {
			var q cert.Request
			return &q, q.UnmarshalBinary(bin)
		},
	} {
		got, err := parse()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Fatalf("%s: round trip changed the request:\n got %+v\nwant %+v", name, got, r)
		}
		if err := got.Verify(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	t.Logf("request: %d bytes binary, %d characters text", len(bin), len(text))
}

func TestRequest_NoCommunesRoundTrips(t *testing.T) {
	r := mustRequest(t, mustDevice(t, lanDevice), "Lan")
	got, err := cert.ParseRequest(mustText(t, r))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("got %+v, want %+v", got, r)
	}
}

func TestNewRequest_CleansNamesAndSortsCommunes(t *testing.T) {
	r := mustRequest(t, mustDevice(t, lanDevice), " Nguye\u0302\u0303n Thi\u0323 Lan ", "00772", " 00769", "00772")
	if r.Officer != "Nguyễn Thị Lan" {
		t.Errorf("officer %q", r.Officer)
	}
	if !reflect.DeepEqual(r.Communes, []string{"00769", "00772"}) {
		t.Errorf("communes %q", r.Communes)
	}
	if r.Created.Nanosecond() != 0 || r.Created.Location().String() != "UTC" {
		t.Errorf("created %v, want whole seconds in UTC", r.Created)
	}
}

func TestNewRequest_RejectsBadFields(t *testing.T) {
	d := mustDevice(t, lanDevice)
	many := make([]string, cert.MaxCommunes+1)
	for i := range many {
		many[i] = string(rune('A'+i/26)) + string(rune('a'+i%26))
	}
	for name, c := range map[string]struct {
		officer  string
		communes []string
	}{
		"empty officer":     {"  ", nil},
		"long officer":      {strings.Repeat("ễ", 67), nil},
		"control character": {"Lan\x07", nil},
		"empty commune":     {"Lan", []string{""}},
		"too many communes": {"Lan", many},
	} {
		if _, err := cert.NewRequest(d, c.officer, c.communes, now); !errors.Is(err, cert.ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
	if _, err := cert.NewRequest(d, "Lan", many[:cert.MaxCommunes], now); err != nil {
		t.Errorf("%d communes: %v", cert.MaxCommunes, err)
	}
}

// TestRequest_ProofOfPossession: a request whose keys were swapped for
// another device's does not verify, whichever key was swapped.
func TestRequest_ProofOfPossession(t *testing.T) {
	lan, other := mustDevice(t, lanDevice), mustDevice(t, binDevice)
	for name, swap := range map[string]func(r *cert.Request){
		"signing key": func(r *cert.Request) { r.Device.SignKey = other.Public().SignKey },
		"age key":     func(r *cert.Request) { r.Device.AgeRecipient = other.Public().AgeRecipient },
		"device ID":   func(r *cert.Request) { r.Device.ID = other.ID },
		"both keys":   func(r *cert.Request) { r.Device = other.Public() },
		"officer":     func(r *cert.Request) { r.Officer = "Hoàng Văn Bìn" },
		"communes":    func(r *cert.Request) { r.Communes = []string{"00769", "00770"} },
	} {
		r := mustRequest(t, lan, "Nguyễn Thị Lan", "00769")
		swap(r)
		err := r.Verify()
		if !errors.Is(err, cert.ErrBadSignature) {
			t.Errorf("%s swapped: got %v, want ErrBadSignature", name, err)
		}
		if _, err := cert.Sign(r, cert.RoleOfficer, nil, year, 1, mustDistrict(t, "D"), now); !errors.Is(err, cert.ErrBadSignature) {
			t.Errorf("%s swapped: Sign gave %v, want ErrBadSignature", name, err)
		}
	}
}

func TestRequest_EveryBitFlipRejected(t *testing.T) {
	b := mustBinary(t, mustRequest(t, mustDevice(t, lanDevice), "Nguyễn Thị Lan", "00769"))
	for i := range len(b) * 8 {
		r, err := cert.ParseRequest(flipBit(b, i))
		if err == nil {
			err = r.Verify()
		}
		if !errors.Is(err, cert.ErrMalformed) && !errors.Is(err, cert.ErrBadSignature) {
			t.Fatalf("bit %d flipped: got %v", i, err)
		}
	}
}

func TestParseRequest_EveryTruncationRejected(t *testing.T) {
	r := mustRequest(t, mustDevice(t, lanDevice), "Nguyễn Thị Lan", "00769")
	b, text := mustBinary(t, r), mustText(t, r)
	for n := range len(b) {
		if _, err := cert.ParseRequest(b[:n]); !errors.Is(err, cert.ErrMalformed) {
			t.Fatalf("binary cut to %d bytes: got %v", n, err)
		}
	}
	for n := range len(text) {
		if _, err := cert.ParseRequest(text[:n]); !errors.Is(err, cert.ErrMalformed) {
			t.Fatalf("text cut to %d characters: got %v", n, err)
		}
	}
	if _, err := cert.ParseRequest(append(bytes.Clone(b), 0)); !errors.Is(err, cert.ErrMalformed) {
		t.Fatalf("trailing byte: got %v", err)
	}
}

func TestParseRequest_SaysWhatItWasGiven(t *testing.T) {
	district := mustDistrict(t, "Cụm Mèo Vạc")
	c := mustEnrol(t, district, lanDevice, "Lan", 1, "00769")
	for name, c := range map[string]struct {
		in   []byte
		want string
	}{
		"certificate":    {mustText(t, c), "this is a certificate, not an enrolment request"},
		"binary cert":    {mustBinary(t, c), "this is a certificate, not an enrolment request"},
		"newer version":  {[]byte("CKREQ2:AAAA"), "format version this program does not read"},
		"something else": {[]byte("hello"), `not an enrolment request: it starts with "hello"`},
		"bad base64":     {[]byte("CKREQ1:@@@@"), "copy or scan it again"},
		"huge":           {append([]byte("CKREQ1:"), bytes.Repeat([]byte("A"), 1<<20)...), "more than the"},
	} {
		_, err := cert.ParseRequest(c.in)
		if !errors.Is(err, cert.ErrMalformed) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want ErrMalformed saying %q", name, err, c.want)
		}
	}
}
