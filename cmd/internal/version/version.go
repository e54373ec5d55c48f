// Package version is the release of communekit a binary was built from, as
// `communekit --version`, `kitctl --version` and `districtd --version`
// print it.
//
// `make dist` sets it at link time from `git describe --tags`:
//
//	go build -ldflags "-X github.com/communekit/communekit/cmd/internal/version.version=0.1.0"
//
// A tag v0.1.0 gives "0.1.0"; commits after it "0.1.0-3-g1a2b3c4"; a
// repository without a release tag "0.0.0-<date>-<commit>" (the commit's
// date, YYYYMMDD); uncommitted changes add "-dirty". A plain `go build`
// falls back to the same "0.0.0-<date>-<commit>" form from the commit Go
// records in the binary, and to "0.0.0-dev" where there is none.
package version

import (
	"runtime/debug"
	"strings"
	"time"
)

// version is set by the linker (-X); empty in a plain `go build`.
var version string

// String is the binary's version, without a leading "v".
func String() string {
	if v := strings.TrimSpace(version); v != "" {
		return strings.TrimPrefix(v, "v")
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "0.0.0-dev"
	}
	return fromBuildSettings(info.Settings)
}

// fromBuildSettings makes "0.0.0-<date>-<commit>" from the VCS settings Go
// records in a binary built inside a git checkout.
func fromBuildSettings(settings []debug.BuildSetting) string {
	var rev, when string
	dirty := false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "0.0.0-dev"
	}
	if len(rev) > 7 {
		rev = rev[:7]
	}
	date := "00000000"
	if t, err := time.Parse(time.RFC3339, when); err == nil {
		date = t.UTC().Format("20060102")
	}
	v := "0.0.0-" + date + "-" + rev
	if dirty {
		v += "-dirty"
	}
	return v
}
