package version

import (
	"runtime/debug"
	"testing"
)

func TestString_FromLinker(t *testing.T) {
	old := version
	t.Cleanup(func() { version = old })
	for in, want := range map[string]string{
		"v0.1.0":                 "0.1.0",
		"v0.1.0-3-g1a2b3c4":      "0.1.0-3-g1a2b3c4",
		"0.0.0-20261207-89e5f3c": "0.0.0-20261207-89e5f3c",
		" v1.2.3-dirty\n":        "1.2.3-dirty",
	} {
		version = in
		if got := String(); got != want {
			t.Errorf("version %q: String() = %q, want %q", in, got, want)
		}
	}
}

func TestFromBuildSettings(t *testing.T) {
	s := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	for _, c := range []struct {
		settings []debug.BuildSetting
		want     string
	}{
		{s("vcs.revision", "89e5f3c0123456789abcdef", "vcs.time", "2026-12-07T03:01:02Z", "vcs.modified", "false"), "0.0.0-20261207-89e5f3c"},
		{s("vcs.revision", "89e5f3c0123456789abcdef", "vcs.time", "2026-12-06T23:30:00-05:00", "vcs.modified", "true"), "0.0.0-20261207-89e5f3c-dirty"},
		{s("GOOS", "linux"), "0.0.0-dev"},
		{nil, "0.0.0-dev"},
	} {
		if got := fromBuildSettings(c.settings); got != c.want {
			t.Errorf("fromBuildSettings(%v) = %q, want %q", c.settings, got, c.want)
		}
	}
}
