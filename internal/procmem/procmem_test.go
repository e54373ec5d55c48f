package procmem

import (
	"runtime"
	"testing"
)

func TestParse(t *testing.T) {
	s := parse("Name:\tkitctl\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nRssAnon:\t   81920 kB\nRssFile:\t   20480 kB\nVmSwap:\t bad kB\n")
	want := Status{RSS: 100 << 20, Peak: 200 << 20, Anon: 80 << 20, File: 20 << 20}
	if s != want {
		t.Fatalf("%+v, want %+v", s, want)
	}
	if s := parse("garbage\n\n:\n"); s != (Status{}) {
		t.Fatalf("garbage: %+v", s)
	}
}

func TestRead_ThisProcess(t *testing.T) {
	s := Read()
	if runtime.GOOS != "linux" {
		t.Skip("no /proc/self/status here")
	}
	if s.RSS <= 0 || s.Peak < s.RSS || s.Anon <= 0 {
		t.Fatalf("%+v", s)
	}
}
