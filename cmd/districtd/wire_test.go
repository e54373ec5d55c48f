package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

// The tests of this file run real districtd processes and ask them what
// issue 16 says a stranger must not get: a node's status, a device's
// receipts, a Raft entry for a certificate.

// signedAs is who signs a test request: nil key for an unsigned one.
type signedAs struct {
	name string
	key  ed25519.PrivateKey
	now  time.Time // zero: time.Now
}

func asDistrict(d *district) signedAs {
	return signedAs{name: protocol.SignerDistrict, key: d.keys.Sign}
}
func asDevice(dv *device) signedAs {
	return signedAs{name: protocol.SignerDevice(dv.id), key: dv.s.DeviceKeys().Sign}
}

// answer is a node's answer to a test request.
type answer struct {
	code   int
	body   []byte
	header http.Header
	err    protocol.Error // when the body is one
}

// build makes a request signed as s.
func (s signedAs) build(method, url string, body []byte) *http.Request {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	if s.key != nil {
		now := s.now
		if now.IsZero() {
			now = time.Now()
		}
		protocol.SignRequest(req, body, s.name, s.key, now)
	}
	return req
}

// send sends req (its body is body) and reads the answer.
func send(t *testing.T, req *http.Request, body []byte) answer {
	t.Helper()
	req.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := pushClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{code: resp.StatusCode, body: b, header: resp.Header}
	json.Unmarshal(b, &a.err)
	return a
}

