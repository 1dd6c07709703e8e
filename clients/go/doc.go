// Package redbeat manages the entries of a RedBeat schedule (celery-redbeat's
// Celery Beat schedule in Redis) from Go, byte-compatible with upstream
// celery-redbeat 2.4: entries this package writes are loaded and fired by
// upstream's beat, and entries upstream writes are read here.
//
// A Client wraps any go-redis UniversalClient (single node, sentinel, or
// cluster with a hash-tagged key prefix). Save, SaveMany, Get, List, Delete,
// Enable, Disable and RunNow have the meaning schema/README.md gives them;
// every write is atomic per entry. NextRuns previews when a Celery 5.7 beat
// fires a schedule.
//
// The wire contract lives in the repository's schema/ folder; the tests prove
// the Go types against it, against upstream's own Redis dumps, and against
// upstream's beat itself.
package redbeat
