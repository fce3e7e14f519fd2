package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/scenario"
	"github.com/wabihq/wabi/internal/wabi"
)

// A scenario (-scenario FILE) is the world wabi starts with instead of the
// demo: applied on every start, through the control API and the On-Premises
// API in process, one node at a time. docs/scenarios.md describes it.

// scenarioLockWait is how long a node waits for another to finish applying
// the scenario, and how old a claim must be before a node takes it over from
// one that died.
const scenarioLockWait = 2 * time.Minute

// scenarioRetryEvery is how soon a callback URL that failed its handshake is
// tried again (then twice as long each time, up to a minute).
const scenarioRetryEvery = time.Second

// applyScenario applies a loaded scenario through h, which serves the control
// API and the On-Premises API. Nodes sharing a store take turns, so that two
// that start together do not both create the same business.
func applyScenario(ctx context.Context, s *scenario.Scenario, cfg *Config, store wabi.Store, clock wabi.Clock, h http.Handler, log *slog.Logger) (*scenario.Applier, *scenario.Result, error) {
	unlock, err := lockScenario(ctx, store, clock)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	a := &scenario.Applier{Handler: h, AdminKey: cfg.AdminKey, Logger: log}
	res, err := a.Apply(ctx, s, filepath.Base(cfg.Scenario))
	if err != nil {
		return nil, nil, fmt.Errorf("apply the scenario: %w", err)
	}
	if cfg.ScenarioOut != "" {
		if err := writeScenarioOut(cfg.ScenarioOut, res); err != nil {
			return nil, nil, err
		}
	}
	return a, res, nil
}

// scenarioHandler serves what a scenario is applied through: the control API
// and the On-Premises API, unlogged (a scenario's thousand phones are not a
// thousand requests anyone made).
func scenarioHandler(control, onprem http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", control)
	mux.Handle("/onprem/", onprem)
	return mux
}

// writeScenarioOut writes the result for CI scripts, readable by the owner
// only: it holds app secrets and tokens. It replaces the file whole.
func writeScenarioOut(path string, res *scenario.Result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write the scenario's ids (-scenario-out): %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write the scenario's ids (-scenario-out): %w", err)
	}
	return nil
}

// lockScenario claims the store's scenario record, waiting while another node
// holds it; a claim older than scenarioLockWait is a dead node's and is taken
// over. The returned function releases the claim.
func lockScenario(ctx context.Context, store wabi.Store, clock wabi.Clock) (func(), error) {
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	claim := &wabi.Record{Kind: "scenario", Key: "apply", Value: []byte(hex.EncodeToString(nonce))}
	deadline := time.Now().Add(scenarioLockWait)
	for {
		claim.UpdatedAt = clock.Now()
		err := store.SwapRecord(ctx, claim, nil)
		if wabi.ErrorCode(err) == wabi.EConflict {
			var cur *wabi.Record
			cur, err = store.Record(ctx, "", "scenario", "apply")
			switch {
			case wabi.ErrorCode(err) == wabi.ENotFound:
				continue // released meanwhile
			case err == nil && clock.Now().Sub(cur.UpdatedAt) > scenarioLockWait:
				err = store.SwapRecord(ctx, claim, cur.Value)
				if wabi.ErrorCode(err) == wabi.EConflict {
					err = errBusy
				}
			case err == nil:
				err = errBusy
			}
		}
		if err == nil {
			return func() { _ = store.DeleteRecord(context.WithoutCancel(ctx), "", "scenario", "apply") }, nil
		}
		if err != errBusy {
			return nil, fmt.Errorf("claim the scenario: %w", err)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("another node began to apply the scenario and did not finish within %s", scenarioLockWait)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// errBusy is a scenario claim another node holds.
var errBusy = fmt.Errorf("busy")

// printScenario is the banner of a wabi started with a scenario: the URLs,
// then what the scenario set up, with the ids a script needs.
func printScenario(w io.Writer, cfg *Config, links map[string]string, res *scenario.Result) {
	fmt.Fprintf(w, "wabi %s listening on %s (data in %s, scenario %s: %s)\n\n", cfg.Version, links["console"], cfg.Data, res.File, plural(len(res.Changes), "change"))
	fmt.Fprintf(w, "  Cloud API     %s\n", links["cloud_api"])
	fmt.Fprintf(w, "  On-Prem API   %s\n", links["onprem_api"])
	fmt.Fprintf(w, "  Control API   %s\n\n", links["control_api"])
	for _, b := range res.Businesses {
		fmt.Fprintf(w, "  Business %-29s %s\n", b.Name, b.ID)
		for _, waba := range b.WABAs {
			fmt.Fprintf(w, "    WABA %-31s %s\n", waba.Name, waba.ID)
			for _, n := range waba.Numbers {
				extra := ""
				if n.APIKey != "" {
					extra = "  API key " + n.APIKey
				}
				fmt.Fprintf(w, "      +%-14s %-18s %s  %s%s\n", n.PhoneNumber, n.VerifiedName, n.ID, n.PlatformType, extra)
			}
			for _, t := range waba.Templates {
				fmt.Fprintf(w, "      template %s %s  %s\n", t.Name, t.Language, t.Status)
			}
		}
		for _, a := range b.Apps {
			fmt.Fprintf(w, "    App %-32s %s  secret %s", a.Name, a.ID, a.Secret)
			if a.Webhook != "" {
				fmt.Fprintf(w, "  webhook %s", a.Webhook)
			}
			fmt.Fprintln(w)
		}
		for _, t := range b.Tokens {
			fmt.Fprintf(w, "    Token %-30s %s\n", t.Name, t.Token)
		}
	}
	fmt.Fprintf(w, "  Virtual phones %d, faults %d\n", res.Phones, len(res.Faults))
	if cfg.ScenarioOut != "" {
		fmt.Fprintf(w, "  Ids as JSON    %s\n", cfg.ScenarioOut)
	}
	const most = 10
	for i, c := range res.Changes {
		if i == most {
			fmt.Fprintf(w, "  ... and %d more changes\n", len(res.Changes)-most)
			break
		}
		fmt.Fprintf(w, "  Changed: %s\n", c)
	}
	for _, warning := range res.Warnings {
		fmt.Fprintf(w, "  Warning: %s\n", warning)
	}
	fmt.Fprintln(w)
}

// plural writes "1 change", "3 changes", "no changes".
func plural(n int, noun string) string {
	switch n {
	case 0:
		return "no " + noun + "s"
	case 1:
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, strings.TrimSuffix(noun, "s"))
}
