package node

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/sync/protocol"
)

// A push of a device the cluster does not know, with its certificate in
// protocol.HeaderCertificate (a supervisor forwarding batch files), makes
// the cluster hold the certificate, on the batch's signature: a
// certificate that is not the sender's is refused and not kept.
func TestPush_CertificateComesWithTheBatchItSigned(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	lan := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	mai := newDevice(t, c.d, "00769", "Lò Thị Mai", cert.RoleOfficer)
	lan.add(t, 3)
	obs := lan.seal(t)
	push := func(url string, sealed []byte, crt *cert.Certificate) (int, protocol.Error) {
		b, _ := crt.MarshalBinary()
		req, _ := http.NewRequest(http.MethodPost, url+protocol.PathPush, strings.NewReader(string(sealed)))
		req.Header.Set(protocol.HeaderCertificate, base64.StdEncoding.EncodeToString(b))
		resp, err := testHTTP(url).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e protocol.Error
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e
	}
	follower := c.nodes[0]
	if l := c.leader(); l == follower {
		follower = c.nodes[1]
	}
	if st, e := push(follower.Addr(), obs[0].Sealed, mai.cert); st != http.StatusBadRequest || !strings.Contains(e.Message, "is device "+mai.cert.Device.ID+"'s") {
		t.Fatalf("with another device's certificate: %d %+v", st, e)
	}
	if _, err := c.leader().fsm.certificate(mai.cert.Device.ID); err == nil {
		t.Fatal("the other device's certificate was kept")
	}
	if st, e := push(follower.Addr(), obs[0].Sealed, lan.cert); st != http.StatusOK {
		t.Fatalf("with its certificate: %d %+v", st, e)
	}
	if _, err := follower.fsm.certificate(lan.cert.Device.ID); err != nil {
		t.Fatalf("the certificate is not held where the push came in: %v", err)
	}
}
