package main

import (
	"context"
	"strings"
	"testing"
)

// runCLI runs wabi's command line with an empty environment and returns what it
// printed on stdout and stderr.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut strings.Builder
	err = run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestHelp: every way of asking for help lists every command and succeeds.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"-help"}} {
		out, errOut, err := runCLI(t, args...)
		if err != nil {
			t.Errorf("%v: %v", args, err)
		}
		for _, cmd := range []string{"serve", "listen", "bench", "version", "help"} {
			if !strings.Contains(out, "\n  "+cmd+" ") {
				t.Errorf("%v: help does not list %s:\n%s", args, cmd, out)
			}
		}
		if errOut != "" {
			t.Errorf("%v: stderr %q", args, errOut)
		}
	}
}

// TestCommandHelp: "wabi serve -h" and "wabi help listen" print that command's
// flags on stdout and succeed.
func TestCommandHelp(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"serve", "-h"}, []string{"Usage: wabi serve", "-addr", "WABI_DATA"}},
		{[]string{"-addr", "x", "--help"}, []string{"Usage: wabi serve", "-log-level"}},
		{[]string{"bench", "--help"}, []string{"Usage: wabi bench", "-concurrency"}},
		{[]string{"listen", "-h"}, []string{"Usage: wabi listen", "-verify-token", "-subscribe", "-status"}},
		{[]string{"help", "listen"}, []string{"Usage: wabi listen", "-secret"}},
	}
	for _, tt := range tests {
		out, errOut, err := runCLI(t, tt.args...)
		if err != nil || errOut != "" {
			t.Errorf("%v: err %v, stderr %q", tt.args, err, errOut)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: %q missing from\n%s", tt.args, w, out)
			}
		}
	}
}

// TestFlagErrorsOnce: a bad flag is one error that names the flag and shows the
// command's usage; the flag package prints nothing of its own, so main prints
// the message once.
func TestFlagErrorsOnce(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"-nope"}, []string{"flag provided but not defined: -nope", "Usage: wabi serve", "-addr"}},
		{[]string{"serve", "extra"}, []string{"unexpected arguments: extra", "Usage: wabi serve"}},
		{[]string{"bench", "-rate", "fast"}, []string{`invalid value "fast" for flag -rate`, "Usage: wabi bench"}},
		{[]string{"listen", "-delay"}, []string{"flag needs an argument: -delay", "Usage: wabi listen"}},
		{[]string{"listen", "-status", "700"}, []string{"-status must be an HTTP status"}},
		{[]string{"frobnicate"}, []string{`unknown command "frobnicate"`, "Commands:"}},
	}
	for _, tt := range tests {
		out, errOut, err := runCLI(t, tt.args...)
		if err == nil {
			t.Errorf("%v: accepted", tt.args)
			continue
		}
		for _, w := range tt.want {
			if strings.Count(err.Error(), w) != 1 {
				t.Errorf("%v: error should hold %q once:\n%v", tt.args, w, err)
			}
		}
		if out != "" || errOut != "" {
			t.Errorf("%v: printed stdout %q stderr %q besides the error", tt.args, out, errOut)
		}
	}
}

// TestUnknownCommandIsNotServe: a mistyped command is an error, not a server.
func TestUnknownCommandIsNotServe(t *testing.T) {
	_, _, err := runCLI(t, "serv")
	if err == nil || !strings.Contains(err.Error(), `unknown command "serv"`) {
		t.Fatalf("got %v", err)
	}
	_, _, err = runCLI(t, "version", "extra")
	if err == nil {
		t.Fatal("version with arguments accepted")
	}
}
