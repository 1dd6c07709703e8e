package redbeat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/wire"
)

// Crontab is Celery's crontab, evaluated in the beat's Celery timezone.
// day_of_week counts 0 = Sunday; day_of_month AND day_of_week must both match
// (unlike Vixie cron). A zero field means "*". Field values are accepted exactly
// when Celery 5.7's crontab() accepts them, quirks included: names work in any
// field ("mar" is 3), only their first three letters count ("mon#1" is Monday),
// ranges wrap ("fri-mon"), and "7", "5/15", "L", "?" are refused.
type Crontab struct {
	Minute      CronField
	Hour        CronField
	DayOfWeek   CronField
	DayOfMonth  CronField
	MonthOfYear CronField
}

// ParseCrontab reads "minute hour day_of_month month_of_year day_of_week", split
// on single spaces as Celery's crontab.from_string does, and checks it.
func ParseCrontab(expr string) (Crontab, error) {
	parts := strings.Split(expr, " ")
	if len(parts) != 5 {
		return Crontab{}, &ValidationError{Reason: fmt.Sprintf("a crontab string has 5 space-separated fields, got %d", len(parts))}
	}
	c := Crontab{Minute: Cron(parts[0]), Hour: Cron(parts[1]), DayOfMonth: Cron(parts[2]), MonthOfYear: Cron(parts[3]), DayOfWeek: Cron(parts[4])}
	return c, c.check()
}

// CronField is one crontab field stored exactly as given: a string ("*/15",
// "mon-fri"), an integer (30) or a list of integers ([0, 30]).
type CronField struct {
	kind cronKind
	s    string
	n    int
	list []int
}

type cronKind uint8

const (
	cronStar cronKind = iota // the zero value: "*"
	cronString
	cronInt
	cronList
)

// Cron is a field given as a string, such as "*/15", "9-17" or "mon-fri".
func Cron(spec string) CronField { return CronField{kind: cronString, s: spec} }

// CronInt is a field given as one integer, stored as a JSON number.
func CronInt(n int) CronField { return CronField{kind: cronInt, n: n} }

// CronList is a field given as a list of integers, stored as a JSON array.
func CronList(ns ...int) CronField {
	return CronField{kind: cronList, list: append([]int(nil), ns...)}
}

// String is the field as Celery would print it: the spec, the number, or the list.
func (f CronField) String() string {
	switch f.kind {
	case cronString:
		return f.s
	case cronInt:
		return strconv.Itoa(f.n)
	case cronList:
		b, _ := wire.AppendValue(nil, f.list)
		return string(b)
	default:
		return "*"
	}
}

// Value returns the field as stored: a string, an int or a []int.
func (f CronField) Value() any {
	switch f.kind {
	case cronString:
		return f.s
	case cronInt:
		return f.n
	case cronList:
		return append([]int(nil), f.list...)
	default:
		return "*"
	}
}

// isLiteralStar reports whether the field is the string "*": Celery takes its
// weekday shortcut only when day_of_month and month_of_year are literally "*".
func (f CronField) isLiteralStar() bool {
	return f.kind == cronStar || (f.kind == cronString && f.s == "*")
}

func (f CronField) MarshalJSON() ([]byte, error) { return f.appendJSON(nil) }

func (f CronField) appendJSON(dst []byte) ([]byte, error) {
	switch f.kind {
	case cronString:
		return wire.AppendString(dst, f.s)
	case cronInt:
		return strconv.AppendInt(dst, int64(f.n), 10), nil
	case cronList:
		return wire.AppendValue(dst, f.list)
	default:
		return append(dst, `"*"`...), nil
	}
}

// UnmarshalJSON reads a string, an integer or a list of integers. Python's json
// reads 5.0 as a float, which Celery refuses, so only integer literals pass.
func (f *CronField) UnmarshalJSON(data []byte) error {
	switch wire.Kind(data) {
	case '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return &ValidationError{Reason: err.Error()}
		}
		*f = Cron(s)
	case '0':
		n, err := jsonInt(data)
		if err != nil {
			return err
		}
		*f = CronInt(n)
	case '[':
		els, err := wire.Elements(data)
		if err != nil {
			return &ValidationError{Reason: err.Error()}
		}
		if len(els) == 0 {
			return &ValidationError{Reason: "an empty list matches nothing (Celery fails on it)"}
		}
		ns := make([]int, len(els))
		for i, e := range els {
			if ns[i], err = jsonInt(e); err != nil {
				return prefixed(err, "["+strconv.Itoa(i)+"]")
			}
		}
		*f = CronList(ns...)
	default:
		return &ValidationError{Reason: "must be a string, an integer or a list of integers"}
	}
	return nil
}

