package main

import (
	"cmp"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// These are set at link time by "make release":
//
//	-ldflags "-X main.version=v0.3.0 -X main.commit=<revision> -X main.date=<commit time>"
//
// version is what "git describe --tags --always --dirty" says, commit the full
// revision and date the commit's time in RFC 3339 (the commit's, not the
// build's, so that two builds of one commit are the same binary). Any left
// empty is read from the build information instead.
var (
	version string
	commit  string
	date    string
)

// buildStamp is what a wabi binary knows of the source it was built from.
type buildStamp struct {
	// Version is a release ("v0.3.0"), a "git describe" between releases
	// ("v0.3.0-4-g1a2b3c4-dirty"), a Go module version ("v0.3.0" or a
	// pseudo-version from "go install"), or "devel" when nothing says.
	Version string
	// Commit is the VCS revision, "" when unknown.
	Commit string
	// Date is the commit's time in RFC 3339, "" when unknown.
	Date string
	// Dirty reports a build from a checkout with uncommitted changes.
	Dirty bool
}

// currentStamp is this binary's build stamp: the link-time values, each
// falling back to the build information Go records.
func currentStamp() buildStamp {
	bi, _ := debug.ReadBuildInfo()
	return stampOf(version, commit, date, bi)
}

// stampOf combines link-time values (any may be empty) with build
// information (which may be nil). A value set at link time wins; the build
// information's module version, vcs.revision, vcs.time and vcs.modified fill
// the rest, and a pseudo-version's revision and time stand in for a build
// from the module cache ("go install ...@latest"), which has no VCS settings.
func stampOf(version, commit, date string, bi *debug.BuildInfo) buildStamp {
	s := buildStamp{Version: version, Commit: commit, Date: date}
	var modified bool
	if bi != nil {
		if s.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			s.Version = bi.Main.Version
		}
		for _, b := range bi.Settings {
			switch b.Key {
			case "vcs.revision":
				s.Commit = cmp.Or(s.Commit, b.Value)
			case "vcs.time":
				s.Date = cmp.Or(s.Date, b.Value)
			case "vcs.modified":
				modified = b.Value == "true"
			}
		}
		if rev, at, ok := pseudoVersion(bi.Main.Version); ok {
			s.Commit = cmp.Or(s.Commit, rev)
			s.Date = cmp.Or(s.Date, at)
		}
	}
	if s.Version == "" {
		s.Version = "devel"
	}
	// "git describe --dirty" ends in -dirty; Go's own stamp in +dirty.
	s.Dirty = modified || strings.HasSuffix(s.Version, "-dirty") || strings.HasSuffix(s.Version, "+dirty")
	return s
}

// pseudoRE matches the end of a Go pseudo-version: the commit's UTC time as
// yyyymmddhhmmss and the first 12 hex digits of its revision, as in
// v0.0.0-20261206082235-f367a5b0c1d2 or v0.3.1-0.20261206082235-f367a5b0c1d2.
var pseudoRE = regexp.MustCompile(`[-.](\d{14})-([0-9a-f]{12})(\+incompatible)?(\+dirty)?$`)

// pseudoVersion returns the revision and commit time (RFC 3339) a Go
// pseudo-version names, and false for any other version.
func pseudoVersion(v string) (rev, at string, ok bool) {
	m := pseudoRE.FindStringSubmatch(v)
	if m == nil {
		return "", "", false
	}
	t, err := time.Parse("20060102150405", m[1])
	if err != nil {
		return "", "", false
	}
	return m[2], t.UTC().Format(time.RFC3339), true
}

// short is the stamp in a few words, for the serve banner: the version, and
// for a development build the first 12 hex digits of the revision it came
// from, with -dirty when the checkout had changes.
func (s buildStamp) short() string {
	if s.Version != "devel" || s.Commit == "" {
		return s.Version
	}
	v := "devel " + s.Commit[:min(len(s.Commit), 12)]
	if s.Dirty {
		v += "-dirty"
	}
	return v
}

// long is what "wabi version" prints: the version on the first line, as
// "wabi v0.3.0", then the full revision, the commit's date and the Go
// toolchain and platform, one per line.
func (s buildStamp) long() string {
	rev, at := s.Commit, s.Date
	if rev == "" {
		rev = "unknown"
	} else if s.Dirty {
		rev += " (modified)"
	}
	if at == "" {
		at = "unknown"
	}
	return fmt.Sprintf("wabi %s\ncommit %s\ndate   %s\ngo     %s %s/%s\n",
		s.Version, rev, at, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// versionString is the version the serve banner names.
func versionString() string {
	return currentStamp().short()
}

// printVersion is "wabi version".
func printVersion(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("wabi version takes no arguments, not %q", strings.Join(args, " "))
	}
	_, err := io.WriteString(stdout, currentStamp().long())
	return err
}
