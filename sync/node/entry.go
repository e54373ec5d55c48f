package node

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/communekit/communekit/storage"
)

// A Raft log entry is one kind byte and its payload. The log holds sealed
// batches exactly as devices sent them, certificates and revocation lists
// as the district signed them, and member records (node ID and addresses):
// nothing in it is personal data in the clear.
const (
	entryBatches     byte = 1 // uvarint count, then per batch uvarint length + sealed bytes
	entryCertificate byte = 2 // cert.Certificate binary
	entryRevocations byte = 3 // cert.RevocationList binary
	entryMember      byte = 4 // member JSON
	// entryBatchesAt is entryBatches after the leader's clock when it
	// proposed the entry (8 bytes, big endian: an HLC reading): the
	// district's time of the batches, which the state machine reads where
	// it must not read a clock.
	entryBatchesAt byte = 5
	// entryBatchKey is a new generation of the batch key: the district's
	// rollout (cert.BatchKeyRollout binary), its secret sealed to the
	// nodes the district office trusts.
	entryBatchKey byte = 6
	// entryDashboard is the dashboard's password as the district set it:
	// a protocol.DashboardPassword (JSON), its scrypt hash signed by the
	// root key.
	entryDashboard byte = 7
)

// member is what the cluster knows of a node beyond Raft's configuration:
// where its HTTP API is, so followers can forward to the leader.
type member struct {
	ID      string `json:"id"`
	Raft    string `json:"raft"`
	HTTP    string `json:"http"`
	Cert    string `json:"cert,omitempty"` // the node's certificate (text form): batch keys are rolled out to it
	Removed bool   `json:"removed,omitempty"`
	// Request and RequestTime are, in the entry of a join or removal,
	// the hex hash of the signed request that asked for it and the time
	// it was signed: the state machine refuses the same request twice
	// (applyMember). They are not part of the member record kept.
	Request     string `json:"request,omitempty"`
	RequestTime int64  `json:"request_time,omitempty"`
}

func encodeBatches(sealed [][]byte) []byte {
	b := make([]byte, 0, batchesSize(sealed))
	return appendBatchList(append(b, entryBatches), sealed)
}

// encodeBatchesAt is an entryBatchesAt entry: sealed, proposed at the
// district's time at.
func encodeBatchesAt(at storage.HLC, sealed [][]byte) []byte {
	b := make([]byte, 0, 8+batchesSize(sealed))
	b = binary.BigEndian.AppendUint64(append(b, entryBatchesAt), uint64(at))
	return appendBatchList(b, sealed)
}

func batchesSize(sealed [][]byte) int {
	n := 1 + binary.MaxVarintLen64
	for _, s := range sealed {
		n += binary.MaxVarintLen64 + len(s)
	}
	return n
}

func appendBatchList(b []byte, sealed [][]byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(sealed)))
	for _, s := range sealed {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// decodeBatchesAt reads the payload of an entryBatchesAt entry (without
// its kind byte).
func decodeBatchesAt(p []byte) (storage.HLC, [][]byte, error) {
	if len(p) < 8 {
		return 0, nil, fmt.Errorf("%w: entry time", errBadEntry)
	}
	bs, err := decodeBatches(p[8:])
	return storage.HLC(binary.BigEndian.Uint64(p)), bs, err
}

var errBadEntry = errors.New("malformed log entry")

// decodeBatches reads the payload of an entryBatches entry (without its
// kind byte). The slices alias p.
func decodeBatches(p []byte) ([][]byte, error) {
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)) {
		return nil, fmt.Errorf("%w: batch count", errBadEntry)
	}
	p = p[k:]
	out := make([][]byte, 0, n)
	for i := uint64(0); i < n; i++ {
		l, k := binary.Uvarint(p)
		if k <= 0 || l > uint64(len(p)-k) {
			return nil, fmt.Errorf("%w: batch %d length", errBadEntry, i)
		}
		out = append(out, p[k:k+int(l)])
		p = p[k+int(l):]
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errBadEntry, len(p))
	}
	return out, nil
}

func encodeMember(m member) []byte {
	b, _ := json.Marshal(m)
	return append([]byte{entryMember}, b...)
}
