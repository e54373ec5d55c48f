package node

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/communekit/communekit/sync/protocol"
)

// Requests are fresh and used once: every signed request carries its time
// (within protocol.MaxClockSkew of the node's clock) and a nonce, and a
// node keeps the (signer, nonce) pairs it took until their time is out of
// the window, when the time alone refuses them. Joins and removals are
// also remembered by the cluster (fsm.go), so a replay to another node is
// refused too.

// maxReplayEntries bounds the nonces a node keeps: about 100 bytes each.
// At the limit, after expired ones are dropped, a signed request is
// answered 503 (a flood the node cannot tell from devices).
const maxReplayEntries = 200_000

// replayCache is what a node remembers of the signed requests it took.
type replayCache struct {
	mu    sync.Mutex
	seen  map[string]int64 // signer + "\x00" + nonce → unix second after which it is stale anyway
	swept time.Time
	max   int
}

func newReplayCache() *replayCache {
	return &replayCache{seen: map[string]int64{}, max: maxReplayEntries}
}

// use records signer's nonce, signed at unix time t, and refuses one seen
// before.
func (c *replayCache) use(what, signer, nonce string, t int64, now time.Time) *protocol.Error {
	key := signer + "\x00" + nonce
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.swept) > time.Minute || len(c.seen) >= c.max {
		c.sweep(now)
	}
	if _, ok := c.seen[key]; ok {
		return errf(protocol.CodeReplayed, "this %s was sent before (the same nonce, from %s): it is taken once; a new request is signed anew", what, signer)
	}
	if len(c.seen) >= c.max {
		return &protocol.Error{Code: protocol.CodeUnavailable, RetryAfter: retryOverloaded * time.Second,
			Message: fmt.Sprintf("this node took %d signed requests in the last %s: try again shortly", c.max, 2*protocol.MaxClockSkew)}
	}
	c.seen[key] = t + int64(protocol.MaxClockSkew/time.Second) + 1
	return nil
}

func (c *replayCache) sweep(now time.Time) {
	c.swept = now
	for k, until := range c.seen {
		if now.Unix() > until {
			delete(c.seen, k)
		}
	}
}

// resolveSigner returns the key resolver of request r: the district's
// root key, an enrolled device's valid now and not revoked, or a node's,
// certified by the district and not revoked (its certificate comes with
// the request).
func (n *Node) resolveSigner(r *http.Request) protocol.KeyResolver {
	return func(signer string) (ed25519.PublicKey, *protocol.Error) {
		if id, ok := protocol.NodeOfSigner(signer); ok {
			c, err := protocol.NodeOf(r.Header.Get(protocol.HeaderRequestCertificate), n.fsm.pub, n.peerRevoked)
			if err != nil {
				return nil, errf(protocol.CodeBadSignature, "the request of %s comes without a certificate of this district for it: %v", signer, err)
			}
			if c.Node.ID != id {
				return nil, errf(protocol.CodeBadSignature, "the request of %s comes with the certificate of node %s", signer, c.Node.ID)
			}
			return c.Node.SignKey, nil
		}
		return n.resolveKey(signer)
	}
}

// resolveKey is the key of the district or of an enrolled device valid now
// and not revoked.
func (n *Node) resolveKey(signer string) (ed25519.PublicKey, *protocol.Error) {
	if signer == protocol.SignerDistrict {
		return n.fsm.pub.SignKey, nil
	}
	if dev, ok := protocol.DeviceOf(signer); ok {
		c, e := n.checkDevice(dev)
		if e != nil {
			return nil, e
		}
		return c.Device.SignKey, nil
	}
	return nil, errf(protocol.CodeBadSignature, "unknown signer %q: a request is signed by the district, a device or a node", signer)
}

// verifySigned checks a signed request: signature and time, a signer
// allowed (who says which, for the message), and a nonce not seen before
// by this node. When remember is false (a follower that forwards the
// request to the leader, which remembers it) the nonce is not recorded.
// On a refusal it has answered and returns nil.
func (n *Node) verifySigned(w http.ResponseWriter, r *http.Request, body []byte, resolve protocol.KeyResolver, allowed func(signer string) bool, who string, remember bool) *protocol.RequestAuth {
	if resolve == nil {
		resolve = n.resolveSigner(r)
	}
	a, e := protocol.VerifyRequest(r, body, func(signer string) (ed25519.PublicKey, *protocol.Error) {
		if !allowed(signer) {
			return nil, errf(protocol.CodeBadSignature, "%s %s is answered only to a request signed by %s, not by %s", r.Method, r.URL.Path, who, signer)
		}
		return resolve(signer)
	}, n.now())
	if e != nil {
		if e.Code == protocol.CodeBadSignature && protocol.RequestSigner(r) == "" {
			e.Message = fmt.Sprintf("%s %s is answered only to a request signed by %s: this one is not signed", r.Method, r.URL.Path, who)
		}
		n.fail(w, e)
		return nil
	}
	if remember {
		if e := n.replays.use("request", a.Signer, a.Nonce, a.Time, n.now()); e != nil {
			n.fail(w, e)
			return nil
		}
	}
	return a
}

// districtOnly allows the district's signature alone, or a node's (the
// district certified its key: nodes ask each other for their status).
func districtOnly(signer string) bool {
	_, node := protocol.NodeOfSigner(signer)
	return signer == protocol.SignerDistrict || node
}

// leading reports whether this node leads: a request it would forward is
// remembered by the leader, not here.
func (n *Node) leading() bool { return n.raft.State() == raft.Leader }

// statusCache keeps this node's digest for one applied index: the digest
// reads the whole store, and status requests must not make a node do that
// more than once per entry applied. Concurrent callers wait for one
// computation.
type statusCache struct {
	mu     sync.Mutex
	index  uint64
	digest string
	valid  bool
}

// digest returns the state's digest at the applied index, computing it
// only when an entry was applied since the last time.
func (n *Node) digest() (string, error) {
	c := &n.status
	c.mu.Lock()
	defer c.mu.Unlock()
	idx := n.fsm.applied.Load()
	if c.valid && c.index == idx {
		return c.digest, nil
	}
	d, err := n.store.Digest()
	if err != nil {
		return "", err
	}
	s := hex.EncodeToString(d[:])
	// Entries applied while the store was read: the digest is of no one
	// index, and is not kept.
	if n.fsm.applied.Load() == idx {
		c.index, c.digest, c.valid = idx, s, true
	}
	return s, nil
}
