package redbeat

import (
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"strconv"
	"time"
)

// An entry's runs under its extension profile: its own zone, its window and
// its jitter (schema/README.md, "Extensions"), as the Python SDK's runs.py
// computes them (first_due); the conformance suite's extension previews pin
// both to the same instants. A plain entry runs exactly when its schedule says.

// rules is what an entry's extensions change about when it runs.
type rules struct {
	name       string         // the entry's name: jitter's input
	zone       *time.Location // nil: the beat's
	start, end time.Time      // zero: unbounded
	jitterMs   int64
}

func rulesOf(name string, x Extensions) rules {
	return rules{name: name, zone: x.location(), start: x.StartAt, end: x.EndAt, jitterMs: x.Jitter.Milliseconds()}
}

func (r rules) plain() bool {
	return r.zone == nil && r.start.IsZero() && r.end.IsZero() && r.jitterMs == 0
}

// env is where the schedule is evaluated: the entry's zone, else the beat's.
func (r rules) env(beat *time.Location, now time.Time) evalEnv {
	if r.zone != nil {
		return evalEnv{tz: r.zone, now: now, zoned: true}
	}
	return evalEnv{tz: beat, now: now}
}

// jitterOffset is the delay of the run of entry name nominally due at nominal,
// in [0, jitterMs) ms, the same in every implementation: H = the first 8 bytes
// (big-endian) of SHA-256(name + "\n" + epoch milliseconds of nominal, floor),
// offset = floor(H * jitterMs / 2^64) ms.
func jitterOffset(name string, nominal time.Time, jitterMs int64) time.Duration {
	if jitterMs <= 0 {
		return 0
	}
	sum := sha256.Sum256([]byte(name + "\n" + strconv.FormatInt(nominal.UnixMilli(), 10)))
	hi, _ := bits.Mul64(binary.BigEndian.Uint64(sum[:8]), uint64(jitterMs))
	return time.Duration(hi) * time.Millisecond
}

// firstDue is the entry's first run strictly after last (zero: it never ran,
// so it is due now), jitter included, or ok false when it never runs again.
func firstDue(sched Schedule, r rules, last, now time.Time, beat *time.Location) (time.Time, bool, error) {
	env := r.env(beat, now)
	_, isInterval := sched.(Interval)
	after := last
	if last.IsZero() {
		if !r.end.IsZero() && now.After(r.end) {
			return time.Time{}, false, nil
		}
		if r.start.IsZero() || !now.Before(r.start) {
			return now, true, nil // never run: due at once, as Celery has it
		}
		if isInterval { // before the window: its first run in it
			at, ok := r.jittered(r.start)
			return at, ok, nil
		}
		after = r.start.Add(-time.Microsecond)
	}
	for range 3 { // a second look at most: the first run at or after the window's start
		found, ok, err := sched.next(after, env)
		if err != nil || !ok {
			return time.Time{}, false, err
		}
		if !r.start.IsZero() && found.Before(r.start) {
			if !isInterval {
				after = r.start.Add(-time.Microsecond)
				continue
			}
			found = r.start // an interval starts with the window
		}
		at, ok := r.jittered(found)
		return at, ok, nil
	}
	return time.Time{}, false, nil
}

// jittered is the run nominally due at nominal with its jitter added; ok is
// false when that is after the window's end.
func (r rules) jittered(nominal time.Time) (time.Time, bool) {
	at := nominal.UTC().Add(jitterOffset(r.name, nominal, r.jitterMs))
	if !r.end.IsZero() && at.After(r.end) {
		return time.Time{}, false
	}
	return at, true
}

// NextRuns previews the entry's next n runs after a run at after, as a beat in
// timezone tz (nil: UTC) with the extension profile fires them, each run being
// the next one's last run. The entry's extensions apply: its own zone (where
// crontab fields then match, whatever tz), its window and its jitter. Times are
// in the entry's zone, else tz. A zero rrule Dtstart counts as after.
func (e Entry) NextRuns(after time.Time, n int, tz *time.Location) ([]time.Time, error) {
	if err := e.checkExtensions(); err != nil {
		return nil, err
	}
	r := rulesOf(e.Name, e.Extensions)
	if r.plain() {
		return NextRuns(e.Schedule, after, n, tz)
	}
	if e.Schedule == nil {
		return nil, &ValidationError{Path: "schedule", Reason: "required"}
	}
	if n < 0 {
		return nil, &ValidationError{Path: "n", Reason: "must be >= 0"}
	}
	if after.IsZero() {
		return nil, &ValidationError{Path: "after", Reason: "required (the last run, or now for an entry that never ran)"}
	}
	if tz == nil {
		tz = time.UTC
	}
	if err := e.Schedule.check(); err != nil {
		return nil, prefixed(err, "schedule")
	}
	sched := e.Schedule
	if rr, ok := sched.(RRule); ok && rr.Dtstart.IsZero() {
		rr.Dtstart = after
		sched = rr
	}
	out := make([]time.Time, 0, n)
	shown := tz
	if r.zone != nil {
		shown = r.zone
	}
	last := after
	for len(out) < n {
		at, ok, err := firstDue(sched, r, last, last, tz)
		if err != nil {
			return out, err
		}
		if !ok {
			break
		}
		out = append(out, at.In(shown))
		last = at
	}
	return out, nil
}
