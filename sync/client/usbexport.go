package client

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/protocol"
)

// DefaultFileBytes bounds the pull answers of one district file: a
// commune's first file of 10,000 persons is well under a megabyte, a
// district-wide supervisor's can be tens; what is beyond goes in the next
// file.
const DefaultFileBytes = 32 << 20

// exportMaxOps is the operations asked for per answer of a district file:
// the node's cap. A stick is not a 2G link, so fewer, larger envelopes.
const exportMaxOps = 2000

// ExportOptions tune [ExportFile]; the zero value is right for kitctl.
type ExportOptions struct {
	HTTP     *http.Client // nil: HTTPClient for the district
	MaxBytes int          // bound of the answers in one file (DefaultFileBytes when 0)
	MaxOps   int          // operations per answer asked for (the node's cap, 2000, when 0)
	// Revocations is the district profile's revocation list: the file
	// carries the newer of it and the cluster's.
	Revocations *cert.RevocationList
	Now         func() time.Time // nil: time.Now
}

// FileExport is a district file [ExportFile] made.
type FileExport struct {
	// Header says what the file holds; nil when nothing was new for the
	// device after the cursor (no file is made): no operation of another
	// device.
	Header *protocol.DistrictFileHeader
	File   []byte
	// More is true when the file reached its bound and more waits after
	// Header.To: export again from there.
	More bool
}

