package redbeat_test

import (
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/redistest"
)

// extensionCase is one entry built with the Go API and, as a Python
// expression, with the Python SDK's: both must store the same bytes, or refuse
// it at the same field path.
type extensionCase struct {
	name  string
	sched redbeat.Schedule
	ext   redbeat.Extensions
	py    string // Entry(...) keyword arguments after name, task
}

func extensionCases(t *testing.T) []extensionCase {
	paris := mustLoc(t, "Europe/Paris")
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, paris)
	every := redbeat.Every(time.Minute)
	const pyEvery = "schedule=Interval(60)"
	return []extensionCase{
		{"zone", every, redbeat.Extensions{Timezone: "Asia/Tokyo"}, pyEvery + ", extensions=Extensions(timezone='Asia/Tokyo')"},
		{"all", every, redbeat.Extensions{
			Timezone: "Europe/Berlin", StartAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
			EndAt: time.Date(2025, 12, 31, 23, 59, 59, 250000000, paris), Jitter: 30 * time.Second,
			CatchUp: redbeat.CatchUpSkip(), Labels: map[string]string{"team": "ops", "tenant": "acme", "empty": ""},
			Description: "monthly invoices: ünïcode \"quoted\"\n",
		}, pyEvery + ", extensions=Extensions(timezone='Europe/Berlin', start_at=datetime(2025,1,1,tzinfo=timezone.utc)," +
			" end_at=datetime(2025,12,31,23,59,59,250000,tzinfo=ZoneInfo('Europe/Paris')), jitter=timedelta(seconds=30)," +
			" catch_up='skip', labels={'empty': '', 'team': 'ops', 'tenant': 'acme'}, description='monthly invoices: ünïcode \"quoted\"\\n')"},
		{"catch-up-seconds", every, redbeat.Extensions{CatchUp: redbeat.CatchUpWithin(time.Hour)}, pyEvery + ", extensions=Extensions(catch_up=3600)"},
		{"catch-up-once", every, redbeat.Extensions{CatchUp: redbeat.CatchUpOnce()}, pyEvery + ", extensions=Extensions(catch_up='once')"},
		{"one-off", redbeat.OneOff{At: at, DeleteAfterRun: true}, redbeat.Extensions{Labels: map[string]string{"k": "v"}},
			"schedule=OneOff(datetime(2025,3,1,9,tzinfo=ZoneInfo('Europe/Paris')), True), extensions=Extensions(labels={'k': 'v'})"},
		{"plain", every, redbeat.Extensions{}, pyEvery},
		// refused, at the same path
		{"bad-zone", every, redbeat.Extensions{Timezone: "Nope/Zone"}, pyEvery + ", extensions=Extensions(timezone='Nope/Zone')"},
		{"bad-window", every, redbeat.Extensions{StartAt: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), EndAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
			pyEvery + ", extensions=Extensions(start_at=datetime(2025,2,1,tzinfo=timezone.utc), end_at=datetime(2025,1,1,tzinfo=timezone.utc))"},
		{"bad-jitter-ms", every, redbeat.Extensions{Jitter: 1500 * time.Microsecond}, pyEvery + ", extensions=Extensions(jitter=timedelta(microseconds=1500))"},
		{"bad-jitter-day", every, redbeat.Extensions{Jitter: 25 * time.Hour}, pyEvery + ", extensions=Extensions(jitter=timedelta(hours=25))"},
		{"bad-catch-up", every, redbeat.Extensions{CatchUp: redbeat.CatchUpWithin(400 * 24 * time.Hour)}, pyEvery + ", extensions=Extensions(catch_up=400*86400)"},
		{"bad-label-key", every, redbeat.Extensions{Labels: map[string]string{"-x": "v"}}, pyEvery + ", extensions=Extensions(labels={'-x': 'v'})"},
		{"bad-label-value", every, redbeat.Extensions{Labels: map[string]string{"tenant": "a b"}}, pyEvery + ", extensions=Extensions(labels={'tenant': 'a b'})"},
		{"bad-description", every, redbeat.Extensions{Description: strings.Repeat("é", 1001)}, pyEvery + ", extensions=Extensions(description='é'*1001)"},
		{"bad-one-off", redbeat.OneOff{At: at.Add(time.Millisecond)}, redbeat.Extensions{},
			"schedule=OneOff(datetime(2025,3,1,9,0,0,1000,tzinfo=ZoneInfo('Europe/Paris')))"},
	}
}

