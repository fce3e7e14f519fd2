package main

import (
	"context"
	"flag"
	"io"

	wabiserver "github.com/wabihq/wabi/internal/server"
)

// serve runs the server until ctx ends. (The package is imported as wabiserver:
// the tests name a wabi process server.)
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv)
	if err != nil {
		return err
	}
	cfg.Version = versionString()
	cfg.Banner, cfg.Log = stdout, stderr
	s, err := wabiserver.Start(ctx, cfg)
	if err != nil {
		return err
	}
	return s.Wait()
}

// parseConfig reads wabi serve's flags, then the environment, then defaults.
func parseConfig(args []string, getenv func(string) string) (*wabiserver.Config, error) {
	fs := flag.NewFlagSet("wabi serve", flag.ContinueOnError)
	build := wabiserver.Bind(fs, getenv)
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	return build()
}
