package redbeat

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/wire"
)

// Extensions are an entry's rules beyond upstream's format (the extension
// profile, schema/extensions.schema.json): stored in the entry hash's
// "extensions" field, which upstream never reads, so an upstream beat still
// fires the entry by its plain definition. The zero value is no extensions:
// such an entry has no field in Redis. A one-off is a Schedule (OneOff).
type Extensions struct {
	// Timezone is an IANA zone name: the schedule is evaluated on its wall
	// clock instead of the beat's Celery timezone (crontab fields match there,
	// an rrule keeps 09:00 at 09:00 across DST).
	Timezone string
	// StartAt and EndAt bound the runs (zero: unbounded): a run before StartAt
	// is replaced by the schedule's first run at or after it (an interval's
	// first run is StartAt itself); a run after EndAt, jitter included, does not
	// happen, nor any later one. Written in their own UTC offset, to the
	// microsecond.
	StartAt time.Time
	EndAt   time.Time
	// Jitter delays each run by a deterministic offset in [0, Jitter): whole
	// milliseconds, at most a day (zero: none).
	Jitter time.Duration
	// CatchUp is what a beat does with a run it reaches late (zero: not set,
	// which a beat reads as CatchUpOnce).
	CatchUp CatchUp
	// Labels find entries (Client.ListByLabels): keys 1-63 of A-Z a-z 0-9 . _ /
	// -, values 0-63 of A-Z a-z 0-9 . _ -, letters or digits at both ends; at
	// most 64. Written in sorted key order.
	Labels map[string]string
	// Description is free text for people, at most 1000 characters ("": none).
	Description string
}

// IsZero reports whether x holds no extension at all.
func (x Extensions) IsZero() bool {
	return x.Timezone == "" && x.StartAt.IsZero() && x.EndAt.IsZero() && x.Jitter == 0 &&
		x.CatchUp == (CatchUp{}) && len(x.Labels) == 0 && x.Description == ""
}

// CatchUp is a catch-up policy: CatchUpOnce, CatchUpSkip or CatchUpWithin.
type CatchUp struct {
	kind    catchUpKind
	seconds int64
}

type catchUpKind uint8

const (
	catchUpUnset catchUpKind = iota
	catchUpOnce
	catchUpSkip
	catchUpWithin
)

// The profile's bounds (schema/extensions.schema.json).
const (
	maxJitter      = 24 * time.Hour
	maxCatchUp     = 365 * 86400 // seconds
	maxLabels      = 64
	maxDescription = 1000
	maxZoneName    = 64
	// extensionsVersion is the profile version this client reads and writes.
	extensionsVersion = 1
)

// CatchUpOnce runs a late run once however late (Celery's behaviour).
func CatchUpOnce() CatchUp { return CatchUp{kind: catchUpOnce} }

// CatchUpSkip skips a run reached 1 s late or more.
func CatchUpSkip() CatchUp { return CatchUp{kind: catchUpSkip} }

// CatchUpWithin skips a run reached d late or more: whole seconds, 1 s to 365 days.
func CatchUpWithin(d time.Duration) CatchUp {
	return CatchUp{kind: catchUpWithin, seconds: int64(d / time.Second)}.checkedFrom(d)
}

// checkedFrom keeps d's sub-second part visible to check (as -1 seconds).
func (c CatchUp) checkedFrom(d time.Duration) CatchUp {
	if d%time.Second != 0 {
		c.seconds = -1
	}
	return c
}

// Within is how late a run may be reached and still run; ok is false for
// "once" or unset (however late).
func (c CatchUp) Within() (d time.Duration, ok bool) {
	switch c.kind {
	case catchUpSkip:
		return time.Second, true
	case catchUpWithin:
		return time.Duration(c.seconds) * time.Second, true
	}
	return 0, false
}

func (c CatchUp) String() string {
	switch c.kind {
	case catchUpOnce:
		return "once"
	case catchUpSkip:
		return "skip"
	case catchUpWithin:
		return strconv.FormatInt(c.seconds, 10) + "s"
	}
	return "unset"
}

func (c CatchUp) check() error {
	if c.kind == catchUpWithin && (c.seconds < 1 || c.seconds > maxCatchUp) {
		return &ValidationError{Path: "catch_up", Reason: fmt.Sprintf("must be whole seconds from 1 to %d (a year)", maxCatchUp)}
	}
	return nil
}

func (c CatchUp) appendJSON(dst []byte) []byte {
	switch c.kind {
	case catchUpOnce:
		return append(dst, `"once"`...)
	case catchUpSkip:
		return append(dst, `"skip"`...)
	}
	return strconv.AppendInt(dst, c.seconds, 10)
}

var (
	labelKey   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$`)
	labelValue = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$`)
)

