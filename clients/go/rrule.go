package redbeat

import (
	"fmt"
	"strconv"
	"time"
)

// Frequency is an rrule frequency, numbered as dateutil numbers them.
type Frequency int

const (
	Yearly Frequency = iota
	Monthly
	Weekly
	Daily
	Hourly
	Minutely
	Secondly
)

var frequencyNames = [...]string{"YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"}

func (f Frequency) String() string {
	if f >= 0 && int(f) < len(frequencyNames) {
		return frequencyNames[f]
	}
	return "Frequency(" + strconv.Itoa(int(f)) + ")"
}

// Weekday is a dateutil weekday: 0 = Monday ... 6 = Sunday (unlike crontab's
// day_of_week, where 0 is Sunday).
type Weekday int

const (
	Monday Weekday = iota
	Tuesday
	Wednesday
	Thursday
	Friday
	Saturday
	Sunday
)

// Ptr returns a pointer to a copy of d, for RRule.Wkst.
func (d Weekday) Ptr() *Weekday { return &d }

// RRule is RedBeat's rrule schedule, with dateutil's semantics: the next run is
// the first occurrence strictly after the last run. Slices left nil and a zero
// Count are stored as null; a zero Interval as 1; a zero Dtstart is the client's
// clock at save time (upstream's default too). Dtstart and Until are stored as
// whole epoch seconds with their UTC offset, so after a round trip the rule runs
// at a fixed offset: a daily 09:00 New York rule made in winter fires at 10:00
// New York time in summer. The client evaluates the rule as stored, as beat does.
type RRule struct {
	Freq       Frequency
	Interval   int
	Wkst       *Weekday
	Count      int
	Bysetpos   []int
	Bymonth    []int
	Bymonthday []int
	Byyearday  []int
	Byeaster   []int
	Byweekno   []int
	Byweekday  []Weekday
	Byhour     []int
	Byminute   []int
	Bysecond   []int
	Dtstart    time.Time
	Until      time.Time
}

func (RRule) Type() string { return "rrule" }

func (r RRule) check() error {
	if err := r.checkFields(); err != nil {
		return err
	}
	_, err := r.compile(time.Unix(0, 0), nil)
	return err
}

// checkFields checks what compile does not: ranges of the Go fields.
func (r RRule) checkFields() error {
	if r.Freq < Yearly || r.Freq > Secondly {
		return &ValidationError{Path: "freq", Reason: fmt.Sprintf("must be Yearly..Secondly (0..6), got %d", int(r.Freq))}
	}
	if r.Interval < 0 {
		return &ValidationError{Path: "interval", Reason: "must be positive"}
	}
	if r.Count < 0 {
		return &ValidationError{Path: "count", Reason: "must be positive (0 means no limit)"}
	}
	if r.Wkst != nil && (*r.Wkst < Monday || *r.Wkst > Sunday) {
		return &ValidationError{Path: "wkst", Reason: fmt.Sprintf("weekday %d is outside 0..6", int(*r.Wkst))}
	}
	for i, d := range r.Byweekday {
		if d < Monday || d > Sunday {
			return &ValidationError{Path: "byweekday[" + strconv.Itoa(i) + "]", Reason: fmt.Sprintf("weekday %d is outside 0..6", int(d))}
		}
	}
	for _, l := range []struct {
		name     string
		v        []int
		min, max int
	}{{"bysetpos", r.Bysetpos, -366, 366}, {"bymonth", r.Bymonth, 1, 12}, {"bymonthday", r.Bymonthday, -31, 31},
		{"byyearday", r.Byyearday, -366, 366}, {"byeaster", r.Byeaster, -366, 366}, {"byweekno", r.Byweekno, -53, 53},
		{"byhour", r.Byhour, 0, 23}, {"byminute", r.Byminute, 0, 59}, {"bysecond", r.Bysecond, 0, 59}} {
		for i, v := range l.v {
			if v < l.min || v > l.max {
				return &ValidationError{Path: l.name + "[" + strconv.Itoa(i) + "]", Reason: fmt.Sprintf("%d is outside %d..%d", v, l.min, l.max)}
			}
		}
	}
	for i, p := range r.Bysetpos {
		if p == 0 {
			return &ValidationError{Path: "bysetpos[" + strconv.Itoa(i) + "]", Reason: "must not be 0 (dateutil refuses it)"}
		}
	}
	for _, t := range []struct {
		name string
		t    time.Time
	}{{"dtstart", r.Dtstart}, {"until", r.Until}} {
		if !t.t.IsZero() && (t.t.Year() < 1 || t.t.Year() > 9999) {
			return &ValidationError{Path: t.name, Reason: "year outside 1..9999"}
		}
	}
	return nil
}
