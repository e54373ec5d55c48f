package storage_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

// An officer may register thousands of persons of his commune with one ID
// number (each a valid record: the same-ID conflict is never a refusal).
// After every entry that touches the number, the district decides for each
// holder whether the conflict crosses communes: once per list, not once
// per holder and partner (that was 5 s an entry at 2,000 holders, found by
// a review; now milliseconds). It reports the last entry's time.
func BenchmarkNotices_ManyHoldersOfOneIDNumber(b *testing.B) {
	for range b.N {
		benchManyHolders(b)
	}
}

func benchManyHolders(t *testing.B) {
	f := newOCFixture(t)
	idn := storage.MakeIDNumber("002", "Nam", 1990, 4242)
	seq := f.after[ocOfficerA.Device]
	next := uint64(100)
	const per = 50
	var last time.Duration
	for k := per; k <= 2000; k += per {
		var ops []*storage.Op
		for j := 0; j < per; j++ {
			seq++
			next++
			ops = append(ops, &storage.Op{Device: ocOfficerA.Device, Seq: seq, HLC: f.at - storage.HLC(100000-seq)<<16, Officer: ocOfficerA.Officer,
				Kind: storage.KindPerson, ID: ocID(ocOfficerA.Device, next), Event: storage.EventRegister, Changes: []storage.Change{
					ocSet(storage.FieldFullName, fmt.Sprintf("Lò Văn %c", 'A'+rune(j%26))), ocSet(storage.FieldIDNumber, idn),
					ocSet(storage.FieldPermanentAddressCode, ocCommuneA)}})
		}
		start := time.Now()
		ap := f.begin(t)
		refused, err := ap.Batch(ocOfficerA, f.after[ocOfficerA.Device], ops)
		if err != nil || len(refused) > 0 {
			t.Fatalf("k=%d: %v %v", k, refused[:min(1, len(refused))], err)
		}
		if _, err := ap.Commit(nil); err != nil {
			t.Fatalf("k=%d: %v", k, err)
		}
		ap.Discard()
		f.after[ocOfficerA.Device] += per
		last = time.Since(start)

	}
	t.ReportMetric(float64(last.Microseconds())/1000, "ms/entry-at-2000")
}
