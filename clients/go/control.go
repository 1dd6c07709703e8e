package redbeat

import (
	"bytes"
	"context"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/rdb"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/wire"
)

// Delete removes the entry from the schedule and deletes its hash, its label
// index members and its run history, together. It reports whether the entry existed. The name stays in the statics set if
// it came from beat_schedule, as with upstream's delete.
func (c *Client) Delete(ctx context.Context, name string) (bool, error) {
	key, err := c.entryKey(name)
	if err != nil {
		return false, err
	}
	return c.rdb.Delete(ctx, key)
}

// Disable sets the entry's "enabled" to false and changes nothing else: beat
// loads it and sends nothing.
func (c *Client) Disable(ctx context.Context, name string) error {
	return c.modify(ctx, name, func(e *Entry, def []byte, _ meta, u *rdb.Change) error {
		var err error
		u.Definition, err = withEnabled(def, false)
		return err
	})
}

// Enable sets the entry's "enabled" to true and re-scores it from its stored
// last run (its extensions applied), so a run missed while disabled is due at once.
func (c *Client) Enable(ctx context.Context, name string) error {
	return c.modify(ctx, name, func(e *Entry, def []byte, m meta, u *rdb.Change) error {
		var err error
		if u.Definition, err = withEnabled(def, true); err != nil {
			return err
		}
		score, err := scoreFor(e.Schedule, m, c.env(), rulesOf(e.Name, e.Extensions))
		if err != nil {
			return prefixed(err, "schedule")
		}
		u.Score = &score
		return nil
	})
}

// RunNow makes the next tick send the task: meta's last_run_at becomes null
// (total_run_count is kept) and the score becomes now.
func (c *Client) RunNow(ctx context.Context, name string) error {
	return c.modify(ctx, name, func(e *Entry, _ []byte, m meta, u *rdb.Change) error {
		var err error
		if u.Meta, err = encodeMeta(zeroTime, m.count); err != nil {
			return err
		}
		score := floorSeconds(c.now())
		u.Score = &score
		return nil
	})
}

// modify is a read-modify-write of one existing entry: change fills in the
// update from the stored entry, which is written only if neither field changed
// in between (otherwise it is recomputed from the new values).
func (c *Client) modify(ctx context.Context, name string, change func(e *Entry, def []byte, m meta, u *rdb.Change) error) error {
	key, err := c.entryKey(name)
	if err != nil {
		return err
	}
	f, err := c.rdb.Load(ctx, key)
	if err != nil {
		return err
	}
	for range maxAttempts {
		e, err := c.entryFrom(name, key, f)
		if err != nil {
			return err
		}
		m, _ := decodeMeta([]byte(f.Meta.Value), f.Meta.Present) // checked by entryFrom
		var u rdb.Change
		if err := change(e, []byte(f.Definition.Value), m, &u); err != nil {
			return err
		}
		applied, now, err := c.rdb.Update(ctx, key, f, u)
		if err != nil || applied {
			return err
		}
		f = now
	}
	return &ConflictError{Key: key}
}

// withEnabled rewrites a stored definition with "enabled" set, keeping every
// other member's bytes and the member order (so only "enabled" changes).
func withEnabled(def []byte, enabled bool) ([]byte, error) {
	ms, err := wire.Members(def)
	if err != nil {
		return nil, &ValidationError{Path: "definition", Reason: err.Error()}
	}
	val := []byte("false")
	if enabled {
		val = []byte("true")
	}
	out := make([]byte, 0, len(def)+8)
	out = append(out, '{')
	found := false
	for i, m := range ms {
		if i > 0 {
			out = append(out, ", "...)
		}
		out, _ = wire.AppendString(out, m.Key)
		out = append(out, ": "...)
		if m.Key == "enabled" {
			out = append(out, val...)
			found = true
		} else {
			out = append(out, bytes.TrimSpace(m.Value)...)
		}
	}
	if !found {
		if len(ms) > 0 {
			out = append(out, ", "...)
		}
		out = append(out, `"enabled": `...)
		out = append(out, val...)
	}
	return append(out, '}'), nil
}
