package vm

import "testing"

// TestQuality_Release: the worklist is given up, the filters kept; a
// computation under way when the screen is left does not bring it back;
// the next Refresh computes it again.
func TestQuality_Release(t *testing.T) {
	s := mustStore(t, 300)
	q := NewQuality(mustTr(t), s, Now)
	changed := changes(q)
	q.Refresh()
	for q.State().Loading {
		waitChange(t, changed)
	}
	n := q.Len()
	if !q.State().Loaded || n == 0 {
		t.Fatalf("worklist: %+v, %d items", q.State(), n)
	}
	q.SetFilter(allHamlets, "missing_field")
	kept := q.Len()

	q.Release()
	if st := q.State(); st.Loaded || st.Loading || q.Len() != 0 {
		t.Errorf("after Release: %+v, %d items", st, q.Len())
	}
	if h, r := q.Filter(); h != allHamlets || r != "missing_field" {
		t.Errorf("filters after Release: %q %q", h, r)
	}

	// Released while computing: the result is dropped.
	var run func()
	q.Go = func(f func()) { run = f }
	q.Refresh()
	q.Release()
	run()
	if st := q.State(); st.Loaded || st.Loading {
		t.Errorf("a computation finished after Release brought the worklist back: %+v", st)
	}

	// Opened again: computed again, with the filters kept.
	q.Go = nil
	q.Refresh()
	for q.State().Loading {
		waitChange(t, changed)
	}
	if q.Len() != kept || kept == 0 {
		t.Errorf("after Refresh: %d items, %d before", q.Len(), kept)
	}
}
