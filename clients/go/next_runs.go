package redbeat

import "time"

// NextRuns previews the next n due times of sched after a run at after, as a
// Celery 5.7 beat would fire them if it ticked exactly at each due time (each
// run's last_run_at stamped in the beat timezone). Crontab fields are matched in
// the client's beat timezone; a relative interval rounds in the zone of the run
// before. It stops early when an rrule runs out.
func (c *Client) NextRuns(sched Schedule, after time.Time, n int) ([]time.Time, error) {
	return NextRuns(sched, after, n, c.tz)
}

// NextRuns is Client.NextRuns with an explicit beat timezone (nil: UTC). A zero
// rrule Dtstart counts as after (as a freshly saved rule would have it). n 0
// gives no runs; a negative n is a *ValidationError at "n" ("must be >= 0").
func NextRuns(sched Schedule, after time.Time, n int, tz *time.Location) ([]time.Time, error) {
	if sched == nil {
		return nil, &ValidationError{Path: "schedule", Reason: "required"}
	}
	if n < 0 {
		return nil, &ValidationError{Path: "n", Reason: "must be >= 0"}
	}
	if tz == nil {
		tz = time.UTC
	}
	if err := sched.check(); err != nil {
		return nil, prefixed(err, "schedule")
	}
	env := evalEnv{tz: tz, now: after}
	out := make([]time.Time, 0, n)
	last := after
	for len(out) < n {
		t, ok, err := sched.next(last, env)
		if err != nil {
			return out, err
		}
		if !ok {
			break
		}
		out = append(out, t)
		// Beat stamps a run's last_run_at with its own clock, in its timezone.
		last = t.In(tz)
	}
	return out, nil
}
