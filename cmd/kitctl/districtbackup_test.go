package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/node"
)

// TestDistrictBackup_SavesWhatANodeRestores: `kitctl district backup`
// against a running node saves a file that a node restores with the
// state the command reported, leaves nothing else behind, and never
// replaces a file.
func TestDistrictBackup_SavesWhatANodeRestores(t *testing.T) {
	const pass = "mật khẩu thử nghiệm"
	t.Setenv("COMMUNEKIT_PASSPHRASE", pass)
	t.Setenv("COMMUNEKIT_WORK_FACTOR", "10")
	dir := t.TempDir()
	profile := filepath.Join(dir, "d")
	kitctl := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"--profile", profile}, args...), strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, _, stderr := kitctl("district", "init", "--name", "Cụm Mèo Vạc"); code != 0 {
		t.Fatalf("district init: %d %s", code, stderr)
	}
	n := startTestNode(t, profile, filepath.Join(dir, "n1"), pass)

	file := filepath.Join(dir, "district-2026-11-25.ckbak")
	code, stdout, stderr := kitctl("--json", "district", "backup", "--node", n.Addr(), "--out", file)
	if code != 0 {
		t.Fatalf("district backup: %d %s", code, stderr)
	}
	var got struct {
		File   string `json:"file"`
		Size   int64  `json:"size"`
		Node   string `json:"node"`
		Role   string `json:"role"`
		Index  uint64 `json:"index"`
		Digest string `json:"digest"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	st := n.Status()
	fi, err := os.Stat(file)
	if err != nil || got.File != file || got.Size != fi.Size() || got.Node != "n1" || got.Role != "leader" || got.Index != st.AppliedIndex || got.Digest != st.Digest {
		t.Fatalf("kitctl reported %+v; the file: %v %v; the node: %+v", got, fi, err, st)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Fatalf("left behind: %s", e.Name())
		}
	}

	// A second backup to the same name is refused; the first is kept.
	before, _ := os.ReadFile(file)
	code, _, stderr = kitctl("district", "backup", "--node", n.Addr(), "--out", file)
	if after, _ := os.ReadFile(file); code != 1 || !strings.Contains(stderr, "already exists") || !bytes.Equal(before, after) {
		t.Fatalf("a backup over an existing file: exit %d, %s", code, stderr)
	}
	// In words, to another file.
	code, stdout, stderr = kitctl("district", "backup", "--node", n.Addr(), "--out", filepath.Join(dir, "again.ckbak"))
	if code != 0 || !strings.Contains(stdout, "Backup of district Cụm Mèo Vạc saved in") || !strings.Contains(stdout, "made by node n1 (leader, ") || !strings.Contains(stdout, "--restore") {
		t.Fatalf("district backup: %d\n%s%s", code, stdout, stderr)
	}
	t.Logf("kitctl district backup:\n%s", stdout)

	keys, err := storage.DistrictKeysOf(profile, []byte(pass))
	if err != nil {
		t.Fatal(err)
	}
	h, err := node.Restore(node.Config{ID: "n1", Dir: filepath.Join(dir, "restored"), District: keys, Passphrase: []byte(pass), WorkFactor: 10,
		RaftAddr: "127.0.0.1:7001", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, file)
	if err != nil || h.Digest != got.Digest || h.Index != got.Index {
		t.Fatalf("restoring the saved file: %+v %v", h, err)
	}
}

// startTestNode starts a one-node district cluster in this process for the
// district profile at profile, and waits until it takes pushes.
func startTestNode(t *testing.T, profile, dir, pass string) *node.Node {
	t.Helper()
	keys, err := storage.DistrictKeysOf(profile, []byte(pass))
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(node.Config{ID: "n1", Dir: dir, District: keys, Passphrase: []byte(pass), WorkFactor: 10,
		RaftAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Bootstrap: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		HeartbeatTimeout: 300 * time.Millisecond, ElectionTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Shutdown(context.Background()) })
	for end := time.Now().Add(20 * time.Second); n.Ready() != nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the node is not ready: %v", n.Ready())
		}
	}
	return n
}
