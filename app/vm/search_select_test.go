package vm

import (
	"strings"
	"testing"
)

// waitQuery waits for the results of q.
func waitQuery(t *testing.T, sr *Search, ch <-chan struct{}, q string) []Result {
	t.Helper()
	for {
		waitChange(t, ch)
		if res, got := sr.Results(); got == q {
			return res
		}
	}
}

// A query matching more persons than are shown says so, and "Xem thêm"
// shows the next ones with the chosen result kept; a query matching fewer
// says how many.
func TestSearch_MoreThanShownIsSaidAndShown(t *testing.T) {
	s := mustStore(t, 300)
	sr := NewSearch(mustTr(t), s, Now)
	sr.Limit = 20
	ch := changes(sr)
	sr.SetQuery("nguyen")
	res := waitQuery(t, sr, ch, "nguyen")
	if len(res) != 20 || !sr.More() {
		t.Fatalf("%d results, more %v: want 20 and more", len(res), sr.More())
	}
	if msg := sr.Count(); !strings.Contains(msg, "Hiển thị 20 trong số hơn 20 kết quả") {
		t.Fatalf("the line above the results is %q: it does not say there are more", msg)
	}
	sr.Select(7)
	chosen, _ := sr.Chosen()
	sr.ShowMore()
	waitChange(t, ch)
	res, _ = sr.Results()
	if len(res) != 40 {
		t.Fatalf("Xem thêm shows %d results, want 40", len(res))
	}
	if sr.Selected() != 7 || res[7].ID != chosen.ID {
		t.Fatalf("the chosen result moved: %d", sr.Selected())
	}
	for i := 0; i < 20; i++ {
		sr.ShowMore()
		waitChange(t, ch)
		if !sr.More() {
			break
		}
	}
	res, _ = sr.Results()
	if tr := mustTr(t); sr.More() || sr.Count() != tr.T("search.count", Count(tr, len(res))) {
		t.Fatalf("all %d shown: more %v, line %q", len(res), sr.More(), sr.Count())
	}
	// Typing another query starts from the first page again.
	sr.SetQuery("nguyen v")
	if res := waitQuery(t, sr, ch, "nguyen v"); len(res) > 20 {
		t.Fatalf("a new query shows %d results: the pages shown stayed", len(res))
	}
}

// Down and Up choose a result, within the results; a new query chooses
// its first result; no results, nothing chosen.
func TestSearch_TheChosenResultMoves(t *testing.T) {
	s := mustStore(t, 300)
	sr := NewSearch(mustTr(t), s, Now)
	ch := changes(sr)
	if _, ok := sr.Chosen(); ok || sr.Selected() != -1 {
		t.Fatal("a result is chosen before any search")
	}
	sr.SetQuery("nguyen")
	res := waitQuery(t, sr, ch, "nguyen")
	if sr.Selected() != 0 {
		t.Fatalf("the first result is not chosen: %d", sr.Selected())
	}
	if sr.Move(-1) != 0 || sr.Move(1) != 1 || sr.Move(1) != 2 || sr.Move(-1) != 1 {
		t.Fatal("Down/Up do not move the choice one result at a time")
	}
	if r, ok := sr.Chosen(); !ok || r.ID != res[1].ID {
		t.Fatal("the chosen result is not the second")
	}
	if sr.Move(1000) != len(res)-1 {
		t.Fatal("the choice goes past the last result")
	}
	sr.SetQuery("zzzqqq")
	waitQuery(t, sr, ch, "zzzqqq")
	if _, ok := sr.Chosen(); ok || sr.Move(1) != -1 {
		t.Fatal("a result is chosen among none")
	}
	sr.SetQuery("nguyen")
	waitQuery(t, sr, ch, "nguyen")
	if sr.Selected() != 0 {
		t.Fatalf("a new query does not choose its first result: %d", sr.Selected())
	}
}
