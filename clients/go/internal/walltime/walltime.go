// Package walltime gives Go's time.Time the wall-clock semantics of Python's
// aware datetimes with zoneinfo, which Celery's schedules rely on.
//
// A Wall is a local date and time without a zone (its fields are held in a UTC
// time.Time) plus PEP 495's fold bit. Python resolves a wall time that occurs
// twice (a DST fall-back) to its first occurrence when fold=0 and to the second
// when fold=1; a wall time that never occurs (a spring-forward gap) is read with
// the offset in force before the transition when fold=0, after it when fold=1.
// Go's time.Date leaves both cases unspecified, so this package decides them.
package walltime

import "time"

// Wall is a local date and time, fields in a UTC time.Time, and PEP 495's fold.
type Wall struct {
	T    time.Time
	Fold int
}

// Date builds a Wall from its fields (fold 0). Out-of-range fields normalise as
// in time.Date; callers that must reject them check first.
func Date(year int, month time.Month, day, hour, minute, sec, nsec int) Wall {
	return Wall{T: time.Date(year, month, day, hour, minute, sec, nsec, time.UTC)}
}

// window bounds how far apart two transitions of one zone may be for the
// resolution below to be exact. Real zones keep them weeks apart.
const window = 24 * time.Hour

func offsetAt(loc *time.Location, unix int64) int {
	_, off := time.Unix(unix, 0).In(loc).Zone()
	return off
}

// candidates returns the offsets in force a day before and a day after the wall
// time, and which of them give an instant whose local time is that wall time.
func candidates(w time.Time, loc *time.Location) (before, after int, beforeOK, afterOK bool) {
	if loc == time.UTC {
		return 0, 0, true, true
	}
	ws := w.Unix()
	before = offsetAt(loc, ws-int64(window/time.Second))
	after = offsetAt(loc, ws+int64(window/time.Second))
	beforeOK = offsetAt(loc, ws-int64(before)) == before
	afterOK = offsetAt(loc, ws-int64(after)) == after
	return
}

// Resolve returns the instant Python gives the wall time w in loc.
func Resolve(w Wall, loc *time.Location) time.Time {
	before, after, beforeOK, afterOK := candidates(w.T, loc)
	off := before
	switch {
	case before == after:
		off = before
	case beforeOK && afterOK: // the wall time happens twice
		if w.Fold == 1 {
			off = after
		}
	case beforeOK:
		off = before
	case afterOK:
		off = after
	default: // a gap: Python keeps the offset of the side fold names
		if w.Fold == 1 {
			off = after
		}
	}
	return time.Unix(w.T.Unix()-int64(off), int64(w.T.Nanosecond())).In(loc)
}

// Of returns the wall time of t in loc and its fold, as Python's astimezone does:
// fold is 1 only for the second occurrence of a repeated wall time.
func Of(t time.Time, loc *time.Location) Wall {
	lt := t.In(loc)
	_, off := lt.Zone()
	w := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), time.UTC)
	before, after, beforeOK, afterOK := candidates(w, loc)
	if before != after && beforeOK && afterOK && off == after {
		return Wall{T: w, Fold: 1}
	}
	return Wall{T: w}
}

// Exists reports whether the wall time occurs in loc (it is not in a gap).
func Exists(w Wall, loc *time.Location) bool {
	before, after, beforeOK, afterOK := candidates(w.T, loc)
	return before == after || beforeOK || afterOK
}

// ResolveImaginary moves a wall time that falls in a gap forward by the size of
// the gap, as dateutil.tz.resolve_imaginary does; other wall times are returned
// unchanged.
func ResolveImaginary(w Wall, loc *time.Location) Wall {
	if Exists(w, loc) {
		return w
	}
	before, after, _, _ := candidates(w.T, loc)
	return Wall{T: w.T.Add(time.Duration(after-before) * time.Second), Fold: w.Fold}
}

// AddDays adds whole days to the wall clock; like Python's datetime + timedelta
// the result has fold 0.
func (w Wall) AddDays(n int) Wall { return Wall{T: w.T.AddDate(0, 0, n)} }

// Add adds a duration to the wall clock (Python's naive arithmetic), fold 0.
func (w Wall) Add(d time.Duration) Wall { return Wall{T: w.T.Add(d)} }
