package redbeat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/wire"
)

// Schedule says when an entry runs: an Interval, a Crontab or an RRule. It is the
// "__type__" union of the wire format; the interface is sealed, so a type switch
// over those three is exhaustive.
type Schedule interface {
	json.Marshaler
	// Type is the "__type__" tag: "interval", "crontab" or "rrule".
	Type() string

	appendJSON(dst []byte) ([]byte, error)
	check() error
	// next returns the first due time after a run at last, as Celery 5.7 and
	// RedBeat compute it; ok is false when no run is left (an exhausted rrule).
	next(last time.Time, env evalEnv) (t time.Time, ok bool, err error)
}

// evalEnv is what evaluating a schedule needs besides the last run.
type evalEnv struct {
	tz  *time.Location // the beat's Celery timezone (crontab fields are local to it)
	now time.Time      // the client's clock, for an rrule without dtstart
	// zoned: tz is the entry's own zone (extension profile), so an rrule runs
	// on its wall clock (dtstart and until placed there) and a relative
	// interval rounds in it, as a beat whose timezone is tz does.
	zoned bool
}

// UnmarshalSchedule reads a schedule the way upstream's decoder does (the read
// profile): a tagged object, or a bare number of seconds meaning an interval.
func UnmarshalSchedule(data []byte) (Schedule, error) {
	switch wire.Kind(data) {
	case '0':
		var secs float64
		if err := json.Unmarshal(data, &secs); err != nil {
			return nil, &ValidationError{Reason: err.Error()}
		}
		every, err := secondsToDuration(secs)
		if err != nil {
			return nil, err
		}
		return Interval{Every: every}, nil
	case '{':
	default:
		return nil, &ValidationError{Reason: "must be a schedule object or a number of seconds"}
	}
	ms, err := wire.Members(data)
	if err != nil {
		return nil, &ValidationError{Reason: err.Error()}
	}
	tag, ok := wire.Lookup(ms, "__type__")
	if !ok {
		return nil, &ValidationError{Path: "__type__", Reason: "required"}
	}
	switch string(bytes.TrimSpace(tag)) {
	case `"interval"`:
		var iv Interval
		err = iv.fromMembers(ms)
		return iv, err
	case `"crontab"`:
		var c Crontab
		err = c.fromMembers(ms)
		return c, err
	case `"rrule"`:
		var r RRule
		err = r.fromMembers(ms)
		return r, err
	default:
		return nil, &ValidationError{Reason: fmt.Sprintf("unknown schedule type %s (upstream crashes on it)", tag)}
	}
}

// scheduleJSON is the body of every schedule's MarshalJSON.
func scheduleJSON(s Schedule) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.appendJSON(nil)
}

// Compile-time proof that the union is closed over these three (and OneOff, an rrule on the wire).
var (
	_ Schedule = Interval{}
	_ Schedule = Crontab{}
	_ Schedule = RRule{}
)
