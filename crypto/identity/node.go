package identity

import (
	"crypto/ed25519"
	"regexp"

	"filippo.io/age"
)

// Node is the private half of one district node's own identity: the key
// that signs what the node says (receipts, refusals, pull answers,
// backups) and proves it in TLS, and the age key the district seals new
// batch keys to. The district's root key certifies it (cert.NodeCertificate);
// it is not the district's key, and a node that is taken can be revoked
// without changing anything else.
type Node struct {
	ID   string // the node's ID in its cluster, e.g. "n1"
	Age  *age.X25519Identity
	Sign ed25519.PrivateKey
}

// NodePublic is what a node's certificate says of it.
type NodePublic struct {
	ID           string
	AgeRecipient string
	SignKey      ed25519.PublicKey
}

// MaxNodeIDLen bounds a node ID, in bytes.
const MaxNodeIDLen = 64

var nodeIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// CheckNodeID reports, wrapping [ErrInvalid], why id is not a node ID: 1 to
// 64 lowercase ASCII letters, digits, dots, dashes and underscores,
// starting with a letter or digit. Node IDs name files and Raft servers,
// and are typed on command lines.
func CheckNodeID(id string) error {
	if id == "" || len(id) > MaxNodeIDLen || !nodeIDPattern.MatchString(id) {
		return fail(ErrInvalid, "node ID %q is not 1 to %d lowercase letters, digits, '.', '-' or '_' (e.g. n1)", id, MaxNodeIDLen)
	}
	return nil
}

// NewNode makes fresh keys for the node called id.
func NewNode(id string) (*Node, error) {
	if err := CheckNodeID(id); err != nil {
		return nil, err
	}
	a, s, err := newKeys()
	if err != nil {
		return nil, err
	}
	return &Node{ID: id, Age: a, Sign: s}, nil
}

// Public returns the half of n that its certificate carries.
func (n *Node) Public() NodePublic {
	return NodePublic{ID: n.ID, AgeRecipient: n.Age.Recipient().String(), SignKey: n.Sign.Public().(ed25519.PublicKey)}
}

// KeyID is the [KeyID] of the node's keys.
func (p NodePublic) KeyID() string { return KeyID(p.AgeRecipient, p.SignKey) }

// Check reports, wrapping [ErrInvalid], an ID or key that is not well
// formed.
func (p NodePublic) Check() error {
	if err := CheckNodeID(p.ID); err != nil {
		return err
	}
	return checkPublicKeys("node "+p.ID, p.AgeRecipient, p.SignKey)
}

// BatchKey is one generation of the key devices seal their batches to.
// Generation 0 is the district's own age key (District.Age), which every
// device enrolled before batch keys could be rotated already holds; each
// rotation adds the next generation. Nodes keep every generation so that
// a batch sealed long ago still opens.
type BatchKey struct {
	Gen uint32
	Age *age.X25519Identity
}

// Recipient is the age recipient batches of this generation are sealed to.
func (k BatchKey) Recipient() string { return k.Age.Recipient().String() }

// BatchKeyID is the key ID a batch sealed to the generation whose age
// recipient is recipient names in its header: [KeyID] of that recipient
// and the district's signing key, so that for generation 0 it is the
// district's own key ID.
func BatchKeyID(recipient string, districtSign ed25519.PublicKey) string {
	return KeyID(recipient, districtSign)
}

// BatchKeys returns every generation of d's batch key, oldest first.
func (d *District) BatchKeys() []BatchKey {
	return append([]BatchKey{{Gen: 0, Age: d.Age}}, d.Batch...)
}

// CurrentBatchKey returns the newest generation of d's batch key.
func (d *District) CurrentBatchKey() BatchKey {
	if len(d.Batch) == 0 {
		return BatchKey{Gen: 0, Age: d.Age}
	}
	return d.Batch[len(d.Batch)-1]
}

// MaxBatchKeys bounds the generations a district keeps (rotating once a
// month for twenty years stays well within it).
const MaxBatchKeys = 1000

// NewBatchKey makes the next generation of d's batch key and adds it to d.
func (d *District) NewBatchKey() (BatchKey, error) {
	if len(d.Batch)+1 >= MaxBatchKeys {
		return BatchKey{}, fail(ErrInvalid, "district %q has %d batch keys, the most it may keep", d.Name, MaxBatchKeys)
	}
	a, err := age.GenerateX25519Identity()
	if err != nil {
		return BatchKey{}, fail(ErrInvalid, "making a batch key: %v", err)
	}
	k := BatchKey{Gen: d.CurrentBatchKey().Gen + 1, Age: a}
	d.Batch = append(d.Batch, k)
	return k, nil
}
