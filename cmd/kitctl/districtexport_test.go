package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/communekit/communekit/sync/client"
)

// TestDistrictExport_StickCarriesThePullToAnOfflineLaptop: Lan syncs
// online; `kitctl district export` writes a file for Minh, whose laptop
// has no connection; `kitctl batch import` applies it: Minh holds Lan's
// persons. The same stick again applies nothing; a damaged copy is
// refused with exit 1 and changes nothing; Minh's file on Lan's laptop is
// not hers; the next export starts where the last ended; Minh's online
// sync afterwards goes on from the file's cursor.
func TestDistrictExport_StickCarriesThePullToAnOfflineLaptop(t *testing.T) {
	const pass = "mật khẩu thử nghiệm"
	t.Setenv("COMMUNEKIT_PASSPHRASE", pass)
	t.Setenv("COMMUNEKIT_WORK_FACTOR", "10")
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	kitctl := func(profile string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"--profile", at(profile)}, args...), strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
	must := func(profile string, args ...string) string {
		t.Helper()
		code, stdout, stderr := kitctl(profile, args...)
		if code != 0 {
			t.Fatalf("kitctl --profile %s %s: exit %d\n%s%s", profile, strings.Join(args, " "), code, stdout, stderr)
		}
		return stdout
	}
	must("d", "district", "init", "--name", "Cụm Mèo Vạc")
	devices := map[string]string{}
	for _, p := range []struct{ profile, officer string }{{"lan", "Nguyễn Thị Lan"}, {"minh", "Lò Văn Minh"}} {
		must(p.profile, "init", "--commune", "00769", "--officer", p.officer)
		var req struct{ Device string }
		json.Unmarshal([]byte(must(p.profile, "--json", "enrol", "request", "--out", at(p.profile+".req"))), &req)
		devices[p.profile] = req.Device
		must("d", "enrol", "sign", at(p.profile+".req"), "--commune", "00769", "--out", at(p.profile+".cert"))
		must(p.profile, "enrol", "install", at(p.profile+".cert"))
	}
	persons := func(profile, name string, n int) {
		var b strings.Builder
		b.WriteString("full_name,birth_date,sex,ethnicity,household_number,relationship_to_head,permanent_address_code\n")
		for i := 0; i < n; i++ {
			b.WriteString(name + ",1990,Nữ,H'Mông,H-" + name + "-" + string(rune('a'+i)) + ",Chủ hộ,00769\n")
		}
		os.WriteFile(at(profile+".csv"), []byte(b.String()), 0o644)
		must(profile, "import", "persons", at(profile+".csv"))
	}
	found := func(profile, query string) int {
		var hits []json.RawMessage
		json.Unmarshal([]byte(must(profile, "--json", "search", query)), &hits)
		return len(hits)
	}

	n := startTestNode(t, at("d"), at("n1"), pass)

	persons("lan", "Sùng Thị Dung", 3)
	must("lan", "sync", "--node", n.Addr())
	stick := at("stick")
	var exp struct {
		Files []client.ExportedFile `json:"files"`
	}
	json.Unmarshal([]byte(must("d", "--json", "district", "export", "--device", devices["minh"], "--node", n.Addr(), "--out", stick)), &exp)
	if len(exp.Files) != 1 || exp.Files[0].Status != "written" || exp.Files[0].From != 0 || exp.Files[0].Ops == 0 || exp.Files[0].Officer != "Lò Văn Minh" {
		t.Fatalf("district export: %+v", exp)
	}
	first := exp.Files[0]
	if want := filepath.Join(stick, "district-"+devices["minh"]+"-0-"+u64s(first.To)+".ckp"); first.File != want {
		t.Fatalf("the file is %s, want %s", first.File, want)
	}

	// Lan's own batch files share the stick: batch import leaves them.
	must("lan", "batch", "export", "--out", stick)
	var imp struct {
		Files []struct {
			Status  string `json:"status"`
			Applied int    `json:"applied"`
			Cursor  uint64 `json:"cursor"`
		} `json:"files"`
		Applied int `json:"applied"`
		New     int `json:"new_operations"`
	}
	json.Unmarshal([]byte(must("minh", "--json", "batch", "import", stick)), &imp)
	if len(imp.Files) != 1 || imp.Applied != 1 || imp.New != first.Ops || imp.Files[0].Cursor != first.To {
		t.Fatalf("batch import: %+v", imp)
	}
	if got := found("minh", "sung thi dung"); got != 3 {
		t.Fatalf("Minh finds %d of Lan's 3 persons", got)
	}

	// Again: nothing changes.
	out := must("minh", "batch", "import", first.File)
	if !strings.Contains(out, "already had: this device has received up to "+u64s(first.To)) || !strings.Contains(out, "0 file(s) applied (0 new change(s)), 1 already had, 0 refused") {
		t.Fatalf("the same file again:\n%s", out)
	}
	// A damaged copy: exit 1, nothing applied.
	b, _ := os.ReadFile(first.File)
	b[len(b)-100] ^= 1
	os.MkdirAll(at("bad"), 0o755)
	os.WriteFile(at("bad/"+filepath.Base(first.File)), b, 0o644)
	code, stdout, _ := kitctl("minh", "batch", "import", at("bad"))
	if code != 1 || !strings.Contains(stdout, "refused: the file is damaged or was altered") || !strings.Contains(stdout, "ask the district for a new copy") {
		t.Fatalf("a damaged file: exit %d\n%s", code, stdout)
	}
	// Minh's file on Lan's laptop.
	code, stdout, stderr := kitctl("lan", "batch", "import", stick)
	if code != 1 || !strings.Contains(stdout, "not this one: left for that laptop") || !strings.Contains(stderr, "none of the district files") {
		t.Fatalf("Minh's file on Lan's laptop: exit %d\n%s%s", code, stdout, stderr)
	}

	// Nothing new: no file. Then more of Lan's work: the next file
	// starts where the first ended, for every device of the commune.
	if out := must("d", "district", "export", "--device", devices["minh"], "--node", n.Addr(), "--out", stick); !strings.Contains(out, "nothing new after change "+u64s(first.To)) {
		t.Fatalf("nothing new:\n%s", out)
	}
	persons("lan", "Vàng Văn Chứ", 2)
	must("lan", "sync", "--node", n.Addr())
	exp.Files = nil
	json.Unmarshal([]byte(must("d", "--json", "district", "export", "--commune", "00769", "--node", n.Addr(), "--out", stick)), &exp)
	var second client.ExportedFile
	for _, f := range exp.Files {
		if f.Device == devices["minh"] {
			second = f
		}
	}
	if len(exp.Files) != 2 || second.Status != "written" || second.From != first.To {
		t.Fatalf("export for the commune: %+v", exp.Files)
	}
	json.Unmarshal([]byte(must("minh", "--json", "batch", "import", stick)), &imp)
	if imp.Applied != 1 || found("minh", "vang van chu") != 2 {
		t.Fatalf("the second file: %+v", imp)
	}

	// Online: Minh's sync goes on from the file's cursor.
	persons("lan", "Lý Thị Mai", 1)
	must("lan", "sync", "--node", n.Addr())
	var res struct {
		Pulled  int    `json:"pulled"`
		Applied int    `json:"applied"`
		Cursor  uint64 `json:"cursor"`
	}
	json.Unmarshal([]byte(must("minh", "--json", "sync", "--node", n.Addr())), &res)
	if res.Pulled == 0 || res.Pulled != res.Applied || res.Cursor != n.Status().Feed || found("minh", "ly thi mai") != 1 {
		t.Fatalf("Minh's sync after the files: %+v", res)
	}

	// Mistakes say what to do.
	if code, _, stderr := kitctl("d", "district", "export", "--node", n.Addr(), "--out", stick); code != 2 || !strings.Contains(stderr, "--device ID | --commune CODE") {
		t.Fatalf("neither --device nor --commune: %d %s", code, stderr)
	}
	if code, _, stderr := kitctl("d", "district", "export", "--commune", "00769", "--after", "3", "--node", n.Addr(), "--out", stick); code != 2 || !strings.Contains(stderr, "--after goes with --device") {
		t.Fatalf("--after with --commune: %d %s", code, stderr)
	}
	if code, _, stderr := kitctl("d", "district", "export", "--device", "aaaaaaaaaaaaaaaa", "--node", n.Addr(), "--out", stick); code != 1 || !strings.Contains(stderr, "kitctl enrol list") {
		t.Fatalf("an unknown device: %d %s", code, stderr)
	}
	if code, _, stderr := kitctl("minh", "batch", "import", at("n1")); code != 1 || !strings.Contains(stderr, "no district files (.ckp)") {
		t.Fatalf("a folder without files: %d %s", code, stderr)
	}
}

func u64s(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
