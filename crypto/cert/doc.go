// Package cert is offline enrolment: requests, certificates and revocation
// lists.
//
// # The model
//
// A district trusts its own key and nothing else. A device is let in when the
// district's administrator signs a [Certificate] for it, and is shut out when
// a signed [RevocationList] names it.
//
//   - The device makes a [Request] with [NewRequest]: its public keys
//     ([identity.DevicePublic]), the officer's name and the communes asked
//     for, signed with the device's own Ed25519 key. The signature proves
//     only that whoever made the request holds that key, so that nobody can
//     enrol a key they do not hold; it says nothing about the officer. The
//     administrator checks the person, in person, before signing. The age
//     key in the request is covered by the signature but its possession is
//     not proven (age keys cannot sign); a device that names someone else's
//     age key only sends its own downloads to them.
//   - The administrator signs with [Sign], choosing role, communes, validity
//     and a serial number unique within the district. The certificate names
//     the district and its [identity.KeyID]; [Certificate.Verify] checks it
//     against the full public key of the district the verifier trusts, and
//     its validity window.
//   - Revocations are a list with a sequence number, signed by the district.
//     Each [RevocationList.Revoke] makes the next list, one entry longer. A
//     machine keeps the newest list it has verified and replaces it only with
//     one that [RevocationList.Follows] it, so lists replicate like data and
//     an old list cannot be replayed to undo a revocation.
//     [RevocationList.Check] refuses a certificate whose device or serial is
//     listed.
//
// The district's Ed25519 key also signs other things (batches sent down).
// Each signed encoding here starts with its own 4-byte magic, and the
// signature covers it, so a signature over one kind never verifies as another.
//
// # Encodings
//
// Each of the three has one binary form — fixed-size fields and
// length-prefixed names, versioned, canonical: a value has exactly one
// encoding and the signature covers exactly those bytes, all but the last 64.
// FORMAT.md gives the layouts. Names (officer, commune, district, reason) are
// NFC text of at most [identity.MaxNameLen] bytes; a scope holds at most
// [MaxCommunes] communes, sorted; times are whole Unix seconds, UTC.
//
// Each also has a text form: a prefix naming kind and version, then the
// binary form in unpadded base64url, one line without spaces:
//
//	CKREQ1:…   an enrolment request (283 characters with one commune, 315 with five)
//	CKCRT1:…   a certificate (339 characters with one commune, 371 with five)
//	CKREV1:…   a revocation list
//
// Requests and certificates are short enough for a QR code, so enrolment
// works with no network and no USB stick. The parsers take either form,
// check the kind and the size before decoding, and accept only canonical
// encodings; they do not verify signatures — the Verify methods do.
package cert