// pythonExtensions runs the Python SDK over the cases: per case, the stored
// field ("" for none) or the refusal's path.
func pythonExtensions(t *testing.T, cases []extensionCase) []map[string]string {
	t.Helper()
	py := redistest.Python()
	if py == "" {
		redistest.Missing(t, "the repository venv (make venv) for the Python SDK")
	}
	var src strings.Builder
	src.WriteString(`import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from redbeat_sdk import Entry, Interval, ValidationError
from redbeat_sdk.extensions import Extensions
from redbeat_sdk.schedules import OneOff
from redbeat_sdk import codec
out = []
`)
	for _, c := range cases {
		// a mapping of the fields, so that the Entry names the path (Extensions(...) raises before it)
		py := strings.ReplaceAll(c.py, "Extensions(", "dict(")
		src.WriteString("try:\n    e = Entry('" + c.name + "', 't', " + py + ")\n")
		src.WriteString("    out.append({'field': codec.encode_extensions(e, timezone.utc) or ''})\n")
		src.WriteString("except ValidationError as exc:\n    out.append({'path': exc.path})\n")
	}
	src.WriteString("print(json.dumps(out))\n")
	raw, err := exec.Command(py, "-c", src.String()).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("python: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var out []map[string]string
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExtensionsAreWrittenAndRefusedAsPythonDoes(t *testing.T) {
	cases := extensionCases(t)
	want := pythonExtensions(t, cases)
	for i, c := range cases {
		e := redbeat.Entry{Name: c.name, Task: "t", Schedule: c.sched, Extensions: c.ext}
		got, err := e.MarshalExtensions()
		if path, refused := want[i]["path"]; refused {
			if _, ok := c.sched.(redbeat.OneOff); ok {
				path = "schedule." + path // Python's OneOff refuses when it is built, before any Entry
			}
			var ve *redbeat.ValidationError
			if !errors.As(err, &ve) || ve.Path != path {
				t.Errorf("%s: Python refuses it at %q, Go: %v", c.name, path, err)
			}
			continue
		}
		if err != nil || string(got) != want[i]["field"] {
			t.Errorf("%s:\n go     %s (%v)\n python %s", c.name, got, err, want[i]["field"])
		}
	}
}

func TestExtensionsRoundTripThroughRedis(t *testing.T) {
	e := newEnv(t)
	for _, c := range extensionCases(t) {
		entry := &redbeat.Entry{Name: c.name, Task: "t", Schedule: c.sched, Extensions: c.ext}
		want, werr := entry.MarshalExtensions()
		err := e.c.Save(e.ctx, entry)
		if werr != nil {
			if err == nil || !strings.HasPrefix(err.Error(), "redbeat: invalid ") {
				t.Errorf("%s: saved what MarshalExtensions refuses (%v): %v", c.name, werr, err)
			}
			if _, ok := e.hget(c.name, "definition"); ok {
				t.Errorf("%s: refused, but written", c.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		stored, ok := e.hget(c.name, "extensions")
		if ok != (want != nil) || stored != string(want) {
			t.Errorf("%s: stored %q (%v), want %q", c.name, stored, ok, want)
		}
		got, err := e.c.Get(e.ctx, c.name)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		again, _ := got.MarshalExtensions()
		if string(again) != string(want) {
			t.Errorf("%s: read back as %s, want %s", c.name, again, want)
		}
		if _, isOneOff := c.sched.(redbeat.OneOff); isOneOff != (got.Schedule.Type() == "rrule" && isOneOffSchedule(got.Schedule)) {
			t.Errorf("%s: read back as %#v", c.name, got.Schedule)
		}
	}
}

func isOneOffSchedule(s redbeat.Schedule) bool { _, ok := s.(redbeat.OneOff); return ok }

func TestLabelIndexFollowsSavesAndDeletes(t *testing.T) {
	e := newEnv(t)
	save := func(name string, labels map[string]string) {
		t.Helper()
		if err := e.c.Save(e.ctx, &redbeat.Entry{Name: name, Task: "t", Schedule: redbeat.Every(time.Minute),
			Extensions: redbeat.Extensions{Labels: labels}}); err != nil {
			t.Fatal(err)
		}
	}
	names := func(labels map[string]string) []string {
		t.Helper()
		var out []string
		for entry, err := range e.c.ListByLabels(e.ctx, labels) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, entry.Name)
		}
		return out
	}
	save("a", map[string]string{"tenant": "acme", "tier": "gold"})
	save("b", map[string]string{"tenant": "beta"})
	*e.now = e.now.Add(time.Second) // c is due later: listed after a
	save("c", map[string]string{"tenant": "acme"})
	if got := names(map[string]string{"tenant": "acme"}); strings.Join(got, ",") != "a,c" {
		t.Errorf("tenant=acme: %v", got)
	}
	if got := names(map[string]string{"tenant": "acme", "tier": "gold"}); strings.Join(got, ",") != "a" {
		t.Errorf("tenant=acme, tier=gold: %v", got)
	}
	save("a", map[string]string{"tenant": "beta"}) // a re-save moves a's members
	save("b", nil)                                 // and one without labels removes them
	if got := names(map[string]string{"tenant": "beta"}); strings.Join(got, ",") != "a" {
		t.Errorf("tenant=beta after the re-saves: %v", got)
	}
	if _, err := e.c.Delete(e.ctx, "c"); err != nil {
		t.Fatal(err)
	}
	members, err := e.rc.ZRange(e.ctx, e.c.KeyPrefix()+":labels", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := "tenant=beta\n" + e.c.Key("a"); len(members) != 1 || members[0] != want {
		t.Errorf("label index %q, want [%q]", members, want)
	}
	for _, bad := range []map[string]string{nil, {"-bad": "x"}} {
		for _, err := range e.c.ListByLabels(e.ctx, bad) {
			var ve *redbeat.ValidationError
			if !errors.As(err, &ve) || ve.Path != "labels" {
				t.Errorf("ListByLabels(%v): %v", bad, err)
			}
		}
	}
}

func TestHistoryReadsTheSchedulersRecordsAndDeleteRemovesThem(t *testing.T) {
	e := newEnv(t)
	if err := e.c.Save(e.ctx, &redbeat.Entry{Name: "h", Task: "t", Schedule: redbeat.Every(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	key := e.c.KeyPrefix() + ":history:h"
	// newest first, as redbeat-scheduler pushes them (history.encode_record's bytes)
	e.rc.RPush(e.ctx, key,
		`{"due": "2025-01-15T12:01:00.250000Z", "recorded": "2025-01-15T12:01:02+01:00", "task_id": "id-2", "lateness_ms": 1750, "beat": "tok"}`,
		`{"due": null, "recorded": "2025-01-15T12:00:00Z", "task_id": "id-1", "lateness_ms": null, "beat": "tok"}`)
	got, err := e.c.History(e.ctx, "h", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].TaskID != "id-2" || got[0].Lateness == nil || *got[0].Lateness != 1750*time.Millisecond ||
		!got[0].Due.Equal(time.Date(2025, 1, 15, 12, 1, 0, 250000000, time.UTC)) || got[0].Recorded.Format(time.RFC3339) != "2025-01-15T12:01:02+01:00" ||
		!got[1].Due.IsZero() || got[1].Lateness != nil || got[1].Beat != "tok" {
		t.Errorf("history: %+v", got)
	}
	if one, _ := e.c.History(e.ctx, "h", 1); len(one) != 1 || one[0].TaskID != "id-2" {
		t.Errorf("limit 1: %+v", one)
	}
	e.rc.LPush(e.ctx, key, `{"due": null, "recorded": "2025-01-15T12:00:00Z", "task_id": "x", "lateness_ms": null, "beat": "b", "extra": 1}`)
	var ce *redbeat.CorruptEntryError
	if _, err := e.c.History(e.ctx, "h", 0); !errors.As(err, &ce) || ce.Key != key || ce.Path != "extra" {
		t.Errorf("a record with an unknown key: %v", err)
	}
	if _, err := e.c.Delete(e.ctx, "h"); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.rc.Exists(e.ctx, key).Result(); n != 0 {
		t.Error("Delete left the history list")
	}
}

func TestAnExtensionsFieldBreakingTheProfileIsCorrupt(t *testing.T) {
	e := newEnv(t)
	if err := e.c.Save(e.ctx, &redbeat.Entry{Name: "x", Task: "t", Schedule: redbeat.Every(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	for field, path := range map[string]string{
		`{"version": 2}`:                       "extensions.version",
		`{"version": 1, "colour": "red"}`:      "extensions.colour",
		`{"version": 1, "jitter_ms": 0}`:       "extensions.jitter_ms",
		`{"version": 1, "timezone": "Nope/X"}`: "extensions.timezone",
		`{"version": 1, "labels": {"k": 1}}`:   "extensions.labels.k",
		`null`:                                 "extensions",
	} {
		e.rc.HSet(e.ctx, e.c.Key("x"), "extensions", field)
		var ce *redbeat.CorruptEntryError
		if _, err := e.c.Get(e.ctx, "x"); !errors.As(err, &ce) || ce.Path != path {
			t.Errorf("%s: %v, want a corrupt entry at %s", field, err, path)
		}
	}
}

// The extension profile's rules, on instants worked out by hand (the
// conformance suite checks 412 more against the Python SDK).
func TestNextRunsHonourZoneWindowAndJitter(t *testing.T) {
	nineAM, _ := redbeat.ParseCrontab("0 9 * * *")
	after := time.Date(2025, 3, 8, 12, 0, 0, 0, time.UTC)
	zoned := redbeat.Entry{Name: "a", Schedule: nineAM, Extensions: redbeat.Extensions{Timezone: "America/New_York"}}
	runs, err := zoned.NextRuns(after, 3, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	// 09:00 in New York: 14:00 UTC, then 13:00 UTC after the spring change
	for i, want := range []string{"2025-03-08T09:00:00-05:00", "2025-03-09T09:00:00-04:00", "2025-03-10T09:00:00-04:00"} {
		if runs[i].Format(time.RFC3339) != want {
			t.Errorf("zoned run %d: %v, want %s", i, runs[i], want)
		}
	}
	// schema/README.md's jitter example: "demo" due 2025-01-15T12:00:00Z with 60 s jitter runs 5057 ms later
	hourly, _ := redbeat.ParseCrontab("0 * * * *")
	demo := redbeat.Entry{Name: "demo", Schedule: hourly, Extensions: redbeat.Extensions{Jitter: time.Minute,
		EndAt: time.Date(2025, 1, 15, 13, 0, 0, 0, time.UTC)}}
	runs, err = demo.NextRuns(time.Date(2025, 1, 15, 11, 30, 0, 0, time.UTC), 5, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || !runs[0].Equal(time.Date(2025, 1, 15, 12, 0, 5, 57e6, time.UTC)) {
		t.Errorf("jittered runs inside the window: %v", runs)
	}
	window := redbeat.Entry{Name: "w", Schedule: redbeat.Every(time.Hour), Extensions: redbeat.Extensions{
		StartAt: time.Date(2025, 4, 1, 0, 0, 30, 0, time.UTC)}}
	runs, _ = window.NextRuns(after, 2, time.UTC)
	if len(runs) != 2 || !runs[0].Equal(window.Extensions.StartAt) || !runs[1].Equal(window.Extensions.StartAt.Add(time.Hour)) {
		t.Errorf("an interval before its window starts with it: %v", runs)
	}
}
