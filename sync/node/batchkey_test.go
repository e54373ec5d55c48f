package node

import (
	"context"
	"crypto/ed25519"
	"errors"
	"slices"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/outbox"
)

// rollout makes the next batch key of d and seals it to the nodes.
func rollout(t *testing.T, d *identity.District, nodes ...*Node) (*identity.District, *cert.BatchKeyRollout) {
	t.Helper()
	nd := *d
	nd.Batch = slices.Clone(d.Batch)
	k, err := nd.NewBatchKey()
	if err != nil {
		t.Fatal(err)
	}
	a, err := cert.AnnounceBatchKey(k, &nd, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var certs []*cert.NodeCertificate
	for _, n := range nodes {
		certs = append(certs, n.keys.cert)
	}
	r, err := cert.NewBatchKeyRollout(k, a, certs, &nd)
	if err != nil {
		t.Fatal(err)
	}
	return &nd, r
}

// A new batch key, rolled out to the nodes: a batch sealed to the old one
// before the rotation is still applied, devices learn the new one at
// their next pull and seal to it, every node applies those, and a node
// credential made before the rotation (a node left out, revoked) cannot
// open them.
func TestBatchKey_RotationKeepsOldBatchesAndSealsNewOnes(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	url := c.nodes[1].Addr()
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	lan.add(t, 10)
	syncOK(t, url, lan)
	// A batch sealed to the district's own key and kept on the laptop
	// (a stick that never went, an outage) until after the rotation.
	lan.add(t, 5)
	old := lan.seal(t)
	if len(old) != 1 {
		t.Fatalf("%d batches sealed", len(old))
	}
	if h, _ := batch.ParseHeader(old[0].Sealed); h.RecipientKeyID != c.d.Public().KeyID {
		t.Fatalf("the old batch is sealed to %s", h.RecipientKeyID)
	}
	// A node credential made before the rotation, never given the new
	// key: what a revoked node holds.
	leftOut := testCredential(t, c.d, "n9")

	d1, r := rollout(t, c.d, c.nodes...)
	hc := testHTTP(url)
	if err := client.RolloutBatchKey(context.Background(), hc, url, r); err != nil {
		t.Fatal(err)
	}
	// The same rollout again, or one skipping a generation, is refused.
	if err := client.RolloutBatchKey(context.Background(), hc, url, r); err == nil {
		t.Fatal("the same generation rolled out twice")
	}
	d2 := *d1
	d2.Batch = slices.Clone(d1.Batch)
	if _, err := d2.NewBatchKey(); err != nil { // generation 2, never rolled out
		t.Fatal(err)
	}
	if _, skip := rollout(t, &d2, c.nodes...); client.RolloutBatchKey(context.Background(), hc, url, skip) == nil {
		t.Fatal("generation 3 rolled out after 1")
	}
	waitFor(t, 10*time.Second, "every node to announce batch key 1", func() bool {
		for _, n := range c.nodes {
			if g, _, _ := n.fsm.currentGen(); g != 1 {
				return false
			}
			if _, ok := n.keys.batchKey(r.Key.KeyID(c.d.Public())); !ok {
				return false
			}
		}
		return true
	})

	// The old batch goes up now: applied. The pull brings the new key.
	res := syncOK(t, url, lan)
	if res.Pushed != 1 {
		t.Fatalf("the old batch: %+v", res)
	}
	a, err := outbox.BatchKey(lan.s)
	if err != nil || a == nil || a.Gen != 1 {
		t.Fatalf("the device holds batch key %+v %v", a, err)
	}
	lan.add(t, 7)
	fresh := lan.seal(t)
	if len(fresh) != 1 {
		t.Fatalf("%d batches sealed", len(fresh))
	}
	h, _ := batch.ParseHeader(fresh[0].Sealed)
	if h.RecipientKeyID != r.Key.KeyID(c.d.Public()) {
		t.Fatalf("a new batch is sealed to %s, not to batch key 1", h.RecipientKeyID)
	}
	if res := syncOK(t, url, lan); res.Pushed != 1 {
		t.Fatalf("the new batch: %+v", res)
	}
	c.converged()

	// The left-out credential opens the old batch, not the new one.
	open := func(cr *cert.NodeCredential, sealed []byte) error {
		k, err := newKeys(cr)
		if err != nil {
			return err
		}
		f := &fsm{k: k, pub: k.pub}
		op := &batch.Opener{SignerKey: func(string) (ed25519.PublicKey, error) { return lan.cert.Device.SignKey, nil }, Keys: func(id string) (age.Identity, error) {
			if b, ok := f.k.batchKey(id); ok {
				return b.Age, nil
			}
			return nil, batch.ErrWrongRecipient
		}}
		_, err = op.Open(sealed)
		return err
	}
	if err := open(leftOut, old[0].Sealed); err != nil {
		t.Fatalf("the old batch with an old credential: %v", err)
	}
	if err := open(leftOut, fresh[0].Sealed); !errors.Is(err, batch.ErrWrongRecipient) {
		t.Fatalf("the new batch with a credential left out of the rollout: %v", err)
	}
	// Nor can it open the rollout itself.
	if _, err := r.Open(leftOut.Node); !errors.Is(err, cert.ErrNotARecipient) {
		t.Fatalf("the rollout with a credential left out: %v", err)
	}
}

// A node that was left out of a rollout stops at the first batch sealed
// to the new key, saying why, rather than refuse what the others apply;
// a batch sealed to a key the state does not announce is refused on
// every node alike, whatever keys a node happens to hold.
func TestBatchKey_NodeWithoutTheKeyStops(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n := c.nodes[0]
	url := n.Addr()
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	lan.add(t, 3)
	syncOK(t, url, lan)
	d1, r := rollout(t, c.d, n)
	if err := client.RolloutBatchKey(context.Background(), testHTTP(url), url, r); err != nil {
		t.Fatal(err)
	}
	syncOK(t, url, lan) // learns batch key 1
	lan.add(t, 2)
	bs := lan.seal(t)
	if len(bs) != 1 {
		t.Fatalf("%d batches", len(bs))
	}

	// A state machine on the same state whose node holds only generation
	// 0 (its credential predates the rotation; the rollout was not sealed
	// to it).
	k, err := newKeys(testCredential(t, c.d, "n9"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fsm{s: n.store, k: k, pub: k.pub, log: testLogger(t), m: newMetrics()}
	_, err = f.batchIdentity(r.Key.KeyID(c.d.Public()))
	if !errors.Is(err, errMissingBatchKey) {
		t.Fatalf("an announced key this node lacks: %v", err)
	}
	t.Log(err)
	if _, err := f.opener().Open(bs[0].Sealed); !errors.Is(err, errMissingBatchKey) {
		t.Fatalf("opening: %v", err)
	}
	stopped := func() (msg any) {
		defer func() { msg = recover() }()
		f.applyBatches(n.fsm.applied.Load()+1, 0, [][]byte{bs[0].Sealed}, nil)
		return nil
	}()
	if stopped == nil {
		t.Fatal("the node applied (or refused) a batch it cannot open, instead of stopping")
	}
	t.Logf("stopped: %v", stopped)
	// A key this node holds but the state does not announce (a
	// credential made after a rotation the cluster never received)
	// opens nothing: refused as on every other node.
	nd := *d1
	nd.Batch = slices.Clone(d1.Batch)
	k3, _ := nd.NewBatchKey()
	k.add(k3)
	if _, err := f.batchIdentity(identity.BatchKeyID(k3.Recipient(), c.d.Public().SignKey)); !errors.Is(err, batch.ErrWrongRecipient) || errors.Is(err, errMissingBatchKey) {
		t.Fatalf("an unannounced key: %v", err)
	}
}
