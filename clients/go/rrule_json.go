package redbeat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/wire"
)

// The rrule's JSON: upstream's tagged object, written with upstream's keys and
// order, and read back with the checks upstream's decoder and dateutil make.

// MarshalJSON writes the rrule with upstream's keys and order. A zero Dtstart is
// written as the Unix epoch; the client fills it from its clock before saving.
func (r RRule) MarshalJSON() ([]byte, error) { return scheduleJSON(r) }

func (r RRule) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"__type__": "rrule", "freq": `...)
	dst = strconv.AppendInt(dst, int64(r.Freq), 10)
	dst = append(dst, `, "interval": `...)
	dst = strconv.AppendInt(dst, int64(max(r.Interval, 1)), 10)
	dst = append(dst, `, "wkst": `...)
	if r.Wkst == nil {
		dst = append(dst, "null"...)
	} else {
		dst = appendWeekday(dst, *r.Wkst)
	}
	dst = append(dst, `, "count": `...)
	if r.Count == 0 {
		dst = append(dst, "null"...)
	} else {
		dst = strconv.AppendInt(dst, int64(r.Count), 10)
	}
	for _, l := range []struct {
		name string
		v    []int
	}{{"bysetpos", r.Bysetpos}, {"bymonth", r.Bymonth}, {"bymonthday", r.Bymonthday}, {"byyearday", r.Byyearday}, {"byeaster", r.Byeaster}, {"byweekno", r.Byweekno}} {
		dst = appendIntList(dst, l.name, l.v)
	}
	dst = append(dst, `, "byweekday": `...)
	if r.Byweekday == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, d := range r.Byweekday {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendWeekday(dst, d)
		}
		dst = append(dst, ']')
	}
	for _, l := range []struct {
		name string
		v    []int
	}{{"byhour", r.Byhour}, {"byminute", r.Byminute}, {"bysecond", r.Bysecond}} {
		dst = appendIntList(dst, l.name, l.v)
	}
	dtstart := r.Dtstart
	if dtstart.IsZero() {
		dtstart = time.Unix(0, 0).UTC()
	}
	dst = appendStamp(dst, "dtstart", dtstart)
	if !r.Until.IsZero() {
		dst = appendStamp(dst, "until", r.Until)
	}
	return append(dst, '}'), nil
}

func appendWeekday(dst []byte, d Weekday) []byte {
	dst = append(dst, `{"__type__": "weekday", "wkday": `...)
	dst = strconv.AppendInt(dst, int64(d), 10)
	return append(dst, '}')
}

func appendIntList(dst []byte, name string, v []int) []byte {
	dst = append(dst, ", \""...)
	dst = append(dst, name...)
	dst = append(dst, "\": "...)
	dst, _ = wire.AppendValue(dst, v) // ints cannot fail
	return dst
}

// appendStamp writes "<name>": epoch seconds (microseconds dropped, as
// calendar.timegm does) and "<name>_tz": the UTC offset in minutes, int 0 or a float.
func appendStamp(dst []byte, name string, t time.Time) []byte {
	dst = append(dst, ", \""...)
	dst = append(dst, name...)
	dst = append(dst, "\": "...)
	dst = strconv.AppendInt(dst, t.Unix(), 10)
	dst = append(dst, ", \""...)
	dst = append(dst, name...)
	dst = append(dst, "_tz\": "...)
	_, off := t.Zone()
	if off == 0 {
		return append(dst, '0')
	}
	dst, _ = wire.AppendFloat(dst, float64(off)/60)
	return dst
}

// UnmarshalJSON reads an rrule as upstream does: freq as a number or a name,
// by* fields as null, one integer or a list, weekdays as numbers or objects,
// missing dtstart (now), *_tz (0) and until (no end).
func (r *RRule) UnmarshalJSON(data []byte) error {
	return unmarshalMembers(data, "an rrule", r.fromMembers)
}

var rruleKeys = map[string]bool{
	"__type__": true, "freq": true, "interval": true, "wkst": true, "count": true,
	"bysetpos": true, "bymonth": true, "bymonthday": true, "byyearday": true, "byeaster": true,
	"byweekno": true, "byweekday": true, "byhour": true, "byminute": true, "bysecond": true,
	"dtstart": true, "dtstart_tz": true, "until": true, "until_tz": true,
}

func (r *RRule) fromMembers(ms []wire.Member) error {
	if err := expectTag(ms, "rrule"); err != nil {
		return err
	}
	for _, m := range ms {
		if !rruleKeys[m.Key] {
			return &ValidationError{Path: m.Key, Reason: "unknown rrule field (upstream crashes on it)"}
		}
	}
	var out RRule
	raw, ok := wire.Lookup(ms, "freq")
	if !ok {
		return &ValidationError{Path: "freq", Reason: "required"}
	}
	if wire.Kind(raw) == '"' {
		var name string
		_ = json.Unmarshal(raw, &name)
		found := false
		for i, n := range frequencyNames {
			if strings.ToUpper(name) == n {
				out.Freq, found = Frequency(i), true
			}
		}
		if !found {
			return &ValidationError{Path: "freq", Reason: fmt.Sprintf("unknown frequency %q", name)}
		}
	} else {
		n, err := jsonInt(raw)
		if err != nil {
			return prefixed(err, "freq")
		}
		out.Freq = Frequency(n)
	}
	if raw, ok := wire.Lookup(ms, "interval"); ok {
		n, err := jsonInt(raw)
		if err != nil || n < 1 {
			return &ValidationError{Path: "interval", Reason: "must be a positive integer"}
		}
		out.Interval = n
	} else {
		out.Interval = 1
	}
	if raw, ok := wire.Lookup(ms, "wkst"); ok && wire.Kind(raw) != 'n' {
		d, err := readWeekday(raw, out.Freq)
		if err != nil {
			return prefixed(err, "wkst")
		}
		out.Wkst = &d
	}
	if raw, ok := wire.Lookup(ms, "count"); ok && wire.Kind(raw) != 'n' {
		n, err := jsonInt(raw)
		if err != nil || n < 1 {
			return &ValidationError{Path: "count", Reason: "must be null or a positive integer"}
		}
		out.Count = n
	}
	for _, l := range []struct {
		name string
		dst  *[]int
	}{{"bysetpos", &out.Bysetpos}, {"bymonth", &out.Bymonth}, {"bymonthday", &out.Bymonthday}, {"byyearday", &out.Byyearday}, {"byeaster", &out.Byeaster}, {"byweekno", &out.Byweekno}, {"byhour", &out.Byhour}, {"byminute", &out.Byminute}, {"bysecond", &out.Bysecond}} {
		raw, ok := wire.Lookup(ms, l.name)
		if !ok || wire.Kind(raw) == 'n' {
			continue
		}
		v, err := readIntList(raw)
		if err != nil {
			return prefixed(err, l.name)
		}
		*l.dst = v
	}
	if raw, ok := wire.Lookup(ms, "byweekday"); ok && wire.Kind(raw) != 'n' {
		if wire.Kind(raw) == '[' {
			els, err := wire.Elements(raw)
			if err != nil {
				return &ValidationError{Path: "byweekday", Reason: err.Error()}
			}
			out.Byweekday = make([]Weekday, len(els))
			for i, e := range els {
				if out.Byweekday[i], err = readWeekday(e, out.Freq); err != nil {
					return prefixed(err, "byweekday["+strconv.Itoa(i)+"]")
				}
			}
		} else {
			d, err := readWeekday(raw, out.Freq)
			if err != nil {
				return prefixed(err, "byweekday")
			}
			out.Byweekday = []Weekday{d}
		}
	}
	var err error
	if out.Dtstart, err = readStamp(ms, "dtstart"); err != nil {
		return err
	}
	if out.Until, err = readStamp(ms, "until"); err != nil {
		return err
	}
	*r = out
	return nil
}

func readIntList(raw json.RawMessage) ([]int, error) {
	if wire.Kind(raw) == '0' {
		n, err := jsonInt(raw)
		if err != nil {
			return nil, err
		}
		return []int{n}, nil
	}
	if wire.Kind(raw) != '[' {
		return nil, &ValidationError{Reason: "must be null, an integer or a list of integers"}
	}
	els, err := wire.Elements(raw)
	if err != nil {
		return nil, &ValidationError{Reason: err.Error()}
	}
	out := make([]int, len(els))
	for i, e := range els {
		if out[i], err = jsonInt(e); err != nil {
			return nil, prefixed(err, "["+strconv.Itoa(i)+"]")
		}
	}
	return out, nil
}

// readWeekday reads a weekday number or a weekday object. The object's "n"
// (the +1 of FR(+1)) is never written by upstream; it only matters to monthly
// and yearly rules, where this client does not evaluate it.
func readWeekday(raw json.RawMessage, freq Frequency) (Weekday, error) {
	if wire.Kind(raw) == '0' {
		n, err := jsonInt(raw)
		if err != nil {
			return 0, err
		}
		if n < 0 || n > 6 {
			return 0, &ValidationError{Reason: fmt.Sprintf("weekday %d is outside 0..6", n)}
		}
		return Weekday(n), nil
	}
	ms, err := wire.Members(raw)
	if err != nil {
		return 0, &ValidationError{Reason: "must be a weekday number or object"}
	}
	if err := expectTag(ms, "weekday"); err != nil {
		return 0, err
	}
	for _, m := range ms {
		if m.Key != "__type__" && m.Key != "wkday" && m.Key != "n" {
			return 0, &ValidationError{Path: m.Key, Reason: "unknown weekday field"}
		}
	}
	wk, ok := wire.Lookup(ms, "wkday")
	if !ok {
		return 0, &ValidationError{Path: "wkday", Reason: "required"}
	}
	d, err := readWeekday(wk, freq)
	if err != nil {
		return 0, prefixed(err, "wkday")
	}
	if nraw, ok := wire.Lookup(ms, "n"); ok && wire.Kind(nraw) != 'n' {
		n, err := jsonInt(nraw)
		if err != nil {
			return 0, prefixed(err, "n")
		}
		if n == 0 {
			return 0, &ValidationError{Path: "n", Reason: "dateutil refuses n == 0"}
		}
		if freq <= Monthly {
			return 0, &UnsupportedError{Path: "n", Feature: "the nth weekday of a month or year (upstream never writes it)"}
		}
	}
	return d, nil
}

func readStamp(ms []wire.Member, name string) (time.Time, error) {
	raw, ok := wire.Lookup(ms, name)
	if !ok || wire.Kind(raw) == 'n' {
		return time.Time{}, nil
	}
	if wire.Kind(raw) != '0' {
		return time.Time{}, &ValidationError{Path: name, Reason: "must be epoch seconds"}
	}
	secs, err := strconv.ParseFloat(string(bytes.TrimSpace(raw)), 64)
	if err != nil {
		return time.Time{}, &ValidationError{Path: name, Reason: err.Error()}
	}
	offMin := 0.0
	if tzraw, ok := wire.Lookup(ms, name+"_tz"); ok && wire.Kind(tzraw) != 'n' { // null reads as 0
		if wire.Kind(tzraw) != '0' {
			return time.Time{}, &ValidationError{Path: name + "_tz", Reason: "must be a UTC offset in minutes"}
		}
		if offMin, err = strconv.ParseFloat(string(bytes.TrimSpace(tzraw)), 64); err != nil {
			return time.Time{}, &ValidationError{Path: name + "_tz", Reason: err.Error()}
		}
		if offMin <= -1440 || offMin >= 1440 {
			return time.Time{}, &ValidationError{Path: name + "_tz", Reason: "must be strictly between -1440 and 1440 minutes"}
		}
	}
	whole, frac := math.Modf(secs)
	t := time.Unix(int64(whole), int64(math.Round(frac*1e9)))
	if offMin == 0 {
		return t.UTC(), nil
	}
	return t.In(time.FixedZone("", int(math.Round(offMin*60)))), nil
}
