package redbeat

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/walltime"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/wire"
)

// Interval is Celery's schedule(run_every): due Every after the last run. With
// Relative, Celery 5.7 rounds the due time down to the resolution of Every (day,
// hour, minute or second) in the zone of the last run.
type Interval struct {
	Every    time.Duration
	Relative bool
}

// Every returns an Interval of d.
func Every(d time.Duration) Interval { return Interval{Every: d} }

func (Interval) Type() string { return "interval" }

func (iv Interval) check() error {
	if iv.Every <= 0 {
		return &ValidationError{Path: "every", Reason: fmt.Sprintf("must be positive, got %v", iv.Every)}
	}
	return nil
}

// MarshalJSON writes {"__type__": "interval", "every": <seconds as a float>, "relative": ...}.
func (iv Interval) MarshalJSON() ([]byte, error) { return scheduleJSON(iv) }

func (iv Interval) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"__type__": "interval", "every": `...)
	dst, err := wire.AppendFloat(dst, iv.Every.Seconds())
	if err != nil {
		return dst, &ValidationError{Path: "every", Reason: err.Error()}
	}
	if iv.Relative {
		dst = append(dst, `, "relative": true}`...)
	} else {
		dst = append(dst, `, "relative": false}`...)
	}
	return dst, nil
}

// UnmarshalJSON reads an interval as upstream does: "every" an integer or float,
// "relative" required, other keys ignored.
func (iv *Interval) UnmarshalJSON(data []byte) error {
	return unmarshalMembers(data, "an interval", iv.fromMembers)
}

func (iv *Interval) fromMembers(ms []wire.Member) error {
	if err := expectTag(ms, "interval"); err != nil {
		return err
	}
	raw, ok := wire.Lookup(ms, "every")
	if !ok {
		return &ValidationError{Path: "every", Reason: "required"}
	}
	if wire.Kind(raw) != '0' {
		return &ValidationError{Path: "every", Reason: "must be a number"}
	}
	var secs float64
	if err := json.Unmarshal(raw, &secs); err != nil {
		return &ValidationError{Path: "every", Reason: err.Error()}
	}
	every, err := secondsToDuration(secs)
	if err != nil {
		return prefixed(err, "every")
	}
	raw, ok = wire.Lookup(ms, "relative")
	if !ok {
		return &ValidationError{Path: "relative", Reason: "required (upstream drops the entry without it)"}
	}
	var rel bool // null reads as false, as upstream reads it
	if wire.Kind(raw) != 'n' && json.Unmarshal(raw, &rel) != nil {
		return &ValidationError{Path: "relative", Reason: "must be a boolean or null"}
	}
	*iv = Interval{Every: every, Relative: rel}
	return nil
}

// maxEverySeconds is the longest period upstream's reader takes: a Python timedelta holds no more.
const maxEverySeconds = 86399999999999

func secondsToDuration(secs float64) (time.Duration, error) {
	if !(secs > 0) {
		return 0, &ValidationError{Reason: fmt.Sprintf("must be positive, got %v", secs)}
	}
	if secs > maxEverySeconds {
		return 0, &ValidationError{Reason: fmt.Sprintf("must be at most %d s (a Python timedelta), got %v", maxEverySeconds, secs)}
	}
	ns := math.Round(secs * 1e9)
	if ns >= math.MaxInt64 || ns < 1 {
		return 0, &UnsupportedError{Feature: fmt.Sprintf("%v s does not fit a time.Duration", secs)}
	}
	return time.Duration(ns), nil
}

// next is Celery 5.7's remaining(): last + every in elapsed time, or with
// Relative the rounded local deadline that Celery picks (see relativeDeadline).
func (iv Interval) next(last time.Time, env evalEnv) (time.Time, bool, error) {
	if err := iv.check(); err != nil {
		return time.Time{}, false, err
	}
	if env.zoned {
		last = last.In(env.tz)
	}
	if !iv.Relative {
		return last.Add(iv.Every), true, nil
	}
	return relativeDeadline(last, iv.Every), true, nil
}

// relativeDeadline reimplements Celery 5.7's rounding of a relative interval:
// the deadline is the last local boundary (day, hour or minute, by the size of
// every) at or before last+every in real time, never at or before last; a day
// or more advances by calendar days. Across DST both occurrences of a repeated
// boundary are candidates and a boundary in a gap moves forward out of it.
func relativeDeadline(start time.Time, every time.Duration) time.Time {
	loc := start.Location()
	var end walltime.Wall
	if every >= 24*time.Hour {
		end = walltime.Of(start, loc).Add(every) // calendar arithmetic
	} else {
		end = walltime.Of(start.Add(every), loc) // elapsed time
	}
	cands := roundedCandidates(end, every, loc)
	if every >= 24*time.Hour {
		if t, ok := minAfter(cands, start); ok {
			return t
		}
		return walltime.Resolve(end, loc)
	}
	endAbs := start.Add(every)
	rounded, ok := maxNotAfter(cands, endAbs)
	if !ok {
		rounded = slices.MinFunc(cands, time.Time.Compare)
	}
	if every >= time.Minute && !rounded.After(start) {
		unit := time.Minute
		if every >= time.Hour {
			unit = time.Hour
		}
		cands = append(cands, roundedCandidates(end.Add(unit), every, loc)...)
		cands = append(cands, roundedCandidates(walltime.Of(start, loc).Add(every), every, loc)...)
		var future []time.Time
		for _, c := range cands {
			if c.After(start) {
				future = append(future, c)
			}
		}
		if t, ok := maxNotAfter(future, endAbs); ok {
			rounded = t
		} else if t, ok := minAfter(future, start); ok {
			rounded = t
		} else {
			rounded = endAbs
		}
	}
	return rounded
}

// roundedCandidates rounds a wall time down to the resolution of every and
// returns the instants of both of its folds (equal unless the time repeats).
func roundedCandidates(w walltime.Wall, every time.Duration, loc *time.Location) []time.Time {
	t := w.T
	switch {
	case every >= 24*time.Hour:
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	case every >= time.Hour:
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, time.UTC)
	case every >= time.Minute:
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, time.UTC)
	default:
		t = t.Truncate(time.Second)
	}
	out := make([]time.Time, 0, 2)
	for fold := 0; fold <= 1; fold++ {
		c := walltime.Wall{T: t, Fold: fold}
		if !walltime.Exists(c, loc) {
			if r := walltime.ResolveImaginary(c, loc); r.T.After(c.T) {
				c = r
			}
		}
		out = append(out, walltime.Resolve(c, loc))
	}
	return out
}

func minAfter(ts []time.Time, after time.Time) (time.Time, bool) {
	var best time.Time
	found := false
	for _, t := range ts {
		if t.After(after) && (!found || t.Before(best)) {
			best, found = t, true
		}
	}
	return best, found
}

func maxNotAfter(ts []time.Time, limit time.Time) (time.Time, bool) {
	var best time.Time
	found := false
	for _, t := range ts {
		if !t.After(limit) && (!found || t.After(best)) {
			best, found = t, true
		}
	}
	return best, found
}
