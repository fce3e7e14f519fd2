package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// run is wabi's whole command line: a subcommand and its flags. No subcommand
// means serve.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help":
			cmd, args = "help", args[1:]
		case "-version", "--version":
			cmd, args = "version", args[1:]
		default:
			if !strings.HasPrefix(args[0], "-") {
				cmd, args = args[0], args[1:]
			}
		}
	}
	err := dispatch(ctx, cmd, args, getenv, stdout, stderr)
	// -h is a request, not a mistake: the usage goes to stdout and wabi exits 0.
	var help *helpRequest
	if errors.As(err, &help) {
		fmt.Fprint(stdout, help.usage)
		return nil
	}
	return err
}

// dispatch runs one subcommand.
func dispatch(ctx context.Context, cmd string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "listen":
		return listen(ctx, args, getenv, stdout, stderr)
	case "bench":
		return bench(ctx, args, getenv, stdout, stderr)
	case "health":
		return health(ctx, args, getenv, stdout, stderr)
	case "admin-key":
		return adminKey(ctx, args, getenv, stdout, stderr)
	case "version":
		return printVersion(args, stdout)
	case "help":
		// "wabi help serve" is "wabi serve -h".
		if len(args) > 0 && args[0] != "help" && args[0] != "version" {
			return dispatch(ctx, args[0], []string{"-h"}, getenv, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
}

const usage = `Usage: wabi [command] [flags]

Commands:
  serve     run the server (the default)
  listen    receive webhooks: answer the handshake, check signatures, print bodies
  bench     load a running wabi with text sends and report throughput and latency
  health    check that a running wabi answers (exit status 0 if it does, 1 if not)
  admin-key print the control API's admin key (WABI_ADMIN_KEY, or the one wabi made)
  version   print the version, the commit and its date
  help      print this help, or a command's flags ("wabi help serve")

Run "wabi <command> -h" for a command's flags.
`

// helpRequest is what parsing -h returns: the usage to print, on stdout, before
// exiting with success.
type helpRequest struct{ usage string }

func (h *helpRequest) Error() string { return "help requested" }

// parseFlags parses a subcommand's flags. The flag package prints nothing: a
// mistake comes back as one error that carries the command's usage, which main
// prints once, and -h comes back as a *helpRequest.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if err == nil {
		if fs.NArg() > 0 {
			return fmt.Errorf("unexpected arguments: %s\n\n%s", strings.Join(fs.Args(), " "), flagUsage(fs))
		}
		return nil
	}
	if errors.Is(err, flag.ErrHelp) {
		return &helpRequest{usage: flagUsage(fs)}
	}
	return fmt.Errorf("%w\n\n%s", err, flagUsage(fs))
}

// flagUsage is a subcommand's usage: its name and every flag with its help.
func flagUsage(fs *flag.FlagSet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s [flags]\n\nFlags:\n", fs.Name())
	out := fs.Output()
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(out)
	return b.String()
}
