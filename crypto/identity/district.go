package identity

import (
	"crypto/ed25519"

	"filippo.io/age"
)

// District is the private half of a district's identity, held in the
// district profile at the district office. Sign is the district's root
// key: it certifies devices and nodes and signs revocations. Age is
// generation 0 of the batch key devices seal to; Batch holds the
// generations made since (see [BatchKey]).
type District struct {
	Name  string
	Age   *age.X25519Identity
	Sign  ed25519.PrivateKey
	Batch []BatchKey // generations 1, 2, … oldest first
}

// NewDistrict makes fresh keys for the district called name (cleaned with
// [CleanName]).
func NewDistrict(name string) (*District, error) {
	name = CleanName(name)
	if err := CheckName("district name", name); err != nil {
		return nil, err
	}
	a, s, err := newKeys()
	if err != nil {
		return nil, err
	}
	return &District{Name: name, Age: a, Sign: s}, nil
}

// Public returns the half of d that devices and other nodes need.
func (d *District) Public() DistrictPublic {
	r := d.Age.Recipient().String()
	k := d.Sign.Public().(ed25519.PublicKey)
	return DistrictPublic{Name: d.Name, KeyID: KeyID(r, k), AgeRecipient: r, SignKey: k}
}

// DistrictPublic is what devices trust: the district they were enrolled by.
type DistrictPublic struct {
	Name         string
	KeyID        string // KeyID(AgeRecipient, SignKey); derived, never read from text
	AgeRecipient string // "age1…": devices seal uploads to it
	SignKey      ed25519.PublicKey
}

// Check reports, wrapping [ErrInvalid], a name or key that is not well
// formed, or a KeyID that does not match the keys.
func (p DistrictPublic) Check() error {
	if err := CheckName("district name", p.Name); err != nil {
		return err
	}
	if err := checkPublicKeys("district "+p.Name, p.AgeRecipient, p.SignKey); err != nil {
		return err
	}
	if want := KeyID(p.AgeRecipient, p.SignKey); p.KeyID != want {
		return fail(ErrInvalid, "key ID %q of district %q does not match its keys (%s)", p.KeyID, p.Name, want)
	}
	return nil
}
