package node

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

// The API speaks HTTPS only, with a certificate the district signed;
// laptops trust nothing else; metrics are on their own listener.
func TestAPI_TLSOnly(t *testing.T) {
	c := newTestCluster(t, 1, func(cfg *Config) { cfg.MetricsAddr = "127.0.0.1:0" })
	n := c.nodes[0]
	url := n.Addr()
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("node URL %s", url)
	}
	ctx := context.Background()

	// Plain HTTP to the API's port gets no answer from the API.
	plain := "http://" + strings.TrimPrefix(url, "https://")
	if resp, err := http.Get(plain + protocol.PathReady); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("plain HTTP answered: %d %s", resp.StatusCode, b)
		}
		t.Logf("plain HTTP: %d %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	// A laptop refuses a plain http:// address before sending anything.
	if _, err := client.ClusterStatus(ctx, testHTTP(url), plain, client.DistrictSigner(c.d)); err == nil || !strings.Contains(err.Error(), "plain HTTP") {
		t.Errorf("an http:// address: %v", err)
	}

	// A laptop of this district reaches the node.
	var ref *client.Refusal
	if _, err := client.PushSealed(ctx, testHTTP(url), url, []byte("not a batch")); !errors.As(err, &ref) {
		t.Errorf("push of garbage: want the node's refusal, got %v", err)
	}
	// A laptop of another district (even of the same name) refuses the
	// node's certificate, and says why.
	other, err := identity.NewDistrict("Cụm thử")
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.PushSealed(ctx, client.HTTPClient(other.Public(), client.HTTPOptions{}), url, []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "not signed by district") || errors.Is(err, client.ErrUnreachable) {
		t.Fatalf("another district's laptop: %v", err)
	}
	t.Log(err)
	// A node whose certificate the laptop's revocation list names is
	// refused too.
	revoked := client.HTTPClient(c.d.Public(), client.HTTPOptions{Revoked: func(serial uint64, node string) error {
		l, _ := cert.NewRevocationList(c.d)
		l, _ = l.Revoke(cert.Revoked{Serial: serial, Reason: "stolen"}, c.d)
		return l.CheckSerial(serial, node)
	}})
	if _, err := client.PushSealed(ctx, revoked, url, []byte("x")); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("a revoked node: %v", err)
	}

	// /metrics is not on the API, but on the metrics listener.
	resp, err := testHTTP(url).Get(url + protocol.PathMetrics)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the API: %d", resp.StatusCode)
	}
	resp, err = http.Get("http://" + n.MetricsAddr() + protocol.PathMetrics)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "communekit_apply_seconds") {
		t.Errorf("/metrics: %d %.200s", resp.StatusCode, b)
	}
	// Load balancers' checks stay open on the API.
	resp, err = testHTTP(url).Get(url + protocol.PathReady)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz: %d", resp.StatusCode)
	}
}
