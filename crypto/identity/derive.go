package identity

import (
	"crypto/ed25519"
	"crypto/sha256"
	"strings"

	"filippo.io/age"
)

// DeriveNode returns the keys of node id of district d derived from d's
// root key: the same keys at every call. A node that runs with the
// district's root key online (districtd --district: demos and tests) has
// these keys, so that it is the same node to the others at every start;
// a node run from a credential has random keys of its own.
func DeriveNode(d *District, id string) (*Node, error) {
	if err := CheckNodeID(id); err != nil {
		return nil, err
	}
	h := sha256.New()
	h.Write([]byte("communekit derived node key v1\x00"))
	h.Write([]byte(id))
	h.Write([]byte{0})
	h.Write(d.Sign.Seed())
	base := h.Sum(nil)
	sub := func(what string) []byte {
		s := sha256.Sum256(append(append([]byte{}, base...), what...))
		return s[:]
	}
	a, err := age.ParseX25519Identity(strings.ToUpper(bech32("age-secret-key-", sub("age"))))
	if err != nil {
		return nil, fail(ErrInvalid, "deriving the age key of node %s: %v", id, err)
	}
	return &Node{ID: id, Age: a, Sign: ed25519.NewKeyFromSeed(sub("sign"))}, nil
}

// bech32 encodes data with the human-readable part hrp (lower case), as
// age spells its secret keys (BIP 173).
func bech32(hrp string, data []byte) string {
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	var values []byte
	acc, bits := uint32(0), 0
	for _, b := range data {
		acc = acc<<8 | uint32(b)
		for bits += 8; bits >= 5; {
			bits -= 5
			values = append(values, byte(acc>>bits)&31)
		}
	}
	if bits > 0 {
		values = append(values, byte(acc<<(5-bits))&31)
	}
	polymod := func(v []byte) uint32 {
		gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
		chk := uint32(1)
		for _, x := range v {
			top := chk >> 25
			chk = (chk&0x1ffffff)<<5 ^ uint32(x)
			for i := range 5 {
				if top>>i&1 == 1 {
					chk ^= gen[i]
				}
			}
		}
		return chk
	}
	var exp []byte
	for _, c := range []byte(hrp) {
		exp = append(exp, c>>5)
	}
	exp = append(exp, 0)
	for _, c := range []byte(hrp) {
		exp = append(exp, c&31)
	}
	mod := polymod(append(append(exp, values...), 0, 0, 0, 0, 0, 0)) ^ 1
	var s strings.Builder
	s.WriteString(hrp)
	s.WriteByte('1')
	for _, v := range values {
		s.WriteByte(charset[v])
	}
	for p := range 6 {
		s.WriteByte(charset[mod>>(5*(5-p))&31])
	}
	return s.String()
}
