package redbeat_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go"
)

// The conventions every client follows for bad arguments: the same paths and
// reasons as the Python and TypeScript clients, a typed error, nothing written.

// offline is a go-redis client that is never used: New does not connect.
func offline(t *testing.T) *redis.Client {
	rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { rc.Close() })
	return rc
}

// validationAt fails the test unless err is a *ValidationError at path (with
// reason, when not empty).
func validationAt(t *testing.T, err error, path, reason string) *redbeat.ValidationError {
	t.Helper()
	var ve *redbeat.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a *ValidationError at %q", err, path)
	}
	if ve.Path != path || (reason != "" && ve.Reason != reason) {
		t.Fatalf("got %q: %q, want %q: %q", ve.Path, ve.Reason, path, reason)
	}
	return ve
}

func TestLoadTimezoneRefusesWhatZoneInfoDoesNotKnow(t *testing.T) {
	t.Parallel()
	_, err := redbeat.LoadTimezone("Nope/Zone")
	ve := validationAt(t, err, "timezone", "unknown IANA time zone 'Nope/Zone'")
	if ve.Error() != "redbeat: invalid timezone: unknown IANA time zone 'Nope/Zone'" {
		t.Errorf("message %q", ve.Error())
	}
	// time.LoadLocation takes both (as UTC and the process zone); Python's ZoneInfo neither.
	for _, name := range []string{"", "Local"} {
		_, err := redbeat.LoadTimezone(name)
		validationAt(t, err, "timezone", "unknown IANA time zone '"+name+"'")
	}
	loc, err := redbeat.LoadTimezone("Europe/Berlin")
	if err != nil || loc.String() != "Europe/Berlin" {
		t.Errorf("Europe/Berlin: %v, %v", loc, err)
	}
}

func TestZonesInDataKeepTheirDataPath(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bad := json.RawMessage(`{"__type__": "datetime", "year": 2025, "month": 1, "day": 15, "timezone": "Nope/Zone"}`)
	err := e.c.Save(e.ctx, &redbeat.Entry{Name: "z", Task: "t", Schedule: redbeat.Every(time.Minute), Kwargs: map[string]any{"when": bad}})
	validationAt(t, err, "kwargs.when.timezone", "unknown IANA time zone 'Nope/Zone'")
	e.rc.HSet(e.ctx, e.c.Key("z"), "definition", `{"name": "z", "task": "t", "schedule": {"__type__": "interval", "every": 5.0, "relative": false}}`,
		"meta", `{"last_run_at": `+string(bad)+`}`)
	_, err = e.c.Get(e.ctx, "z")
	var ce *redbeat.CorruptEntryError
	if !errors.As(err, &ce) || ce.Path != "meta.last_run_at.timezone" || ce.Reason != "unknown IANA time zone 'Nope/Zone'" {
		t.Fatalf("got %#v", err)
	}
}

func TestNextRunsRefusesANegativeCount(t *testing.T) {
	t.Parallel()
	c := mustNew(t, offline(t), redbeat.WithClock(frozen(T0)))
	_, err := redbeat.NextRuns(redbeat.Every(time.Minute), T0, -1, time.UTC)
	validationAt(t, err, "n", "must be >= 0")
	_, err = c.NextRuns(redbeat.Crontab{Minute: redbeat.CronInt(0)}, T0, -1)
	validationAt(t, err, "n", "must be >= 0")
	// The count is checked first, as the other clients do, even with a bad schedule.
	_, err = redbeat.NextRuns(redbeat.Every(0), T0, -1, nil)
	validationAt(t, err, "n", "must be >= 0")
	for _, s := range []redbeat.Schedule{redbeat.Every(time.Minute), redbeat.RRule{Freq: redbeat.Daily, Dtstart: T0}} {
		runs, err := c.NextRuns(s, T0, 0)
		if err != nil || len(runs) != 0 {
			t.Errorf("%T with n 0: %v, %v", s, runs, err)
		}
	}
}

