package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/communekit/communekit/cmd/kitctl/internal/kittest"
	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/crypto/keyring"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

const (
	keysDistrictPass = "mật khẩu văn phòng huyện"
	keysNodePass     = "mật khẩu riêng của máy chủ"
)

// keysNode is one districtd process run from its credential.
type keysNode struct {
	id, dir, cred, raft, http, url string
	log                            *lockedBuffer
	cmd                            *exec.Cmd
	done                           chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (n *keysNode) start(t *testing.T, districtd string, extra ...string) {
	t.Helper()
	n.log = &lockedBuffer{}
	args := append([]string{"--node", n.cred, "--dir", n.dir, "--id", n.id, "--raft", n.raft, "--http", n.http, "--metrics", "off",
		"--heartbeat-timeout", "500ms", "--election-timeout", "500ms"}, extra...)
	n.cmd = exec.Command(districtd, args...)
	n.cmd.Env = append(os.Environ(), "COMMUNEKIT_PASSPHRASE="+keysNodePass, keyring.WorkFactorEnv+"=10")
	n.cmd.Stdout, n.cmd.Stderr = n.log, n.log
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n.done = make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { c.Wait(); close(done) }(n.cmd, n.done)
	t.Cleanup(n.stop)
}

func (n *keysNode) stop() {
	if n.cmd != nil && n.cmd.Process != nil {
		n.cmd.Process.Kill()
		<-n.done
	}
}

// TestKeys_NodeCredentialsRevocationRotation runs a district the way the
// district office is meant to: nodes from credentials of their own
// (kitctl district node-cert, districtd --node), the root key never on
// a node. A node is revoked and removed; it cannot join again and a
// laptop refuses it. The batch key is rotated: a batch a laptop sealed to
// the old key before is still applied, the next ones are sealed to the
// new key, every node applies them, and the revoked node's credential
// cannot open them.
func TestKeys_NodeCredentialsRevocationRotation(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a cluster of real processes")
	}
	districtd := kittest.Build(t, "github.com/communekit/communekit/cmd/districtd")
	dir := t.TempDir()
	t.Setenv("COMMUNEKIT_PASSPHRASE", keysDistrictPass)
	t.Setenv(keyring.WorkFactorEnv, "10")
	t.Setenv(NodePassphraseEnv, keysNodePass)
	kit := func(args ...string) (string, error) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(args, nil, &out, &errb); code != 0 {
			return out.String(), fmt.Errorf("kitctl %s: exit %d: %s", strings.Join(args, " "), code, strings.TrimSpace(errb.String()))
		}
		return out.String(), nil
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := kit(args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	d := filepath.Join(dir, "d")
	p := filepath.Join(dir, "p")
	must("--profile", d, "district", "init", "--name", "Cụm Mèo Vạc")

	// Three credentials; a credential is never written over.
	var nodes []*keysNode
	for i := 1; i <= 3; i++ {
		n := &keysNode{id: fmt.Sprintf("n%d", i), dir: filepath.Join(dir, fmt.Sprintf("n%d", i)), cred: filepath.Join(dir, fmt.Sprintf("n%d.node", i)),
			raft: freeAddr(t), http: freeAddr(t)}
		n.url = "https://" + n.http
		must("--profile", d, "district", "node-cert", "--id", n.id, "--out", n.cred, "--host", "127.0.0.1,localhost")
		nodes = append(nodes, n)
	}
	checkBrowserCredentials(t, d, kit, nodes)
	if _, err := kit("--profile", d, "district", "node-cert", "--id", "n1", "--out", nodes[0].cred); err == nil || !strings.Contains(err.Error(), "never written over") {
		t.Fatalf("a credential written over: %v", err)
	}
	if out := must("--profile", d, "district", "nodes", "--json"); strings.Count(out, `"status": "valid"`) != 3 {
		t.Fatalf("district nodes: %s", out)
	}
	// A credential is its node's alone, and opens with its own passphrase.
	var wrong bytes.Buffer
	cmd := exec.Command(districtd, "--node", nodes[0].cred, "--dir", filepath.Join(dir, "x"), "--id", "n2", "--raft", freeAddr(t), "--http", freeAddr(t), "--bootstrap")
	cmd.Env = append(os.Environ(), "COMMUNEKIT_PASSPHRASE="+keysNodePass, keyring.WorkFactorEnv+"=10")
	cmd.Stderr = &wrong
	if err := cmd.Run(); err == nil || !strings.Contains(wrong.String(), "credential of node n1, not of --id n2") {
		t.Fatalf("n1's credential as n2: %v %s", err, wrong.String())
	}
	wrong.Reset()
	cmd = exec.Command(districtd, "--node", nodes[0].cred, "--dir", filepath.Join(dir, "x"), "--id", "n1", "--raft", freeAddr(t), "--http", freeAddr(t), "--bootstrap")
	cmd.Env = append(os.Environ(), "COMMUNEKIT_PASSPHRASE="+keysDistrictPass, keyring.WorkFactorEnv+"=10")
	cmd.Stderr = &wrong
	if err := cmd.Run(); err == nil || !strings.Contains(wrong.String(), "wrong passphrase for the node credential") {
		t.Fatalf("the district's passphrase on a credential: %v %s", err, wrong.String())
	}

	nodes[0].start(t, districtd, "--bootstrap")
	for _, n := range nodes[1:] {
		n.start(t, districtd, "--join", nodes[0].url)
	}
	pub := districtPublic(t, d)
	hc := client.HTTPClient(pub, client.HTTPOptions{Timeout: 5 * time.Second})
	waitReady := func(n *keysNode) {
		t.Helper()
		for end := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if resp, err := hc.Get(n.url + protocol.PathReady); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return
				}
			}
			if time.Now().After(end) {
				t.Fatalf("%s not ready; its log:\n%s", n.id, n.log.String())
			}
		}
	}
	for _, n := range nodes {
		waitReady(n)
	}
	for _, n := range nodes {
		if strings.Contains(n.log.String(), "root key is online") {
			t.Fatalf("%s says the root key is online on it:\n%s", n.id, n.log.String())
		}
	}

	// The dashboard's password, set through n2, opens the page at n3 and
	// n1; a password too short is refused before anything is sent.
	t.Setenv(DashboardPasswordEnv, "ngắn")
	if _, err := kit("--profile", d, "district", "dashboard-password", "--node", nodes[1].url); err == nil || !strings.Contains(err.Error(), "at least") {
		t.Fatalf("a short dashboard password: %v", err)
	}
	t.Setenv(DashboardPasswordEnv, "mật khẩu của văn phòng huyện")
	must("--profile", d, "district", "dashboard-password", "--node", nodes[1].url)
	for _, n := range []*keysNode{nodes[2], nodes[0]} {
		for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			form := strings.NewReader(url.Values{"password": {"mật khẩu của văn phòng huyện"}}.Encode())
			req, _ := http.NewRequest(http.MethodPost, n.url+protocol.PathDashboardLogin, form)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			noFollow := *hc
			noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp, err := noFollow.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusSeeOther && len(resp.Cookies()) == 1 {
				break
			}
			if time.Now().After(end) {
				t.Fatalf("the dashboard password at %s: %d", n.id, resp.StatusCode)
			}
		}
	}

	// A laptop enrolled, synced through n2.
	must("--profile", p, "init", "--commune", "00769", "--officer", "Nguyễn Thị Lan")
	must("--profile", p, "enrol", "request", "--out", filepath.Join(dir, "lan.req"))
	must("--profile", d, "enrol", "sign", filepath.Join(dir, "lan.req"), "--commune", "00769", "--out", filepath.Join(dir, "lan.cert"))
	must("--profile", p, "enrol", "install", filepath.Join(dir, "lan.cert"))
	importPersons := func(seed string) {
		t.Helper()
		csv := filepath.Join(dir, "people-"+seed+".csv")
		out := must("--profile", p, "generate", "--persons", "20", "--seed", seed)
		if err := os.WriteFile(csv, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		// A second generated file repeats some households: those rows
		// are refused (exit 1), the others saved.
		if _, err := kit("--profile", p, "import", "persons", csv); err != nil && !strings.Contains(err.Error(), "persons saved") {
			t.Fatal(err)
		}
	}
	importPersons("1")
	must("--profile", p, "sync", "--node", nodes[1].url)
	// More work sealed to the district's own key, kept on the laptop (a
	// stick that never went) until after the rotation.
	importPersons("2")
	must("--profile", p, "batch", "export", "--out", filepath.Join(dir, "stick1"))
	oldFiles, _ := filepath.Glob(filepath.Join(dir, "stick1", "*.ckb"))
	if len(oldFiles) != 1 {
		t.Fatalf("%d batch files on the stick", len(oldFiles))
	}

	// n3's machine is taken: revoked, removed, then the batch key rotated.
	must("--profile", d, "district", "node-revoke", "n3", "--reason", "máy chủ bị lấy cắp", "--node", nodes[0].url)
	if out := must("--profile", d, "district", "nodes", "--json"); !strings.Contains(out, `"status": "revoked"`) {
		t.Fatalf("district nodes after the revocation: %s", out)
	}
	must("--profile", d, "cluster", "remove", "n3", "--node", nodes[0].url)
	out := must("--profile", d, "--json", "district", "rotate-batch-key", "--node", nodes[0].url)
	var rot struct {
		Generation uint32   `json:"generation"`
		KeyID      string   `json:"key_id"`
		Nodes      []string `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(out), &rot); err != nil || rot.Generation != 1 || len(rot.Nodes) != 2 || strings.Contains(out, "n3") {
		t.Fatalf("rotate-batch-key: %s %v", out, err)
	}

	// The revoked node cannot join again, however often it asks. (Cut
	// off by its revocation, it never hears of its removal: its thief
	// starts it again, wiped, to join.)
	nodes[2].stop()
	os.RemoveAll(nodes[2].dir)
	nodes[2].start(t, districtd, "--join", nodes[0].url)
	for end := time.Now().Add(30 * time.Second); strings.Count(nodes[2].log.String(), "joining the cluster failed") < 2; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the revoked node's log:\n%s", nodes[2].log.String())
		}
	}
	if l := nodes[2].log.String(); !strings.Contains(l, "revoked") {
		t.Fatalf("the revoked node was refused for another reason:\n%s", l)
	} else {
		for _, line := range strings.Split(l, "\n") {
			if strings.Contains(line, "joining the cluster failed") {
				t.Logf("the revoked node: %s", line)
				break
			}
		}
	}

	// The laptop: the old batch goes up and is applied; the pull brings
	// the revocation list and the new batch key.
	out = must("--profile", p, "--json", "sync", "--node", nodes[0].url)
	if !strings.Contains(out, `"pushed": 1`) {
		t.Fatalf("sync after the rotation: %s", out)
	}
	// A laptop holding the list refuses the revoked node, which still
	// answers at its address.
	if _, err := kit("--profile", p, "sync", "--node", nodes[2].url, "--timeout", "10s"); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("a sync with the revoked node: %v", err)
	} else {
		t.Logf("a laptop and the revoked node: %v", err)
	}
	// New work is sealed to the new key, and every node applies it.
	importPersons("3")
	must("--profile", p, "batch", "export", "--out", filepath.Join(dir, "stick2"))
	newFiles, _ := filepath.Glob(filepath.Join(dir, "stick2", "*.ckb"))
	if len(newFiles) != 1 {
		t.Fatalf("%d batch files on the second stick", len(newFiles))
	}
	sealed, err := os.ReadFile(newFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	if h, err := batch.ParseHeader(sealed); err != nil || h.RecipientKeyID != rot.KeyID {
		t.Fatalf("the new batch is sealed to %s, want batch key 1 (%s): %v", h.RecipientKeyID, rot.KeyID, err)
	}
	out = must("--profile", p, "--json", "sync", "--node", nodes[1].url)
	if !strings.Contains(out, `"pushed": 1`) {
		t.Fatalf("sync of the new batch: %s", out)
	}
	st := must("--profile", d, "--json", "cluster", "status", "--node", nodes[0].url)
	var cs protocol.ClusterStatus
	if err := json.Unmarshal([]byte(st), &cs); err != nil || len(cs.Nodes) != 2 || cs.Nodes[0].Digest != cs.Nodes[1].Digest || cs.Nodes[0].BatchKey != 1 {
		t.Fatalf("cluster status: %s %v", st, err)
	}

	// The revoked node's credential opens the old batch, not the new one.
	b, err := os.ReadFile(nodes[2].cred)
	if err != nil {
		t.Fatal(err)
	}
	taken, err := cert.UnwrapNodeCredential(b, []byte(keysNodePass))
	if err != nil {
		t.Fatal(err)
	}
	oldSealed, _ := os.ReadFile(oldFiles[0])
	opens := func(sealed []byte) error {
		h, err := batch.ParseHeader(sealed)
		if err != nil {
			return err
		}
		for _, k := range taken.Batch {
			if identity.BatchKeyID(k.Recipient(), pub.SignKey) == h.RecipientKeyID {
				_, err := age.Decrypt(bytes.NewReader(sealed[batch.HeaderSize:len(sealed)-batch.SignatureSize]), k.Age)
				return err
			}
		}
		return errors.New("no batch key of this credential is the batch's recipient")
	}
	if err := opens(oldSealed); err != nil {
		t.Fatalf("the old batch with the taken credential: %v", err)
	}
	if err := opens(sealed); err == nil {
		t.Fatal("the taken credential opens a batch sealed after the rotation")
	}
	// Nor will the revoked node be believed by a laptop if it signs a
	// receipt: its certificate's serial is on the list the laptop holds.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := client.ClusterStatus(ctx, client.HTTPClient(pub, client.HTTPOptions{Revoked: func(serial uint64, node string) error {
		if serial == taken.Cert.Serial {
			return errors.New("revoked " + node)
		}
		return nil
	}}), nodes[2].url, &client.Signer{Name: protocol.SignerDistrict, Key: ed25519.NewKeyFromSeed(make([]byte, 32))}); err == nil || !strings.Contains(err.Error(), "revoked") {
		// The handshake fails before any request is sent: the signer
		// need not be the district's.
		t.Fatalf("a client refusing the revoked node's serial: %v", err)
	}
}

// districtPublic reads the public keys kitctl district init wrote.
func districtPublic(t *testing.T, dir string) identity.DistrictPublic {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "district.pub"))
	if err != nil {
		t.Fatal(err)
	}
	var p identity.DistrictPublic
	if err := p.UnmarshalText(b); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkBrowserCredentials: `district ca` writes the browser CA (the same
// file each time, never over one), and each node's credential carries a
// certificate for browsers that chains to it for the hosts named.
func checkBrowserCredentials(t *testing.T, d string, kit func(args ...string) (string, error), nodes []*keysNode) {
	t.Helper()
	dir := t.TempDir()
	ca1, ca2 := filepath.Join(dir, "ca1.pem"), filepath.Join(dir, "ca2.pem")
	for _, f := range []string{ca1, ca2} {
		if _, err := kit("--profile", d, "district", "ca", "--out", f); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := kit("--profile", d, "district", "ca", "--out", ca1); err == nil || !strings.Contains(err.Error(), "never written over") {
		t.Fatalf("the CA written over: %v", err)
	}
	b1, _ := os.ReadFile(ca1)
	b2, _ := os.ReadFile(ca2)
	block, _ := pem.Decode(b1)
	if block == nil || !bytes.Equal(b1, b2) {
		t.Fatalf("district ca: %q, then %q", b1, b2)
	}
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	for _, n := range nodes {
		w, err := os.ReadFile(n.cred)
		if err != nil {
			t.Fatal(err)
		}
		c, err := cert.UnwrapNodeCredential(w, []byte(keysNodePass))
		if err != nil {
			t.Fatal(err)
		}
		if c.Browser == nil {
			t.Fatalf("%s: no browser certificate", n.id)
		}
		leaf, err := x509.ParseCertificate(c.Browser)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"127.0.0.1", "localhost"} {
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: h}); err != nil {
				t.Errorf("%s at %s: %v", n.id, h, err)
			}
		}
	}
}
