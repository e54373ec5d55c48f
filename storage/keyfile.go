package storage

import (
	"encoding/binary"
	"fmt"

	"github.com/communekit/communekit/crypto/identity"
)

// Profile kinds.
const (
	KindCommune  = "commune"  // a commune device: records, outbox, device keys
	KindDistrict = "district" // a district administrator: district keys, enrolments, revocations
	KindNode     = "node"     // a district node's replicated state; its keys come from the district profile
)

// The key file wraps, under the passphrase and in one scrypt derivation,
// everything secret a profile holds:
//
//	"CKPRF" 0x01  master key (32)  uint16 length  identity key encoding
//
// The identity is a device's keys (identity.Device.MarshalBinary) in a
// commune profile and the district's keys in a district profile. One
// derivation per unlock keeps unlock within its one-second budget.
const keyFileMagic = "CKPRF"

func encodeKeyFile(master []byte, ident []byte) []byte {
	b := append([]byte(keyFileMagic), 1)
	b = append(b, master...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(ident)))
	return append(b, ident...)
}

func decodeKeyFile(b []byte) (master, ident []byte, err error) {
	n := len(keyFileMagic)
	if len(b) < n+1+32+2 || string(b[:n]) != keyFileMagic || b[n] != 1 {
		return nil, nil, fmt.Errorf("%w: the key file's contents are not a profile key this version understands", ErrDamaged)
	}
	master = b[n+1 : n+33]
	l := int(binary.BigEndian.Uint16(b[n+33:]))
	ident = b[n+35:]
	if len(ident) != l {
		return nil, nil, fmt.Errorf("%w: the key file's identity has %d bytes, %d expected", ErrDamaged, len(ident), l)
	}
	return master, ident, nil
}

// DeviceKeys returns the device's keys (commune profiles).
func (s *Store) DeviceKeys() *identity.Device { return s.device }

// DistrictKeys returns the district's keys (district profiles).
func (s *Store) DistrictKeys() *identity.District { return s.district }

// DistrictKeysOf unwraps the district's keys from the district profile in
// dir without opening its store, so several district nodes on one machine,
// and kitctl beside them, can use the profile at once. A wrong passphrase
// gives ErrWrongPassphrase. The passphrase is taken in any Unicode form
// of its letters, as by Open.
func DistrictKeysOf(dir string, passphrase []byte) (*identity.District, error) {
	u, err := unlockKeyFile(dir, passphrase, KindDistrict, "make the district profile with `kitctl district init`, or pass the right directory")
	if err != nil {
		return nil, err
	}
	d, err := identity.ParseDistrict(u.ident)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrDamaged, keyFile, err)
	}
	// Wrapped again under the passphrase's NFC form if it was wrapped as
	// typed, unless another program has the profile open.
	rewrapLegacy(dir, u, passphrase, true, nil)
	return d, nil
}
