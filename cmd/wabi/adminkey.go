package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/wabihq/wabi/internal/adminkey"
)

// adminKey prints the admin key a wabi on this data directory uses:
// WABI_ADMIN_KEY when set, else the key wabi made for itself in the data
// directory (internal/adminkey); with -new it replaces the latter first. In wabi's container image, which has no
// shell, "docker exec <container> wabi admin-key" is how the key is read.
func adminKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wabi admin-key", flag.ContinueOnError)
	data := fs.String("data", "", `data directory of the wabi whose key to print (env WABI_DATA, default "./wabi-data")`)
	replace := fs.Bool("new", false, "make a new key in the data directory, in place of the kept one, and print it; a running wabi uses it from its next start")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if key := getenv("WABI_ADMIN_KEY"); key != "" {
		if *replace {
			return fmt.Errorf("WABI_ADMIN_KEY is set, and wabi uses it rather than a key in the data directory: change the variable instead")
		}
		fmt.Fprintln(stdout, key)
		return nil
	}
	dir := *data
	if dir == "" {
		dir = getenv("WABI_DATA")
	}
	if dir == "" {
		dir = "./wabi-data"
	}
	if *replace {
		key, err := adminkey.Replace(dir)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, key)
		fmt.Fprintln(stderr, "wabi: a running wabi keeps its previous admin key until it starts again")
		return nil
	}
	key, err := adminkey.Read(dir)
	if err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("no admin key: WABI_ADMIN_KEY is unset and %s does not exist; wabi makes it on its first start on an address beyond loopback (on loopback the control API needs no key)", adminkey.Path(dir))
	}
	fmt.Fprintln(stdout, key)
	return nil
}
