package client_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

// backupNode answers backup requests signed by d with a file made by
// file, after busy answers of 503.
func backupNode(t *testing.T, d *identity.District, busy int, file func() []byte) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := nodeServer(t, d, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == protocol.PathNodeStatus {
			json.NewEncoder(w).Encode(protocol.NodeStatus{ID: "n2"})
			return
		}
		if r.Method != http.MethodPost || r.URL.Path != protocol.PathBackup {
			http.NotFound(w, r)
			return
		}
		var req protocol.BackupRequest
		json.NewDecoder(r.Body).Decode(&req)
		if err := req.Verify(d.Public().SignKey, time.Now()); err != nil || req.Node != "n2" {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(err)
			return
		}
		if int(calls.Add(1)) <= busy {
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(&protocol.Error{Code: protocol.CodeUnavailable, Message: "node n2 is already making a backup"})
			return
		}
		w.Write(file())
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// backupFile is a backup of state signed by signer for district d.
func backupFile(t *testing.T, d, signer *identity.District, state []byte) []byte {
	t.Helper()
	sum := sha256.Sum256(state)
	h := &protocol.BackupHeader{District: d.Name, KeyID: d.Public().KeyID, Node: "n1", Index: 9, Digest: "ab", Feed: 3,
		Made: time.Now().Unix(), Size: int64(len(state)), SHA256: hex.EncodeToString(sum[:])}
	h.Sign(protocol.Signer{Key: signer.Sign})
	b, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return append(b, state...)
}

func mustDistrictKeys(t *testing.T, name string) *identity.District {
	t.Helper()
	d, err := identity.NewDistrict(name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestBackup_SignedRequestRetriedWhileBusy_FileWrittenWhole(t *testing.T) {
	d := mustDistrictKeys(t, "Cụm Mèo Vạc")
	file := backupFile(t, d, d, bytes.Repeat([]byte("sealed "), 50000))
	srv, calls := backupNode(t, d, 1, func() []byte { return file })
	var w bytes.Buffer
	h, err := client.Backup(context.Background(), nil, srv.URL, d, &w)
	if err != nil {
		t.Fatal(err)
	}
	if h.Index != 9 || h.Node != "n1" || !bytes.Equal(w.Bytes(), file) || calls.Load() != 2 {
		t.Fatalf("header %+v, %d of %d bytes written, %d requests", h, w.Len(), len(file), calls.Load())
	}
}

// TestBackup_WhatDoesNotCheckOutIsAnError: a file altered on the way, a
// file of another district, and a refusal are errors a caller can tell
// apart, each saying what to do.
func TestBackup_WhatDoesNotCheckOutIsAnError(t *testing.T) {
	d := mustDistrictKeys(t, "Cụm Mèo Vạc")
	other := mustDistrictKeys(t, "Cụm Đồng Văn")
	good := backupFile(t, d, d, bytes.Repeat([]byte("sealed "), 1000))
	flipped := append([]byte{}, good...)
	flipped[len(flipped)-10] ^= 1

	srv, _ := backupNode(t, d, 0, func() []byte { return flipped })
	_, err := client.Backup(context.Background(), nil, srv.URL, d, &bytes.Buffer{})
	if !errors.Is(err, protocol.ErrBackupDamaged) || !strings.Contains(err.Error(), "make it again") {
		t.Fatalf("an altered file: %v", err)
	}
	srv, _ = backupNode(t, d, 0, func() []byte { return backupFile(t, other, other, []byte("x")) })
	if _, err = client.Backup(context.Background(), nil, srv.URL, d, &bytes.Buffer{}); !errors.Is(err, client.ErrNotANode) || !errors.Is(err, protocol.ErrBackupOtherDistrict) {
		t.Fatalf("another district's file: %v", err)
	}
	// A node of another district: the laptop refuses its certificate...
	srv, _ = backupNode(t, other, 0, func() []byte { return good })
	_, err = client.Backup(context.Background(), nil, srv.URL, d, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "not signed by district") || errors.Is(err, client.ErrUnreachable) {
		t.Fatalf("a node of another district: %v", err)
	}
	// ... and, reached all the same, it refuses this district's request.
	_, err = client.Backup(context.Background(), pinned(other), srv.URL, d, &bytes.Buffer{})
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeBadSignature || !strings.Contains(err.Error(), "give the profile of the district this cluster serves") {
		t.Fatalf("a node of another district: %v", err)
	}
	t.Logf("refused: %v", err)
}
