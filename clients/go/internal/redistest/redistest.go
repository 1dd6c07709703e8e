// Package redistest gives the tests real Redis deployments on loopback from
// tools/topologies, the repository's one launcher, through its command line
// (`python -m topologies up KIND` with the repository venv). No fake Redis is
// used anywhere.
//
// When redis-server or the venv is missing, tests skip, except under CI=true,
// where a missing prerequisite fails the run.
package redistest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/redis/go-redis/v9"
)

// CI reports whether a missing prerequisite must fail instead of skip.
func CI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test, or fails it under CI=true.
func Missing(tb testing.TB, what string) {
	tb.Helper()
	if CI() {
		tb.Fatalf("prerequisite missing under CI=true: %s", what)
	}
	tb.Skipf("skipped: %s", what)
}

// missing names the first prerequisite of tools/topologies that is not
// there, or returns "".
func missing() string {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return "redis-server (make redis)"
	}
	if Python() == "" {
		return "the Python venv that runs tools/topologies (make venv)"
	}
	return ""
}

// Run starts one shared "single" for a test binary's TestMain and runs the
// tests. When it cannot start *srv stays nil (tests then call Need), except
// under CI=true, where the run fails.
func Run(m *testing.M, srv **Topology) int {
	s, err := Up("single")
	if err != nil {
		if CI() {
			fmt.Fprintln(os.Stderr, "prerequisite missing under CI=true:", err)
			return 1
		}
		fmt.Fprintln(os.Stderr, "redis tests will skip:", err)
	}
	*srv = s
	code := m.Run()
	if s != nil {
		s.Close()
	}
	return code
}

// Need skips or fails the test when the shared server is missing.
func Need(tb testing.TB, s *Topology) {
	tb.Helper()
	if s == nil {
		Missing(tb, "a redis-server from tools/topologies ("+missing()+")")
	}
}

// Addr is host:port of a "single" (or a "tls" server).
func (t *Topology) Addr() string { return fmt.Sprintf("127.0.0.1:%d", t.Info.Port) }

// Client returns a go-redis client on a "single".
func (t *Topology) Client() *redis.Client { return redis.NewClient(&redis.Options{Addr: t.Addr()}) }

// URL is a "single"'s redis:// URL for database db.
func (t *Topology) URL(db int) string { return fmt.Sprintf("redis://%s/%d", t.Addr(), db) }
