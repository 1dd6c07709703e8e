package redbeat

import (
	"fmt"
	"math"
	"time"

	rrulego "github.com/teambition/rrule-go"
)

// rrule-go is a port of dateutil's rrule and agrees with it occurrence for
// occurrence (the next-run vectors check this), except where dateutil raises or
// silently never fires; those cases are caught here first:
//   - dateutil drops by* values a HOURLY/MINUTELY/SECONDLY interval can never
//     reach and raises when none is left, and raises while iterating when byhour
//     or byminute can never be reached; rrule-go would loop forever. Both are
//     refused (beat would crash on them).
//   - by* values outside their calendar range are refused by the schema and
//     checkFields; a 0 in bymonthday, byyearday or byweekno (which the schema
//     allows) never matches in dateutil and is dropped here, and a list of
//     nothing but zeros means the rule never fires.

// compile builds the rule as upstream's beat will see it after a round trip:
// dtstart and until at the fixed UTC offset they were stored with, whole seconds.
// In an entry's own zone (zone not nil), the same instants are placed on the
// zone's wall clock, which the rule then steps by.
func (r RRule) compile(now time.Time, zone *time.Location) (*rrulego.RRule, error) {
	dtstart := r.Dtstart
	if dtstart.IsZero() {
		dtstart = now
	}
	dtstart = inZone(storedInstant(dtstart), zone)
	interval := max(r.Interval, 1)
	if err := checkReachable(r, dtstart, interval); err != nil {
		return nil, err
	}
	opt := rrulego.ROption{
		Freq:       rrulego.Frequency(r.Freq),
		Dtstart:    dtstart,
		Interval:   interval,
		Count:      r.Count,
		Bysetpos:   r.Bysetpos,
		Bymonth:    r.Bymonth,
		Bymonthday: nonZero(r.Bymonthday),
		Byyearday:  nonZero(r.Byyearday),
		Byeaster:   r.Byeaster,
		Byweekno:   nonZero(r.Byweekno),
		Byhour:     r.Byhour,
		Byminute:   r.Byminute,
		Bysecond:   r.Bysecond,
	}
	if r.Wkst != nil {
		opt.Wkst = goWeekday(*r.Wkst)
	}
	for _, d := range r.Byweekday {
		opt.Byweekday = append(opt.Byweekday, goWeekday(d))
	}
	if !r.Until.IsZero() {
		opt.Until = inZone(storedInstant(r.Until), zone)
	}
	rule, err := rrulego.NewRRule(opt)
	if err != nil {
		return nil, &UnsupportedError{Feature: fmt.Sprintf("%v (dateutil accepts it but the rule never fires on such values)", err)}
	}
	return rule, nil
}

// nonZero drops zeros, which never match in dateutil.
func nonZero(v []int) []int {
	if v == nil {
		return nil
	}
	out := make([]int, 0, len(v))
	for _, x := range v {
		if x != 0 {
			out = append(out, x)
		}
	}
	return out
}

// neverFires: a by* list of nothing but zeros matches no day at all.
func (r RRule) neverFires() bool {
	for _, v := range [][]int{r.Bymonthday, r.Byyearday, r.Byweekno} {
		if v != nil && len(nonZero(v)) == 0 {
			return true
		}
	}
	return false
}

// neverMatches names the field of a rule that provably has no occurrence at all,
// with the reason ("" when it may match); the Python SDK's
// next_run.never_matches states the same rule. dateutil expands each period
// (a year, month, week, day, hour, minute or second) into its days times the
// times of day the BYxxx fields finer than the frequency give - each given
// field one time per value, a missing one the default from dtstart - and
// bysetpos picks positions in that set. A finer field given as an empty list
// leaves every set empty; a bysetpos whose every position lies beyond the
// largest set picks nothing. dateutil (and upstream's beat) would search such a
// rule up to year 9999, minutes per question for a secondly one.
func (r RRule) neverMatches() (field, reason string) {
	size := map[Frequency]int{Yearly: 366, Monthly: 31, Weekly: 7}[r.Freq]
	if size == 0 {
		size = 1
	}
	for _, f := range []struct {
		name  string
		level Frequency
		v     []int
	}{{"byhour", Hourly, r.Byhour}, {"byminute", Minutely, r.Byminute}, {"bysecond", Secondly, r.Bysecond}} {
		if r.Freq >= f.level || f.v == nil {
			continue
		}
		if len(f.v) == 0 {
			return f.name, "an empty list never matches: no period holds an occurrence"
		}
		distinct := map[int]bool{}
		for _, x := range f.v {
			distinct[x] = true
		}
		size *= len(distinct)
	}
	if len(r.Bysetpos) == 0 {
		return "", ""
	}
	nearest := math.MaxInt
	for _, p := range r.Bysetpos {
		nearest = min(nearest, max(p, -p))
	}
	if nearest > size {
		plural := "s"
		if size == 1 {
			plural = ""
		}
		return "bysetpos", fmt.Sprintf("never matches: a period holds at most %d occurrence%s, and position %d is the nearest asked for", size, plural, nearest)
	}
	return "", ""
}

