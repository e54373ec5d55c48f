package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/sync/protocol"
)

// Backup asks the node at node for a backup of the district's state
// (POST /v1/node/backup, signed with the district's key d) and writes the
// backup file to w as it comes. It returns the backup's header once the
// whole file has checked out: signed by the district, its sealed state of
// the size and SHA-256 the header names. On any error, what was written
// to w is not a backup: the caller throws it away.
//
// The request is retried, like the other administrator's requests, while
// the node cannot be reached or answers 503 (not caught up, already
// making a backup); the error then wraps ErrUnreachable, and another node
// may be asked. Once the file has begun to come it is not asked again.
func Backup(ctx context.Context, hc *http.Client, node string, d *identity.District, w io.Writer) (*protocol.BackupHeader, error) {
	base, err := nodeURL(node)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		// No overall timeout: a backup may take many minutes over a slow
		// link, and the caller's context bounds it.
		hc = HTTPClient(d.Public(), HTTPOptions{Timeout: -1})
	}
	// A backup request names the node it is for (no other node takes
	// it): the node says its ID to the district.
	id, err := nodeID(ctx, hc, base, d)
	if err != nil {
		return nil, err
	}
	var resp *http.Response
	err = adminRetry.retry(ctx, base, func(int) error {
		req := protocol.BackupRequest{Node: id}
		req.Sign(d.Sign, time.Now()) // signed anew for each attempt: its time and nonce are checked
		body, _ := json.Marshal(&req)
		var err error
		resp, err = stream(ctx, hc, base, request{method: http.MethodPost, path: protocol.PathBackup, ctype: "application/json", body: body})
		return err
	}, nil)
	var pe *protocol.Error
	switch {
	case errors.As(err, &pe) && pe.Code == protocol.CodeBadSignature && !errors.Is(err, ErrUnreachable):
		return nil, fmt.Errorf("%s refused the backup request: %w; give the profile of the district this cluster serves", base, pe)
	case errors.As(err, &pe) && pe.Code == protocol.CodeStale && !errors.Is(err, ErrUnreachable):
		return nil, fmt.Errorf("%s refused the backup request: %w", base, pe)
	case err != nil:
		return nil, refusal("the backup request", err)
	}
	defer resp.Body.Close()
	pub := d.Public()
	h, state, err := protocol.ReadBackup(io.TeeReader(resp.Body, w), pub, nil)
	if err == nil {
		_, err = io.Copy(io.Discard, state)
	}
	switch {
	case err == nil:
		return h, nil
	case errors.Is(err, protocol.ErrNotABackup) || errors.Is(err, protocol.ErrBackupOtherDistrict):
		return nil, fmt.Errorf("%w: %s answered the backup request with something else: %w", ErrNotANode, base, err)
	case errors.Is(err, protocol.ErrBackupDamaged):
		return nil, fmt.Errorf("the backup from %s did not check out (%w): make it again", base, err)
	}
	return nil, fmt.Errorf("the backup from %s stopped before its end: %s; make it again", base, describe(err))
}

// nodeID asks the node at base for its ID, as the district.
func nodeID(ctx context.Context, hc *http.Client, base string, d *identity.District) (string, error) {
	a, err := adminCall(ctx, hc, base, "the node status request", request{method: http.MethodGet, path: protocol.PathNodeStatus + "?digest=0", sign: DistrictSigner(d)})
	if err != nil {
		return "", err
	}
	var st protocol.NodeStatus
	if err := json.Unmarshal(a.body, &st); err != nil || st.ID == "" {
		return "", fmt.Errorf("%w: %s answered the node status with %q", ErrNotANode, base, snippet(a.body))
	}
	return st.ID, nil
}

// stream is do for a large answer: it returns a 2xx response with its
// body unread (the caller closes it), and reads any other answer as do
// does.
func stream(ctx context.Context, hc *http.Client, base string, r request) (*http.Response, error) {
	req, err := r.build(ctx, base)
	if err != nil {
		return nil, &transportError{err: err}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &transportError{err: err, retry: transient(ctx, err)}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxJSONAnswer))
	if err != nil {
		return nil, &transportError{err: fmt.Errorf("reading the answer: %w", err), retry: ctx.Err() == nil}
	}
	return nil, answerError(resp, b)
}
