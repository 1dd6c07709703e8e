package redbeat

import (
	"context"
	"errors"
	"iter"
	"strconv"
	"unicode/utf8"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/rdb"
)

// listBatch is how many entries List loads per round trip.
const listBatch = 100

// Get reads the entry named name with its run state and score. It returns a
// *NotFoundError (errors.Is(err, ErrNotFound)) when there is no entry, and a
// *CorruptEntryError (ErrCorrupt) when upstream could not load it either.
func (c *Client) Get(ctx context.Context, name string) (*Entry, error) {
	key, err := c.entryKey(name)
	if err != nil {
		return nil, err
	}
	f, err := c.rdb.Load(ctx, key)
	if err != nil {
		return nil, err
	}
	return c.entryFrom(name, key, f)
}

// entryFrom reads an entry from its stored fields: the definition and meta as
// upstream reads them, the extensions field by the extension profile.
func (c *Client) entryFrom(name, key string, f rdb.Fields) (*Entry, error) {
	def, hasMeta, metaRaw := f.Definition.Value, f.Meta.Present, f.Meta.Value
	// Upstream treats an empty definition like a missing hash.
	if !f.Definition.Present || def == "" {
		return nil, &NotFoundError{Name: name, Key: key}
	}
	if err := checkStored("definition", def); err != nil {
		return nil, storedError(key, err)
	}
	if err := checkStored("meta", metaRaw); err != nil {
		return nil, storedError(key, err)
	}
	e, err := decodeEntry(name, []byte(def), []byte(metaRaw), hasMeta)
	if err != nil {
		return nil, storedError(key, err)
	}
	if f.Extensions.Present {
		if err := checkStored("extensions", f.Extensions.Value); err != nil {
			return nil, storedError(key, err)
		}
		// A reader cannot honour rules it cannot read: such an entry is corrupt.
		if err := e.UnmarshalExtensions([]byte(f.Extensions.Value)); err != nil {
			return nil, storedError(key, err)
		}
	}
	e.Score = f.Score
	return e, nil
}

// List yields every entry of the schedule sorted set, in score order. An entry
// that cannot be read yields its error and the listing goes on: a
// *CorruptEntryError, or a *NotFoundError for a member whose hash is gone (beat
// drops such members). A Redis error ends the listing.
func (c *Client) List(ctx context.Context) iter.Seq2[*Entry, error] {
	return func(yield func(*Entry, error) bool) {
		members, err := c.rdb.Members(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		for start := 0; start < len(members); start += listBatch {
			// A member outside the prefix is not ours to read (on a cluster it would sit in another slot).
			var batch []string
			for _, key := range members[start:min(start+listBatch, len(members))] {
				if _, ok := c.keys.Name(key); ok {
					batch = append(batch, key)
				}
			}
			if len(batch) == 0 {
				continue
			}
			fields, err := c.rdb.LoadMany(ctx, batch)
			if err != nil {
				yield(nil, err)
				return
			}
			for i, key := range batch {
				name, _ := c.keys.Name(key)
				f := fields[i]
				e, err := c.entryFrom(name, key, f)
				if !yield(e, err) {
					return
				}
			}
		}
	}
}

// storedError reports a stored value the client cannot take: unsupported (upstream
// reads it but this client cannot evaluate it) or corrupt (upstream cannot either).
func storedError(key string, err error) error {
	var ue *UnsupportedError
	if errors.As(err, &ue) {
		return &UnsupportedError{Path: key + ": " + ue.Path, Feature: ue.Feature}
	}
	path, reason := pathAndReason(err)
	return &CorruptEntryError{Key: key, Path: path, Reason: reason}
}

// pathAndReason is what a ValidationError or UnsupportedError says: the field
// and what is wrong with it; any other error has no path.
func pathAndReason(err error) (path, reason string) {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Path, ve.Reason
	}
	var ue *UnsupportedError
	if errors.As(err, &ue) {
		return ue.Path, "unsupported: " + ue.Feature
	}
	return "", err.Error()
}

// maxDepth is how deep a stored field's JSON may nest (schema/README.md,
// "Limits"); every reader refuses deeper values by the same rule.
const maxDepth = 128

// checkStored refuses a stored field that is not UTF-8 (encoding/json would
// replace the bad bytes with U+FFFD and read it) or that nests deeper than
// maxDepth, as the Python and TypeScript readers do.
func checkStored(field, raw string) error {
	if !utf8.ValidString(raw) {
		return &ValidationError{Path: field, Reason: "not valid UTF-8"}
	}
	depth, inString, escaped := 0, false, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case inString:
			if escaped {
				escaped = false
			} else if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			if depth > maxDepth {
				return &ValidationError{Path: field, Reason: "JSON nested deeper than " + strconv.Itoa(maxDepth) + " levels"}
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return nil
}
