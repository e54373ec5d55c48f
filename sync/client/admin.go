package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/protocol"
)

// adminRetry is how the administrator's requests below are retried: a few
// quick tries through a leader election, then the person decides.
var adminRetry = Backoff{Base: 250 * time.Millisecond, Max: 4 * time.Second, Attempts: 5}

// ClusterStatus asks the node at node for the status of every node of its
// cluster. Only the district is answered: s signs with its key
// (DistrictSigner).
func ClusterStatus(ctx context.Context, hc *http.Client, node string, s *Signer) (*protocol.ClusterStatus, error) {
	a, err := adminCall(ctx, hc, node, "the cluster status request", request{method: http.MethodGet, path: protocol.PathStatus, sign: s})
	if err != nil {
		return nil, err
	}
	var st protocol.ClusterStatus
	if err := json.Unmarshal(a.body, &st); err != nil {
		return nil, fmt.Errorf("%w: %s answered the cluster status with %q", ErrNotANode, node, snippet(a.body))
	}
	return &st, nil
}

// Member sends a signed join or remove request (req.Op) to the node at
// node. It returns once the cluster has done it.
func Member(ctx context.Context, hc *http.Client, node string, req protocol.MemberRequest) error {
	path := protocol.PathJoin
	switch req.Op {
	case "join":
	case "remove":
		path = protocol.PathRemove
	default:
		return fmt.Errorf("cluster request %q: the operations are join and remove", req.Op)
	}
	body, err := json.Marshal(&req)
	if err != nil {
		return err
	}
	_, err = adminCall(ctx, hc, node, fmt.Sprintf("the request to %s node %s", req.Op, req.ID),
		request{method: http.MethodPost, path: path, ctype: "application/json", body: body})
	return err
}

// PushSealed pushes one sealed batch as it is (a batch file that came on a
// USB stick) and returns the node's receipt, not verified: the caller
// checks it with the district's key ([VerifyReceipt]). A refusal is a
// *Refusal; a gap's Err.Expected says which batch the district wants.
func PushSealed(ctx context.Context, hc *http.Client, node string, sealed []byte) (*protocol.Receipt, error) {
	return pushSealed(ctx, hc, node, sealed, nil)
}

func pushSealed(ctx context.Context, hc *http.Client, node string, sealed []byte, header http.Header) (*protocol.Receipt, error) {
	what := "the batch"
	if h, err := batch.ParseHeader(sealed); err == nil {
		what = fmt.Sprintf("batch %d of device %s", h.Seq, h.Sender)
	}
	a, err := adminCall(ctx, hc, node, what, request{method: http.MethodPost, path: protocol.PathPush, ctype: octetStream, body: sealed, header: header})
	if err != nil {
		return nil, err
	}
	var rec protocol.Receipt
	if err := json.Unmarshal(a.body, &rec); err != nil {
		return nil, fmt.Errorf("%w: the answer to %s is not a receipt (%v)", ErrNotANode, what, err)
	}
	return &rec, nil
}

// PostCertificate sends a device's certificate to the node at node, for a
// district that imports batches of a device that never synced. The node
// takes it only signed by the district or by the device itself (s).
func PostCertificate(ctx context.Context, hc *http.Client, node string, c *cert.Certificate, s *Signer) error {
	b, err := c.MarshalBinary()
	if err != nil {
		return err
	}
	_, err = adminCall(ctx, hc, node, "the certificate of device "+c.Device.ID,
		request{method: http.MethodPost, path: protocol.PathCertificate, ctype: octetStream, body: b, sign: s})
	return err
}

// PushSealedIntroducing is PushSealed for a batch of a device the node
// may not know yet, with the device's certificate c: the node takes the
// certificate on the batch's signature (a supervisor forwarding an
// officer's batch files, who holds neither the district's key nor the
// device's).
func PushSealedIntroducing(ctx context.Context, hc *http.Client, node string, sealed []byte, c *cert.Certificate) (*protocol.Receipt, error) {
	b, err := c.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return pushSealed(ctx, hc, node, sealed, http.Header{protocol.HeaderCertificate: {base64.StdEncoding.EncodeToString(b)}})
}

// PostRevocations sends the district's revocation list to the node at
// node, which replicates it if it follows the list the cluster holds.
func PostRevocations(ctx context.Context, hc *http.Client, node string, l *cert.RevocationList) error {
	b, err := l.MarshalBinary()
	if err != nil {
		return err
	}
	_, err = adminCall(ctx, hc, node, fmt.Sprintf("revocation list %d", l.Seq),
		request{method: http.MethodPost, path: protocol.PathRevocations, ctype: octetStream, body: b})
	return err
}

// RolloutBatchKey sends a new generation of the district's batch key (its
// rollout, signed with the district's key) to the node at node, which
// replicates it: the nodes it was sealed to open batches sealed to it,
// and devices learn it at their next pull.
func RolloutBatchKey(ctx context.Context, hc *http.Client, node string, r *cert.BatchKeyRollout) error {
	b, err := r.MarshalBinary()
	if err != nil {
		return err
	}
	_, err = adminCall(ctx, hc, node, fmt.Sprintf("batch key %d", r.Key.Gen),
		request{method: http.MethodPost, path: protocol.PathBatchKey, ctype: octetStream, body: b})
	return err
}

func adminCall(ctx context.Context, hc *http.Client, node, what string, r request) (*answer, error) {
	base, err := nodeURL(node)
	if err != nil {
		return nil, err
	}
	var a *answer
	err = adminRetry.retry(ctx, base, func(int) error {
		var err error
		a, err = do(ctx, hc, base, r)
		return err
	}, nil)
	err = refusal(what, err)
	var rf *Refusal
	if errors.As(err, &rf) {
		rf.Admin = true
	}
	return a, err
}

// SetDashboardPassword sends the dashboard password setting the district
// signed (kitctl district dashboard-password) to a node, which replicates
// it to the cluster.
func SetDashboardPassword(ctx context.Context, hc *http.Client, node string, d *protocol.DashboardPassword) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = adminCall(ctx, hc, node, "the dashboard password",
		request{method: http.MethodPost, path: protocol.PathDashboardPassword, ctype: "application/json", body: b})
	return err
}
