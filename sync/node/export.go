package node

import (
	"net/http"

	"github.com/communekit/communekit/sync/protocol"
)

// handleExport answers the district's export request (`kitctl district
// export`): what device req.Device's pull after req.Cursor would receive,
// answered exactly as its pull (answerPull), for a district file that
// travels to the device on a USB stick.
//
// The district's signature is checked before anything else, so a request
// not signed with its key learns nothing, not even whether the device is
// enrolled. A revoked or expired device gets no answer, as its own pull
// would not; a device the cluster does not know yet is unknown_device
// (kitctl sends its certificate from the district's register).
func (n *Node) handleExport(w http.ResponseWriter, r *http.Request) {
	if !n.serving(w) {
		return
	}
	var req protocol.ExportRequest
	_, ok := n.readRequest(w, r, &req, "an export request")
	if !ok {
		return
	}
	if err := req.Verify(n.fsm.pub.SignKey, n.now()); err != nil {
		n.fail(w, err.(*protocol.Error))
		return
	}
	if e := n.replays.use("export request", protocol.SignerDistrict, req.Nonce, req.Time, n.now()); e != nil {
		n.fail(w, e)
		return
	}
	release, ok := n.admit(w, "")
	if !ok {
		return
	}
	defer release()
	c, e := n.checkDevice(req.Device)
	if e != nil {
		n.fail(w, e)
		return
	}
	n.log.Info("export for a device's USB file", "device", req.Device, "after", req.Cursor)
	n.answerPull(w, c, req.Cursor, req.Max, req.Hash())
}
