package redbeat

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/wire"
)

// This file reimplements, from its observed behaviour, how Celery 5.7 expands a
// crontab field into a set of numbers. The quirks are deliberate: a value that
// Celery accepts must be accepted, and one it refuses must be refused, because
// upstream beat crashes on a field Celery refuses.
//
// A string field is split on ",". Each part is tried, anchored at its start only
// (trailing text after a match is ignored), against:
//   1. word "-" word "/" [word]  a range with a step ("1-10/2"; empty step refused)
//   2. word "-" word             a range ("9-17", "fri-mon": wraps past the maximum)
//   3. "*/" [word]               a step over everything ("*/15"; empty step refused)
//   4. "*" (alone)               everything
//   5. otherwise                 a single number or name
// where a word is a run of Unicode letters, digits and "_". A number is read as
// Python's int() reads it (surrounding whitespace, "+", "_" between digits and
// non-ASCII digits are fine; "-" first is refused); failing that, the first three
// letters, lower-cased, name a month (jan=1..dec=12) and then a weekday
// (sun=0..sat=6), in any field.

// cronSets is a crontab expanded to bit sets (bit i = value i).
type cronSets struct {
	minute, hour, dow, dom, moy uint64
	// allDomMoy: day_of_month and month_of_year are both the literal "*", which
	// makes Celery search by weekday only.
	allDomMoy bool
}

var cronBounds = [5]struct{ max, min int }{
	{60, 0}, // minute
	{24, 0}, // hour
	{7, 0},  // day_of_week
	{31, 1}, // day_of_month
	{12, 1}, // month_of_year
}

// daysInMonthMax is Celery's table of the days a month can have (February 29).
var daysInMonthMax = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// cronCache keeps expanded crontabs without list fields (a comparable key):
// schedules repeat, and expanding is the costly part of saving one.
var cronCache = struct {
	sync.Mutex
	m map[cronKey]*cronSets
}{m: map[cronKey]*cronSets{}}

type cronKey struct {
	kind [5]cronKind
	s    [5]string
	n    [5]int
}

const cronCacheMax = 4096

func (c Crontab) compile() (*cronSets, error) {
	var key cronKey
	cacheable := true
	for i, fl := range c.fields() {
		if fl.f.kind == cronList {
			cacheable = false
			break
		}
		key.kind[i], key.s[i], key.n[i] = fl.f.kind, fl.f.s, fl.f.n
	}
	if !cacheable {
		return c.expand()
	}
	cronCache.Lock()
	sets, ok := cronCache.m[key]
	cronCache.Unlock()
	if ok {
		return sets, nil
	}
	sets, err := c.expand()
	if err != nil {
		return nil, err
	}
	cronCache.Lock()
	if len(cronCache.m) >= cronCacheMax {
		clear(cronCache.m)
	}
	cronCache.m[key] = sets
	cronCache.Unlock()
	return sets, nil
}

func (c Crontab) expand() (*cronSets, error) {
	var out [5]uint64
	for i, fl := range c.fields() {
		set, err := expandCronField(fl.f, cronBounds[i].max, cronBounds[i].min)
		if ie, ok := err.(*itemError); ok {
			return nil, &ValidationError{Path: fl.name + "[" + strconv.Itoa(ie.index) + "]", Reason: ie.err.Error()}
		}
		if err != nil {
			return nil, &ValidationError{Path: fl.name, Reason: err.Error()}
		}
		if set == 0 {
			return nil, &ValidationError{Path: fl.name, Reason: "matches no value"}
		}
		out[i] = set
	}
	s := &cronSets{minute: out[0], hour: out[1], dow: out[2], dom: out[3], moy: out[4],
		allDomMoy: c.DayOfMonth.isLiteralStar() && c.MonthOfYear.isLiteralStar()}
	// Celery refuses a crontab that can never fire because no listed day exists
	// in any listed month (February counts 29 days).
	possible := false
	lowestDay := bits.TrailingZeros64(s.dom)
	for m := 1; m <= 12; m++ {
		if s.moy&(1<<m) != 0 && lowestDay <= daysInMonthMax[m] {
			possible = true
		}
	}
	if !possible {
		return nil, &ValidationError{Path: "day_of_month", Reason: fmt.Sprintf("no day in %s occurs in month_of_year %s", c.DayOfMonth, c.MonthOfYear)}
	}
	return s, nil
}

// itemError is an error in one item of a list field.
type itemError struct {
	index int
	err   error
}

func (e *itemError) Error() string { return e.err.Error() }

func expandCronField(f CronField, max, min int) (uint64, error) {
	var set uint64
	add := func(n int) error {
		if n >= max+min || n < min {
			return fmt.Errorf("invalid value %d: must be between %d and %d", n, min, max-1+min)
		}
		set |= 1 << n
		return nil
	}
	switch f.kind {
	case cronStar:
		for n := min; n < max+min; n++ {
			set |= 1 << n
		}
	case cronInt:
		if err := add(f.n); err != nil {
			return 0, err
		}
	case cronList:
		for i, n := range f.list {
			if err := add(n); err != nil {
				return 0, &itemError{index: i, err: err}
			}
		}
	case cronString:
		ns, err := parseCronString(f.s, max, min)
		if err != nil {
			return 0, err
		}
		for _, n := range ns {
			if err := add(n); err != nil {
				return 0, err
			}
		}
	}
	return set, nil
}

