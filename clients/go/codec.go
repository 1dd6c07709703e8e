package redbeat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/wire"
)

// The codec turns an Entry into the two hash fields upstream writes and back.
// Writing follows the write profile (schema/write.schema.json) byte for byte;
// reading accepts the read profile (schema/read.schema.json): everything
// upstream's reader loads, and nothing it crashes on or drops.

// encodeDefinition writes the definition field: name, task, args, kwargs,
// options, schedule, enabled, in that order.
func encodeDefinition(dst []byte, e *Entry, sched Schedule) ([]byte, error) {
	if sched != nil {
		if err := sched.check(); err != nil {
			return nil, prefixed(err, "schedule")
		}
	}
	return encodeChecked(dst, e, sched)
}

// encodeChecked is encodeDefinition for a schedule already checked.
func encodeChecked(dst []byte, e *Entry, sched Schedule) ([]byte, error) {
	if err := checkName(e.Name); err != nil {
		return nil, err
	}
	if e.Task == "" {
		return nil, &ValidationError{Path: "task", Reason: "must not be empty"}
	}
	if sched == nil {
		return nil, &ValidationError{Path: "schedule", Reason: "required"}
	}
	var err error
	dst = append(dst, `{"name": `...)
	dst, _ = wire.AppendString(dst, e.Name)
	dst = append(dst, `, "task": `...)
	if dst, err = wire.AppendString(dst, e.Task); err != nil {
		return nil, fieldError("task", err)
	}
	dst = append(dst, `, "args": `...)
	if dst, err = wire.AppendValue(dst, e.Args); err != nil {
		return nil, fieldError("args", err)
	}
	dst = append(dst, `, "kwargs": `...)
	if dst, err = appendObject(dst, e.Kwargs); err != nil {
		return nil, fieldError("kwargs", err)
	}
	dst = append(dst, `, "options": `...)
	if dst, err = appendObject(dst, e.Options); err != nil {
		return nil, fieldError("options", err)
	}
	dst = append(dst, `, "schedule": `...)
	if dst, err = sched.appendJSON(dst); err != nil {
		return nil, prefixed(err, "schedule")
	}
	if e.Disabled {
		dst = append(dst, `, "enabled": false}`...)
	} else {
		dst = append(dst, `, "enabled": true}`...)
	}
	return dst, nil
}

// checkName refuses an entry name upstream could not store or find.
func checkName(name string) error {
	if name == "" {
		return &ValidationError{Path: "name", Reason: "must not be empty"}
	}
	if !utf8.ValidString(name) {
		return &ValidationError{Path: "name", Reason: "must be valid UTF-8"}
	}
	return nil
}

func appendObject(dst []byte, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(dst, "{}"...), nil
	}
	return wire.AppendValue(dst, m)
}

// fieldError turns a wire.PathError into a ValidationError under field.
func fieldError(field string, err error) error {
	var pe *wire.PathError
	if errors.As(err, &pe) {
		path := field + pe.Path
		return &ValidationError{Path: path, Reason: pe.Reason}
	}
	return &ValidationError{Path: field, Reason: err.Error()}
}

// encodeMeta writes the meta field: {"last_run_at": ...} and, when count is not
// nil, "total_run_count". A zero lastRunAt is null (never run).
func encodeMeta(lastRunAt time.Time, count *int) ([]byte, error) {
	dst := make([]byte, 0, 200)
	dst = append(dst, `{"last_run_at": `...)
	if lastRunAt.IsZero() {
		dst = append(dst, "null"...)
	} else {
		var err error
		if dst, err = wire.AppendDatetime(dst, lastRunAt); err != nil {
			return nil, fieldError("meta.last_run_at", err)
		}
	}
	if count != nil {
		dst = append(dst, `, "total_run_count": `...)
		dst = strconv.AppendInt(dst, int64(*count), 10)
	}
	return append(dst, '}'), nil
}

// meta is the decoded meta field.
type meta struct {
	present   bool      // the field exists and is not empty
	lastRunAt time.Time // zero: never run
	count     *int
}

var definitionKeys = map[string]bool{
	"name": true, "task": true, "args": true, "kwargs": true, "options": true, "schedule": true,
	"enabled": true, "last_run_at": true, "total_run_count": true, "relative": true,
}

