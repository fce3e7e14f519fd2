// Package golden compares test output with files under testdata/. Run a test with
// -update to rewrite the files from what the code produces now, then review the
// change with git diff like any other.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// update is the one package-level variable: a test flag must be registered before
// the test binary parses its flags, which rules out a constructor.
var update = flag.Bool("update", false, "rewrite golden files with the current output instead of comparing")

// Assert compares got with the golden file at path, or writes the file when the
// test runs with -update. JSON is pretty-printed first (two-space indent, keys in
// the order given, escapes kept as written) so that the files read well and their
// diffs point at one field; anything else is compared byte for byte.
func Assert(t testing.TB, path string, got []byte) {
	t.Helper()
	got = Format(got)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("golden: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Fatalf("golden file %s does not exist; run the test with -update to create it. Got:\n%s", path, got)
	}
	if err != nil {
		t.Fatalf("golden: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (-want +got); run with -update if the change is intended:\n%s",
			path, Diff(string(want), string(got)))
	}
}

// Format returns b indented with two spaces and ending in a newline if it is JSON,
// else b unchanged.
func Format(b []byte) []byte {
	if !json.Valid(b) {
		return b
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return b
	}
	buf.WriteByte('\n')
	return buf.Bytes()
}

// Diff returns a line diff of want and got: unchanged lines start with two spaces,
// removed lines with "- ", added lines with "+ ". Long runs of unchanged lines are
// cut to the three either side of a change.
func Diff(want, got string) string {
	a := strings.Split(want, "\n")
	b := strings.Split(got, "\n")
	ops := diffLines(a, b)

	const keep = 3
	var sb strings.Builder
	elided := false
	for i, op := range ops {
		if op.kind != ' ' {
			fmt.Fprintf(&sb, "%c %s\n", op.kind, op.line)
			elided = false
			continue
		}
		// Show an unchanged line only if a change is at most keep lines away.
		near := false
		for j := max(0, i-keep); j <= min(len(ops)-1, i+keep); j++ {
			if ops[j].kind != ' ' {
				near = true
				break
			}
		}
		switch {
		case near:
			fmt.Fprintf(&sb, "  %s\n", op.line)
			elided = false
		case !elided:
			sb.WriteString("  ...\n")
			elided = true
		}
	}
	return sb.String()
}

type diffOp struct {
	kind byte // ' ', '-' or '+'
	line string
}

// diffLines is a longest-common-subsequence diff. Golden files are small, so the
// quadratic table is fine; past a size where it would not be, the lines are shown
// as all removed and all added, which is still correct, only less helpful.
func diffLines(a, b []string) []diffOp {
	if len(a)*len(b) > 4_000_000 {
		ops := make([]diffOp, 0, len(a)+len(b))
		for _, l := range a {
			ops = append(ops, diffOp{'-', l})
		}
		for _, l := range b {
			ops = append(ops, diffOp{'+', l})
		}
		return ops
	}
	// lcs[i][j] is the length of the LCS of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			ops = append(ops, diffOp{' ', a[i]})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			ops = append(ops, diffOp{'-', a[i]})
			i++
		default:
			ops = append(ops, diffOp{'+', b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		ops = append(ops, diffOp{'-', a[i]})
	}
	for ; j < len(b); j++ {
		ops = append(ops, diffOp{'+', b[j]})
	}
	return ops
}