func jsonInt(raw []byte) (int, error) {
	if wire.Kind(raw) != '0' {
		return 0, &ValidationError{Reason: "must be an integer"}
	}
	// an integer written as one (schema/README.md, "Limits no schema can state"): ParseInt takes neither
	// a fraction nor an exponent, nor anything beyond int64
	s := string(bytes.TrimSpace(raw))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || int64(int(n)) != n {
		return 0, &ValidationError{Reason: "must be an integer written as digits (no fraction, no exponent) within the signed 64-bit range, not " + s}
	}
	return int(n), nil
}

func (Crontab) Type() string { return "crontab" }

func (c Crontab) fields() [5]struct {
	name string
	f    CronField
} {
	return [5]struct {
		name string
		f    CronField
	}{{"minute", c.Minute}, {"hour", c.Hour}, {"day_of_week", c.DayOfWeek}, {"day_of_month", c.DayOfMonth}, {"month_of_year", c.MonthOfYear}}
}

// MarshalJSON writes all five fields, each exactly as given.
func (c Crontab) MarshalJSON() ([]byte, error) { return scheduleJSON(c) }

func (c Crontab) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"__type__": "crontab"`...)
	for _, fl := range c.fields() {
		dst = append(dst, ", \""...)
		dst = append(dst, fl.name...)
		dst = append(dst, "\": "...)
		var err error
		if dst, err = fl.f.appendJSON(dst); err != nil {
			return dst, &ValidationError{Path: fl.name, Reason: err.Error()}
		}
	}
	return append(dst, '}'), nil
}

// UnmarshalJSON reads a crontab as upstream does: any subset of the five fields,
// a missing one meaning "*"; any other key is refused (it crashes upstream).
func (c *Crontab) UnmarshalJSON(data []byte) error {
	return unmarshalMembers(data, "a crontab", c.fromMembers)
}

func (c *Crontab) fromMembers(ms []wire.Member) error {
	if err := expectTag(ms, "crontab"); err != nil {
		return err
	}
	var out Crontab
	targets := map[string]*CronField{
		"minute": &out.Minute, "hour": &out.Hour, "day_of_week": &out.DayOfWeek,
		"day_of_month": &out.DayOfMonth, "month_of_year": &out.MonthOfYear,
	}
	for _, m := range ms {
		if m.Key == "__type__" {
			continue
		}
		dst, ok := targets[m.Key]
		if !ok {
			return &ValidationError{Path: m.Key, Reason: "unknown crontab field (upstream crashes on it)"}
		}
		if err := dst.UnmarshalJSON(m.Value); err != nil {
			return prefixed(err, m.Key)
		}
	}
	*c = out
	return nil
}

func (c Crontab) check() error {
	_, err := c.compile()
	return err
}

func (c Crontab) next(last time.Time, env evalEnv) (time.Time, bool, error) {
	sets, err := c.compile()
	if err != nil {
		return time.Time{}, false, err
	}
	t, err := sets.next(last, env.tz)
	return t, err == nil, err
}

// unmarshalMembers reads data as a JSON object (a schedule's UnmarshalJSON) and
// hands its members to from; what is not an object "must be WHAT object".
func unmarshalMembers(data []byte, what string, from func([]wire.Member) error) error {
	ms, err := wire.Members(data)
	if err != nil {
		return &ValidationError{Reason: "must be " + what + " object"}
	}
	return from(ms)
}

// expectTag checks the "__type__" member of a tagged object.
func expectTag(ms []wire.Member, want string) error {
	tag, ok := wire.Lookup(ms, "__type__")
	if !ok {
		return &ValidationError{Path: "__type__", Reason: "required"}
	}
	if string(bytes.TrimSpace(tag)) != `"`+want+`"` {
		return &ValidationError{Path: "__type__", Reason: fmt.Sprintf("must be %q, got %s", want, tag)}
	}
	return nil
}