func TestSaveManyNamesTheFailingIndexAndWritesNone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var entries []*redbeat.Entry
	for _, name := range []string{"b0", "b1", "b2", "b3", "b4"} {
		entries = append(entries, &redbeat.Entry{Name: name, Task: "t", Schedule: redbeat.Crontab{Minute: redbeat.CronInt(0), Hour: redbeat.CronInt(9)}})
	}
	entries[3].Schedule = redbeat.Crontab{Minute: redbeat.CronInt(0), Hour: redbeat.CronInt(24)}
	err := e.c.SaveMany(e.ctx, entries)
	ve := validationAt(t, err, "[3].schedule.hour", "")
	if !strings.HasPrefix(ve.Error(), "redbeat: invalid [3].schedule.hour: ") {
		t.Errorf("message %q", ve.Error())
	}
	if keys, _ := e.rc.Keys(e.ctx, e.c.KeyPrefix()+"*").Result(); len(keys) != 0 {
		t.Fatalf("a failing bulk write wrote %v", keys)
	}
	// A batch of one is still a batch; Save names no index.
	validationAt(t, e.c.SaveMany(e.ctx, entries[3:4]), "[0].schedule.hour", ve.Reason)
	validationAt(t, e.c.Save(e.ctx, entries[3]), "schedule.hour", ve.Reason)
	validationAt(t, e.c.SaveMany(e.ctx, []*redbeat.Entry{entries[0], nil}), "[1]", "nil entry")
	validationAt(t, e.c.SaveMany(e.ctx, []*redbeat.Entry{entries[0], {Name: "", Task: "t", Schedule: redbeat.Every(time.Minute)}}), "[1].name", "must not be empty")
	if keys, _ := e.rc.Keys(e.ctx, e.c.KeyPrefix()+"*").Result(); len(keys) != 0 {
		t.Fatalf("failing writes wrote %v", keys)
	}
}

func TestEveryCallByNameRefusesEmptyAndReservedNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.c.Save(e.ctx, &redbeat.Entry{Name: "kept", Task: "t", Schedule: redbeat.Every(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func(name string) error{
		"Get":     func(n string) error { _, err := e.c.Get(e.ctx, n); return err },
		"Delete":  func(n string) error { _, err := e.c.Delete(e.ctx, n); return err },
		"Enable":  func(n string) error { return e.c.Enable(e.ctx, n) },
		"Disable": func(n string) error { return e.c.Disable(e.ctx, n) },
		"RunNow":  func(n string) error { return e.c.RunNow(e.ctx, n) },
	}
	for op, call := range calls {
		t.Run(op, func(t *testing.T) {
			validationAt(t, call(""), "name", "must not be empty")
			validationAt(t, call("\xff"), "name", "must be valid UTF-8")
			for _, reserved := range []string{":schedule", ":statics", ":lock"} {
				validationAt(t, call(reserved), "name", "")
			}
		})
	}
	// Delete(":schedule") once removed the schedule sorted set itself.
	if n := e.rc.ZCard(e.ctx, e.c.ScheduleKey()).Val(); n != 1 {
		t.Errorf("the schedule holds %d members, want 1", n)
	}
}

func TestNewRefusesBadArguments(t *testing.T) {
	t.Parallel()
	rc := offline(t)
	_, err := redbeat.New(nil)
	validationAt(t, err, "redis", "")
	_, err = redbeat.New(rc, redbeat.WithKeyPrefix(""))
	validationAt(t, err, "key_prefix", "must not be empty (the default is 'redbeat:')")
	_, err = redbeat.New(rc, nil)
	validationAt(t, err, "options", "")
	_, err = redbeat.New(rc, redbeat.WithTimezone(nil))
	validationAt(t, err, "timezone", "")
}

func TestNewFromURLRefusesOtherSchemesAndMalformedURLs(t *testing.T) {
	t.Parallel()
	_, err := redbeat.NewFromURL("http://x")
	if !errors.Is(err, redbeat.ErrInvalidURL) {
		t.Fatalf("got %v, want ErrInvalidURL", err)
	}
	var ue *redbeat.URLError
	if !errors.As(err, &ue) || ue.Scheme != "http" {
		t.Fatalf("got %#v", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "redbeat: invalid url: unsupported scheme 'http' in 'http://x'") {
		t.Errorf("message %q", msg)
	}
	for _, accepted := range []string{"redis://", "rediss://", "unix://"} {
		if !strings.Contains(msg, accepted) {
			t.Errorf("message %q does not list %s", msg, accepted)
		}
	}
	validationAt(t, err, "url", ue.Reason) // callers handling every bad argument as a ValidationError
	_, err = redbeat.NewFromURL("redis-cluster://127.0.0.1:7000")
	if !errors.As(err, &ue) || ue.Scheme != "redis-cluster" {
		t.Errorf("redis-cluster://: %v", err)
	}

	for _, raw := range []string{"localhost:6379", "redis://:s3cret@host:notaport", "redis://:s3cret@h/not-a-db", "", "unix://"} {
		_, err := redbeat.NewFromURL(raw)
		if !errors.As(err, &ue) || !strings.Contains(ue.Reason, "malformed URL") && !strings.Contains(ue.Reason, "must be a Redis URL") {
			t.Errorf("%q: got %v, want a malformed-URL *URLError", raw, err)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: the password is in the message %q", raw, err)
		}
	}
}
