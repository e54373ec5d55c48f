// Package identity holds the keys of devices and districts.
//
// A [Device] is one install of the app or one kitctl profile. It has an age
// X25519 identity, to which districts seal the batches they send down, and an
// Ed25519 key, with which it signs the batches it sends up and its enrolment
// request. A [District] has the same two kinds of key: its age identity,
// shared by the district's nodes, opens what devices send up; its Ed25519 key
// signs certificates, revocation lists and batches sent down.
//
// Private keys never leave their machine in the clear. [Device.Wrap] and
// [District.Wrap] encode them in a small versioned binary form and wrap that
// under the owner's passphrase with [keyring.Wrap] — the same age scrypt
// wrapping as the store's master key. [UnwrapDevice] and [UnwrapDistrict]
// reverse it; a wrong passphrase is [keyring.ErrWrongPassphrase].
//
// Public keys travel as [DevicePublic] and [DistrictPublic]. Their text forms
// are one line each, for files and for pasting:
//
//	communekit-device-v1 <device-id> <age1…> <ed25519 public key, base64url>
//	communekit-district-v1 <name, base64url of UTF-8> <age1…> <ed25519 public key, base64url>
//
// A district is known by its [KeyID]: 16 hex characters derived from both of
// its public keys. Certificates and batch headers carry it so that a machine
// can tell at a glance which district key a piece of data belongs to; it is a
// label, not a proof — signatures are always checked against the full key.
package identity
