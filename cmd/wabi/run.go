package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// run is wabi's whole command line: a subcommand and its flags. No subcommand
// means serve.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "bench":
		return bench(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "wabi", version)
		return nil
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `Usage: wabi [command] [flags]

Commands:
  serve     run the server (the default)
  bench     load a running wabi with text sends and report throughput and latency
  version   print the version
  help      print this help

Run "wabi serve -h" or "wabi bench -h" for their flags.
`
