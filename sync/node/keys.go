package node

import (
	"fmt"
	"sort"
	"sync"

	"filippo.io/age"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/protocol"
)

// keys are what a node signs and opens with: its own key and certificate
// (from its credential), and the generations of the district's batch key
// it holds. The district's root key is not among them; the node holds it
// only when it runs from the district profile (Config.District).
type keys struct {
	pub    identity.DistrictPublic
	node   *identity.Node
	cert   *cert.NodeCertificate
	signer protocol.Signer

	mu    sync.RWMutex
	batch map[string]identity.BatchKey // by batch key ID
}

func newKeys(c *cert.NodeCredential) (*keys, error) {
	ct, err := c.Cert.MarshalText()
	if err != nil {
		return nil, err
	}
	k := &keys{pub: c.District, node: c.Node, cert: c.Cert, signer: protocol.Signer{Key: c.Node.Sign, Cert: string(ct)},
		batch: map[string]identity.BatchKey{}}
	for _, b := range c.Batch {
		k.add(b)
	}
	return k, nil
}

// keyID is the node's own key ID: the sender of what it seals (pull
// answers).
func (k *keys) keyID() string { return k.node.Public().KeyID() }

// batchKeyID is the key ID batches sealed to generation b name.
func (k *keys) batchKeyID(b identity.BatchKey) string {
	return identity.BatchKeyID(b.Recipient(), k.pub.SignKey)
}

// add keeps a generation of the batch key.
func (k *keys) add(b identity.BatchKey) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.batch[k.batchKeyID(b)] = b
}

// batchKey returns the generation whose key ID is id, if held.
func (k *keys) batchKey(id string) (identity.BatchKey, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	b, ok := k.batch[id]
	return b, ok
}

// identities returns every generation held, newest first: what opens a
// snapshot or a backup sealed to any of them.
func (k *keys) identities() []age.Identity {
	k.mu.RLock()
	defer k.mu.RUnlock()
	gens := make([]identity.BatchKey, 0, len(k.batch))
	for _, b := range k.batch {
		gens = append(gens, b)
	}
	sort.Slice(gens, func(i, j int) bool { return gens[i].Gen > gens[j].Gen })
	out := make([]age.Identity, len(gens))
	for i, b := range gens {
		out[i] = b.Age
	}
	return out
}

// current returns the newest generation held.
func (k *keys) current() identity.BatchKey {
	k.mu.RLock()
	defer k.mu.RUnlock()
	var cur identity.BatchKey
	for _, b := range k.batch {
		if cur.Age == nil || b.Gen > cur.Gen {
			cur = b
		}
	}
	return cur
}

// errMissingBatchKey is a batch sealed to a generation of the batch key
// the district announced and this node does not hold: it cannot apply
// what the others apply, so it stops rather than diverge.
var errMissingBatchKey = fmt.Errorf("%w: this node does not hold the batch key", batch.ErrWrongRecipient)
