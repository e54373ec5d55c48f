package protocol

// PathHandover is GET …/<old device>: where the district stands with a
// device another replaced (a laptop restored from a backup, or a copy of a
// profile, enrolled as the old device's successor). Signed in headers by
// the successor device or the district; 404 `not_found` when the device
// was not replaced.
const PathHandover = "/v1/handover/"

// Handover is the answer of PathHandover: the hand-over as the district's
// state holds it, and the old device's chain, which the successor
// continues with batches of the old device's operations (Header.Sender =
// the old device, signed with the successor's key).
type Handover struct {
	Old    string `json:"old"`
	New    string `json:"new"`
	Serial uint64 `json:"serial"` // the successor's certificate
	Index  uint64 `json:"index"`  // the Raft index of the entry that retired the old device
	Reason string `json:"reason"`
	// The old device's last accepted batch, its hash (hex) and the
	// number of its last operation the district holds.
	Batch  uint64 `json:"batch"`
	Hash   string `json:"hash"`
	LastOp uint64 `json:"last_op"`
}
