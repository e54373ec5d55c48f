package batch

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"

	"filippo.io/age"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/sync/batch/workload"
)

// Fixed test keys, so that fuzz seeds and failures reproduce.
const (
	districtSecret = "AGE-SECRET-KEY-1J95JJ7L3S03TE4TEL5EJFK99WHFX7Q4RG26RJARAEKL9HLKYMDRQWUS825"
	otherSecret    = "AGE-SECRET-KEY-1ZRURN3NNJG2Q9F3DZWN59CZDWWHCTASM378Q3Y3PZQ4Y3Q2RFRTQWASCYE"

	testDevice  = workload.Device
	otherDevice = storage.DeviceID("p5r6s7t2uv3wx4yz")
	testOfficer = workload.Officer
)

var (
	deviceKey = ed25519.NewKeyFromSeed(seed32("device"))
	otherKey  = ed25519.NewKeyFromSeed(seed32("other device"))
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

func registerOps(c *gen.Commune, r *rand.Rand) []*storage.Op { return workload.Register(c, r) }

func editOps(c, other *gen.Commune, registered []*storage.Op, n int, stepMs int64, shuffled bool, r *rand.Rand) []*storage.Op {
	return workload.Edits(c, other, registered, workload.EditOptions{N: n, StepMs: stepMs, Shuffled: shuffled}, r)
}
