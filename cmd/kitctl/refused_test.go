package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/communekit/communekit/storage"
)

// kitctl refused lists the changes the district refused, with its reason
// and what the change was, and drops one the officer has dealt with.
func TestRefused_ListAndDismiss(t *testing.T) {
	t.Setenv("COMMUNEKIT_PASSPHRASE", "mật khẩu thử nghiệm")
	t.Setenv("COMMUNEKIT_WORK_FACTOR", "10")
	dir := filepath.Join(t.TempDir(), "p")
	kit := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := run(append([]string{"--profile", dir, "--lang", "en"}, args...), nil, &out, &errb)
		return out.String(), errb.String(), code
	}
	if _, e, code := kit("init", "--commune", "00769", "--officer", "Nguyễn Thị Lan"); code != 0 {
		t.Fatal(e)
	}
	if out, e, code := kit("refused"); code != 0 || !strings.Contains(out, "No refused changes") {
		t.Fatalf("empty list: %d %s %s", code, out, e)
	}
	s, err := storage.Open(dir, []byte("mật khẩu thử nghiệm"), storage.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.AddPerson(storage.Values{storage.FieldFullName: "Lò Văn Páo", storage.FieldBirthDate: "1990", storage.FieldSex: "Nam",
		storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: "00769"}, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, op, err := s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Nông dân"}, storage.SaveOptions{Reason: "sửa"})
	if err != nil {
		t.Fatal(err)
	}
	// Sealed as batch 1, which the district refused (the bytes are a
	// stand-in: nothing here reads them).
	if ops, err := s.Unbatched(0); err != nil {
		t.Fatal(err)
	} else if err := s.AddBatch(&storage.OutBatch{N: 1, FirstSeq: ops[0].Seq, LastSeq: ops[len(ops)-1].Seq, Sealed: []byte("sealed")}); err != nil {
		t.Fatal(err)
	}
	// As a sync does on the district's signed refusal.
	if _, err := s.Rework(storage.Rework{Batch: 1, Withdraw: map[uint64]storage.Refusal{op.Seq: {Rule: storage.RuleOutOfScope, Message: "operation 2 changes person … of commune 12472"}}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	out, e, code := kit("refused", "--json")
	if code != 0 {
		t.Fatal(e)
	}
	var list []refusedJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 {
		t.Fatalf("%s: %v", out, err)
	}
	if r := list[0]; r.N != 1 || r.Rule != "out_of_scope" || r.Record != p.ID.String() || r.Changes["occupation"] != "Nông dân" || r.Batch != 1 || r.Event != "correction" {
		t.Fatalf("%+v", r)
	}
	out, _, _ = kit("refused")
	for _, want := range []string{"Lò Văn Páo", "occupation=\"Nông dân\"", "refused by the district in batch 1", "out_of_scope", "kitctl refused dismiss N"} {
		if !strings.Contains(out, want) {
			t.Errorf("the list does not say %q:\n%s", want, out)
		}
	}
	if _, e, code := kit("refused", "dismiss", "7"); code == 0 || !strings.Contains(e, "refused change 7") {
		t.Errorf("dismissing what is not there: %d %s", code, e)
	}
	if _, e, code := kit("refused", "dismiss", "1"); code != 0 {
		t.Fatal(e)
	}
	if out, _, _ := kit("refused"); !strings.Contains(out, "No refused changes") {
		t.Errorf("after dismissing: %s", out)
	}
}
