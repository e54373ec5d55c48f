package cert

import "github.com/communekit/communekit/crypto/identity"

// A device that replaces another — a laptop restored from a backup, or a
// copy of a profile, which must not go on under the old identity — asks
// to be enrolled as the old device's successor: its request, and the
// certificate the district signs for it, name the old device. The district
// then retires the old device and lets the new one carry over the old
// one's operations the district lacks, checked against the old device's
// certificate.
//
// The field is optional and comes last before the signature: the byte
// replacesTag and the old device's ID (10 bytes). Without it the encoding
// is the one of earlier versions, byte for byte; with it, a program of an
// earlier version refuses the request or certificate as damaged ("bytes
// after the signature"), never takes it for an ordinary one.
const replacesTag = 'R'

// replaces encodes the optional old device.
func (e *encoder) replaces(old string) {
	if old == "" {
		return
	}
	e.u8(replacesTag)
	e.deviceID(old)
}

// replaces decodes the optional old device: present when more than the
// signature follows.
func (d *decoder) replaces() string {
	if d.err != nil || len(d.b)-d.off <= sigBytes {
		return ""
	}
	if t := d.u8("successor tag"); t != replacesTag {
		d.fail("unknown field %d before the signature; this program may be older than the district's", t)
		return ""
	}
	id := d.deviceID()
	if d.err == nil {
		d.check(identity.CheckDeviceID(id))
	}
	return id
}
