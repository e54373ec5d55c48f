package keyring

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadPassphrase_FileThenEnvironmentNeverEmpty(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "pass")
	os.WriteFile(f, []byte("mật khẩu tệp\r\n"), 0o600)
	t.Setenv("COMMUNEKIT_PASSPHRASE", "mật khẩu môi trường")
	if p, err := ReadPassphrase(f, nil, io.Discard, "", false); err != nil || string(p) != "mật khẩu tệp" {
		t.Errorf("from a file: %q, %v", p, err)
	}
	if p, err := ReadPassphrase("", nil, io.Discard, "", false); err != nil || string(p) != "mật khẩu môi trường" {
		t.Errorf("from the environment: %q, %v", p, err)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	if _, err := ReadPassphrase(empty, nil, io.Discard, "", false); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("an empty file: %v", err)
	}
	t.Setenv("COMMUNEKIT_PASSPHRASE", "")
	if _, err := ReadPassphrase("", nil, io.Discard, "", false); err == nil || !strings.Contains(err.Error(), "--passphrase-file") {
		t.Errorf("no source: %v", err)
	}
}
