package redbeat

import (
	"errors"
	"math/bits"
	"time"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/walltime"
)

// This file reimplements Celery 5.7's crontab.remaining_delta from its observed
// behaviour. The last run is converted into the beat's timezone; the next run is
// found field by field (a later minute this hour, a later hour today, then a later
// day), and the resulting wall time is read back with Python's fold=0 rule: a
// time in a spring-forward gap counts with the offset before the gap (02:30 in
// New York on the transition day is 07:30Z), a repeated time is its first
// occurrence, so a job at 01:30 runs once on the fall-back day.

var errRollover = errors.New("unable to rollover, time specification is probably invalid")

func has(set uint64, n int) bool { return set&(1<<n) != 0 }

func minOf(set uint64) int { return bits.TrailingZeros64(set) }

func maxOf(set uint64) int { return 63 - bits.LeadingZeros64(set) }

// minAbove returns the smallest member greater than n, if any.
func minAbove(set uint64, n int) (int, bool) {
	rest := set &^ (1<<(n+1) - 1)
	if rest == 0 {
		return 0, false
	}
	return bits.TrailingZeros64(rest), true
}

func members(set uint64) []int {
	var out []int
	for set != 0 {
		n := bits.TrailingZeros64(set)
		out = append(out, n)
		set &^= 1 << n
	}
	return out
}

// next returns the first run after last: the instant Celery's
// last_run_at + remaining_delta(last_run_at) gives.
func (s *cronSets) next(last time.Time, tz *time.Location) (time.Time, error) {
	lw := walltime.Of(last, tz)
	t := lw.T
	dow := int(t.Weekday()) // Sunday = 0, as Celery's isoweekday() % 7
	thisDate := has(s.moy, int(t.Month())) && has(s.dom, t.Day()) && has(s.dow, dow)
	day := func(y int, m time.Month, d, h, mi int) walltime.Wall { return walltime.Date(y, m, d, h, mi, 0, 0) }

	var target walltime.Wall
	if thisDate && has(s.hour, t.Hour()) && t.Minute() < maxOf(s.minute) {
		nm, _ := minAbove(s.minute, t.Minute())
		target = day(t.Year(), t.Month(), t.Day(), t.Hour(), nm)
	} else {
		nm := minOf(s.minute)
		if nh, ok := minAbove(s.hour, t.Hour()); thisDate && ok {
			target = day(t.Year(), t.Month(), t.Day(), nh, nm)
		} else {
			nh := minOf(s.hour)
			if s.allDomMoy {
				nextDay, ok := minAbove(s.dow, dow)
				if !ok {
					nextDay = minOf(s.dow)
				}
				w := day(t.Year(), t.Month(), t.Day(), nh, nm)
				// Advance to the next such weekday (today counts), then a week
				// more when the only weekday left is today's.
				pyWant := (nextDay + 6) % 7
				pyHave := (int(w.T.Weekday()) + 6) % 7
				w = w.AddDays((7 - pyHave + pyWant) % 7)
				if nextDay == dow {
					w = w.AddDays(7)
				}
				target = w
			} else {
				var err error
				if target, err = s.nextDate(t, nh, nm); err != nil {
					return time.Time{}, err
				}
			}
		}
	}
	return walltime.Resolve(target, tz), nil
}

// nextDate is Celery's _delta_to_next: the first (day_of_month, month_of_year)
// after the last run's date whose weekday matches, at nh:nm. A candidate is
// compared with the last run by wall clock (Python compares two datetimes of
// the same zone that way), t being the last run's wall time.
func (s *cronSets) nextDate(t time.Time, nh, nm int) (walltime.Wall, error) {
	doms, moys := members(s.dom), members(s.moy)
	year := t.Year()
	var di, mi int
	if has(s.moy, int(t.Month())) {
		di = bisectRight(doms, t.Day())
		mi = bisectLeft(moys, int(t.Month()))
	} else {
		mi = bisectRight(moys, int(t.Month()))
		if mi == len(moys) {
			mi = 0
		}
	}
	outOfRange := func(y, m, d int) bool {
		return y < 1 || y > 9999 || d > time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	}
	beforeLast := func(y, m, d int) bool {
		return time.Date(y, time.Month(m), d, nh, nm, 0, 0, time.UTC).Before(t)
	}
	rollOver := func() error {
		for range 2000 {
			if di == len(doms) || outOfRange(year, moys[mi], doms[di]) || beforeLast(year, moys[mi], doms[di]) {
				di = 0
				mi++
				if mi == len(moys) {
					mi = 0
					year++
				}
				continue
			}
			return nil
		}
		return &UnsupportedError{Feature: "Celery finds no next run for this crontab (" + errRollover.Error() + ")"}
	}
	if err := rollOver(); err != nil {
		return walltime.Wall{}, err
	}
	for {
		d := time.Date(year, time.Month(moys[mi]), doms[di], 0, 0, 0, 0, time.UTC)
		if has(s.dow, int(d.Weekday())) {
			break
		}
		di++
		if err := rollOver(); err != nil {
			return walltime.Wall{}, err
		}
	}
	return walltime.Date(year, time.Month(moys[mi]), doms[di], nh, nm, 0, 0), nil
}

func bisectRight(xs []int, x int) int {
	i := 0
	for i < len(xs) && xs[i] <= x {
		i++
	}
	return i
}

func bisectLeft(xs []int, x int) int {
	i := 0
	for i < len(xs) && xs[i] < x {
		i++
	}
	return i
}
