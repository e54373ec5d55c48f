package main

import "testing"

func TestClockPhrase(t *testing.T) {
	for off, want := range map[int64]string{
		3*86400 + 3600: "3 days ahead of",
		-5 * 3600:      "5h0m0s behind",
		-90 * 60:       "1h30m0s behind",
	} {
		if got := clockPhrase(off); got != want {
			t.Errorf("clockPhrase(%d) = %q, want %q", off, got, want)
		}
	}
}