// decodeDefinition reads a definition the way upstream's reader does. Errors
// are *ValidationError with a path below "definition" (the caller names the key).
func decodeDefinition(raw []byte, e *Entry) error {
	ms, err := wire.Members(raw)
	if err != nil {
		return &ValidationError{Path: "definition", Reason: "not a JSON object: " + err.Error()}
	}
	for _, m := range ms {
		if !definitionKeys[m.Key] {
			return &ValidationError{Path: "definition." + m.Key, Reason: "unknown field (upstream crashes on it)"}
		}
	}
	// null reads as a missing name (upstream's "None"); the key names the entry either way
	if v, ok := wire.Lookup(ms, "name"); ok && wire.Kind(v) != '"' && wire.Kind(v) != 'n' {
		return &ValidationError{Path: "definition.name", Reason: "must be a string or null"}
	}
	v, ok := wire.Lookup(ms, "task")
	if !ok || wire.Kind(v) != '"' {
		return &ValidationError{Path: "definition.task", Reason: "must be a string"}
	}
	if err := json.Unmarshal(v, &e.Task); err != nil || e.Task == "" {
		return &ValidationError{Path: "definition.task", Reason: "must be a non-empty string"}
	}
	v, ok = wire.Lookup(ms, "schedule")
	if !ok {
		return &ValidationError{Path: "definition.schedule", Reason: "required"}
	}
	if e.Schedule, err = UnmarshalSchedule(v); err != nil {
		return prefixed(err, "definition.schedule")
	}
	if err := e.Schedule.check(); err != nil {
		return prefixed(err, "definition.schedule")
	}
	if v, ok := wire.Lookup(ms, "args"); ok && wire.Kind(v) != 'n' {
		if wire.Kind(v) != '[' {
			return &ValidationError{Path: "definition.args", Reason: "must be an array or null"}
		}
		val, err := wire.DecodeValue(v)
		if err != nil {
			return fieldError("definition.args", err)
		}
		e.Args = val.([]any)
	}
	for _, f := range []struct {
		name string
		dst  *map[string]any
	}{{"kwargs", &e.Kwargs}, {"options", &e.Options}} {
		*f.dst = map[string]any{}
		v, ok := wire.Lookup(ms, f.name)
		if !ok || wire.Kind(v) == 'n' {
			continue
		}
		if wire.Kind(v) != '{' {
			return &ValidationError{Path: "definition." + f.name, Reason: "must be an object or null"}
		}
		val, err := wire.DecodeValue(v)
		if err != nil {
			return fieldError("definition."+f.name, err)
		}
		m, ok := val.(map[string]any)
		if !ok {
			return &ValidationError{Path: "definition." + f.name, Reason: "must be an object, not a datetime"}
		}
		*f.dst = m
	}
	if v, ok := wire.Lookup(ms, "enabled"); ok {
		switch string(bytes.TrimSpace(v)) {
		case "true":
		case "false", "null": // null is falsy: upstream never sends the task
			e.Disabled = true
		default:
			return &ValidationError{Path: "definition.enabled", Reason: "must be a boolean or null"}
		}
	}
	// Constructor keywords upstream applies before meta overrides them.
	if v, ok := wire.Lookup(ms, "last_run_at"); ok && wire.Kind(v) != 'n' {
		if _, err := wire.DatetimeFromRaw(v); err != nil {
			return fieldError("definition.last_run_at", err)
		}
	}
	if v, ok := wire.Lookup(ms, "total_run_count"); ok && wire.Kind(v) != 'n' { // null reads as 0
		n, err := runCount(v)
		if err != nil {
			return prefixed(err, "definition.total_run_count")
		}
		e.TotalRunCount = n
	}
	if v, ok := wire.Lookup(ms, "relative"); ok {
		if s := string(bytes.TrimSpace(v)); s != "true" && s != "false" {
			return &ValidationError{Path: "definition.relative", Reason: "must be a boolean"}
		}
	}
	return nil
}

// decodeMeta reads the meta field. Absent or empty means never run; otherwise
// last_run_at is required (upstream drops the entry without it) and no other
// key than total_run_count is allowed (upstream crashes on it).
func decodeMeta(raw []byte, present bool) (meta, error) {
	if !present || len(raw) == 0 {
		return meta{}, nil
	}
	ms, err := wire.Members(raw)
	if err != nil {
		return meta{}, &ValidationError{Path: "meta", Reason: "not a JSON object: " + err.Error()}
	}
	out := meta{present: true}
	for _, m := range ms {
		if m.Key != "last_run_at" && m.Key != "total_run_count" {
			return meta{}, &ValidationError{Path: "meta." + m.Key, Reason: "unknown field (upstream crashes on it)"}
		}
	}
	v, ok := wire.Lookup(ms, "last_run_at")
	if !ok {
		return meta{}, &ValidationError{Path: "meta.last_run_at", Reason: "required (upstream drops the entry without it)"}
	}
	if wire.Kind(v) != 'n' {
		if out.lastRunAt, err = wire.DatetimeFromRaw(v); err != nil {
			return meta{}, fieldError("meta.last_run_at", err)
		}
	}
	if v, ok := wire.Lookup(ms, "total_run_count"); ok {
		n := 0 // null reads as 0
		if wire.Kind(v) != 'n' {
			if n, err = runCount(v); err != nil {
				return meta{}, prefixed(err, "meta.total_run_count")
			}
		}
		out.count = &n
	}
	return out, nil
}

// decodeEntry reads both fields into an Entry named name.
func decodeEntry(name string, definition []byte, metaRaw []byte, metaPresent bool) (*Entry, error) {
	e := &Entry{Name: name}
	if err := decodeDefinition(definition, e); err != nil {
		return nil, err
	}
	m, err := decodeMeta(metaRaw, metaPresent)
	if err != nil {
		return nil, err
	}
	e.LastRunAt = m.lastRunAt
	if m.count != nil {
		e.TotalRunCount = *m.count
	}
	return e, nil
}

// runCount reads a stored total_run_count: an integer written as one (digits, within int64), not negative.
func runCount(raw []byte) (int, error) {
	n, err := jsonInt(raw)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, &ValidationError{Reason: fmt.Sprintf("must be >= 0, got %d", n)}
	}
	return n, nil
}
