package node

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/protocol"
)

// A laptop replaced (sync/protocol/PROTOCOL.md, "A laptop replaced"). A
// certificate that names a device it replaces (cert.Certificate.Replaces)
// retires that device when the state machine keeps it: the old device's
// batches, signed with its own key, are refused from then on (`revoked`,
// with the reason), and its chain of batches and operations goes on under
// the successor's key only. The successor sends the old device's
// operations the district lacks in batches that name the old device as
// sender (so the chain, the operation numbers, the record tags and every
// check are the old device's: nothing is applied twice, since each
// operation number is applied once) and are signed with its own key. Its
// own work goes in batches of its own chain.
//
//	fsm/handover/<old>    handoverRec JSON
//	fsm/successor/<new>   the old device's ID
const (
	metaHandover  = "fsm/handover/"
	metaSuccessor = "fsm/successor/"
)

// handoverRec is the district's record of a device retired for another.
type handoverRec struct {
	New    string `json:"new"`
	Serial uint64 `json:"serial"`
	Index  uint64 `json:"index"`
	Reason string `json:"reason"`
}

// handover returns the record of dev's retirement, nil when it was not
// replaced.
func (f *fsm) handover(dev string) (*handoverRec, error) {
	b, err := f.s.GetMeta(metaHandover + dev)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	h := &handoverRec{}
	if err := json.Unmarshal(b, h); err != nil {
		return nil, fmt.Errorf("%w: hand-over record of %s: %v", storage.ErrDamaged, dev, err)
	}
	return h, nil
}

// applySuccessor checks a certificate that names a device it replaces and
// returns the state to write with it: the hand-over. The old device must be
// enrolled and not revoked, not replaced by another device, and the
// successor must serve it as it did (role, communes): the operations it
// carries over are checked as the old device's. The same certificate
// again, or a later one of the same successor, keeps the record as it is.
func (f *fsm) applySuccessor(index uint64, c *cert.Certificate) (map[string][]byte, error) {
	old, err := f.certificate(c.Replaces)
	if err != nil {
		return nil, fmt.Errorf("device %s replaces device %s, of which the district holds no certificate", c.Device.ID, c.Replaces)
	}
	if old.Replaces == c.Device.ID {
		return nil, fmt.Errorf("device %s replaces device %s, which replaced it", c.Device.ID, c.Replaces)
	}
	if l, _ := f.revocations(); l != nil {
		if err := l.Check(old); err != nil {
			return nil, fmt.Errorf("device %s replaces device %s, which is revoked: %v", c.Device.ID, c.Replaces, err)
		}
	}
	if old.Role != c.Role || !slices.Equal(old.Communes, c.Communes) {
		return nil, fmt.Errorf("device %s replaces device %s but does not serve as it did (%s of %v, not %s of %v)", c.Device.ID, c.Replaces, c.Role, c.Communes, old.Role, old.Communes)
	}
	h, err := f.handover(c.Replaces)
	if err != nil {
		return nil, err
	}
	if h != nil {
		if h.New != c.Device.ID {
			return nil, fmt.Errorf("device %s replaces device %s, which device %s replaced already", c.Device.ID, c.Replaces, h.New)
		}
		return map[string][]byte{}, nil
	}
	rec, _ := json.Marshal(handoverRec{New: c.Device.ID, Serial: c.Serial, Index: index,
		Reason: fmt.Sprintf("replaced by device %s (certificate %d, signed %s): a laptop replaced", c.Device.ID, c.Serial, c.NotBefore.Add(time.Hour).UTC().Format("2006-01-02 15:04 UTC"))})
	return map[string][]byte{metaHandover + c.Replaces: rec, metaSuccessor + c.Device.ID: []byte(c.Replaces)}, nil
}

// lastSuccessor follows a chain of hand-overs (a successor replaced in
// turn, its laptop lost too) to the device that serves now: a retired
// successor no longer signs for the devices it replaced.
func (f *fsm) lastSuccessor(h *handoverRec) (string, error) {
	dev, seen := h.New, map[string]bool{}
	for {
		if seen[dev] {
			return "", fmt.Errorf("%w: the hand-overs from device %s go round in a circle", cert.ErrRevoked, dev)
		}
		seen[dev] = true
		next, err := f.handover(dev)
		if err != nil {
			return "", err
		}
		if next == nil {
			return dev, nil
		}
		dev = next.New
	}
}

// successorKey is the key that signs a replaced device's batches: its
// last successor's, enrolled and not revoked.
func (f *fsm) successorKey(h *handoverRec) (ed25519.PublicKey, error) {
	dev, err := f.lastSuccessor(h)
	if err != nil {
		return nil, err
	}
	c, err := f.certificate(dev)
	if err != nil {
		return nil, err
	}
	if l, _ := f.revocations(); l != nil {
		if err := l.Check(c); err != nil {
			return nil, err
		}
	}
	return c.Device.SignKey, nil
}

