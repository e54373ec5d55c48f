package identity

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"

	"filippo.io/age"
)

// Device is the private half of a device's identity.
type Device struct {
	ID   string // device ID, as the store made it: 16 lowercase base32 characters
	Age  *age.X25519Identity
	Sign ed25519.PrivateKey
}

// NewDevice makes fresh keys for the device with the given ID.
func NewDevice(id string) (*Device, error) {
	if err := CheckDeviceID(id); err != nil {
		return nil, err
	}
	a, s, err := newKeys()
	if err != nil {
		return nil, err
	}
	return &Device{ID: id, Age: a, Sign: s}, nil
}

// Public returns the half of d that others may know.
func (d *Device) Public() DevicePublic {
	return DevicePublic{
		ID:           d.ID,
		AgeRecipient: d.Age.Recipient().String(),
		SignKey:      d.Sign.Public().(ed25519.PublicKey),
	}
}

// DevicePublic is what a district learns of a device at enrolment.
type DevicePublic struct {
	ID           string
	AgeRecipient string // "age1…": districts seal downloads to it
	SignKey      ed25519.PublicKey
}

// KeyID is the [KeyID] of the device's keys, for the header of batches
// sealed to it.
func (p DevicePublic) KeyID() string {
	return KeyID(p.AgeRecipient, p.SignKey)
}

// Check reports, wrapping [ErrInvalid], a device ID or key that is not well
// formed.
func (p DevicePublic) Check() error {
	if err := CheckDeviceID(p.ID); err != nil {
		return err
	}
	return checkPublicKeys("device "+p.ID, p.AgeRecipient, p.SignKey)
}

func newKeys() (*age.X25519Identity, ed25519.PrivateKey, error) {
	a, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, nil, fmt.Errorf("making age key: %v", err)
	}
	_, s, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("making signing key: %v", err)
	}
	return a, s, nil
}

// checkPublicKeys insists on the one spelling of the age recipient that age
// itself prints, so that the same keys always sign and hash to the same bytes.
func checkPublicKeys(owner, ageRecipient string, signKey ed25519.PublicKey) error {
	r, err := age.ParseX25519Recipient(ageRecipient)
	if err != nil || r.String() != ageRecipient {
		return fail(ErrInvalid, "age recipient %q of %s is not a canonical age1 key", ageRecipient, owner)
	}
	if len(signKey) != ed25519.PublicKeySize {
		return fail(ErrInvalid, "signing key of %s has %d bytes, want %d", owner, len(signKey), ed25519.PublicKeySize)
	}
	return nil
}