// do sends a request signed as s, again while the node answers 503.
func (s signedAs) do(t *testing.T, method, url string, body []byte) answer {
	t.Helper()
	end := time.Now().Add(time.Minute)
	for {
		a := send(t, s.build(method, url, body), body)
		if a.code != http.StatusServiceUnavailable || time.Now().After(end) {
			return a
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (a answer) is(code int, pcode, words string) bool {
	return a.code == code && a.err.Code == pcode && strings.Contains(a.err.Message, words)
}

func TestWire_StatusOnlyToTheDistrict(t *testing.T) {
	d := newDistrict(t, "Cụm Mèo Vạc")
	c := newCluster(t, d, 3)
	lan := newDevice(t, d, "Nguyễn Thị Lan")
	lan.register(t, c.nodes[0].url)
	other, err := identity.NewDistrict("Cụm khác")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{protocol.PathNodeStatus, protocol.PathStatus} {
		url := c.nodes[1].url + path
		if a := (signedAs{}).do(t, http.MethodGet, url, nil); !a.is(401, protocol.CodeBadSignature, "only to a request signed by the district") {
			t.Errorf("%s unsigned: %d %s", path, a.code, a.body)
		}
		if a := asDevice(lan).do(t, http.MethodGet, url, nil); !a.is(401, protocol.CodeBadSignature, "not by device "+lan.id) {
			t.Errorf("%s signed by a device: %d %s", path, a.code, a.body)
		}
		if a := (signedAs{name: protocol.SignerDistrict, key: other.Sign}).do(t, http.MethodGet, url, nil); !a.is(401, protocol.CodeBadSignature, "not signed with the key of district") {
			t.Errorf("%s signed by another district: %d %s", path, a.code, a.body)
		}
		a := asDistrict(d).do(t, http.MethodGet, url, nil)
		if a.code != http.StatusOK {
			t.Fatalf("%s signed by the district: %d %s", path, a.code, a.body)
		}
		t.Logf("%s: unsigned, a device's and another district's refused; the district's answered", path)
	}
	// Every node answers the others' status requests, signed.
	var cs protocol.ClusterStatus
	if a := asDistrict(d).do(t, http.MethodGet, c.nodes[2].url+protocol.PathStatus, nil); a.code != 200 || json.Unmarshal(a.body, &cs) != nil {
		t.Fatalf("cluster status: %d %s", a.code, a.body)
	}
	for _, st := range cs.Nodes {
		if st.Role == "unreachable" || st.Digest == "" {
			t.Fatalf("cluster status: %+v", st)
		}
	}
	// A signed request is taken once: the same bytes again are refused.
	req := asDistrict(d).build(http.MethodGet, c.nodes[0].url+protocol.PathNodeStatus, nil)
	if a := send(t, req, nil); a.code != http.StatusOK {
		t.Fatalf("first: %d %s", a.code, a.body)
	}
	if a := send(t, req, nil); !a.is(401, protocol.CodeReplayed, "sent before") {
		t.Fatalf("the same request again: %d %s", a.code, a.body)
	}
	// And one signed an hour ago is stale, with the node's time.
	old := asDistrict(d)
	old.now = time.Now().Add(-time.Hour)
	if a := old.do(t, http.MethodGet, c.nodes[0].url+protocol.PathNodeStatus, nil); !a.is(401, protocol.CodeStale, "away from this node's clock") || a.err.Time == 0 {
		t.Fatalf("signed an hour ago: %d %s", a.code, a.body)
	}
}

func TestWire_ReceiptsOnlyToTheirDevice(t *testing.T) {
	d := newDistrict(t, "Cụm Mèo Vạc")
	c := newCluster(t, d, 1)
	lan, mai := newDevice(t, d, "Nguyễn Thị Lan"), newDevice(t, d, "Lò Thị Mai")
	mai.register(t, c.nodes[0].url)
	mustAdd(t, lan, 3)
	mustSeal(t, lan)
	if err := lan.pushAll(context.Background(), pushConfig{urls: c.urls()}, nil); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("%s%s%s/1", c.nodes[0].url, protocol.PathNodeReceipt, lan.id)
	if a := (signedAs{}).do(t, http.MethodGet, url, nil); !a.is(401, protocol.CodeBadSignature, "signed by the district or device "+lan.id) {
		t.Errorf("unsigned: %d %s", a.code, a.body)
	}
	if a := asDevice(mai).do(t, http.MethodGet, url, nil); !a.is(401, protocol.CodeBadSignature, "not by device "+mai.id) {
		t.Errorf("another device's: %d %s", a.code, a.body)
	}
	for _, s := range []signedAs{asDevice(lan), asDistrict(d)} {
		var r protocol.Receipt
		if a := s.do(t, http.MethodGet, url, nil); a.code != 200 || json.Unmarshal(a.body, &r) != nil || r.Device != lan.id || r.Seq != 1 {
			t.Errorf("signed by %s: %d %s", s.name, a.code, a.body)
		}
	}
}

// A certificate reaches Raft only signed by its own device or by the
// district: a stranger who found one (they are not secret) makes no
// entry, and one the cluster holds makes none either.
func TestWire_CertificatesOnlyFromTheirDeviceOrTheDistrict(t *testing.T) {
	d := newDistrict(t, "Cụm Mèo Vạc")
	c := newCluster(t, d, 3)
	lan, mai, tu := newDevice(t, d, "Nguyễn Thị Lan"), newDevice(t, d, "Lò Thị Mai"), newDevice(t, d, "Hoàng Văn Tú")
	n := c.nodes[1]
	before := c.converge()
	if a := (signedAs{}).do(t, http.MethodPost, n.url+protocol.PathCertificate, lan.cert); !a.is(401, protocol.CodeBadSignature, "the district or the certificate's own device") {
		t.Errorf("unsigned: %d %s", a.code, a.body)
	}
	forged := signedAs{name: protocol.SignerDevice(lan.id), key: mai.s.DeviceKeys().Sign}
	if a := forged.do(t, http.MethodPost, n.url+protocol.PathCertificate, lan.cert); !a.is(401, protocol.CodeBadSignature, "not signed with the key of device "+lan.id) {
		t.Errorf("signed by another device as it: %d %s", a.code, a.body)
	}
	if a := asDevice(mai).do(t, http.MethodPost, n.url+protocol.PathCertificate, lan.cert); !a.is(401, protocol.CodeBadSignature, "not by device "+mai.id) {
		t.Errorf("signed by another device: %d %s", a.code, a.body)
	}
	if st := c.converge(); st.Digest != before.Digest {
		t.Fatalf("refused certificates changed the cluster's state: index %d → %d", before.AppliedIndex, st.AppliedIndex)
	}
	// The cluster does not know lan: its push is refused as unknown.
	mustAdd(t, lan, 1)
	obs := mustSeal(t, lan)
	if code, b, err := post(pushClient, n.url+protocol.PathPush, obs[0].Sealed); err != nil || code != 401 || !strings.Contains(string(b), protocol.CodeUnknownDevice) {
		t.Fatalf("a push after the refused certificates: %d %s %v", code, b, err)
	}
	if a := asDevice(lan).do(t, http.MethodPost, n.url+protocol.PathCertificate, lan.cert); a.code != http.StatusNoContent {
		t.Fatalf("signed by its device: %d %s", a.code, a.body)
	}
	if a := asDistrict(d).do(t, http.MethodPost, n.url+protocol.PathCertificate, tu.cert); a.code != http.StatusNoContent {
		t.Fatalf("signed by the district: %d %s", a.code, a.body)
	}
	held := c.converge()
	if held.Digest == before.Digest {
		t.Fatal("the certificates taken changed nothing")
	}
	// Held byte for byte: answered, with no new entry, at any node.
	for _, m := range c.nodes {
		if a := asDevice(lan).do(t, http.MethodPost, m.url+protocol.PathCertificate, lan.cert); a.code != http.StatusNoContent {
			t.Fatalf("again at %s: %d %s", m.spec.ID, a.code, a.body)
		}
	}
	if st := c.converge(); st.AppliedIndex != held.AppliedIndex {
		t.Fatalf("a certificate held already made an entry: index %d → %d", held.AppliedIndex, st.AppliedIndex)
	}
}

// A pull request is taken once and only while fresh: the same bytes again
// are refused, a new nonce is answered; one signed an hour off the node's
// clock is refused with the node's time, and a laptop whose clock is
// three hours wrong syncs all the same, by the offset the refusal gives.
func TestWire_PullsAreFreshAndTakenOnce(t *testing.T) {
	d := newDistrict(t, "Cụm Mèo Vạc")
	c := newCluster(t, d, 1)
	url := c.nodes[0].url
	lan, mai := newDevice(t, d, "Nguyễn Thị Lan"), newDevice(t, d, "Lò Thị Mai")
	mustAdd(t, mai, 4)
	mustSeal(t, mai)
	if err := mai.pushAll(context.Background(), pushConfig{urls: c.urls()}, nil); err != nil {
		t.Fatal(err)
	}
	lan.register(t, url)

	req := protocol.PullRequest{Device: lan.id, Max: 2000}
	req.Sign(lan.s.DeviceKeys().Sign, time.Now())
	body, _ := json.Marshal(req)
	if a := (signedAs{}).do(t, http.MethodPost, url+protocol.PathPull, body); a.code != http.StatusOK {
		t.Fatalf("a pull: %d %s", a.code, a.body)
	}
	if a := (signedAs{}).do(t, http.MethodPost, url+protocol.PathPull, body); !a.is(401, protocol.CodeReplayed, "sent before") {
		t.Fatalf("the same pull again: %d %s", a.code, a.body)
	}
	req.Sign(lan.s.DeviceKeys().Sign, time.Now()) // a new nonce
	body, _ = json.Marshal(req)
	if a := (signedAs{}).do(t, http.MethodPost, url+protocol.PathPull, body); a.code != http.StatusOK {
		t.Fatalf("a new pull: %d %s", a.code, a.body)
	}
	for _, off := range []time.Duration{time.Hour, -time.Hour} {
		req.Sign(lan.s.DeviceKeys().Sign, time.Now().Add(off))
		body, _ = json.Marshal(req)
		a := (signedAs{}).do(t, http.MethodPost, url+protocol.PathPull, body)
		if !a.is(401, protocol.CodeStale, "away from this node's clock") || a.err.Time == 0 {
			t.Fatalf("a pull signed %s off: %d %s", off, a.code, a.body)
		}
		if skew := time.Since(time.UnixMilli(a.err.Time)); skew > time.Minute || skew < -time.Minute {
			t.Fatalf("the refusal's time is %s off this clock", skew)
		}
	}

	// A laptop three hours behind: refused once, then signed with the
	// node's time; the offset is kept for the next sync.
	slow := func() time.Time { return time.Now().Add(-3 * time.Hour) }
	var said []string
	cl := &client.Client{Node: url, Store: lan.s, Now: slow,
		Progress: func(p client.Progress) { said = append(said, p.Message) }}
	res, err := cl.Sync(context.Background())
	if err != nil || res.Pulled == 0 {
		t.Fatalf("a laptop 3 h behind: %+v %v", res, err)
	}
	if !strings.Contains(strings.Join(said, "\n"), "off the node's: signing with the node's time") {
		t.Fatalf("the laptop did not say it corrected its clock: %q", said)
	}
	t.Logf("a laptop 3 h behind synced %d operations after learning the offset", res.Pulled)
	said = nil
	if _, err := cl.Sync(context.Background()); err != nil || strings.Contains(strings.Join(said, "\n"), "off the node's") {
		t.Fatalf("the next sync did not keep the offset: %v %q", err, said)
	}
}

// A join or a removal the district signed is carried out once by the
// whole cluster: the same request again, to the node that took it or to
// any other, is refused, and changes nothing.
func TestWire_JoinAndRemoveTakenOnceClusterWide(t *testing.T) {
	d := newDistrict(t, "Cụm Mèo Vạc")
	c := newCluster(t, d, 3)
	leader := c.leader()
	var others []*daemon
	for _, n := range c.nodes {
		if n != leader {
			others = append(others, n)
		}
	}
	// A node that never comes: three of four voters keep a quorum.
	join := protocol.MemberRequest{Op: "join", ID: "n9", Raft: "127.0.0.1:1", HTTP: "https://127.0.0.1:1"}
	join.Sign(d.keys.Sign, time.Now())
	jb, _ := json.Marshal(join)
	if a := (signedAs{}).do(t, http.MethodPost, leader.url+protocol.PathJoin, jb); a.code != http.StatusNoContent {
		t.Fatalf("join of n9: %d %s", a.code, a.body)
	}
	after := c.converge()
	for _, n := range append([]*daemon{leader}, others...) {
		if a := (signedAs{}).do(t, http.MethodPost, n.url+protocol.PathJoin, jb); !a.is(401, protocol.CodeReplayed, "carried out already") {
			t.Fatalf("the same join again at %s: %d %s", n.spec.ID, a.code, a.body)
		}
	}
	remove := protocol.MemberRequest{Op: "remove", ID: "n9"}
	remove.Sign(d.keys.Sign, time.Now())
	rb, _ := json.Marshal(remove)
	if a := (signedAs{}).do(t, http.MethodPost, others[0].url+protocol.PathRemove, rb); a.code != http.StatusNoContent {
		t.Fatalf("removal of n9: %d %s", a.code, a.body)
	}
	removed := c.converge()
	if removed.AppliedIndex <= after.AppliedIndex {
		t.Fatalf("the removal made no entry: %d then %d", after.AppliedIndex, removed.AppliedIndex)
	}
	for _, n := range c.nodes {
		if a := (signedAs{}).do(t, http.MethodPost, n.url+protocol.PathRemove, rb); !a.is(401, protocol.CodeReplayed, "carried out already") {
			t.Fatalf("the same removal again at %s: %d %s", n.spec.ID, a.code, a.body)
		}
		if a := (signedAs{}).do(t, http.MethodPost, n.url+protocol.PathJoin, jb); !a.is(401, protocol.CodeReplayed, "carried out already") {
			t.Fatalf("the old join again after the removal, at %s: %d %s", n.spec.ID, a.code, a.body)
		}
	}
	if st := c.converge(); st.AppliedIndex != removed.AppliedIndex {
		t.Fatalf("refused replays made entries: index %d → %d", removed.AppliedIndex, st.AppliedIndex)
	}
}

// Backup and export requests are taken once by a node, and a backup
// request only by the node it names.
func TestWire_BackupAndExportTakenOnce(t *testing.T) {
	d := newDistrict(t, "Cụm Mèo Vạc")
	c := newCluster(t, d, 2)
	lan := newDevice(t, d, "Nguyễn Thị Lan")
	lan.register(t, c.nodes[0].url)
	n := c.leader()
	var other *daemon
	for _, m := range c.nodes {
		if m != n {
			other = m
		}
	}
	bk := protocol.BackupRequest{Node: n.spec.ID}
	bk.Sign(d.keys.Sign, time.Now())
	bb, _ := json.Marshal(bk)
	if a := (signedAs{}).do(t, http.MethodPost, other.url+protocol.PathBackup, bb); !a.is(400, protocol.CodeMalformed, "is for node \""+n.spec.ID+"\"") {
		t.Fatalf("a backup request for %s at %s: %d %s", n.spec.ID, other.spec.ID, a.code, a.body)
	}
	if a := (signedAs{}).do(t, http.MethodPost, n.url+protocol.PathBackup, bb); a.code != http.StatusOK {
		t.Fatalf("backup: %d %.200s", a.code, a.body)
	}
	if a := (signedAs{}).do(t, http.MethodPost, n.url+protocol.PathBackup, bb); !a.is(401, protocol.CodeReplayed, "sent before") {
		t.Fatalf("the same backup request again: %d %.200s", a.code, a.body)
	}
	ex := protocol.ExportRequest{Device: lan.id}
	ex.Sign(d.keys.Sign, time.Now())
	eb, _ := json.Marshal(ex)
	if a := (signedAs{}).do(t, http.MethodPost, n.url+protocol.PathExport, eb); a.code != http.StatusNoContent && a.code != http.StatusOK {
		t.Fatalf("export: %d %s", a.code, a.body)
	}
	if a := (signedAs{}).do(t, http.MethodPost, n.url+protocol.PathExport, eb); !a.is(401, protocol.CodeReplayed, "sent before") {
		t.Fatalf("the same export request again: %d %s", a.code, a.body)
	}
}
