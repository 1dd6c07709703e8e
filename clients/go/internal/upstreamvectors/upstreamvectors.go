// Package upstreamvectors reads upstream celery-redbeat's raw Redis records,
// which the repository owns: conformance/upstream/upstream-vectors.json,
// written by conformance/generate/upstream_dumps.py (`make upstream-dumps`).
//
// An embed directive cannot reach outside the module, so the tests read the file at
// test time, located from this source file rather than from the working
// directory, so that any package's tests find the same file.
package upstreamvectors

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// RepoPath is the file's path relative to the repository root.
const RepoPath = "conformance/upstream/upstream-vectors.json"

// Path is the file's absolute path in this checkout.
func Path() string {
	_, here, _, _ := runtime.Caller(0) // <repo>/clients/go/internal/upstreamvectors/upstreamvectors.go
	return filepath.Join(filepath.Dir(here), "..", "..", "..", "..", filepath.FromSlash(RepoPath))
}

// Read returns the file's bytes. The file is part of the repository, so a
// missing or unreadable one fails the test: it is never a reason to skip.
func Read(tb testing.TB) []byte {
	tb.Helper()
	raw, err := os.ReadFile(Path())
	if err != nil {
		tb.Fatalf("upstream vectors: %v (regenerate them: make upstream-dumps)", err)
	}
	return raw
}
