package outbox

import (
	"crypto/ed25519"
	"fmt"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
)

// DeviceOpener returns the opener for batches the enrolled district seals
// down to this device (records changed elsewhere, resolutions,
// revocations): the same format and checks as uploads, with the district
// as the only accepted sender: a node whose certificate is among nodes
// (which the caller has checked against the district and its revocation
// list), or the district's root key itself.
func DeviceOpener(s *storage.Store, nodes ...*cert.NodeCertificate) (*batch.Opener, error) {
	_, d, err := Enrolment(s)
	if err != nil {
		return nil, err
	}
	dev := s.DeviceKeys()
	return &batch.Opener{
		Identity: dev.Age,
		KeyID:    dev.Public().KeyID(),
		SignerKey: func(sender string) (ed25519.PublicKey, error) {
			if sender == d.KeyID {
				return d.SignKey, nil
			}
			for _, n := range nodes {
				if n != nil && n.DistrictKeyID == d.KeyID && n.Node.KeyID() == sender {
					return n.Node.SignKey, nil
				}
			}
			return nil, fmt.Errorf("%w: batches to this device come only from district %s (key %s) and its nodes, not %s", batch.ErrUnknownSigner, d.Name, d.KeyID, sender)
		},
	}, nil
}
