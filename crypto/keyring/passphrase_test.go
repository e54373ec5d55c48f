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

func TestSource_NamesItsOwnVariableAndFlag(t *testing.T) {
	t.Setenv("COMMUNEKIT_PASSPHRASE", "the current one, not wanted here")
	t.Setenv("COMMUNEKIT_NEW_PASSPHRASE", "")
	src := Source{Flag: "--new-passphrase-file", Env: "COMMUNEKIT_NEW_PASSPHRASE", What: "new passphrase"}
	_, err := src.Read(nil, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no new passphrase: set COMMUNEKIT_NEW_PASSPHRASE, pass --new-passphrase-file FILE") {
		t.Errorf("no source: %v", err)
	}
	t.Setenv("COMMUNEKIT_NEW_PASSPHRASE", "mật khẩu mới của Lan")
	if p, err := src.Read(nil, io.Discard); err != nil || string(p) != "mật khẩu mới của Lan" {
		t.Errorf("from the environment: %q, %v", p, err)
	}
}
