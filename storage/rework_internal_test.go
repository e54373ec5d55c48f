package storage

import (
	"path/filepath"
	"testing"
)

// A rework cut short after any step is finished by the next Open, with
// the same result as one that ran through; what a crash left staged
// before the plan was written is dropped.
func TestRework_InterruptedAtEveryStepIsFinishedAtOpen(t *testing.T) {
	for _, stop := range []int{stepMove, stepBorn, stepRebuild, stepFinish} {
		dir := filepath.Join(t.TempDir(), "p")
		s, err := Create(dir, []byte("mật khẩu thử nghiệm"), Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"}, Options{WorkFactor: 10, GCInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		base := Values{FieldFullName: "Lò Văn Páo", FieldBirthDate: "1990", FieldSex: "Nam", FieldEthnicity: "01", FieldPermanentAddressCode: "00769"}
		p, err := s.AddPerson(base, SaveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, a, err := s.EditPerson(p.ID, Values{FieldOccupation: "Nông dân"}, SaveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.EditPerson(p.ID, Values{FieldPhone: "0912345678"}, SaveOptions{}); err != nil {
			t.Fatal(err)
		}
		plan, _, err := s.stageRework(Rework{Withdraw: map[uint64]Refusal{a.Seq: {Rule: "x", Message: "y"}}})
		if err != nil {
			t.Fatal(err)
		}
		for plan.Step < stop {
			switch plan.Step {
			case stepMove:
				err = s.reworkMove(plan)
			case stepBorn:
				err = s.reworkBorn(plan)
			case stepRebuild:
				err = s.reworkRebuild(plan)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s, err = Open(dir, []byte("mật khẩu thử nghiệm"), Options{GCInterval: -1})
		if err != nil {
			t.Fatalf("stopped before step %d: %v", stop, err)
		}
		got, err := s.Person(p.ID)
		if err != nil || got.Get(FieldOccupation) != "" || got.Get(FieldPhone) != "0912345678" {
			t.Fatalf("stopped before step %d: %v %v", stop, got, err)
		}
		ops, err := s.Unbatched(0)
		if err != nil || len(ops) != 2 || ops[1].Seq != 2 || ops[1].Changes[0].New != "0912345678" {
			t.Fatalf("stopped before step %d: operations %+v %v", stop, ops, err)
		}
		if r, _ := s.RefusedOps(); len(r) != 1 || r[0].Seq != a.Seq {
			t.Fatalf("stopped before step %d: refused %+v", stop, r)
		}
		hist, err := s.History(p.ID)
		if err != nil || len(hist) != 2 {
			t.Fatalf("stopped before step %d: history %d, %v", stop, len(hist), err)
		}
		// The next save numbers on.
		_, op, err := s.EditPerson(p.ID, Values{FieldOccupation: "Thợ may"}, SaveOptions{})
		if err != nil || op.Seq != 3 {
			t.Fatalf("stopped before step %d: next edit %+v %v", stop, op, err)
		}
		s.Close()
	}
}
