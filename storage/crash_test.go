package storage_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

// TestCrash_KilledWhileSaving kills a real child process with SIGKILL at
// random moments while it saves persons one by one, edits them and imports
// CSV chunks. Every save the child reported as returned must be there after
// reopening, and the store must open.
func TestCrash_KilledWhileSaving(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := filepath.Join(t.TempDir(), "p")
	s := mustCreate(t, dir)
	mustClose(t, s)
	rng := rand.New(rand.NewPCG(1, 2))
	confirmed := map[string]string{} // person id -> occupation confirmed saved
	tried := map[string]string{}     // person id -> an edit begun after the last confirmation
	imported := 0
	for round := 0; round < 6; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
		cmd.Env = append(os.Environ(), "COMMUNEKIT_CRASH_CHILD="+dir, fmt.Sprintf("COMMUNEKIT_CRASH_ROUND=%d", round))
		var out bytes.Buffer
		cmd.Stdout = &out
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+rng.IntN(500)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		sc := bufio.NewScanner(&out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 3 && f[0] == "saved":
				confirmed[f[1]] = f[2]
				delete(tried, f[1])
			case len(f) == 3 && f[0] == "trying":
				tried[f[1]] = f[2]
			case len(f) == 2 && f[0] == "imported":
				var n int
				fmt.Sscan(f[1], &n)
				imported += n
			}
		}
		s, err := storage.Open(dir, []byte(testPass), storage.Options{GCInterval: -1})
		if err != nil {
			t.Fatalf("round %d: store does not open after SIGKILL: %v", round, err)
		}
		for id, occ := range confirmed {
			pid, _ := storage.ParseID(id)
			p, err := s.Person(pid)
			if err != nil {
				t.Fatalf("round %d: confirmed save %s lost: %v", round, id, err)
			}
			if got := p.Get(storage.FieldOccupation); got != occ {
				if tr, ok := tried[id]; ok && got == tr {
					// Saved, killed before it could say so.
					confirmed[id] = tr
					delete(tried, id)
					continue
				}
				t.Fatalf("round %d: %s occupation %q, confirmed %q", round, id, got, occ)
			}
		}
		n, _, _ := s.Counts()
		if n < len(confirmed)+imported {
			t.Fatalf("round %d: %d persons, %d confirmed single saves + %d confirmed imported", round, n, len(confirmed), imported)
		}
		// The operation log runs 1..counter without a gap or a surplus:
		// the counters were written with the operations, so the next save
		// cannot reuse a sequence number.
		pending, _ := s.Pending()
		ops, err := s.Unbatched(0)
		if err != nil {
			t.Fatalf("round %d: operation log: %v", round, err)
		}
		if uint64(len(ops)) != pending {
			t.Fatalf("round %d: %d operations in the log, counter says %d", round, len(ops), pending)
		}
		s.Close()
	}
	if len(confirmed) == 0 {
		t.Fatal("the child confirmed no save: the test exercised nothing")
	}
	t.Logf("%d single saves and %d imported persons confirmed, all present", len(confirmed), imported)
}

// TestCrashChild is the child of TestCrash_KilledWhileSaving.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("COMMUNEKIT_CRASH_CHILD")
	if dir == "" {
		t.Skip("child process only")
	}
	s, err := storage.Open(dir, []byte(testPass), storage.Options{GCInterval: -1})
	if err != nil {
		fmt.Println("open failed", err)
		os.Exit(3)
	}
	round := os.Getenv("COMMUNEKIT_CRASH_ROUND")
	var last *storage.Person
	for i := 0; ; i++ {
		switch i % 10 {
		case 9: // an import chunk
			var b strings.Builder
			b.WriteString("full_name,birth_date,sex,ethnicity,occupation\n")
			for j := 0; j < 300; j++ {
				fmt.Fprintf(&b, "Crash Nhập Khẩu,1990,Nam,01,r%s-%d-%d\n", round, i, j)
			}
			rep, err := s.ImportPersons(strings.NewReader(b.String()), storage.ImportOptions{Chunk: 100})
			if err != nil {
				fmt.Println("import failed", err)
				os.Exit(3)
			}
			fmt.Printf("imported %d\n", rep.Imported)
		case 4, 7: // an edit of the last saved person
			if last == nil {
				continue
			}
			occ := fmt.Sprintf("edit-%s-%d", round, i)
			// Announced first: killed after the save returns but before
			// "saved" is printed, the parent must accept this value too.
			fmt.Printf("trying %s %s\n", last.ID, occ)
			if _, _, err := s.EditPerson(last.ID, storage.Values{storage.FieldOccupation: occ}, storage.SaveOptions{}); err != nil {
				fmt.Println("edit failed", err)
				os.Exit(3)
			}
			fmt.Printf("saved %s %s\n", last.ID, occ)
		default:
			occ := fmt.Sprintf("new-%s-%d", round, i)
			p, err := s.AddPerson(storage.Values{storage.FieldFullName: "Crash Văn Thử", storage.FieldBirthDate: "1980", storage.FieldSex: "Nam",
				storage.FieldEthnicity: "01", storage.FieldOccupation: occ}, storage.SaveOptions{})
			if err != nil {
				fmt.Println("save failed", err)
				os.Exit(3)
			}
			last = p
			fmt.Printf("saved %s %s\n", p.ID, occ)
		}
	}
}

// TestInUse_SecondProcessIsToldNotDamaged: while one process has the
// profile open (the app), another (kitctl) is told so, not that the
// profile is damaged (which said to restore a backup: the officer would
// have thrown away the day's work), and removes nothing; once the first
// is gone, even killed, the profile opens.
func TestInUse_SecondProcessIsToldNotDamaged(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	dir := filepath.Join(t.TempDir(), "p")
	s := mustCreate(t, dir)
	p := mustAdd(t, s, "Đang Mở Văn")
	mustClose(t, s)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldOpenChild$")
	cmd.Env = append(os.Environ(), "COMMUNEKIT_HOLD_CHILD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "open" {
		t.Fatalf("child: %q", sc.Text())
	}
	_, err = storage.Open(dir, []byte(testPass), storage.Options{GCInterval: -1})
	if !errors.Is(err, storage.ErrInUse) || errors.Is(err, storage.ErrDamaged) {
		t.Fatalf("profile open in another process: %v", err)
	}
	if !strings.Contains(err.Error(), "close it") {
		t.Errorf("message says nothing to do: %v", err)
	}
	if _, err := storage.Open(dir, []byte("not the passphrase"), storage.Options{GCInterval: -1}); !errors.Is(err, storage.ErrWrongPassphrase) {
		t.Errorf("a wrong passphrase is still said first: %v", err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	s, err = storage.Open(dir, []byte(testPass), storage.Options{GCInterval: -1})
	if err != nil {
		t.Fatalf("after the other process died: %v", err)
	}
	defer s.Close()
	if _, err := s.Person(p.ID); err != nil {
		t.Fatal(err)
	}
}

// TestHoldOpenChild is the child of TestInUse_SecondProcessIsToldNotDamaged.
func TestHoldOpenChild(t *testing.T) {
	dir := os.Getenv("COMMUNEKIT_HOLD_CHILD")
	if dir == "" {
		t.Skip("child process only")
	}
	if _, err := storage.Open(dir, []byte(testPass), storage.Options{GCInterval: -1}); err != nil {
		fmt.Println("open failed", err)
		os.Exit(3)
	}
	fmt.Println("open")
	select {}
}