// storedInstant is t as upstream stores it: whole seconds at a fixed offset.
func storedInstant(t time.Time) time.Time {
	_, off := t.Zone()
	secs := t.Unix()
	if off == 0 {
		return time.Unix(secs, 0).UTC()
	}
	return time.Unix(secs, 0).In(time.FixedZone("", off))
}

func inZone(t time.Time, zone *time.Location) time.Time {
	if zone == nil {
		return t
	}
	return t.In(zone)
}

func goWeekday(d Weekday) rrulego.Weekday {
	return [...]rrulego.Weekday{rrulego.MO, rrulego.TU, rrulego.WE, rrulego.TH, rrulego.FR, rrulego.SA, rrulego.SU}[d]
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// checkReachable refuses the rules dateutil raises on (see the file comment).
func checkReachable(r RRule, dtstart time.Time, interval int) error {
	byset := func(name string, vals []int, start, base int) error {
		if vals == nil {
			return nil
		}
		g := gcd(interval, base)
		for _, v := range vals {
			if g == 1 || ((v-start)%g+g)%g == 0 {
				return nil
			}
		}
		return &ValidationError{Path: name, Reason: fmt.Sprintf("no value can be reached every %d %s from dtstart (dateutil: empty set)", interval, map[Frequency]string{Hourly: "hours", Minutely: "minutes", Secondly: "seconds"}[r.Freq])}
	}
	contains := func(vals []int, v int) bool {
		if len(vals) == 0 { // null or empty: no filter (dateutil tests the list's truth)
			return true
		}
		for _, x := range vals {
			if x == v {
				return true
			}
		}
		return false
	}
	h, m, s := dtstart.Clock()
	switch r.Freq {
	case Hourly:
		return byset("byhour", r.Byhour, h, 24)
	case Minutely:
		if err := byset("byminute", r.Byminute, m, 60); err != nil {
			return err
		}
		// Minutes of the day reachable from dtstart step by the interval.
		g := gcd(interval, 1440)
		for md := (h*60 + m) % g; md < 1440; md += g {
			if contains(r.Byhour, md/60) && contains(r.Byminute, md%60) {
				return nil
			}
		}
		return &ValidationError{Path: "byhour", Reason: "the interval never reaches an allowed hour and minute (dateutil raises)"}
	case Secondly:
		if err := byset("bysecond", r.Bysecond, s, 60); err != nil {
			return err
		}
		g := gcd(interval, 86400)
		for sd := (h*3600 + m*60 + s) % g; sd < 86400; sd += g {
			if contains(r.Byhour, sd/3600) && contains(r.Byminute, sd/60%60) && contains(r.Bysecond, sd%60) {
				return nil
			}
		}
		return &ValidationError{Path: "byhour", Reason: "the interval never reaches an allowed hour, minute and second (dateutil raises)"}
	}
	return nil
}

// next is dateutil's rrule.after(last): strictly after, or none.
func (r RRule) next(last time.Time, env evalEnv) (time.Time, bool, error) {
	if err := r.checkFields(); err != nil {
		return time.Time{}, false, err
	}
	var zone *time.Location
	if env.zoned {
		zone = env.tz
	}
	rule, err := r.compile(env.now, zone)
	if err != nil {
		return time.Time{}, false, err
	}
	if r.neverFires() {
		return time.Time{}, false, nil
	}
	if field, _ := r.neverMatches(); field != "" {
		return time.Time{}, false, nil
	}
	t := rule.After(last, false)
	if t.IsZero() {
		return time.Time{}, false, nil
	}
	return t, true, nil
}