// checkLabels is the schema's Labels rule, with the Python SDK's paths.
func checkLabels(labels map[string]string) error {
	if len(labels) > maxLabels {
		return &ValidationError{Path: "labels", Reason: fmt.Sprintf("at most %d labels, not %d", maxLabels, len(labels))}
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the first bad label reported is the same on every call
	for _, k := range keys {
		if !labelKey.MatchString(k) {
			return &ValidationError{Path: "labels", Reason: fmt.Sprintf("key %q: 1-63 of A-Z a-z 0-9 . _ / -, starting and ending with a letter or digit", k)}
		}
		if !labelValue.MatchString(labels[k]) {
			return &ValidationError{Path: "labels." + k, Reason: fmt.Sprintf("%q: 0-63 of A-Z a-z 0-9 . _ -, starting and ending with a letter or digit", labels[k])}
		}
	}
	return nil
}

// check refuses what the profile cannot store; paths are relative to the
// extensions ("timezone", "labels.tenant"), as the Python SDK's.
func (x Extensions) check() error {
	if x.Timezone != "" {
		if utf8.RuneCountInString(x.Timezone) > maxZoneName {
			return &ValidationError{Path: "timezone", Reason: fmt.Sprintf("at most %d characters", maxZoneName)}
		}
		if _, err := LoadTimezone(x.Timezone); err != nil {
			return err
		}
	}
	for _, b := range []struct {
		path string
		t    time.Time
	}{{"start_at", x.StartAt}, {"end_at", x.EndAt}} {
		if !b.t.IsZero() {
			if _, err := wire.AppendInstant(nil, b.t); err != nil {
				return &ValidationError{Path: b.path, Reason: err.Error()}
			}
		}
	}
	if !x.StartAt.IsZero() && !x.EndAt.IsZero() && x.EndAt.Before(x.StartAt) {
		return &ValidationError{Path: "end_at", Reason: "must not be before start_at"}
	}
	if x.Jitter != 0 {
		if x.Jitter%time.Millisecond != 0 {
			return &ValidationError{Path: "jitter", Reason: fmt.Sprintf("must be whole milliseconds, not %v", x.Jitter)}
		}
		if x.Jitter < 0 || x.Jitter > maxJitter {
			return &ValidationError{Path: "jitter", Reason: fmt.Sprintf("must be above 0 and at most %v, not %v", maxJitter, x.Jitter)}
		}
	}
	if err := x.CatchUp.check(); err != nil {
		return err
	}
	if err := checkLabels(x.Labels); err != nil {
		return err
	}
	if !utf8.ValidString(x.Description) {
		return &ValidationError{Path: "description", Reason: "not valid UTF-8"}
	}
	if n := utf8.RuneCountInString(x.Description); n > maxDescription {
		return &ValidationError{Path: "description", Reason: fmt.Sprintf("at most %d characters, not %d", maxDescription, n)}
	}
	return nil
}

// location is the entry's own zone, nil when it has none (checked before).
func (x Extensions) location() *time.Location {
	if x.Timezone == "" {
		return nil
	}
	loc, _ := LoadTimezone(x.Timezone)
	return loc
}

// OneOff is a single run At (a whole second), optionally deleted by
// redbeat-scheduler once it ran. It is stored in upstream's own form, an rrule
// with count 1 starting At (upstream's beat fires it once too), plus a marker
// in the entry's extensions so that it reads back as a OneOff.
type OneOff struct {
	At             time.Time
	DeleteAfterRun bool
}

// Type is the stored "__type__": a one-off is an rrule on the wire.
func (OneOff) Type() string { return "rrule" }

func (o OneOff) rrule() RRule { return RRule{Freq: Daily, Interval: 1, Count: 1, Dtstart: o.At} }

func (o OneOff) check() error {
	if o.At.IsZero() {
		return &ValidationError{Path: "at", Reason: "required"}
	}
	if o.At.Nanosecond() != 0 {
		// dtstart holds whole seconds: a run rounded down would be early, one rounded up surprising
		return &ValidationError{Path: "at", Reason: "must be a whole second, not " + o.At.Format(time.RFC3339Nano)}
	}
	if _, err := wire.AppendInstant(nil, o.At); err != nil {
		return &ValidationError{Path: "at", Reason: err.Error()}
	}
	return o.rrule().check()
}

// MarshalJSON writes the one-off's rrule (the marker is the extensions').
func (o OneOff) MarshalJSON() ([]byte, error) { return scheduleJSON(o) }

func (o OneOff) appendJSON(dst []byte) ([]byte, error) { return o.rrule().appendJSON(dst) }

func (o OneOff) next(last time.Time, env evalEnv) (time.Time, bool, error) {
	return o.rrule().next(last, env)
}

var _ Schedule = OneOff{}

// appendExtensions writes the extensions field as the Python SDK does
// (json.dumps, keys in the schema's order), or returns nil when the entry has
// none to store. x and sched are checked.
func appendExtensions(dst []byte, x Extensions, sched Schedule) []byte {
	oneOff, isOneOff := sched.(OneOff)
	if x.IsZero() && !isOneOff {
		return nil
	}
	dst = append(dst, `{"version": 1`...)
	if x.Timezone != "" {
		dst = append(dst, `, "timezone": `...)
		dst, _ = wire.AppendString(dst, x.Timezone)
	}
	if isOneOff {
		dst = append(dst, `, "one_off": {"at": "`...)
		dst, _ = wire.AppendInstant(dst, oneOff.At)
		dst = append(dst, `", "delete_after_run": `...)
		dst = strconv.AppendBool(dst, oneOff.DeleteAfterRun)
		dst = append(dst, '}')
	}
	for _, b := range []struct {
		key string
		t   time.Time
	}{{"start_at", x.StartAt}, {"end_at", x.EndAt}} {
		if !b.t.IsZero() {
			dst = append(dst, `, "`+b.key+`": "`...)
			dst, _ = wire.AppendInstant(dst, b.t)
			dst = append(dst, '"')
		}
	}
	if x.Jitter != 0 {
		dst = append(dst, `, "jitter_ms": `...)
		dst = strconv.AppendInt(dst, x.Jitter.Milliseconds(), 10)
	}
	if x.CatchUp.kind != catchUpUnset {
		dst = append(dst, `, "catch_up": `...)
		dst = x.CatchUp.appendJSON(dst)
	}
	if len(x.Labels) > 0 {
		dst = append(dst, `, "labels": `...)
		dst, _ = wire.AppendValue(dst, x.Labels)
	}
	if x.Description != "" {
		dst = append(dst, `, "description": `...)
		dst, _ = wire.AppendString(dst, x.Description)
	}
	return append(dst, '}')
}

// oneOffMarker is the extensions' "one_off" object as read.
type oneOffMarker struct {
	at             time.Time
	deleteAfterRun bool
}

// decodeExtensions reads an extensions field strictly, as the profile says a
// reader must: another version, an unknown key or a value the schema refuses
// is an error (the entry is corrupt). Paths are relative to the field.
func decodeExtensions(raw []byte) (Extensions, *oneOffMarker, error) {
	var x Extensions
	var marker *oneOffMarker
	ms, err := wire.Members(raw)
	if err != nil {
		return x, nil, &ValidationError{Reason: "must be a JSON object: " + err.Error()}
	}
	if _, ok := wire.Lookup(ms, "version"); !ok {
		return x, nil, &ValidationError{Path: "version", Reason: "required"}
	}
	str := func(key string, v json.RawMessage) (string, error) {
		var s string
		if wire.Kind(v) != '"' || json.Unmarshal(v, &s) != nil {
			return "", &ValidationError{Path: key, Reason: "must be a string"}
		}
		return s, nil
	}
	instant := func(key string, v json.RawMessage) (time.Time, error) {
		s, err := str(key, v)
		if err != nil {
			return time.Time{}, err
		}
		t, err := wire.ParseInstant(s)
		if err != nil {
			return time.Time{}, &ValidationError{Path: key, Reason: err.Error()}
		}
		return t, nil
	}
	integer := func(key string, v json.RawMessage, lo, hi int64) (int64, error) {
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || n < lo || n > hi {
			return 0, &ValidationError{Path: key, Reason: fmt.Sprintf("must be an integer from %d to %d", lo, hi)}
		}
		return n, nil
	}
	for _, m := range ms {
		v := m.Value
		switch m.Key {
		case "version":
			if string(v) != strconv.Itoa(extensionsVersion) {
				return x, nil, &ValidationError{Path: "version", Reason: fmt.Sprintf("must be %d, not %s (a profile this client does not know)", extensionsVersion, v)}
			}
		case "timezone":
			if x.Timezone, err = str(m.Key, v); err == nil && x.Timezone == "" {
				err = &ValidationError{Path: m.Key, Reason: "must not be empty"}
			}
		case "one_off":
			marker, err = decodeMarker(v)
		case "start_at":
			x.StartAt, err = instant(m.Key, v)
		case "end_at":
			x.EndAt, err = instant(m.Key, v)
		case "jitter_ms":
			var ms int64
			ms, err = integer(m.Key, v, 1, maxJitter.Milliseconds())
			x.Jitter = time.Duration(ms) * time.Millisecond
		case "catch_up":
			switch string(v) {
			case `"once"`:
				x.CatchUp = CatchUpOnce()
			case `"skip"`:
				x.CatchUp = CatchUpSkip()
			default:
				var n int64
				n, err = integer(m.Key, v, 1, maxCatchUp)
				x.CatchUp = CatchUp{kind: catchUpWithin, seconds: n}
			}
		case "labels":
			x.Labels, err = decodeLabels(v)
		case "description":
			x.Description, err = str(m.Key, v)
		default:
			err = &ValidationError{Path: m.Key, Reason: "not a key of the extension profile"}
		}
		if err != nil {
			return Extensions{}, nil, err
		}
	}
	if err := x.check(); err != nil {
		return Extensions{}, nil, err
	}
	return x, marker, nil
}

func decodeMarker(raw json.RawMessage) (*oneOffMarker, error) {
	ms, err := wire.Members(raw)
	if err != nil {
		return nil, &ValidationError{Path: "one_off", Reason: "must be an object"}
	}
	var m oneOffMarker
	seen := map[string]bool{}
	for _, f := range ms {
		seen[f.Key] = true
		switch f.Key {
		case "at":
			var s string
			if wire.Kind(f.Value) != '"' || json.Unmarshal(f.Value, &s) != nil {
				return nil, &ValidationError{Path: "one_off.at", Reason: "must be a string"}
			}
			if m.at, err = wire.ParseInstant(s); err != nil {
				return nil, &ValidationError{Path: "one_off.at", Reason: err.Error()}
			}
		case "delete_after_run":
			if json.Unmarshal(f.Value, &m.deleteAfterRun) != nil || wire.Kind(f.Value) == 'n' {
				return nil, &ValidationError{Path: "one_off.delete_after_run", Reason: "must be a boolean"}
			}
		default:
			return nil, &ValidationError{Path: "one_off." + f.Key, Reason: "not a key of the one-off marker"}
		}
	}
	for _, k := range []string{"at", "delete_after_run"} {
		if !seen[k] {
			return nil, &ValidationError{Path: "one_off." + k, Reason: "required"}
		}
	}
	return &m, nil
}

func decodeLabels(raw json.RawMessage) (map[string]string, error) {
	ms, err := wire.Members(raw)
	if err != nil {
		return nil, &ValidationError{Path: "labels", Reason: "must be an object of strings"}
	}
	out := make(map[string]string, len(ms))
	for _, m := range ms {
		var s string
		if wire.Kind(m.Value) != '"' || json.Unmarshal(m.Value, &s) != nil {
			return nil, &ValidationError{Path: "labels." + m.Key, Reason: "must be a string"}
		}
		out[m.Key] = s
	}
	return out, nil
}

// matching is sched as a OneOff when the marker describes it (an rrule of one
// run at the marker's time, nothing else that could move it), else sched as
// it is: a marker left beside a schedule changed without the profile is ignored.
func (m *oneOffMarker) matching(sched Schedule) Schedule {
	r, ok := sched.(RRule)
	if m == nil || !ok || r.Count != 1 || r.Dtstart.IsZero() || !r.Dtstart.Equal(m.at) || !r.Until.IsZero() {
		return sched
	}
	for _, by := range [][]int{r.Bysetpos, r.Bymonth, r.Bymonthday, r.Byyearday, r.Byeaster, r.Byweekno, r.Byhour, r.Byminute, r.Bysecond} {
		if by != nil {
			return sched
		}
	}
	if r.Byweekday != nil {
		return sched
	}
	return OneOff{At: r.Dtstart, DeleteAfterRun: m.deleteAfterRun}
}

// MarshalExtensions is the entry's extensions field as Save writes it (the
// Python SDK's bytes), or nil when the entry has none to store.
func (e Entry) MarshalExtensions() ([]byte, error) {
	if err := e.checkExtensions(); err != nil {
		return nil, err
	}
	return appendExtensions(nil, e.Extensions, e.Schedule), nil
}

// UnmarshalExtensions sets the entry's Extensions from an extensions field as
// stored (empty: none); a one-off marker that describes the entry's
// rrule makes its Schedule a OneOff. A field the profile refuses is a
// *ValidationError with a path under "extensions".
func (e *Entry) UnmarshalExtensions(raw []byte) error {
	if len(raw) == 0 {
		e.Extensions = Extensions{}
		return nil
	}
	x, marker, err := decodeExtensions(raw)
	if err != nil {
		return prefixed(err, "extensions")
	}
	e.Extensions = x
	e.Schedule = marker.matching(e.Schedule)
	return nil
}

// checkExtensions checks the extensions and a OneOff schedule, with the
// entry's paths ("extensions.labels", "schedule.at").
func (e Entry) checkExtensions() error {
	if err := e.Extensions.check(); err != nil {
		return prefixed(err, "extensions")
	}
	if o, ok := e.Schedule.(OneOff); ok {
		if err := o.check(); err != nil {
			return prefixed(err, "schedule")
		}
	}
	return nil
}
