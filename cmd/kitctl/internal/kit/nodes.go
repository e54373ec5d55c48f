package kit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

// NodesHTTP talks to the nodes a benchmark or the demo started: TLS,
// trusting only their district (TrustDistrict sets it before they start).
var NodesHTTP *http.Client

// TrustDistrict makes NodesHTTP trust the nodes of district d.
func TrustDistrict(d identity.DistrictPublic) {
	NodesHTTP = client.HTTPClient(d, client.HTTPOptions{Timeout: 30 * time.Second, MaxIdleConnsPerHost: 64})
}

// FreePort is a loopback address no one listens on now.
func FreePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// WaitReady waits up to d for the node at url to say it is ready.
func WaitReady(url string, d time.Duration) error {
	end := time.Now().Add(d)
	var last string
	for time.Now().Before(end) {
		resp, err := NodesHTTP.Get(url + protocol.PathReady)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
			last = strings.TrimSpace(string(b))
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New(last)
}

// NodeStatus asks the node at url for its status, as the district
// (keys): a node shows it to no one else.
func NodeStatus(keys *identity.District, url string) (protocol.NodeStatus, error) {
	return NodeStatusQ(keys, url, "")
}

// NodeRole is NodeStatus without the state digest, which costs a walk.
func NodeRole(keys *identity.District, url string) (protocol.NodeStatus, error) {
	return NodeStatusQ(keys, url, "?digest=0")
}

// NodeStatusQ is NodeStatus with the query q.
func NodeStatusQ(keys *identity.District, url, q string) (protocol.NodeStatus, error) {
	var st protocol.NodeStatus
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req := DistrictGet(keys, url+protocol.PathNodeStatus+q).WithContext(ctx)
	resp, err := NodesHTTP.Do(req)
	if err != nil {
		return st, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return st, fmt.Errorf("%s: %s", url, resp.Status)
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

// DistrictGet is a GET request to url signed by the district (keys), as
// status and receipt requests must be.
func DistrictGet(keys *identity.District, url string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		panic(err) // the URLs are made by this program
	}
	protocol.SignRequest(req, nil, protocol.SignerDistrict, keys.Sign, time.Now())
	return req
}
