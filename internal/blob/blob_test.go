package blob

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

func mustOpen(t testing.TB) (*Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "blobs")
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s, dir
}

func mustPut(t testing.TB, s *Store, data []byte) wabi.Blob {
	t.Helper()
	b, err := s.Put(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	return b
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// files lists every regular file under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	return out
}

func readAll(t *testing.T, s *Store, digest string) []byte {
	t.Helper()
	rc, err := s.Open(digest)
	if err != nil {
		t.Fatalf("Open(%s): %v", digest, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return data
}

func TestRoundTrip(t *testing.T) {
	s, dir := mustOpen(t)
	data := []byte("a picture of a cat")
	b := mustPut(t, s, data)
	want := digestOf(data)
	if b.SHA256 != want || b.Size != int64(len(data)) {
		t.Fatalf("Put = %+v, want sha %s size %d", b, want, len(data))
	}
	if got := readAll(t, s, b.SHA256); !bytes.Equal(got, data) {
		t.Fatalf("read back %q, want %q", got, data)
	}
	wantPath := want[0:2] + "/" + want[2:4] + "/" + want
	if got := files(t, dir); len(got) != 1 || got[0] != wantPath {
		t.Fatalf("files = %v, want [%s]", got, wantPath)
	}
	fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(wantPath)))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, want 0700", di.Mode().Perm())
	}

	// The reader seeks, so a range request can be served from it.
	rc, err := s.Open(b.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := rc.Seek(2, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(rc)
	if string(rest) != "picture of a cat" {
		t.Errorf("after seek read %q", rest)
	}
}

func TestEmptyBlob(t *testing.T) {
	s, _ := mustOpen(t)
	b := mustPut(t, s, nil)
	if b.SHA256 != digestOf(nil) || b.Size != 0 {
		t.Fatalf("Put(empty) = %+v", b)
	}
	if got := readAll(t, s, b.SHA256); len(got) != 0 {
		t.Fatalf("read back %q", got)
	}
}

func TestSameBytesTwiceKeepOneFile(t *testing.T) {
	s, dir := mustOpen(t)
	data := []byte("the same invoice")
	first := mustPut(t, s, data)
	second := mustPut(t, s, data)
	if first != second {
		t.Fatalf("two Puts of the same bytes gave %+v and %+v", first, second)
	}
	if got := files(t, dir); len(got) != 1 {
		t.Fatalf("files = %v, want one", got)
	}
}

func TestLimit(t *testing.T) {
	data := []byte("0123456789")
	for _, tc := range []struct {
		name string
		max  int64
		ok   bool
	}{
		{"exactly max", 10, true},
		{"above max", 11, true},
		{"one byte over", 9, false},
		{"zero limit", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, dir := mustOpen(t)
			b, err := s.Put(bytes.NewReader(data), tc.max)
			if tc.ok {
				if err != nil || b.Size != 10 {
					t.Fatalf("Put = %+v, %v; want size 10", b, err)
				}
				return
			}
			if code := wabi.ErrorCode(err); code != wabi.EMediaUpload {
				t.Fatalf("Put error %v (code %q), want %q", err, code, wabi.EMediaUpload)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(tc.max)) {
				t.Errorf("error %q does not state the limit %d", err, tc.max)
			}
			if got := files(t, dir); len(got) != 0 {
				t.Fatalf("files left behind: %v", got)
			}
		})
	}
}

// failingReader yields some bytes and then an error, like a client that
// disconnects halfway through an upload.
type failingReader struct{ sent bool }

var errDisconnected = errors.New("client went away")

func (r *failingReader) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		return copy(p, "half of a file"), nil
	}
	return 0, errDisconnected
}

