package storage_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/communekit/communekit/storage"
)

// testWorkFactor keeps scrypt cheap in tests; production uses 18.
const testWorkFactor = 10

const testPass = "mật khẩu thử nghiệm"

func TestStore_AddEditHistory_SurvivesReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	s := mustCreate(t, dir)
	p, err := s.AddPerson(storage.Values{
		storage.FieldFullName:             "Đặng Văn Đức",
		storage.FieldBirthDate:            "12/03/1985",
		storage.FieldSex:                  "Nam",
		storage.FieldEthnicity:            "Kinh",
		storage.FieldIDNumber:             "002085012345",
		storage.FieldHouseholdNumber:      "HK-001",
		storage.FieldRelationshipToHead:   "Chủ hộ",
		storage.FieldCurrentAddressDetail: "Thôn Lũng Hòa, số nhà 4",
	}, storage.SaveOptions{Reason: "khảo sát"})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Get(storage.FieldBirthDate); got != "1985-03-12" {
		t.Errorf("birth date stored as %q, want canonical 1985-03-12", got)
	}
	if got := p.Get(storage.FieldEthnicity); got != "01" {
		t.Errorf("ethnicity stored as %q, want code 01", got)
	}
	_, op, err := s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Giáo viên"}, storage.SaveOptions{Reason: "đối chiếu CCCD"})
	if err != nil {
		t.Fatal(err)
	}
	if len(op.Changes) != 1 || op.Changes[0].Old != "" || op.Changes[0].New != "Giáo viên" {
		t.Fatalf("edit op changes = %+v", op.Changes)
	}
	if _, _, err := s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Giáo viên"}, storage.SaveOptions{}); !errors.Is(err, storage.ErrNothingChanged) {
		t.Errorf("same value again: got %v, want ErrNothingChanged", err)
	}
	mustClose(t, s)

	s = mustOpen(t, dir)
	defer s.Close()
	got, err := s.Person(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Get(storage.FieldOccupation) != "Giáo viên" {
		t.Errorf("occupation after reopen = %q", got.Get(storage.FieldOccupation))
	}
	hist, err := s.History(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Event != storage.EventRegister || hist[1].Event != storage.EventCorrection || hist[1].Reason != "đối chiếu CCCD" {
		t.Fatalf("history = %+v", hist)
	}
	edit := hist[1]
	if edit.Changes[0].Seen != (storage.Version{}) {
		t.Errorf("seen version of a never-set field = %+v, want zero", edit.Changes[0].Seen)
	}
	if edit.Seq <= hist[0].Seq {
		t.Errorf("sequence numbers %d then %d", hist[0].Seq, edit.Seq)
	}
	h, err := s.HouseholdByNumber("HK-001")
	if err != nil {
		t.Fatalf("household created with its first member: %v", err)
	}
	if h.AddressDetail == "" {
		t.Errorf("household has no address: %+v", h)
	}
	// The second edit of the same field records the version it replaced.
	_, op2, err := s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Hiệu trưởng"}, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if op2.Changes[0].Seen != edit.Version() {
		t.Errorf("seen = %+v, want the first edit's version %+v", op2.Changes[0].Seen, edit.Version())
	}
}

func TestStore_InvalidValuesSaveNothing(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	_, err := s.AddPerson(storage.Values{storage.FieldFullName: "Nguyễn Văn 3", storage.FieldBirthDate: "2099", storage.FieldSex: "Nam", storage.FieldEthnicity: "01"}, storage.SaveOptions{})
	var probs storage.Problems
	if !errors.As(err, &probs) || len(probs) < 2 {
		t.Fatalf("got %v, want problems for name and future date", err)
	}
	for _, p := range probs {
		if p.Message("vi") == "" || p.Message("en") == "" {
			t.Errorf("problem without message: %+v", p)
		}
	}
	if n, _, _ := s.Counts(); n != 0 {
		t.Errorf("%d persons saved after a refused save", n)
	}
	if pending, _ := s.Pending(); pending != 0 {
		t.Errorf("pending = %d after a refused save", pending)
	}
}

func TestStore_SecondHeadRefused(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	base := storage.Values{storage.FieldBirthDate: "1970", storage.FieldSex: "Nam", storage.FieldEthnicity: "01",
		storage.FieldHouseholdNumber: "7", storage.FieldRelationshipToHead: "Chủ hộ"}
	a := clone(base)
	a[storage.FieldFullName] = "Lê Văn An"
	if _, err := s.AddPerson(a, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	b := clone(base)
	b[storage.FieldFullName] = "Lê Văn Bình"
	_, err := s.AddPerson(b, storage.SaveOptions{})
	var probs storage.Problems
	if !errors.As(err, &probs) || probs[0].Field != storage.FieldRelationshipToHead {
		t.Fatalf("second head: got %v", err)
	}
}

func TestOpen_WrongPassphraseChangesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	s := mustCreate(t, dir)
	p := mustAdd(t, s, "Trần Thị Mai")
	mustClose(t, s)
	before := snapshot(t, dir)

	_, err := storage.Open(dir, []byte("sai mật khẩu"), storage.Options{})
	if !errors.Is(err, storage.ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: got %v", err)
	}
	if after := snapshot(t, dir); !equalSnapshots(before, after) {
		t.Fatal("a wrong passphrase changed files in the profile")
	}
	s = mustOpen(t, dir)
	defer s.Close()
	if got, err := s.Person(p.ID); err != nil || got.FullName() != "Trần Thị Mai" {
		t.Fatalf("after wrong passphrase: %v %v", got, err)
	}
}

