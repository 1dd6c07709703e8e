package redbeat

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/rdb"
)

// Sentinel errors, for errors.Is.
var (
	// ErrNotFound: no entry hash with a definition exists under that name.
	ErrNotFound = errors.New("redbeat: entry not found")
	// ErrCorrupt: a stored entry that upstream's reader would crash on or drop.
	ErrCorrupt = errors.New("redbeat: corrupt entry")
	// ErrUnsupported: a schedule feature this client cannot evaluate exactly as
	// upstream does; nothing is written and no preview is guessed.
	ErrUnsupported = errors.New("redbeat: unsupported")
	// ErrClusterConfig: Redis Cluster with a key prefix whose keys span slots.
	ErrClusterConfig = errors.New("redbeat: cluster needs a hash-tagged key prefix")
	// ErrConflict: an entry changed under every attempt of a write that checks
	// what it read; the *ConflictError it comes in names the entry.
	ErrConflict = errors.New("redbeat: entry changed concurrently")
	// ErrConnection: Redis could not be reached or used (refused or broken
	// connection, timeout, refused login, untrusted TLS certificate); the
	// *ConnectionError it comes in says which. Nothing is known to be written.
	ErrConnection = rdb.ErrConnection
)

// ConnectionError says what went wrong with the connection; it matches
// ErrConnection and unwraps to the underlying go-redis, net or tls error.
type ConnectionError = rdb.ConnectionError

// ValidationError is a value that cannot be written. Path names the field
// ("schedule.minute", "args[2]", "kwargs.when.timezone"), Reason what is wrong.
type ValidationError struct {
	Path   string
	Reason string
}

func (e *ValidationError) Error() string {
	return pathMessage("invalid", cmp.Or(e.Path, "entry"), e.Reason)
}

// NotFoundError names the entry that does not exist; it matches ErrNotFound.
type NotFoundError struct {
	Name string
	Key  string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("redbeat: no entry %q (key %q)", e.Name, e.Key)
}

func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// ConflictError is an entry that changed under every attempt of a write that
// checks what it read (Save, SaveMany, Enable, Disable, RunNow); the last
// attempt wrote nothing. It matches ErrConflict. The Python and TypeScript
// clients raise a ConflictError too.
type ConflictError struct {
	Key string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("redbeat: entry %q changed concurrently on every attempt; not written", e.Key)
}

func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// CorruptEntryError is a stored entry the read profile rejects; it matches
// ErrCorrupt. Path names the offending field ("definition.schedule.minute").
type CorruptEntryError struct {
	Key    string
	Path   string
	Reason string
}

func (e *CorruptEntryError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("redbeat: corrupt entry %q: %s", e.Key, e.Reason)
	}
	return fmt.Sprintf("redbeat: corrupt entry %q: %s: %s", e.Key, e.Path, e.Reason)
}

func (e *CorruptEntryError) Is(target error) bool { return target == ErrCorrupt }

// UnsupportedError names a schedule feature this client does not evaluate; it
// matches ErrUnsupported. See README "Unsupported" for the list.
type UnsupportedError struct {
	Path    string
	Feature string
}

func (e *UnsupportedError) Error() string {
	return pathMessage("unsupported", e.Path, e.Feature)
}

// pathMessage is the text of an error about a field: "redbeat: KIND PATH: DETAIL",
// or "redbeat: KIND: DETAIL" when no field is named.
func pathMessage(kind, path, detail string) string {
	if path == "" {
		return "redbeat: " + kind + ": " + detail
	}
	return "redbeat: " + kind + " " + path + ": " + detail
}

func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// prefixed returns err with prefix put in front of the path of a
// *ValidationError or *UnsupportedError; other errors pass through.
func prefixed(err error, prefix string) error {
	join := func(p string) string {
		switch {
		case p == "":
			return prefix
		case p[0] == '[' || p[0] == '.':
			return prefix + p
		default:
			return prefix + "." + p
		}
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		return &ValidationError{Path: join(ve.Path), Reason: ve.Reason}
	}
	var ue *UnsupportedError
	if errors.As(err, &ue) {
		return &UnsupportedError{Path: join(ue.Path), Feature: ue.Feature}
	}
	return err
}