func parseCronString(spec string, max, min int) ([]int, error) {
	var acc []int
	for _, part := range strings.Split(spec, ",") {
		if part == "" {
			return nil, fmt.Errorf("empty part in %q", spec)
		}
		ns, err := parseCronPart(part, max, min)
		if err != nil {
			return nil, err
		}
		acc = append(acc, ns...)
	}
	return acc, nil
}

func parseCronPart(part string, max, min int) ([]int, error) {
	// Patterns 1 and 2: a leading word, "-", a word.
	if w1 := wordPrefix(part); w1 != "" && strings.HasPrefix(part[len(w1):], "-") {
		rest := part[len(w1)+1:]
		if w2 := wordPrefix(rest); w2 != "" {
			after := rest[len(w2):]
			if strings.HasPrefix(after, "/") {
				step := wordPrefix(after[1:])
				if step == "" {
					return nil, fmt.Errorf("empty step in %q", part)
				}
				ns, err := cronRange(w1, w2, max, min)
				if err != nil {
					return nil, err
				}
				return everyNth(ns, step)
			}
			return cronRange(w1, w2, max, min)
		}
	}
	// Pattern 3: "*/" and an optional word.
	if strings.HasPrefix(part, "*/") {
		step := wordPrefix(part[2:])
		if step == "" {
			return nil, fmt.Errorf("empty step in %q", part)
		}
		all := make([]int, 0, max)
		for n := min; n < max+min; n++ {
			all = append(all, n)
		}
		return everyNth(all, step)
	}
	// Pattern 4: "^\*$" (Python's "$" also matches before a final newline).
	if part == "*" || part == "*\n" {
		all := make([]int, 0, max)
		for n := min; n < max+min; n++ {
			all = append(all, n)
		}
		return all, nil
	}
	n, err := cronNumber(part, max, min)
	if err != nil {
		return nil, err
	}
	return []int{n}, nil
}

// cronRange expands "from-to"; a range whose end is below its start wraps past
// the maximum ("23-1" is 23, 0, 1).
func cronRange(from, to string, max, min int) ([]int, error) {
	fr, err := cronNumber(from, max, min)
	if err != nil {
		return nil, err
	}
	t, err := cronNumber(to, max, min)
	if err != nil {
		return nil, err
	}
	var out []int
	if t < fr {
		for n := fr; n < min+max; n++ {
			out = append(out, n)
		}
		for n := min; n <= t; n++ {
			out = append(out, n)
		}
		return out, nil
	}
	for n := fr; n <= t; n++ {
		out = append(out, n)
	}
	return out, nil
}

// everyNth keeps every step-th element from the first, as Python's [::step].
func everyNth(ns []int, stepWord string) ([]int, error) {
	step, ok := wire.ParsePyInt(stepWord)
	if !ok {
		return nil, fmt.Errorf("invalid step %q", stepWord)
	}
	if step.Sign <= 0 {
		return nil, fmt.Errorf("step %q must not be zero", stepWord)
	}
	if step.Big {
		return ns[:min(1, len(ns))], nil
	}
	var out []int
	for i := 0; i < len(ns); i += step.N {
		out = append(out, ns[i])
	}
	return out, nil
}

var monthNames = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
var dayNames = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

// cronNumber reads one number or name and checks it against the field's range.
func cronNumber(s string, max, min int) (int, error) {
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("negative numbers are not supported: %q", s)
	}
	var n int
	if v, ok := wire.ParsePyInt(s); ok {
		if v.Big || v.Sign < 0 && v.N > 0 {
			return 0, fmt.Errorf("invalid value %q: must be between %d and %d", s, min, max-1+min)
		}
		n = v.N
		if v.Sign < 0 {
			n = -v.N
		}
	} else {
		abbr := firstRunes(s, 3)
		abbr = strings.ToLower(abbr)
		var found bool
		if n, found = monthNames[abbr]; !found {
			if n, found = dayNames[abbr]; !found {
				return 0, fmt.Errorf("invalid weekday literal %q", s)
			}
		}
	}
	if n > min+max-1 {
		return 0, fmt.Errorf("invalid end range: %d > %d", n, min+max-1)
	}
	if n < min {
		return 0, fmt.Errorf("invalid beginning range: %d < %d", n, min)
	}
	return n, nil
}

func firstRunes(s string, n int) string {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// isWordRune is Python's \w for str patterns: alphanumerics and "_".
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

func wordPrefix(s string) string {
	for i, r := range s {
		if !isWordRune(r) {
			return s[:i]
		}
	}
	return s
}