func TestOpen_DamagedProfileIsAnErrorNeverEmpty(t *testing.T) {
	damage := map[string]func(t *testing.T, dir string){
		"garbage MANIFEST": func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "store", "MANIFEST"), []byte("garbage garbage garbage"))
		},
		"truncated MANIFEST": func(t *testing.T, dir string) { truncate(t, filepath.Join(dir, "store", "MANIFEST"), 3) },
		"missing MANIFEST":   func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "store", "MANIFEST")) },
		"store removed":      func(t *testing.T, dir string) { os.RemoveAll(filepath.Join(dir, "store")) },
		"store emptied": func(t *testing.T, dir string) {
			os.RemoveAll(filepath.Join(dir, "store"))
			os.Mkdir(filepath.Join(dir, "store"), 0o700)
		},
		"truncated key file": func(t *testing.T, dir string) { truncate(t, filepath.Join(dir, "master-key.age"), 20) },
		"garbage key file":   func(t *testing.T, dir string) { write(t, filepath.Join(dir, "master-key.age"), []byte("xx")) },
		"garbage marker":     func(t *testing.T, dir string) { write(t, filepath.Join(dir, "communekit-profile.json"), []byte("{")) },
		"garbage tables": func(t *testing.T, dir string) {
			for _, f := range globAll(t, filepath.Join(dir, "store", "*.sst")) {
				write(t, f, []byte(strings.Repeat("x", 4096)))
			}
		},
		"truncated tables": func(t *testing.T, dir string) {
			for _, f := range globAll(t, filepath.Join(dir, "store", "*.sst")) {
				truncate(t, f, 100)
			}
		},
		"foreign key file": func(t *testing.T, dir string) {
			other := filepath.Join(t.TempDir(), "other")
			s := mustCreate(t, other)
			s.Close()
			b, _ := os.ReadFile(filepath.Join(other, "master-key.age"))
			write(t, filepath.Join(dir, "master-key.age"), b)
		},
	}
	for name, f := range damage {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "p")
			s := mustCreate(t, dir)
			for i := 0; i < 50; i++ {
				mustAdd(t, s, "Phạm Văn Hùng")
			}
			mustClose(t, s)
			f(t, dir)
			s, err := storage.Open(dir, []byte(testPass), storage.Options{WorkFactor: testWorkFactor, GCInterval: -1})
			if err == nil {
				n, _, _ := s.Counts()
				s.Close()
				t.Fatalf("damaged profile opened (%d persons) instead of giving an error", n)
			}
			if errors.Is(err, storage.ErrWrongPassphrase) && !strings.Contains(name, "foreign") {
				t.Errorf("damage reported as a wrong passphrase: %v", err)
			}
			t.Logf("%s: %v", name, err)
		})
	}
}

