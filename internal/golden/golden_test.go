package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps failures instead of failing the real test.
// Fatalf ends the call by panicking with fatalSignal, which run recovers.
type recorder struct {
	testing.TB
	failures []string
	fatal    bool
}

type fatalSignal struct{}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
	r.fatal = true
	panic(fatalSignal{})
}

// run calls Assert against a recorder and returns it.
func run(t *testing.T, path string, got []byte) *recorder {
	t.Helper()
	r := &recorder{TB: t}
	func() {
		defer func() {
			if v := recover(); v != nil {
				if _, ok := v.(fatalSignal); !ok {
					panic(v)
				}
			}
		}()
		Assert(r, path, got)
	}()
	return r
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestAssert(t *testing.T) {
	dir := t.TempDir()
	pretty := "{\n  \"b\": \"caf\\u00e9\",\n  \"a\": [\n    1,\n    2\n  ]\n}\n"
	mustWrite(t, filepath.Join(dir, "same.json"), pretty)
	mustWrite(t, filepath.Join(dir, "plain.txt"), "hello\n")

	tests := []struct {
		name      string
		file      string
		got       string
		wantFail  string // substring of the failure, "" for a pass
		wantFatal bool
	}{
		{"compact JSON matches its pretty file", "same.json", `{"b":"caf\u00e9","a":[1,2]}`, "", false},
		{"key order matters", "same.json", `{"a":[1,2],"b":"caf\u00e9"}`, "-want +got", false},
		{"a changed value is shown as a diff", "same.json", `{"b":"cafe","a":[1,2]}`,
			"-   \"b\": \"caf\\u00e9\",\n+   \"b\": \"cafe\",", false},
		{"non-JSON is compared as is", "plain.txt", "hello\n", "", false},
		{"non-JSON mismatch", "plain.txt", "hullo\n", "- hello\n+ hullo", false},
		{"missing file says how to create it", "missing.json", `{}`, "run the test with -update", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, filepath.Join(dir, tt.file), []byte(tt.got))
			if tt.wantFail == "" {
				if len(r.failures) > 0 {
					t.Fatalf("Assert failed: %s", r.failures)
				}
				return
			}
			if len(r.failures) != 1 || !strings.Contains(r.failures[0], tt.wantFail) {
				t.Fatalf("failures = %q, want one containing %q", r.failures, tt.wantFail)
			}
			if r.fatal != tt.wantFatal {
				t.Errorf("fatal = %v, want %v", r.fatal, tt.wantFatal)
			}
		})
	}
}

func TestAssertUpdateWritesFile(t *testing.T) {
	old := *update
	*update = true
	t.Cleanup(func() { *update = old })

	path := filepath.Join(t.TempDir(), "new", "dir", "out.json")
	if r := run(t, path, []byte(`{"x":1}`)); len(r.failures) > 0 {
		t.Fatalf("Assert -update failed: %s", r.failures)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"x\": 1\n}\n"; string(b) != want {
		t.Errorf("file = %q, want %q", b, want)
	}

	*update = false
	if r := run(t, path, []byte(`{"x": 1}`)); len(r.failures) > 0 {
		t.Errorf("the written file does not match its own input: %s", r.failures)
	}
}

func TestDiff(t *testing.T) {
	lines := func(from, to int) []string {
		var s []string
		for i := from; i <= to; i++ {
			s = append(s, fmt.Sprint("line ", i))
		}
		return s
	}
	want := strings.Join(lines(1, 20), "\n")
	got := strings.Replace(want, "line 10", "line ten", 1)
	d := Diff(want, got)
	wantDiff := "  ...\n  line 7\n  line 8\n  line 9\n- line 10\n+ line ten\n  line 11\n  line 12\n  line 13\n  ...\n"
	if d != wantDiff {
		t.Errorf("Diff =\n%s\nwant\n%s", d, wantDiff)
	}
	if d := Diff("a\nb", "a\nb\nc"); d != "  a\n  b\n+ c\n" {
		t.Errorf("Diff of an added line = %q", d)
	}
}
