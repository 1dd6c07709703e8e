package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
	_ "time/tzdata" // zone names must resolve on hosts without a zoneinfo database

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/pyrepr"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/walltime"
)

// AppendDatetime writes t as upstream's tagged datetime: all nine keys, wall-clock
// fields local to t's zone, and "timezone" holding the IANA name, or the UTC offset
// in seconds (a float) for a zone that has no IANA name.
func AppendDatetime(dst []byte, t time.Time) ([]byte, error) {
	if t.Year() < 1 || t.Year() > 9999 {
		return dst, &PathError{Reason: fmt.Sprintf("year %d is outside 1..9999", t.Year())}
	}
	dst = append(dst, `{"__type__": "datetime"`...)
	values := [len(datetimeFields)]int{t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond() / 1000}
	for i, name := range datetimeFields {
		dst = append(dst, `, "`...)
		dst = append(dst, name...)
		dst = append(dst, `": `...)
		dst = strconv.AppendInt(dst, int64(values[i]), 10)
	}
	dst = append(dst, `, "timezone": `...)
	if name, ok := ianaName(t); ok {
		dst, _ = AppendString(dst, name)
	} else {
		_, off := t.Zone()
		dst, _ = AppendFloat(dst, float64(off))
	}
	return append(dst, '}'), nil
}

// ianaNames caches which location names load as IANA zones.
var ianaNames sync.Map // name -> *time.Location or nil

// ianaName returns the IANA key of t's location when it has one. A location made
// with time.FixedZone, and time.Local, have none: they are written as offsets.
func ianaName(t time.Time) (string, bool) {
	loc := t.Location()
	if loc == time.UTC {
		return "UTC", true
	}
	name := loc.String()
	if name == "" || name == "Local" {
		return "", false
	}
	v, ok := ianaNames.Load(name)
	if !ok {
		l, err := time.LoadLocation(name)
		if err != nil {
			l = nil
		}
		v, _ = ianaNames.LoadOrStore(name, l)
	}
	l, _ := v.(*time.Location)
	if l == nil {
		return "", false
	}
	// A FixedZone that happens to carry a zone's name must not be written as that zone.
	_, off := t.Zone()
	if _, want := t.In(l).Zone(); want != off {
		return "", false
	}
	return name, true
}

// LoadZone resolves a datetime "timezone" string as Python's ZoneInfo does. Its
// error's text is the reason all three clients give: unknown IANA time zone 'X'.
func LoadZone(name string) (*time.Location, error) {
	if name == "UTC" {
		return time.UTC, nil
	}
	// Go maps these to the process zone and UTC; ZoneInfo knows no such keys.
	if name == "" || name == "Local" {
		return nil, unknownZone(name)
	}
	if v, ok := ianaNames.Load(name); ok {
		if l, _ := v.(*time.Location); l != nil {
			return l, nil
		}
		return nil, unknownZone(name)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		ianaNames.Store(name, (*time.Location)(nil))
		return nil, unknownZone(name)
	}
	ianaNames.Store(name, l)
	return l, nil
}

func unknownZone(name string) error {
	return errors.New("unknown IANA time zone " + pyrepr.Quote(name))
}

// datetimeFields are the integer fields of a tagged datetime, in the order
// upstream writes them; "__type__" comes before them and "timezone" after.
var datetimeFields = [7]string{"year", "month", "day", "hour", "minute", "second", "microsecond"}

// datetimeKeys are all the keys a tagged datetime may hold.
var datetimeKeys = func() map[string]bool {
	keys := map[string]bool{"__type__": true, "timezone": true}
	for _, name := range datetimeFields {
		keys[name] = true
	}
	return keys
}()

