package redbeat

import (
	"encoding/json"
	"time"
)

// Entry is one scheduled task: what runs (Task with Args, Kwargs and Options,
// passed to Celery's apply_async) and when (Schedule).
//
// The zero values are upstream's defaults: nil Args are stored as null, nil
// Kwargs and Options as {}, and an entry is enabled unless Disabled is set.
// Args, Kwargs and Options hold JSON data: Go maps are written with sorted keys,
// a json.RawMessage keeps its own order, and a time.Time becomes a datetime the
// task receives as a datetime. Values read back from Redis keep their number
// literals as json.Number and their datetimes as time.Time.
type Entry struct {
	Name     string
	Task     string
	Schedule Schedule
	Args     []any
	Kwargs   map[string]any
	Options  map[string]any
	Disabled bool
	// Extensions are the entry's rules upstream cannot express (its own zone,
	// a window, jitter, catch-up, labels, a description), stored beside the
	// definition; the zero value is none.
	Extensions Extensions

	// Run state, filled by Get and List; Save ignores it.

	// LastRunAt is when beat last sent the task, in the zone it was recorded in;
	// the zero time means never run (or RunNow was called): due at once.
	LastRunAt time.Time
	// TotalRunCount counts the runs beat has sent.
	TotalRunCount int
	// Score is the entry's next due time in the schedule sorted set, in epoch
	// seconds (-1: no further run); nil when the entry is not in the set.
	Score *int64
}

// MarshalJSON writes the entry's definition exactly as upstream does: name,
// task, args, kwargs, options, schedule, enabled (the run state is meta's).
// encoding/json compacts what a Marshaler returns (the same data without
// upstream's spaces); call MarshalJSON directly for upstream's bytes.
func (e Entry) MarshalJSON() ([]byte, error) {
	sched := e.Schedule
	if r, ok := sched.(RRule); ok && r.Dtstart.IsZero() {
		return nil, &ValidationError{Path: "schedule.dtstart", Reason: "must be set to encode (Save fills it from the clock)"}
	}
	return encodeDefinition(nil, &e, sched)
}

// UnmarshalJSON reads a definition as upstream's reader does (the read
// profile); the run state is not part of it and is left zero.
func (e *Entry) UnmarshalJSON(data []byte) error {
	var out Entry
	if err := decodeDefinition(data, &out); err != nil {
		return err
	}
	var named struct {
		Name *string `json:"name"`
	}
	if json.Unmarshal(data, &named) == nil && named.Name != nil {
		out.Name = *named.Name
	}
	*e = out
	return nil
}

// NextRun is the time Score stands for, or the zero time when there is none.
func (e Entry) NextRun() time.Time {
	if e.Score == nil || *e.Score < 0 {
		return time.Time{}
	}
	return time.Unix(*e.Score, 0).UTC()
}
