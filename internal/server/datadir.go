package server

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// openDataDir makes sure wabi can keep its files in dir: it creates the
// directory if needed and writes (and removes) a file in it, so that a
// directory wabi cannot use is one clear error at start, not a database error
// later.
func openDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return dataDirError(dir, err)
	}
	f, err := os.CreateTemp(dir, ".wabi-write-check-*")
	if err != nil {
		return dataDirError(dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// dataDirError says which directory wabi cannot use, why (the system's reason:
// permission denied, not a directory, read-only file system) and how to pick
// another.
func dataDirError(dir string, err error) error {
	reason := err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		reason = pe.Err
	}
	return fmt.Errorf("data directory %s is not writable (set WABI_DATA or -data to a writable directory): %w", dir, reason)
}
