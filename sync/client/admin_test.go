package client_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

func TestClusterStatus_DecodesTheNodesAnswer(t *testing.T) {
	want := protocol.ClusterStatus{Nodes: []protocol.NodeStatus{
		{ID: "n1", Role: "leader", AppliedIndex: 42, Digest: "ab12", HTTP: "http://n1", Leader: "n1", Term: 3, Feed: 900},
		{ID: "n2", Role: "unreachable", Error: "connection refused"},
	}}
	d := newDistrict(t)
	srv := nodeServer(t, d.reg.Keys(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != protocol.PathStatus {
			http.NotFound(w, r)
			return
		}
		if _, e := protocol.VerifyRequest(r, nil, func(string) (ed25519.PublicKey, *protocol.Error) { return d.reg.Public().SignKey, nil }, time.Now()); e != nil {
			w.WriteHeader(protocol.Status(e.Code))
			json.NewEncoder(w).Encode(e)
			return
		}
		json.NewEncoder(w).Encode(want)
	}))
	defer srv.Close()
	got, err := client.ClusterStatus(context.Background(), pinned(d.reg.Keys()), srv.URL+"/", client.DistrictSigner(d.reg.Keys()))
	if err != nil || !reflect.DeepEqual(*got, want) {
		t.Fatalf("got %+v %v", got, err)
	}
}

func TestMember_SignedRequestOnItsPath_RefusalDecoded(t *testing.T) {
	d := newDistrict(t)
	pub := d.reg.Public()
	var seen []protocol.MemberRequest
	srv := nodeServer(t, d.reg.Keys(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req protocol.MemberRequest
		json.NewDecoder(r.Body).Decode(&req)
		if err := req.Verify(pub, time.Now(), nil); err != nil {
			d.fail(w, err.(*protocol.Error))
			return
		}
		if r.URL.Path != "/v1/cluster/"+req.Op {
			d.fail(w, &protocol.Error{Code: protocol.CodeMalformed, Message: "op " + req.Op + " on " + r.URL.Path})
			return
		}
		seen = append(seen, req)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	join := protocol.MemberRequest{Op: "join", ID: "n4", Raft: "10.0.0.4:7000", HTTP: "http://10.0.0.4:8080"}
	join.Sign(d.reg.Keys().Sign, time.Now())
	remove := protocol.MemberRequest{Op: "remove", ID: "n2"}
	remove.Sign(d.reg.Keys().Sign, time.Now())
	for _, req := range []protocol.MemberRequest{join, remove} {
		if err := client.Member(context.Background(), pinned(d.reg.Keys()), srv.URL, req); err != nil {
			t.Fatalf("%s: %v", req.Op, err)
		}
	}
	if len(seen) != 2 || seen[0].ID != "n4" || seen[0].Raft != "10.0.0.4:7000" || seen[1].Op != "remove" {
		t.Fatalf("the node saw %+v", seen)
	}

	forged := join
	forged.ID = "evil"
	err := client.Member(context.Background(), pinned(d.reg.Keys()), srv.URL, forged)
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeBadSignature || !strings.Contains(err.Error(), "join node evil") {
		t.Fatalf("forged: %v", err)
	}
	if err := client.Member(context.Background(), pinned(d.reg.Keys()), srv.URL, protocol.MemberRequest{Op: "promote"}); err == nil || len(seen) != 2 {
		t.Fatalf("unknown op: %v", err)
	}
}

func TestPushSealed_ImportsBatchFiles_GapDuplicateAndReceipt(t *testing.T) {
	d := newDistrict(t)
	srv := d.serve(t)
	dev := d.enrol(t, "Nguyễn Thị Lan", "00769", true)
	mustImport(t, dev, "Giàng Thị Mỷ", 15)
	z, _ := outbox.SealerFor(dev, 10)
	made, err := z.Seal(dev)
	if err != nil || len(made) != 3 {
		t.Fatalf("%d batches: %v", len(made), err)
	}
	ctx := context.Background()

	// The node never heard of the device: its certificate goes first.
	_, err = client.PushSealed(ctx, pinned(d.reg.Keys()), srv.URL, made[0].Sealed)
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeUnknownDevice {
		t.Fatalf("unknown device: %v", err)
	}
	c, _, _ := outbox.Enrolment(dev)
	if err := client.PostCertificate(ctx, pinned(d.reg.Keys()), srv.URL, c, client.DeviceSigner(dev.DeviceKeys())); err != nil {
		t.Fatal(err)
	}

	_, err = client.PushSealed(ctx, pinned(d.reg.Keys()), srv.URL, made[1].Sealed)
	if !errors.As(err, &pe) || pe.Code != protocol.CodeGap || pe.Expected != 1 || !strings.Contains(err.Error(), "batch 2 of device") {
		t.Fatalf("out of order: %v", err)
	}
	rec, err := client.PushSealed(ctx, pinned(d.reg.Keys()), srv.URL, made[0].Sealed)
	if err != nil || rec.Duplicate {
		t.Fatalf("%+v %v", rec, err)
	}
	if err := client.VerifyReceipt(rec, d.reg.Public(), made[0].Sealed, nil); err != nil {
		t.Fatal(err)
	}
	if err := client.VerifyReceipt(rec, d.reg.Public(), made[1].Sealed, nil); !errors.Is(err, client.ErrBadReceipt) {
		t.Fatalf("a receipt for batch 1 checked against batch 2: %v", err)
	}
	again, err := client.PushSealed(ctx, pinned(d.reg.Keys()), srv.URL, made[0].Sealed)
	if err != nil || !again.Duplicate || again.Index != rec.Index || client.VerifyReceipt(again, d.reg.Public(), made[0].Sealed, nil) != nil {
		t.Fatalf("again: %+v %v", again, err)
	}
	if n := d.appliedOnce(t); n != 1 {
		t.Fatalf("applied %d", n)
	}
}

func TestBackoff_FullJitterWithinExponentialBound(t *testing.T) {
	b := client.Backoff{Base: 100 * time.Millisecond, Max: 2 * time.Second}
	for attempt := 1; attempt <= 12; attempt++ {
		bound := min(b.Max, b.Base<<(attempt-1))
		var top time.Duration
		var sum time.Duration
		const n = 2000
		for i := 0; i < n; i++ {
			w := b.Wait(attempt)
			if w < 0 || w > bound {
				t.Fatalf("attempt %d: wait %s outside [0, %s]", attempt, w, bound)
			}
			top = max(top, w)
			sum += w
		}
		// Full jitter spreads waits over the whole range.
		if top < bound*9/10 || sum/n < bound*4/10 || sum/n > bound*6/10 {
			t.Fatalf("attempt %d: waits up to %s, mean %s, for a bound of %s", attempt, top, sum/n, bound)
		}
	}
	if w := (client.Backoff{}).Wait(100); w > client.DefaultMax {
		t.Fatalf("default cap: %s", w)
	}
}
