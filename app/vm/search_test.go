package vm

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
)

func TestSearch_TypingAFoldedNameFindsThePerson(t *testing.T) {
	s := mustStore(t, 300)
	p := mustPerson(t, s, "nguyen")
	sr := NewSearch(mustTr(t), s, Now)
	ch := changes(sr)
	query := fold.Fold(p.FullName())
	sr.SetQuery(query)
	waitChange(t, ch)
	res, q := sr.Results()
	if q != query || len(res) == 0 {
		t.Fatalf("results for %q: %v", q, res)
	}
	found := false
	for _, r := range res {
		if r.ID == p.ID {
			found = true
			if r.Name != p.FullName() || r.Household != p.Get(storage.FieldHouseholdNumber) || r.Birth == "" {
				t.Errorf("result row %+v for %+v", r, p.Values)
			}
		}
	}
	if !found {
		t.Errorf("%q not among results for %q", p.FullName(), query)
	}
	if sr.Latency() <= 0 {
		t.Error("latency not measured")
	}
}

// TestSearch_ABurstOfKeysGivesTheLastQuerysResultsOnly: keys typed while
// a query runs are collapsed into one query for the latest text, and the
// results shown never go back to an older query than one already shown.
// (Results of a query that was the latest when it ended may show before
// the next key's: the search runs at once, with no pause to wait for more
// keys, so on a slow machine a prefix's results can appear; they are then
// replaced.)
func TestSearch_ABurstOfKeysGivesTheLastQuerysResultsOnly(t *testing.T) {
	s := mustStore(t, 300)
	slow := &slowSearcher{s: s, delay: 30 * time.Millisecond}
	sr := NewSearch(mustTr(t), slow, Now)
	var mu sync.Mutex
	var shown []string
	sr.OnChange(func() {
		_, q := sr.Results()
		mu.Lock()
		shown = append(shown, q)
		mu.Unlock()
	})
	word := "nguyen van"
	for i := 1; i <= len(word); i++ {
		sr.SetQuery(word[:i])
		time.Sleep(5 * time.Millisecond)
	}
	end := time.Now().Add(5 * time.Second)
	for {
		time.Sleep(150 * time.Millisecond)
		mu.Lock()
		done := len(shown) > 0 && shown[len(shown)-1] == word
		mu.Unlock()
		if done || time.Now().After(end) {
			break
		}
	}
	time.Sleep(150 * time.Millisecond) // nothing may follow the last query's results
	mu.Lock()
	defer mu.Unlock()
	if len(shown) == 0 || shown[len(shown)-1] != word {
		t.Fatalf("results shown answered %q; the last must answer %q", shown, word)
	}
	for i := 1; i < len(shown); i++ {
		if len(shown[i]) <= len(shown[i-1]) {
			t.Fatalf("results shown answered %q: an older query's results came after a newer one's", shown)
		}
	}
	if n := slow.count(); n >= len(word) {
		t.Errorf("%d searches for %d keystrokes: the burst was not coalesced", n, len(word))
	}
}

func TestSearch_NoMatchSaysSo(t *testing.T) {
	s := mustStore(t, 50)
	sr := NewSearch(mustTr(t), s, Now)
	ch := changes(sr)
	sr.SetQuery("zzzqqq")
	waitChange(t, ch)
	if res, _ := sr.Results(); len(res) != 0 || !strings.Contains(sr.Message(), "zzzqqq") {
		t.Fatalf("results %v, message %q", res, sr.Message())
	}
}

type slowSearcher struct {
	s     Searcher
	delay time.Duration
	mu    sync.Mutex
	n     int
}

func (x *slowSearcher) Search(q string, limit int) ([]storage.Hit, error) {
	x.mu.Lock()
	x.n++
	x.mu.Unlock()
	time.Sleep(x.delay)
	return x.s.Search(q, limit)
}

func (x *slowSearcher) count() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.n
}
