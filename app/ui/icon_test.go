package ui

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite assets/icon.png from Icon()")

func TestIcon_MatchesAssetsIconPNG(t *testing.T) {
	path := filepath.Join("..", "..", "assets", "icon.png")
	if *update {
		if err := os.WriteFile(path, Icon().Content(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, Icon().Content()) {
		t.Fatal("assets/icon.png differs from Icon(); run go test ./app/ui -run TestIcon -update")
	}
}
