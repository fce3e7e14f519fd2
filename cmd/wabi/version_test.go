package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersion: "wabi version" and "--version" print the same stamp: the
// version on a first line of its own, then the commit, its date and the Go
// toolchain.
func TestVersion(t *testing.T) {
	a, _, err := runCLI(t, "version")
	if err != nil {
		t.Fatalf("version: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(a, "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "wabi ") || lines[0] == "wabi " ||
		!strings.HasPrefix(lines[1], "commit ") || !strings.HasPrefix(lines[2], "date ") ||
		lines[3] != "go     "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("version printed:\n%s", a)
	}
	b, _, err := runCLI(t, "--version")
	if err != nil || a != b {
		t.Errorf("--version: %q %v, version: %q", b, err, a)
	}
	if _, _, err := runCLI(t, "version", "extra"); err == nil {
		t.Error("version with arguments accepted")
	}
}

// TestStamp: values set at link time win; the build information fills what
// they leave empty, from a "go install"ed module version, a pseudo-version, or
// the VCS settings of a build in a checkout; nothing at all is "devel".
func TestStamp(t *testing.T) {
	const rev = "f367a5b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6"
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{
			{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev},
			{Key: "vcs.time", Value: "2026-12-06T08:22:35Z"}, {Key: "vcs.modified", Value: modified},
		}
	}
	devel := debug.Module{Path: "github.com/wabihq/wabi", Version: "(devel)"}
	tests := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  buildStamp
		short                 string
	}{
		{name: "make release",
			version: "v0.3.0", commit: rev, date: "2026-12-06T08:22:35Z",
			bi:    &debug.BuildInfo{Main: devel},
			want:  buildStamp{Version: "v0.3.0", Commit: rev, Date: "2026-12-06T08:22:35Z"},
			short: "v0.3.0"},
		{name: "make release from a modified checkout",
			version: "v0.3.0-4-gf367a5b-dirty", commit: rev, date: "2026-12-06T08:22:35Z",
			want:  buildStamp{Version: "v0.3.0-4-gf367a5b-dirty", Commit: rev, Date: "2026-12-06T08:22:35Z", Dirty: true},
			short: "v0.3.0-4-gf367a5b-dirty"},
		{name: "link-time version only",
			version: "v0.3.0",
			bi:      &debug.BuildInfo{Main: devel, Settings: vcs("false")},
			want:    buildStamp{Version: "v0.3.0", Commit: rev, Date: "2026-12-06T08:22:35Z"},
			short:   "v0.3.0"},
		{name: "go install of a tag",
			bi:    &debug.BuildInfo{Main: debug.Module{Version: "v0.4.1"}},
			want:  buildStamp{Version: "v0.4.1"},
			short: "v0.4.1"},
		{name: "go install of a commit",
			bi:    &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261206082235-f367a5b0c1d2"}},
			want:  buildStamp{Version: "v0.0.0-20261206082235-f367a5b0c1d2", Commit: "f367a5b0c1d2", Date: "2026-12-06T08:22:35Z"},
			short: "v0.0.0-20261206082235-f367a5b0c1d2"},
		{name: "go build in a modified checkout",
			bi: &debug.BuildInfo{Main: debug.Module{Version: "v0.3.1-0.20261206082235-f367a5b0c1d2+dirty"}, Settings: vcs("true")},
			want: buildStamp{Version: "v0.3.1-0.20261206082235-f367a5b0c1d2+dirty", Commit: rev,
				Date: "2026-12-06T08:22:35Z", Dirty: true},
			short: "v0.3.1-0.20261206082235-f367a5b0c1d2+dirty"},
		{name: "go build in a checkout without a module version",
			bi:    &debug.BuildInfo{Main: devel, Settings: vcs("true")},
			want:  buildStamp{Version: "devel", Commit: rev, Date: "2026-12-06T08:22:35Z", Dirty: true},
			short: "devel f367a5b0c1d2-dirty"},
		{name: "go run with -buildvcs=false",
			bi:    &debug.BuildInfo{Main: devel},
			want:  buildStamp{Version: "devel"},
			short: "devel"},
		{name: "no build information",
			want:  buildStamp{Version: "devel"},
			short: "devel"},
	}
	for _, tt := range tests {
		got := stampOf(tt.version, tt.commit, tt.date, tt.bi)
		if got != tt.want {
			t.Errorf("%s: stamp %+v, want %+v", tt.name, got, tt.want)
		}
		if s := got.short(); s != tt.short {
			t.Errorf("%s: short %q, want %q", tt.name, s, tt.short)
		}
	}
}

// TestStampLong: "wabi version" names the full revision, marks a modified
// checkout, and says "unknown" rather than leaving a line empty.
func TestStampLong(t *testing.T) {
	goLine := "go     " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	tests := []struct {
		s    buildStamp
		want string
	}{
		{buildStamp{Version: "v0.3.0", Commit: "f367a5b0c1d2e3f4", Date: "2026-12-06T08:22:35Z"},
			"wabi v0.3.0\ncommit f367a5b0c1d2e3f4\ndate   2026-12-06T08:22:35Z\n" + goLine},
		{buildStamp{Version: "devel", Commit: "f367a5b0c1d2e3f4", Date: "2026-12-06T08:22:35Z", Dirty: true},
			"wabi devel\ncommit f367a5b0c1d2e3f4 (modified)\ndate   2026-12-06T08:22:35Z\n" + goLine},
		{buildStamp{Version: "devel"},
			"wabi devel\ncommit unknown\ndate   unknown\n" + goLine},
	}
	for _, tt := range tests {
		if got := tt.s.long(); got != tt.want {
			t.Errorf("%+v:\n%s\nwant\n%s", tt.s, got, tt.want)
		}
	}
}

// TestPseudoVersion: the revision and time come out of each form of Go
// pseudo-version, and nothing out of a release or a "git describe".
func TestPseudoVersion(t *testing.T) {
	for _, v := range []string{
		"v0.0.0-20261206082235-f367a5b0c1d2",
		"v0.3.1-0.20261206082235-f367a5b0c1d2",
		"v0.4.0-rc.1.0.20261206082235-f367a5b0c1d2",
		"v2.0.1-0.20261206082235-f367a5b0c1d2+incompatible",
		"v0.3.1-0.20261206082235-f367a5b0c1d2+dirty",
	} {
		rev, at, ok := pseudoVersion(v)
		if !ok || rev != "f367a5b0c1d2" || at != "2026-12-06T08:22:35Z" {
			t.Errorf("pseudoVersion(%q) = %q, %q, %v", v, rev, at, ok)
		}
	}
	for _, v := range []string{"v0.3.0", "v0.3.0-4-gf367a5b", "v0.3.0-4-gf367a5b-dirty", "devel", "", "v0.0.0-20261399999999-f367a5b0c1d2"} {
		if rev, at, ok := pseudoVersion(v); ok {
			t.Errorf("pseudoVersion(%q) = %q, %q, true", v, rev, at)
		}
	}
}
