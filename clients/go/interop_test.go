package redbeat_test

// Interop with upstream celery-redbeat 2.4.2, both ways, on the same Redis:
// upstream's from_key loads and upstream's beat (RedBeatScheduler.tick with
// Celery's clock frozen and send_task recorded) fires what Go wrote, at the
// right ticks and never before; Go reads what upstream wrote, run state included.

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/redistest"
)

// upstream runs interop/upstream_driver.py with the venv's Python.
func upstream(t *testing.T, prefix, tz string, steps []map[string]any) []json.RawMessage {
	t.Helper()
	venv := os.Getenv("REDBEAT_VENV")
	if venv == "" {
		venv = filepath.Join("..", "..", ".venv")
	}
	py := filepath.Join(venv, "bin", "python")
	if _, err := os.Stat(py); err != nil {
		redistest.Missing(t, "the Python venv with celery-redbeat ("+py+"; run make venv)")
	}
	req, _ := json.Marshal(map[string]any{"url": srv.URL(0), "prefix": prefix, "timezone": tz, "steps": steps})
	cmd := exec.Command(py, filepath.Join("interop", "upstream_driver.py"))
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("upstream driver: %v\n%s", err, stderr.String())
	}
	var replies []json.RawMessage
	if err := json.Unmarshal(out, &replies); err != nil {
		t.Fatalf("driver reply %s: %v", out, err)
	}
	return replies
}

type upstreamEntry struct {
	Name          string         `json:"name"`
	Task          string         `json:"task"`
	Args          []any          `json:"args"`
	Kwargs        map[string]any `json:"kwargs"`
	Options       map[string]any `json:"options"`
	Enabled       bool           `json:"enabled"`
	Schedule      string         `json:"schedule"`
	LastRunAt     *string        `json:"last_run_at"`
	TotalRunCount int            `json:"total_run_count"`
	DueAt         *string        `json:"due_at"`
	Score         int64          `json:"score"`
	ZScore        *float64       `json:"zscore"`
}

type tickReply struct {
	Sleep float64 `json:"sleep"`
	Sent  []struct {
		Task    string         `json:"task"`
		Args    []any          `json:"args"`
		Kwargs  map[string]any `json:"kwargs"`
		Options map[string]any `json:"options"`
	} `json:"sent"`
}

func iso(t time.Time) string { return t.Format(time.RFC3339Nano) }

func TestUpstreamBeatFiresWhatGoWrote(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ny := mustLoc(t, "America/New_York")
	entries := []*redbeat.Entry{
		{Name: "a-interval", Task: "tasks.a", Schedule: redbeat.Every(10 * time.Second), Args: []any{1, "é"},
			Kwargs: map[string]any{"when": T0.In(ny)}, Options: map[string]any{"queue": "q"}},
		{Name: "b-cron", Task: "tasks.b", Schedule: redbeat.Crontab{Minute: redbeat.Cron("*/5")}},
		{Name: "c-rrule", Task: "tasks.c", Schedule: redbeat.RRule{Freq: redbeat.Minutely, Count: 3, Dtstart: T0}},
		{Name: "d-off", Task: "tasks.d", Schedule: redbeat.Every(10 * time.Second), Disabled: true},
		{Name: "e-now", Task: "tasks.e", Schedule: redbeat.Every(time.Hour)},
		{Name: "f-relative", Task: "tasks.f", Schedule: redbeat.Interval{Every: time.Hour, Relative: true}},
	}
	if err := e.c.SaveMany(e.ctx, entries); err != nil {
		t.Fatal(err)
	}
	if err := e.c.RunNow(e.ctx, "e-now"); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, en := range entries {
		keys = append(keys, e.c.Key(en.Name))
	}
	ticks := []struct {
		at   time.Duration
		want []string
	}{
		{0, []string{"tasks.e"}},
		{9 * time.Second, nil},
		{10 * time.Second, []string{"tasks.a"}},
		{60 * time.Second, []string{"tasks.a", "tasks.c"}},
		{299 * time.Second, []string{"tasks.a", "tasks.c"}}, // c's third and last occurrence
		{300 * time.Second, []string{"tasks.b"}},
		{3599 * time.Second, []string{"tasks.a", "tasks.b"}},
		{3600 * time.Second, []string{"tasks.b", "tasks.e", "tasks.f"}},
	}
	steps := []map[string]any{{"op": "load", "keys": keys, "now": iso(T0)}}
	for _, tk := range ticks {
		steps = append(steps, map[string]any{"op": "tick", "now": iso(T0.Add(tk.at))})
	}
	replies := upstream(t, e.c.KeyPrefix(), "UTC", steps)

	var loaded []upstreamEntry
	if err := json.Unmarshal(replies[0], &loaded); err != nil {
		t.Fatal(err)
	}
	a := loaded[0]
	if a.Task != "tasks.a" || !reflect.DeepEqual(a.Args, []any{1.0, "é"}) || a.Options["queue"] != "q" ||
		!reflect.DeepEqual(a.Kwargs["when"], map[string]any{"datetime": "2025-01-15T07:00:00-05:00"}) ||
		a.Schedule != "schedule" || a.Score != T0.Unix()+10 || *a.LastRunAt != "2025-01-15T12:00:00+00:00" {
		t.Errorf("upstream loaded a-interval as %+v", a)
	}
	wantSchedules := []string{"schedule", "crontab", "rrule", "schedule", "schedule", "schedule"}
	for i, l := range loaded {
		if l.Schedule != wantSchedules[i] || l.Enabled != !entries[i].Disabled {
			t.Errorf("upstream loaded %s as %+v", entries[i].Name, l)
		}
	}
	if loaded[4].LastRunAt != nil || loaded[5].Score != T0.Unix()+3600 {
		t.Errorf("run-now / relative entries: %+v %+v", loaded[4], loaded[5])
	}

	for i, tk := range ticks {
		var r tickReply
		if err := json.Unmarshal(replies[i+1], &r); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range r.Sent {
			got = append(got, s.Task)
			if s.Task == "tasks.a" && (!reflect.DeepEqual(s.Args, []any{1.0, "é"}) || s.Options["queue"] != "q") {
				t.Errorf("tasks.a sent with %+v", s)
			}
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, tk.want) {
			t.Errorf("tick at T0+%v sent %v, want %v", tk.at, got, tk.want)
		}
	}

	// Go reads the run state upstream's beat wrote.
	*e.now = T0.Add(time.Hour)
	got, err := e.c.Get(e.ctx, "a-interval")
	if err != nil {
		t.Fatal(err)
	}
	if got.TotalRunCount != 4 || !got.LastRunAt.Equal(T0.Add(3599*time.Second)) || *got.Score != T0.Unix()+3609 {
		t.Errorf("after the ticks: count %d, last %v, score %d", got.TotalRunCount, got.LastRunAt, *got.Score)
	}
	if c, _ := e.c.Get(e.ctx, "c-rrule"); c == nil || *c.Score != -1 || c.TotalRunCount != 2 {
		t.Errorf("exhausted rrule: %+v", c)
	}
}