func TestSearch_FoldedQueriesFindTheSamePerson(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	nfd := norm.NFD.String("Đặng Văn Đức")
	p, err := s.AddPerson(storage.Values{storage.FieldFullName: nfd, storage.FieldBirthDate: "1990", storage.FieldSex: "Nam",
		storage.FieldEthnicity: "01", storage.FieldIDNumber: "001090123456"}, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !norm.NFC.IsNormalString(p.FullName()) || p.FullName() != "Đặng Văn Đức" {
		t.Fatalf("NFD input stored as %q, want NFC", p.FullName())
	}
	mustAdd(t, s, "Đặng Thị Đào")
	mustAdd(t, s, "Nguyễn Văn Đức")
	for _, q := range []string{"dang van duc", "DANG VAN DUC", "Đặng Văn Đức", nfd, "dang duc", "dang van d", "001090123456", "duc dang"} {
		hits, err := s.Search(q, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || hits[0].Person.ID != p.ID {
			t.Errorf("search %q: first hit %v, want %s", q, names(hits), p.ID)
		}
	}
	hits, _ := s.Search("duc", 10)
	if len(hits) != 2 {
		t.Errorf("search duc: %v, want both Đức", names(hits))
	}
	hits, _ = s.Search("da", 10)
	if len(hits) != 2 || hits[0].Person.FullName() != "Đặng Thị Đào" && hits[0].Person.FullName() != "Đặng Văn Đức" {
		t.Errorf("search da: %v", names(hits))
	}
	hits, _ = s.Search("1990", 10)
	if len(hits) != 1 {
		t.Errorf("search by birth year 1990: %v", names(hits))
	}
}

func TestSearch_ExactTokenRanksBeforePrefix(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	mustAdd(t, s, "Lò Văn Anh")
	mustAdd(t, s, "Lò Văn An")
	hits, _ := s.Search("lo van an", 10)
	if len(hits) != 2 || hits[0].Person.FullName() != "Lò Văn An" {
		t.Fatalf("got %v, want the exact An first", names(hits))
	}
}

// helpers

func mustCreate(t *testing.T, dir string) *storage.Store {
	t.Helper()
	s, err := storage.Create(dir, []byte(testPass), storage.Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"},
		storage.Options{WorkFactor: testWorkFactor, GCInterval: -1, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fixedNow() time.Time { return time.Now() }

func mustOpen(t *testing.T, dir string) *storage.Store {
	t.Helper()
	s, err := storage.Open(dir, []byte(testPass), storage.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustClose(t *testing.T, s *storage.Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func mustAdd(t *testing.T, s *storage.Store, name string) *storage.Person {
	t.Helper()
	p, err := s.AddPerson(storage.Values{storage.FieldFullName: name, storage.FieldBirthDate: "1980", storage.FieldSex: "Nam", storage.FieldEthnicity: "01"}, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func clone(v storage.Values) storage.Values {
	c := storage.Values{}
	for k, x := range v {
		c[k] = x
	}
	return c
}

func names(hits []storage.Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Person.FullName())
	}
	return out
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		m[p] = string(b)
		return nil
	})
	return m
}

func equalSnapshots(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func truncate(t *testing.T, path string, n int64) {
	t.Helper()
	if err := os.Truncate(path, n); err != nil {
		t.Fatal(err)
	}
}

func globAll(t *testing.T, pattern string) []string {
	t.Helper()
	m, _ := filepath.Glob(pattern)
	return m
}

func TestHousehold_HeadFollowsMembers(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	head, err := s.AddPerson(storage.Values{storage.FieldFullName: "Lê Văn An", storage.FieldBirthDate: "1970", storage.FieldSex: "Nam",
		storage.FieldEthnicity: "01", storage.FieldHouseholdNumber: "H9", storage.FieldRelationshipToHead: "Chủ hộ",
		storage.FieldIDNumber: "001070000123"}, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.HouseholdByNumber("H9")
	if err != nil || h.Head != head.ID {
		t.Fatalf("household head %v (%v), want %s", h.Head, err, head.ID)
	}
	// A child born before the father named by ID number is refused.
	_, err = s.AddPerson(storage.Values{storage.FieldFullName: "Lê Văn Bé", storage.FieldBirthDate: "1965", storage.FieldSex: "Nam",
		storage.FieldEthnicity: "01", storage.FieldHouseholdNumber: "H9", storage.FieldRelationshipToHead: "Con",
		storage.FieldFatherIDNumber: "001070000123"}, storage.SaveOptions{})
	var probs storage.Problems
	if !errors.As(err, &probs) || !probs.Has("parent_age") {
		t.Fatalf("child older than father: %v", err)
	}
	if _, err := s.AddPerson(storage.Values{storage.FieldFullName: "Lê Văn Bé", storage.FieldBirthDate: "2001", storage.FieldSex: "Nam",
		storage.FieldEthnicity: "01", storage.FieldHouseholdNumber: "H9", storage.FieldRelationshipToHead: "Con",
		storage.FieldFatherIDNumber: "001070000123"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
}

// A memtable file of zero bytes, as a process killed while Badger creates
// one leaves it, does not stop the profile from opening, and nothing saved
// is lost.
func TestOpen_EmptyMemtableLeftByAKill(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	s := mustCreate(t, dir)
	p := mustAdd(t, s, "Lò Văn Minh")
	mustClose(t, s)
	write(t, filepath.Join(dir, "store", "000099.mem"), nil)
	s = mustOpen(t, dir)
	defer s.Close()
	if _, err := s.Person(p.ID); err != nil {
		t.Fatalf("the saved person after reopening: %v", err)
	}
}

// Changes moves with every save, and not with reads or refused saves:
// what was computed from the store at one count still holds at it.
func TestStore_ChangesCountsWrites(t *testing.T) {
	s := mustCreate(t, filepath.Join(t.TempDir(), "p"))
	defer s.Close()
	c0 := s.Changes()
	p, err := s.AddPerson(storage.Values{
		storage.FieldFullName: "Giàng A Páo", storage.FieldBirthDate: "05/03/1968", storage.FieldSex: "Nam",
		storage.FieldEthnicity: "H'Mông", storage.FieldCurrentAddressDetail: "Thôn Sủng Là",
	}, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c1 := s.Changes()
	if c1 <= c0 {
		t.Fatalf("a save left Changes at %d", c1)
	}
	if _, err := s.Person(p.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EditPerson(p.ID, storage.Values{storage.FieldBirthDate: "31/02/1968"}, storage.SaveOptions{}); err == nil {
		t.Fatal("an impossible date was saved")
	}
	if s.Changes() != c1 {
		t.Fatalf("a read and a refused save moved Changes from %d to %d", c1, s.Changes())
	}
	if _, _, err := s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Làm nương"}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	if s.Changes() <= c1 {
		t.Fatal("an edit left Changes as it was")
	}
}