// ParseDatetime reads a tagged datetime object as upstream's decoder does: hour to
// microsecond default to 0, a missing timezone means UTC, a number is a fixed offset
// in seconds, a string an IANA name; an unknown key or zone is an error (upstream
// crashes on both). The wall time resolves as Python does (fold 0).
func ParseDatetime(ms []Member) (time.Time, error) {
	var fields [len(datetimeFields)]int
	for _, m := range ms {
		if !datetimeKeys[m.Key] {
			return time.Time{}, &PathError{Path: "." + m.Key, Reason: "unknown datetime key"}
		}
	}
	for i, n := range datetimeFields {
		raw, ok := Lookup(ms, n)
		if !ok {
			if i < 3 {
				return time.Time{}, &PathError{Path: "." + n, Reason: "required"}
			}
			continue
		}
		v, err := strictInt(raw)
		if err != nil {
			return time.Time{}, &PathError{Path: "." + n, Reason: err.Error()}
		}
		fields[i] = v
	}
	y, mo, d, h, mi, s, us := fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]
	switch {
	case y < 1 || y > 9999:
		return time.Time{}, &PathError{Path: ".year", Reason: fmt.Sprintf("%d is outside 1..9999", y)}
	case mo < 1 || mo > 12:
		return time.Time{}, &PathError{Path: ".month", Reason: fmt.Sprintf("%d is outside 1..12", mo)}
	case d < 1 || d > daysIn(y, time.Month(mo)):
		return time.Time{}, &PathError{Path: ".day", Reason: fmt.Sprintf("%04d-%02d has no day %d", y, mo, d)}
	case h < 0 || h > 23:
		return time.Time{}, &PathError{Path: ".hour", Reason: fmt.Sprintf("%d is outside 0..23", h)}
	case mi < 0 || mi > 59:
		return time.Time{}, &PathError{Path: ".minute", Reason: fmt.Sprintf("%d is outside 0..59", mi)}
	case s < 0 || s > 59:
		return time.Time{}, &PathError{Path: ".second", Reason: fmt.Sprintf("%d is outside 0..59", s)}
	case us < 0 || us > 999999:
		return time.Time{}, &PathError{Path: ".microsecond", Reason: fmt.Sprintf("%d is outside 0..999999", us)}
	}
	loc := time.UTC
	if raw, ok := Lookup(ms, "timezone"); ok {
		var err error
		if loc, err = parseZone(raw); err != nil {
			return time.Time{}, &PathError{Path: ".timezone", Reason: err.Error()}
		}
	}
	w := walltime.Date(y, time.Month(mo), d, h, mi, s, us*1000)
	return walltime.Resolve(w, loc), nil
}

func parseZone(raw json.RawMessage) (*time.Location, error) {
	switch Kind(raw) {
	case '"':
		var name string
		if err := json.Unmarshal(raw, &name); err != nil {
			return nil, err
		}
		return LoadZone(name)
	case '0':
		f, err := strconv.ParseFloat(string(bytes.TrimSpace(raw)), 64)
		if err != nil {
			return nil, err
		}
		if f <= -86400 || f >= 86400 {
			return nil, fmt.Errorf("offset %v s is not strictly between -86400 and 86400", f)
		}
		// Upstream builds timezone(timedelta(minutes=seconds/60)): whole microseconds.
		return time.FixedZone("", int(f)), nil
	default:
		return nil, fmt.Errorf("must be a zone name or an offset in seconds")
	}
}

// strictInt reads a JSON integer; Python's datetime() refuses floats and bools.
func strictInt(raw json.RawMessage) (int, error) {
	if Kind(raw) != '0' {
		return 0, fmt.Errorf("must be an integer")
	}
	n, err := strconv.Atoi(string(bytes.TrimSpace(raw)))
	if err != nil {
		return 0, fmt.Errorf("must be an integer")
	}
	return n, nil
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// DatetimeFromRaw parses a raw tagged datetime object.
func DatetimeFromRaw(raw []byte) (time.Time, error) {
	ms, err := Members(raw)
	if err != nil {
		return time.Time{}, &PathError{Reason: "must be a datetime object"}
	}
	if tag, ok := Lookup(ms, "__type__"); !ok || string(bytes.TrimSpace(tag)) != `"datetime"` {
		return time.Time{}, &PathError{Reason: `must be an object with "__type__": "datetime"`}
	}
	return ParseDatetime(ms)
}
