package registry

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
)

// metaNodePrefix + node ID + "/" + serial (20 digits): every node
// certificate the district office issued.
const metaNodePrefix = "registry/node/"

// IssueNode makes the credential of district node id (kitctl district
// node-cert): fresh keys for the node, certified with the next serial
// (recorded first, so that no serial is used twice), and every generation
// of the district's batch key. The certificate is kept, so that the node
// can be revoked by its ID.
func (r *Registry) IssueNode(id string, validFor time.Duration) (*cert.NodeCredential, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := identity.CheckNodeID(id); err != nil {
		return nil, err
	}
	serial, err := r.serial()
	if err != nil {
		return nil, err
	}
	serial++
	if err := r.s.PutMeta(metaSerial, []byte(strconv.FormatUint(serial, 10))); err != nil {
		return nil, err
	}
	c, err := cert.IssueNodeCredential(r.d, id, serial, validFor, r.now())
	if err != nil {
		return nil, err
	}
	b, err := c.Cert.MarshalBinary()
	if err != nil {
		return nil, err
	}
	if err := r.s.PutMeta(fmt.Sprintf("%s%s/%020d", metaNodePrefix, id, serial), b); err != nil {
		return nil, err
	}
	return c, nil
}

// NodeCertificates returns every node certificate issued, by node ID then
// serial.
func (r *Registry) NodeCertificates() ([]*cert.NodeCertificate, error) {
	names, err := r.s.ListMeta(metaNodePrefix)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*cert.NodeCertificate
	for _, n := range names {
		b, err := r.s.GetMeta(n)
		if err != nil {
			return nil, err
		}
		c, err := cert.ParseNodeCertificate(b)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", storage.ErrDamaged, n, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// ErrUnknownNode means the district office never certified a node of that
// ID.
var ErrUnknownNode = errors.New("no node of that ID was certified by this district profile")

// RevokeNode adds every certificate of node id not revoked yet to the
// revocation list (only the one numbered serial, when serial is not 0):
// the node can no longer join, serve laptops or sign anything they
// accept, and is left out of the next batch key rollout.
func (r *Registry) RevokeNode(id, reason string, serial uint64) (*cert.RevocationList, []uint64, error) {
	certs, err := r.NodeCertificates()
	if err != nil {
		return nil, nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	l, err := r.Revocations()
	if err != nil {
		return nil, nil, err
	}
	var serials []uint64
	if serial != 0 {
		found := false
		for _, c := range certs {
			found = found || c.Node.ID == id && c.Serial == serial
		}
		if !found {
			return nil, nil, fmt.Errorf("node %s has no certificate %d: %w (kitctl district nodes lists those it certified)", id, serial, ErrUnknownNode)
		}
	}
	for _, c := range certs {
		if c.Node.ID != id || serial != 0 && c.Serial != serial {
			continue
		}
		if l.CheckSerial(c.Serial, id) != nil {
			continue // revoked before
		}
		if l, err = l.Revoke(cert.Revoked{Serial: c.Serial, Reason: strings.TrimSpace("node " + id + " " + reason), At: r.now()}, r.d); err != nil {
			return nil, nil, err
		}
		serials = append(serials, c.Serial)
	}
	if len(serials) == 0 {
		for _, c := range certs {
			if c.Node.ID == id {
				return l, nil, nil // revoked already: the list as it is, to send again
			}
		}
		return nil, nil, fmt.Errorf("node %s: %w (kitctl district nodes lists those it certified)", id, ErrUnknownNode)
	}
	b, err := l.MarshalBinary()
	if err != nil {
		return nil, nil, err
	}
	if err := r.s.PutMeta(metaRevocations, b); err != nil {
		return nil, nil, err
	}
	return l, serials, nil
}