// ExportFile asks the node at node, on behalf of district d, for what the
// pulls of the device certified by c would receive after cursor after
// (POST /v1/export, signed with d's key), and puts the answers, as the
// node sealed them to the device, with the district's revocation list
// into a district file signed by d (sync/protocol/districtfile.go).
//
// The answers are checked as far as the district can without the
// device's key: signed by the district, sealed to the device, cursors
// that go up. A node that does not know the device is sent c first.
// Requests are retried like the administrator's other requests: a few
// quick tries, then an error wrapping ErrUnreachable.
func ExportFile(ctx context.Context, node string, d *identity.District, c *cert.Certificate, after uint64, o ExportOptions) (*FileExport, error) {
	base, err := nodeURL(node)
	if err != nil {
		return nil, err
	}
	pub := d.Public()
	if o.HTTP == nil {
		o.HTTP = HTTPClient(pub, HTTPOptions{})
	}
	if c.DistrictKeyID != pub.KeyID {
		return nil, fmt.Errorf("device %s was enrolled by district key %s, not by this district (%s, key %s)", c.Device.ID, c.DistrictKeyID, pub.Name, pub.KeyID)
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	maxBytes := o.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultFileBytes
	}
	// Verify only: the district has no key to open what is sealed to the
	// device, and needs none to check who signed it for whom. Identity
	// is set because an Opener requires one; Verify never decrypts.
	var revoked protocol.Revoked
	if o.Revocations != nil {
		revoked = func(serial uint64, node string) error { return o.Revocations.CheckSerial(serial, node) }
	}
	signers := map[string]*cert.NodeCertificate{} // by node key ID
	check := &batch.Opener{Identity: d.Age, KeyID: c.Device.KeyID(), SignerKey: func(sender string) (ed25519.PublicKey, error) {
		if sender == pub.KeyID {
			return pub.SignKey, nil
		}
		if n, ok := signers[sender]; ok {
			return n.Node.SignKey, nil
		}
		return nil, fmt.Errorf("%w: an answer signed by %s, not by this district (key %s) or a node it certified", batch.ErrUnknownSigner, sender, pub.KeyID)
	}}

	counted := true // every answer said how many operations it holds
	f := &protocol.DistrictFile{Header: protocol.DistrictFileHeader{
		District: pub.Name, KeyID: pub.KeyID, Device: c.Device.ID, DeviceKey: c.Device.KeyID(), Officer: c.Officer, From: after,
	}}
	out := &FileExport{}
	cur, size, certSent := after, 0, false
	for {
		a, err := exportCall(ctx, o.HTTP, base, d, c.Device.ID, cur, o.MaxOps, now)
		var pe *protocol.Error
		if errors.As(err, &pe) && pe.Code == protocol.CodeUnknownDevice && !certSent && !errors.Is(err, ErrUnreachable) {
			// The device never synced and none of its batches came on
			// a stick: the cluster learns its certificate from the
			// district's register.
			certSent = true
			if err := PostCertificate(ctx, o.HTTP, base, c, DistrictSigner(d)); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if a.status == http.StatusNoContent {
			break
		}
		if text := a.header.Get(protocol.HeaderBatchKey); text != "" {
			k, err := cert.ParseBatchKeyAnnouncement([]byte(text))
			if err == nil {
				err = k.Verify(pub)
			}
			if err != nil {
				return nil, fmt.Errorf("%w: its answer for device %s carries a batch key the district did not sign: %v", ErrNotANode, c.Device.ID, err)
			}
			f.Header.BatchKey = text
		}
		if text := a.header.Get(protocol.HeaderSigner); text != "" {
			n, err := protocol.NodeOf(text, pub, revoked)
			if err != nil {
				return nil, fmt.Errorf("%w: its answer for device %s is signed by a node the district does not trust: %v", ErrNotANode, c.Device.ID, err)
			}
			if _, ok := signers[n.Node.KeyID()]; !ok {
				signers[n.Node.KeyID()] = n
				f.Header.Signers = append(f.Header.Signers, text)
			}
		}
		h, err := check.Verify(a.body)
		if err != nil {
			return nil, fmt.Errorf("%w: its answer for device %s does not check out: %v", ErrNotANode, c.Device.ID, err)
		}
		if h.Seq <= cur {
			return nil, fmt.Errorf("%w: it answered changes up to %d for changes after %d", ErrNotANode, h.Seq, cur)
		}
		ops, err := strconv.Atoi(a.header.Get(protocol.HeaderOps))
		counted = counted && err == nil
		f.Answers = append(f.Answers, a.body)
		f.Header.Ops += ops
		size += len(a.body)
		cur = h.Seq
		if a.header.Get(protocol.HeaderMore) != "1" {
			break
		}
		if size >= maxBytes || len(f.Answers) == protocol.MaxDistrictAnswers {
			out.More = true
			break
		}
	}
	if len(f.Answers) == 0 || counted && f.Header.Ops == 0 && !out.More {
		// Nothing, or only the device's own work coming back: its
		// cursor would move, but not by a file carried for nothing. The
		// next file starts from the same cursor and covers the same.
		return &FileExport{}, nil
	}
	f.Header.To = cur
	l, err := newestRevocations(ctx, o.HTTP, base, d, o.Revocations)
	if err != nil {
		return nil, err
	}
	if f.Revocations, err = l.MarshalBinary(); err != nil {
		return nil, err
	}
	f.Header.RevocationSeq = l.Seq
	f.Header.Made = now().Unix()
	if out.File, err = f.Marshal(d.Sign); err != nil {
		return nil, err
	}
	out.Header = &f.Header
	return out, nil
}

// exportCall sends one export request, signed anew for each attempt (its
// time is checked), and returns the node's answer: 200 or 204.
func exportCall(ctx context.Context, hc *http.Client, base string, d *identity.District, device string, cursor uint64, maxOps int, now func() time.Time) (*answer, error) {
	what := "the export request for device " + device
	if maxOps <= 0 {
		maxOps = exportMaxOps
	}
	var a *answer
	err := adminRetry.retry(ctx, base, func(int) error {
		req := protocol.ExportRequest{Device: device, Cursor: cursor, Max: maxOps}
		req.Sign(d.Sign, now())
		body, _ := json.Marshal(&req)
		var err error
		a, err = do(ctx, hc, base, request{method: http.MethodPost, path: protocol.PathExport, ctype: "application/json", body: body, max: batch.DefaultLimits.MaxSealed})
		if err == nil && a.status == http.StatusOK {
			// The answer must be the one to this request (its cursor, its
			// nonce), which it carries signed.
			if h, herr := batch.ParseHeader(a.body); herr != nil || h.PrevHash != req.Hash() {
				return fmt.Errorf("%w: %s answered the export request after %d with an answer to another request", ErrNotANode, base, cursor)
			}
		}
		return err
	}, nil)
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Code == protocol.CodeBadSignature && !errors.Is(err, ErrUnreachable) {
		return nil, fmt.Errorf("%s refused %s: %w; give the profile of the district this cluster serves", base, what, pe)
	}
	return a, refusal(what, err)
}

// newestRevocations returns the newer of the cluster's revocation list
// and the district profile's (held, may be nil), each checked against
// the district's key. The cluster's may lag (a revocation not yet sent
// with --node); the profile's may lag on a copy of the profile.
func newestRevocations(ctx context.Context, hc *http.Client, base string, district *identity.District, held *cert.RevocationList) (*cert.RevocationList, error) {
	d := district.Public()
	if held != nil {
		if err := held.Verify(d); err != nil {
			return nil, fmt.Errorf("the district profile's revocation list: %w", err)
		}
	}
	a, err := adminCall(ctx, hc, base, "the revocation list request", request{method: http.MethodGet, path: protocol.PathRevocations, max: maxListAnswer})
	var l *cert.RevocationList
	switch {
	case err == nil && a.status == http.StatusNoContent:
		// The cluster holds no list yet: the district revoked nothing.
		l, err = cert.NewRevocationList(district)
	case err == nil:
		l, err = cert.ParseRevocationList(a.body)
		if err == nil {
			err = l.Verify(d)
		}
	}
	switch {
	case err != nil && held == nil:
		return nil, fmt.Errorf("the cluster's revocation list: %w", err)
	case err != nil:
		return held, nil
	case held != nil && held.Seq > l.Seq:
		return held, nil
	}
	return l, nil
}
