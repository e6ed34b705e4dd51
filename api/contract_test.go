package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/api"
	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/demo"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// contractDir holds the TypeScript client typed from openapi.yaml.
const contractDir = "contract"

// TestTypedClientWalksTheDemo compiles the typed client of api/contract, whose
// types are generated from openapi.yaml, and runs it under Node against the real
// server with the demo loaded: as .dk's respondent it lists its surveys, answers
// and submits the open DNSSEC edition, revalidates published results and reads
// a trend. A contract that type-checks but does not describe the server fails
// here.
func TestTypedClientWalksTheDemo(t *testing.T) {
	tsc := filepath.Join(contractDir, "node_modules", ".bin", "tsc")
	if _, err := os.Stat(tsc); err != nil {
		t.Fatalf("api/contract is not installed (%v): run `make contract`, or `npm ci` in api/contract", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	version, err := exec.CommandContext(ctx, "node", "--version").Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	t.Logf("node %s", strings.TrimSpace(string(version)))
	// node itself runs the tools, as `npm run generate` and `tsc` would, with no
	// npm in between: the Node of PATH is the one that is tested.
	for _, args := range [][]string{
		{"node", "node_modules/openapi-typescript/bin/cli.js", "../../openapi.yaml", "--output", "gen/schema.d.ts"},
		{"node", "node_modules/typescript/bin/tsc", "-p", "."},
	} {
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Dir = contractDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		st := db.Open(t, store.Options{})
		srv := httptest.NewServer(api.New(api.Config{Store: st}))
		defer srv.Close()
		if _, err := demo.Load(ctx, st, io.Discard, srv.URL); err != nil {
			t.Fatal(err)
		}
		u, err := st.CreateUser(ctx, survey.User{Email: "front-end@dk.example.org", Role: survey.RoleRespondent, Member: "dk"})
		if err != nil {
			t.Fatal(err)
		}
		_, token, err := st.CreateToken(ctx, u.ID, "contract test", nil)
		if err != nil {
			t.Fatal(err)
		}
		answers := `{"zone_signed": true, "signed_since": 2011, "algorithm": "ecdsap256sha256", "signed_share": 71.5}`
		cmd := exec.CommandContext(ctx, "node", filepath.Join("gen", "js", "main.js"))
		cmd.Dir = contractDir
		cmd.Env = append(os.Environ(), "SURVEYD_URL="+srv.URL, "SURVEYD_TOKEN="+token, "SURVEYD_SERIES=dnssec-annual",
			"SURVEYD_ANSWERS="+answers)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("the walk failed: %v\n%s", err, stderr.String())
		}
		var w struct {
			Member      string   `json:"member"`
			Surveys     int      `json:"surveys"`
			Opened      string   `json:"opened"`
			Submitted   bool     `json:"submitted"`
			Blockers    []string `json:"blockers"`
			ResultsETag string   `json:"resultsETag"`
			Revalidated bool     `json:"revalidated"`
			TrendPoints int      `json:"trendPoints"`
		}
		if err := json.Unmarshal(out, &w); err != nil {
			t.Fatalf("the walk printed %q: %v", out, err)
		}
		t.Logf("walk: %s", out)
		if w.Member != "dk" || w.Surveys != 1 || w.Opened == "" || !w.Submitted || len(w.Blockers) != 0 {
			t.Fatalf("the walk did not answer and submit the open edition: %s", out)
		}
		if w.ResultsETag == "" || !w.Revalidated || w.TrendPoints == 0 {
			t.Fatalf("the walk did not revalidate results or read a trend: %s", out)
		}
		r, err := st.Response(ctx, mustSurvey(t, st, w.Opened), "dk")
		if err != nil || r.Status != survey.ResponseSubmitted {
			t.Fatalf("after the walk, dk's response is %v (%v)", r.Status, err)
		}
	})
}

func mustSurvey(t *testing.T, st *store.Store, id string) survey.Survey {
	t.Helper()
	sv, err := st.Survey(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return sv
}