// checkSender returns the certificate a pushed batch's operations are
// checked against: its sender's, valid now and not revoked. A replaced
// device's batch signed with its own key is refused (`revoked`, with the
// reason); one signed by its successor is checked as the old device's,
// with the successor's certificate valid now.
func (n *Node) checkSender(sealed []byte, h batch.Header) (*cert.Certificate, *protocol.Error) {
	ho, err := n.fsm.handover(h.Sender)
	if err != nil {
		return nil, errf(protocol.CodeInternal, "reading the hand-over of %s: %v", h.Sender, err)
	}
	if ho == nil {
		return n.checkDevice(h.Sender)
	}
	old, err := n.fsm.certificate(h.Sender)
	if err != nil {
		return nil, errf(protocol.CodeInternal, "reading the certificate of %s: %v", h.Sender, err)
	}
	o := n.fsm.opener()
	o.SignerKey = func(string) (ed25519.PublicKey, error) { return old.Device.SignKey, nil }
	if _, err := o.Verify(sealed); err == nil {
		n.log.Warn("a replaced device pushed: refused", "device", h.Sender, "batch", h.Seq, "successor", ho.New)
		return nil, errf(protocol.CodeRevoked, "device %s is retired: %s. Its batches are no longer accepted; "+
			"what it had not sent when it was copied goes to the district from the new device. Work saved on this laptop since then cannot be sent: enter it on device %s",
			h.Sender, ho.Reason, ho.New)
	}
	succ, err := n.fsm.lastSuccessor(ho)
	if err != nil {
		return nil, refusal(err)
	}
	// A successor replaced in turn signs no longer for the device it
	// replaced: its carried batch is refused with the reason.
	for dev := ho.New; dev != succ; {
		next, err := n.fsm.handover(dev)
		if err != nil || next == nil {
			return nil, errf(protocol.CodeInternal, "reading the hand-over of %s: %v", dev, err)
		}
		if c, err := n.fsm.certificate(dev); err == nil {
			o.SignerKey = func(string) (ed25519.PublicKey, error) { return c.Device.SignKey, nil }
			if _, err := o.Verify(sealed); err == nil {
				n.log.Warn("a replaced successor pushed for the device it replaced: refused", "device", dev, "for", h.Sender, "successor", next.New)
				return nil, errf(protocol.CodeRevoked, "device %s is retired: %s. It no longer sends the work of device %s; enter it on device %s", dev, next.Reason, h.Sender, next.New)
			}
		}
		dev = next.New
	}
	if _, e := n.checkDevice(succ); e != nil {
		return nil, e
	}
	return old, nil
}

// handleHandover answers where the district stands with a replaced
// device, to its successor or the district.
func (n *Node) handleHandover(w http.ResponseWriter, r *http.Request) {
	old := r.PathValue("device")
	if err := identity.CheckDeviceID(old); err != nil {
		n.fail(w, errf(protocol.CodeMalformed, "%v: ask with the ID of the replaced device, as `kitctl enrol list` shows it", err))
		return
	}
	ho, err := n.fsm.handover(old)
	if err != nil {
		n.fail(w, errf(protocol.CodeInternal, "reading the hand-over of %s: %v", old, err))
		return
	}
	succ := ""
	if ho != nil {
		succ = ho.New
	}
	// Before the hand-over (the successor's certificate not yet sent) any
	// enrolled device's signature is checked, so that one the cluster does
	// not know is told so (unknown_device: it sends its certificate, whose
	// entry makes the hand-over), and is answered not_found.
	a := n.verifySigned(w, r, nil, nil, func(signer string) bool {
		_, dev := protocol.DeviceOf(signer)
		return signer == protocol.SignerDistrict || succ == "" && dev || succ != "" && signer == protocol.SignerDevice(succ)
	}, "the district or the device that replaced "+old, true)
	if a == nil {
		return
	}
	release, ok := n.admit(w, succ)
	if !ok {
		return
	}
	defer release()
	if ho == nil {
		n.fail(w, errf(protocol.CodeNotFound, "device %s was not replaced", old))
		return
	}
	ch, err := n.fsm.chain(old)
	if err != nil {
		n.fail(w, errf(protocol.CodeInternal, "reading the chain of %s: %v", old, err))
		return
	}
	writeJSON(w, http.StatusOK, protocol.Handover{Old: old, New: ho.New, Serial: ho.Serial, Index: ho.Index, Reason: ho.Reason,
		Batch: ch.Seq, Hash: hex.EncodeToString(ch.Hash[:]), LastOp: ch.OpSeq})
}