func TestReaderErrorLeavesNothing(t *testing.T) {
	s, dir := mustOpen(t)
	_, err := s.Put(&failingReader{}, 1<<20)
	if !errors.Is(err, errDisconnected) {
		t.Fatalf("Put error %v, want it to wrap the reader's error", err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Fatalf("files left behind: %v", got)
	}
}

func TestOpenRemovesLeftoverTempFiles(t *testing.T) {
	s, dir := mustOpen(t)
	kept := mustPut(t, s, []byte("complete"))
	leftover := filepath.Join(dir, tmpDir, "put-123")
	if err := os.WriteFile(leftover, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}

	s2, err := Open(dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if _, err := os.Stat(leftover); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("leftover temp file still there (stat err %v)", err)
	}
	if got := readAll(t, s2, kept.SHA256); string(got) != "complete" {
		t.Fatalf("stored blob after reopen = %q", got)
	}
}

func TestBadDigestsAreNotFound(t *testing.T) {
	s, dir := mustOpen(t)
	data := []byte("secret")
	b := mustPut(t, s, data)
	// A file outside the store that a traversal would reach.
	if err := os.WriteFile(filepath.Join(filepath.Dir(dir), "x"), []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, digest := range []string{
		"",
		"../x",
		"../../x",
		strings.ToUpper(b.SHA256),
		b.SHA256[:63],
		b.SHA256 + "0",
		b.SHA256[:62] + "/.",
		strings.Repeat("g", 64),
		digestOf([]byte("never stored")),
	} {
		rc, err := s.Open(digest)
		if code := wabi.ErrorCode(err); code != wabi.ENotFound {
			if rc != nil {
				rc.Close()
			}
			t.Errorf("Open(%q) error %v (code %q), want %q", digest, err, code, wabi.ENotFound)
		}
		if err := s.Delete(digest); err != nil {
			t.Errorf("Delete(%q) = %v, want nil", digest, err)
		}
	}
	if got := readAll(t, s, b.SHA256); !bytes.Equal(got, data) {
		t.Fatalf("blob changed to %q", got)
	}
}

func TestDelete(t *testing.T) {
	s, _ := mustOpen(t)
	b := mustPut(t, s, []byte("expired media"))
	if err := s.Delete(b.SHA256); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Open(b.SHA256); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Fatalf("Open after Delete: %v, want not found", err)
	}
	if err := s.Delete(b.SHA256); err != nil {
		t.Fatalf("second Delete: %v, want nil", err)
	}
}

type walked struct {
	sha  string
	size int64
}

func walkAll(t *testing.T, s *Store) []walked {
	t.Helper()
	var got []walked
	err := s.Walk(func(sha string, size int64, mod time.Time) error {
		if mod.IsZero() {
			t.Errorf("blob %s has no modification time", sha)
		}
		got = append(got, walked{sha, size})
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return got
}

func TestWalk(t *testing.T) {
	s, dir := mustOpen(t)
	if got := walkAll(t, s); len(got) != 0 {
		t.Fatalf("empty store walked %v", got)
	}
	var want []walked
	for _, d := range []string{"one", "two!", "three", "four"} {
		b := mustPut(t, s, []byte(d))
		want = append(want, walked{b.SHA256, b.Size})
	}
	sort.Slice(want, func(i, j int) bool { return want[i].sha < want[j].sha })
	// Stray files are not blobs and must not be reported.
	if err := os.WriteFile(filepath.Join(dir, "README"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, tmpDir, "put-1"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	got := walkAll(t, s)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Walk = %v, want %v", got, want)
	}

	if err := s.Delete(want[0].sha); err != nil {
		t.Fatal(err)
	}
	if got := walkAll(t, s); len(got) != 3 {
		t.Fatalf("after Delete Walk = %v, want 3 blobs", got)
	}

	stop := errors.New("stop")
	calls := 0
	err := s.Walk(func(string, int64, time.Time) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("Walk returned %v after %d calls, want stop after 1", err, calls)
	}
}

func TestConcurrentPuts(t *testing.T) {
	s, dir := mustOpen(t)
	const workers = 8
	shared := bytes.Repeat([]byte("shared "), 1000)
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers)
	for i := range workers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			b, err := s.Put(bytes.NewReader(shared), 1<<20)
			if err == nil && b.SHA256 != digestOf(shared) {
				err = fmt.Errorf("shared Put gave %s", b.SHA256)
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			own := []byte(fmt.Sprintf("worker %d", i))
			_, err := s.Put(bytes.NewReader(own), 1<<20)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Put: %v", err)
		}
	}
	if got := len(walkAll(t, s)); got != workers+1 {
		t.Fatalf("%d blobs stored, want %d", got, workers+1)
	}
	if got := readAll(t, s, digestOf(shared)); !bytes.Equal(got, shared) {
		t.Fatal("shared blob corrupted")
	}
	if left, _ := os.ReadDir(filepath.Join(dir, tmpDir)); len(left) != 0 {
		t.Fatalf("temp files left: %d", len(left))
	}
}

func BenchmarkPut1MB(b *testing.B) {
	s, _ := mustOpen(b)
	data := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	for i := 0; b.Loop(); i++ {
		// Distinct content each time so every Put writes a new file.
		data[0], data[1], data[2] = byte(i), byte(i>>8), byte(i>>16)
		if _, err := s.Put(bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}
