package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/communekit/communekit/storage"
)

func TestWorkFactor_OutOfRangeRefusedBeforeAnything(t *testing.T) {
	dir := t.TempDir()
	for _, v := range []string{"40", "9", "-1", "ten"} {
		t.Setenv("COMMUNEKIT_WORK_FACTOR", v)
		var out bytes.Buffer
		code := run([]string{"--district", filepath.Join(dir, "d"), "--dir", filepath.Join(dir, "n1"), "--id", "n1",
			"--raft", "127.0.0.1:7999", "--http", "127.0.0.1:0", "--bootstrap"}, &out)
		if code != 2 || !strings.Contains(out.String(), `COMMUNEKIT_WORK_FACTOR="`+v+`": want a number from 10 to 22`) {
			t.Errorf("COMMUNEKIT_WORK_FACTOR=%s: exit %d:\n%s", v, code, out.String())
		}
		if _, err := os.Stat(filepath.Join(dir, "n1")); err == nil {
			t.Fatalf("COMMUNEKIT_WORK_FACTOR=%s: the node's directory was made", v)
		}
	}
}

// TestPassphrase_DecomposedOpensTheDistrictProfile: the district's
// passphrase typed decomposed (NFD) opens a profile made with it composed.
func TestPassphrase_DecomposedOpensTheDistrictProfile(t *testing.T) {
	const pass = "mật khẩu huyện Mèo Vạc"
	dir := t.TempDir()
	d := filepath.Join(dir, "d")
	s, err := storage.Create(d, []byte(norm.NFC.String(pass)), storage.Profile{Kind: storage.KindDistrict, District: "Huyện Mèo Vạc"}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	t.Setenv("COMMUNEKIT_WORK_FACTOR", "10")
	// A --dir that cannot be made: the node stops right after the keys.
	blocked := filepath.Join(dir, "file")
	os.WriteFile(blocked, []byte("x"), 0o600)
	for typed, wrong := range map[string]bool{norm.NFD.String(pass): false, norm.NFD.String("mật khẩu huyện Mèo Vạt"): true} {
		t.Setenv("COMMUNEKIT_PASSPHRASE", typed)
		var out bytes.Buffer
		code := run([]string{"--district", d, "--dir", filepath.Join(blocked, "n1"), "--id", "n1",
			"--raft", "127.0.0.1:7999", "--http", "127.0.0.1:0", "--bootstrap"}, &out)
		if said := strings.Contains(out.String(), "wrong passphrase"); code != 1 || said != wrong {
			t.Errorf("%+q: exit %d, wrong passphrase said %v, want %v:\n%s", typed, code, said, wrong, out.String())
		}
	}
}
