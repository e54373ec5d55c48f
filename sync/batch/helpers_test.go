package batch

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
)

// Fixed test keys, so that fuzz seeds and failures reproduce.
const (
	districtSecret = "AGE-SECRET-KEY-1J95JJ7L3S03TE4TEL5EJFK99WHFX7Q4RG26RJARAEKL9HLKYMDRQWUS825"
	otherSecret    = "AGE-SECRET-KEY-1ZRURN3NNJG2Q9F3DZWN59CZDWWHCTASM378Q3Y3PZQ4Y3Q2RFRTQWASCYE"

	testDevice  = storage.DeviceID("k3m9q2abxy7zt4wd")
	otherDevice = storage.DeviceID("p5r6s7t2uv3wx4yz")
	testOfficer = "Nguyễn Thị Lan"
)

var (
	deviceKey = ed25519.NewKeyFromSeed(seed32("device"))
	otherKey  = ed25519.NewKeyFromSeed(seed32("other device"))
	// baseTime is when the generated officer starts work.
	baseTime = time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC)
)

func seed32(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

// keyID is how a caller might name a recipient: the first 8 bytes of the
// SHA-256 of its recipient string, in hex.
func keyID(r *age.X25519Recipient) string {
	h := sha256.Sum256([]byte(r.String()))
	return hex.EncodeToString(h[:8])
}

type keys struct {
	district, other *age.X25519Identity
}

func mustKeys(t testing.TB) keys {
	t.Helper()
	d, err := age.ParseX25519Identity(districtSecret)
	if err != nil {
		t.Fatal(err)
	}
	o, err := age.ParseX25519Identity(otherSecret)
	if err != nil {
		t.Fatal(err)
	}
	return keys{district: d, other: o}
}

// sealOpts seals batch seq of testDevice to the district.
func (k keys) sealOpts(seq uint64) SealOptions {
	return SealOptions{
		Header:    Header{Sender: string(testDevice), Seq: seq, RecipientKeyID: keyID(k.district.Recipient())},
		Recipient: k.district.Recipient(),
		SignKey:   deviceKey,
	}
}

// opener is the district's opener, knowing testDevice and otherDevice.
func (k keys) opener() *Opener {
	return &Opener{
		Identity: k.district,
		KeyID:    keyID(k.district.Recipient()),
		SignerKey: func(sender string) (ed25519.PublicKey, error) {
			switch storage.DeviceID(sender) {
			case testDevice:
				return deviceKey.Public().(ed25519.PublicKey), nil
			case otherDevice:
				return otherKey.Public().(ed25519.PublicKey), nil
			}
			return nil, fmt.Errorf("%w: no certificate for device %q", ErrUnknownSigner, sender)
		},
	}
}

func mustCommune(t testing.TB, persons int, seed int64) *gen.Commune {
	t.Helper()
	c, err := gen.Generate(gen.Options{Commune: "12472", Persons: persons, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// registerOps makes the operations that enter the persons of c for the
// first time, as an officer's survey would: one operation per person, every
// non-empty field set over the zero version, clocks a few hundred
// milliseconds apart.
func registerOps(c *gen.Commune, r *rand.Rand) []*storage.Op {
	ops := make([]*storage.Op, len(c.Persons))
	ms := baseTime.UnixMilli()
	for i := range c.Persons {
		p := &c.Persons[i]
		ms += 1 + r.Int64N(2000)
		o := &storage.Op{
			Device:  testDevice,
			Seq:     uint64(i + 1),
			HLC:     storage.HLC(uint64(ms) << 16),
			Officer: testOfficer,
			Kind:    storage.KindPerson,
			ID:      storage.ID{Origin: testDevice.Tag(), N: uint64(i + 1)},
			Event:   storage.EventRegister,
		}
		for _, f := range storage.Fields() {
			if v := p.Values[f]; v != "" {
				o.Changes = append(o.Changes, storage.Change{Field: uint8(f), New: v})
			}
		}
		ops[i] = o
	}
	return ops
}

// editOps makes n corrections of one field each (occupation, phone or
// address detail) of n random persons of c, registered by registered, in
// register order: an officer's round of corrections goes household by
// household. Each change saw the version the registration gave the field,
// and its new value comes from another person (of c for occupations and
// addresses: a move within the commune; of other for phones). stepMs bounds
// the random time between edits.
func editOps(c, other *gen.Commune, registered []*storage.Op, n int, stepMs int64, shuffled bool, r *rand.Rand) []*storage.Op {
	who := r.Perm(len(c.Persons))[:n]
	if !shuffled {
		slices.Sort(who)
	}
	reasons := map[storage.Field]string{
		storage.FieldOccupation:             "Cập nhật nghề nghiệp",
		storage.FieldPhone:                  "Cập nhật số điện thoại",
		storage.FieldCurrentAddressDetail:   "Chuyển nơi ở trong xã",
		storage.FieldPermanentAddressDetail: "Chuyển nơi ở trong xã",
	}
	fields := []storage.Field{storage.FieldOccupation, storage.FieldPhone, storage.FieldCurrentAddressDetail}
	ops := make([]*storage.Op, n)
	last := registered[len(registered)-1]
	ms := int64(last.HLC>>16) + 86_400_000
	for i := range ops {
		k := who[i]
		reg := registered[k]
		f := fields[r.IntN(len(fields))]
		var nv string
		switch f {
		case storage.FieldPhone:
			nv = other.Persons[r.IntN(len(other.Persons))].Values[f]
		default:
			nv = c.Persons[r.IntN(len(c.Persons))].Values[f]
		}
		ms += 1 + r.Int64N(stepMs)
		ops[i] = &storage.Op{
			Device:  testDevice,
			Seq:     last.Seq + uint64(i) + 1,
			HLC:     storage.HLC(uint64(ms) << 16),
			Officer: testOfficer,
			Kind:    storage.KindPerson,
			ID:      reg.ID,
			Event:   storage.EventCorrection,
			Reason:  reasons[f],
			Changes: []storage.Change{{Field: uint8(f), Seen: reg.Version(), Old: c.Persons[k].Values[f], New: nv}},
		}
	}
	return ops
}
