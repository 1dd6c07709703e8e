package redbeat_test

import (
	"errors"
	"testing"

	redbeat "github.com/redbeat-sdk/redbeat-sdk/clients/go"
)

// An rrule that provably never matches (dateutil would search it up to year
// 9999, minutes per question): the preview has no run at once, and Save refuses
// it with the field's path, as the Python and TypeScript clients do.
func TestRRulesThatNeverMatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	never := []struct {
		rule  redbeat.RRule
		field string
	}{
		{redbeat.RRule{Freq: redbeat.Secondly, Bysetpos: []int{2}}, "bysetpos"},
		{redbeat.RRule{Freq: redbeat.Minutely, Bysecond: []int{0, 30}, Bysetpos: []int{3, -3}}, "bysetpos"},
		{redbeat.RRule{Freq: redbeat.Hourly, Byminute: []int{0, 15}, Bysecond: []int{0, 1}, Bysetpos: []int{5}}, "bysetpos"},
		{redbeat.RRule{Freq: redbeat.Daily, Byhour: []int{}}, "byhour"},
		{redbeat.RRule{Freq: redbeat.Weekly, Byminute: []int{}}, "byminute"},
	}
	for _, c := range never {
		c.rule.Dtstart = T0
		runs, err := redbeat.NextRuns(c.rule, T0, 3, nil)
		if err != nil || len(runs) != 0 {
			t.Errorf("%+v: preview %v %v, want none", c.rule, runs, err)
		}
		err = e.c.Save(e.ctx, &redbeat.Entry{Name: "never", Task: "t", Schedule: c.rule})
		var ve *redbeat.ValidationError
		if !errors.As(err, &ve) || ve.Path != "schedule."+c.field {
			t.Errorf("%+v: save %v, want a ValidationError at schedule.%s", c.rule, err, c.field)
		}
	}
	can := []redbeat.RRule{
		{Freq: redbeat.Secondly, Bysetpos: []int{1}},
		{Freq: redbeat.Minutely, Bysecond: []int{0, 30}, Bysetpos: []int{-2}},
		{Freq: redbeat.Daily, Byhour: []int{9, 17}, Byminute: []int{0, 30}, Bysetpos: []int{4}},
		{Freq: redbeat.Minutely, Byhour: []int{}}, // a coarser field, empty: no filter at all
	}
	for _, r := range can {
		r.Dtstart = T0
		if runs, err := redbeat.NextRuns(r, T0, 1, nil); err != nil || len(runs) != 1 {
			t.Errorf("%+v: preview %v %v, want one run", r, runs, err)
		}
		if err := e.c.Save(e.ctx, &redbeat.Entry{Name: "can", Task: "t", Schedule: r}); err != nil {
			t.Errorf("%+v: save %v", r, err)
		}
	}
}
