package storage_test

import (
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

// Found by a review: a laptop whose clock ran a year ahead before this version, and
// whose batches the district accepted then (no clock_ahead check), keeps
// its clock there: the store's clock never goes back, so every new change
// is stamped a year ahead and refused clock_ahead; the restamp the client
// does on that refusal starts from the last accepted operation's stamp
// (and from ctr.Seen, unbounded), so it stamps ahead again. The laptop is
// refused on every sync until the calendar catches up, though "a clock set
// right pushes again".
func TestRework_RestampComesBackBelowStampsAcceptedBefore(t *testing.T) {
	var offset atomic.Int64
	offset.Store(int64(365 * 24 * time.Hour))
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	s, err := storage.Create(filepath.Join(t.TempDir(), "p"), []byte(testPass), storage.Profile{Commune: "00769", Officer: "Nguyễn Thị Lan"},
		storage.Options{WorkFactor: testWorkFactor, GCInterval: -1, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := mustAddPerson(t, s, "Lò Văn Páo", nil)
	b1 := sealAll(t, s)
	if err := s.Acknowledge(b1.N); err != nil { // accepted by a district of the version before
		t.Fatal(err)
	}
	offset.Store(0) // the clock is set right
	mustEdit(t, s, p.ID, storage.Values{storage.FieldPhone: "0912345678"})
	if _, err := s.Rework(storage.Rework{Restamp: true}); err != nil {
		t.Fatal(err)
	}
	ops, _ := s.Unbatched(0)
	district := time.Now()
	for _, op := range ops {
		if op.HLC.Time().After(district.Add(24 * time.Hour)) {
			t.Errorf("operation %d restamped %s, more than a day after the district's time %s: refused clock_ahead again, for ever",
				op.Seq, op.HLC.Time().Format(time.DateOnly), district.Format(time.DateOnly))
		}
	}
}
