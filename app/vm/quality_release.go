package vm

// Release gives up the worklist at hand and any computation under way,
// whose result is then dropped; the filters are kept. The app calls it when
// the officer leaves the screen for another of the navigation: opening
// the screen computes the worklist again anyway (Refresh), and at 100,000
// persons it holds about 17 MB, which the Go runtime's collector target
// (GCPercent) makes half as much again in resident memory.
func (q *Quality) Release() {
	q.mu.Lock()
	if q.w == nil && !q.loading {
		q.mu.Unlock()
		return
	}
	q.gen++
	q.loading = false
	q.w, q.shown, q.err = nil, nil, nil
	q.mu.Unlock()
	q.changed()
}