func TestGoReadsWhatUpstreamWrote(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redbeat.WithTimezone(mustLoc(t, "Europe/Berlin")))
	now := T0.Add(30 * time.Second)
	*e.now = now
	replies := upstream(t, e.c.KeyPrefix(), "Europe/Berlin", []map[string]any{
		{"op": "write_fixture", "now": iso(T0)},
		{"op": "tick", "now": iso(now)},
	})
	var keys []string
	json.Unmarshal(replies[0], &keys)
	loaded := upstream(t, e.c.KeyPrefix(), "Europe/Berlin", []map[string]any{{"op": "load", "keys": keys, "now": iso(now)}})
	var want []upstreamEntry
	if err := json.Unmarshal(loaded[0], &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != 7 {
		t.Fatalf("fixture has %d entries", len(want))
	}
	for _, w := range want {
		got, err := e.c.Get(e.ctx, w.Name)
		if err != nil {
			t.Errorf("%s: %v", w.Name, err)
			continue
		}
		if got.Task != w.Task || got.Disabled == w.Enabled || got.TotalRunCount != w.TotalRunCount || w.ZScore == nil || *got.Score != int64(*w.ZScore) {
			t.Errorf("%s: got %+v score %d, upstream %+v", w.Name, got, *got.Score, w)
		}
		if w.LastRunAt == nil {
			if !got.LastRunAt.IsZero() {
				t.Errorf("%s: last run %v", w.Name, got.LastRunAt)
			}
			continue
		}
		last, _ := time.Parse(time.RFC3339Nano, *w.LastRunAt)
		if !got.LastRunAt.Equal(last) {
			t.Errorf("%s: last run %v, upstream %v", w.Name, got.LastRunAt, last)
		}
		// Upstream's due_at is early by now - last_run_at (issue #307): the true
		// next run is due_at + (now - last_run_at), which Go must preview.
		due, _ := time.Parse(time.RFC3339Nano, *w.DueAt)
		next, err := e.c.NextRuns(got.Schedule, got.LastRunAt, 1)
		if err != nil || len(next) != 1 || !next[0].Equal(due.Add(now.Sub(last))) {
			t.Errorf("%s: Go previews %v, upstream's next run is %v (%v)", w.Name, next, due.Add(now.Sub(last)), err)
		}
	}
	// Task data decodes as upstream decodes it.
	up, _ := e.c.Get(e.ctx, "up-interval")
	when, ok := up.Kwargs["when"].(time.Time)
	if !ok || !when.Equal(time.Date(2025, 1, 10, 14, 0, 0, 0, time.UTC)) || when.Location().String() != "America/New_York" {
		t.Errorf("kwargs.when = %#v", up.Kwargs["when"])
	}
	if !reflect.DeepEqual(up.Args, []any{json.Number("1"), "déjà", nil}) || up.Options["queue"] != "q1" {
		t.Errorf("args %#v options %#v", up.Args, up.Options)
	}
	if up.TotalRunCount != 1 {
		t.Errorf("the tick should have run up-interval: %+v", up)
	}
	rr, _ := e.c.Get(e.ctx, "up-rrule")
	if r, ok := rr.Schedule.(redbeat.RRule); !ok || *r.Wkst != redbeat.Sunday || !reflect.DeepEqual(r.Byweekday, []redbeat.Weekday{redbeat.Monday, redbeat.Friday}) {
		t.Errorf("rrule %#v", rr.Schedule)
	}
	n := 0
	for _, err := range e.c.List(e.ctx) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 7 {
		t.Errorf("listed %d of 7", n)
	}
}
