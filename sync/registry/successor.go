package registry

import (
	"fmt"
	"slices"

	"github.com/communekit/communekit/crypto/cert"
)

// ErrSuccessor is why Sign refused a request that names a device it
// replaces.
var ErrSuccessor = fmt.Errorf("cannot enrol this device as a successor")

// Successor returns the certificate of the device req replaces, and
// checks that req may replace it: the district enrolled that device, has
// not revoked it (a stolen laptop's work is not carried over: enrol the
// new one as a new device), and has not enrolled another successor to it.
// The successor gets the old device's role and communes: the operations it
// carries over are checked as the old device's (nil, nil when req replaces
// nothing).
func (r *Registry) Successor(req *cert.Request) (*cert.Certificate, error) {
	if req.Replaces == "" {
		return nil, nil
	}
	old, err := r.Certificate(req.Replaces)
	if err != nil {
		return nil, fmt.Errorf("%w: the request names device %s as the one it replaces, and this district never enrolled it (%v); `kitctl enrol list` shows the devices", ErrSuccessor, req.Replaces, err)
	}
	l, err := r.Revocations()
	if err != nil {
		return nil, err
	}
	if err := l.Check(old); err != nil {
		return nil, fmt.Errorf("%w: device %s, which it replaces, is revoked (%v): its work is not carried over; make a new profile on the new laptop and enrol it as a new device", ErrSuccessor, old.Device.ID, err)
	}
	cs, err := r.Certificates()
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.Replaces == old.Device.ID && c.Device.ID != req.Device.ID {
			return nil, fmt.Errorf("%w: device %s was replaced already, by device %s (%s): a second copy of the same profile cannot take over its work; "+
				"if that laptop is lost too, restore the newest backup of it instead", ErrSuccessor, old.Device.ID, c.Device.ID, c.Officer)
		}
	}
	return old, nil
}

// checkSuccessor refuses a successor's certificate whose role or communes
// are not the old device's.
func checkSuccessor(old *cert.Certificate, role cert.Role, communes []string) error {
	if old == nil {
		return nil
	}
	if role != old.Role {
		return fmt.Errorf("%w: device %s, which it replaces, is enrolled as %s: sign the successor as %s too (--role %s)", ErrSuccessor, old.Device.ID, old.Role, old.Role, old.Role)
	}
	if len(communes) > 0 && !slices.Equal(cleanSorted(communes), old.Communes) {
		return fmt.Errorf("%w: device %s, which it replaces, serves communes %v, and the operations it carries over are checked as that device's: sign for the same communes (leave out --commune)", ErrSuccessor, old.Device.ID, old.Communes)
	}
	return nil
}

func cleanSorted(cs []string) []string {
	out := slices.Clone(cs)
	slices.Sort(out)
	return slices.Compact(out)
}
