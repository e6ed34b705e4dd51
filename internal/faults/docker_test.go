package faults

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/pgtemp"
)

// TestContainerHealthChecksFollowTheAddress runs the health-check commands of the
// Dockerfile and of docker-compose.yml, as the container's shell would, against a
// server on a port that is not 8080: each passes with SURVEY_ADDR naming that
// port, and fails with SURVEY_ADDR naming another (so 8080 is at most the
// default for an empty SURVEY_ADDR, not a fixed port).
func TestContainerHealthChecksFollowTheAddress(t *testing.T) {
	if _, err := exec.LookPath("wget"); err != nil {
		t.Skip("wget is not installed: it is what the image's health checks run (busybox's, in Alpine)")
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	dockerfile, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	compose, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]string{}
	// HEALTHCHECK [options] CMD command, over continued lines.
	joined := strings.ReplaceAll(string(dockerfile), "\\\n", " ")
	if m := regexp.MustCompile(`(?m)^HEALTHCHECK .*?\bCMD (.+)$`).FindStringSubmatch(joined); m != nil {
		checks["Dockerfile"] = strings.TrimSpace(m[1])
	}
	// test: ["CMD-SHELL", "..."], a JSON array; $$ is compose's escape for $.
	for _, m := range regexp.MustCompile(`(?m)^\s*test: (\["CMD-SHELL", .*wget.*\])$`).FindAllStringSubmatch(string(compose), -1) {
		var test []string
		if err := json.Unmarshal([]byte(m[1]), &test); err != nil || len(test) != 2 {
			t.Fatalf("docker-compose.yml: health check %s: %v", m[1], err)
		}
		checks[fmt.Sprintf("docker-compose.yml #%d", len(checks))] = strings.ReplaceAll(test[1], "$$", "$")
	}
	if len(checks) != 2 {
		t.Fatalf("found the health checks %q, want the Dockerfile's and the API's in docker-compose.yml", checks)
	}

	srv := startServer(t, dbtest.SQLite(t).URL)
	port := strings.TrimPrefix(srv.base, "http://127.0.0.1:")
	other, err := pgtemp.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	for name, check := range checks {
		for _, addr := range []string{":" + port, "0.0.0.0:" + port, fmt.Sprintf(":%d", other)} {
			cmd := exec.Command("/bin/sh", "-c", check)
			cmd.Env = append(os.Environ(), "SURVEY_ADDR="+addr)
			out, err := cmd.CombinedOutput()
			if want := strings.HasSuffix(addr, ":"+port); (err == nil) != want {
				t.Errorf("%s with SURVEY_ADDR=%s: %v %s, want it to pass: %v", name, addr, err, out, want)
			}
		}
	}
}
