package redbeat_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/redistest"
)

const metaT0 = `{"last_run_at": {"__type__": "datetime", "year": 2025, "month": 1, "day": 15, "hour": 12, "minute": 0, "second": 0, "microsecond": 0, "timezone": "UTC"}}`

func TestFirstSaveWritesDefinitionMetaAndScore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	err := e.c.Save(e.ctx, &redbeat.Entry{Name: "every-5s", Task: "tasks.add", Schedule: redbeat.Every(5 * time.Second), Args: []any{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	def, _ := e.hget("every-5s", "definition")
	want := `{"name": "every-5s", "task": "tasks.add", "args": [1, 2], "kwargs": {}, "options": {}, "schedule": {"__type__": "interval", "every": 5.0, "relative": false}, "enabled": true}`
	if def != want {
		t.Errorf("definition\n got %s\nwant %s", def, want)
	}
	if m, _ := e.hget("every-5s", "meta"); m != metaT0 {
		t.Errorf("meta\n got %s\nwant %s", m, metaT0)
	}
	if s, ok := e.score("every-5s"); !ok || s != T0.Unix()+5 {
		t.Errorf("score = %d, %v; want %d", s, ok, T0.Unix()+5)
	}
}

func TestGetReturnsRunState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cron := redbeat.Crontab{Minute: redbeat.Cron("*/15"), Hour: redbeat.Cron("9-17"), DayOfWeek: redbeat.Cron("mon-fri")}
	in := &redbeat.Entry{Name: "cron", Task: "tasks.cron", Schedule: cron, Kwargs: map[string]any{"when": T0.In(mustLoc(t, "Europe/Berlin"))}, Options: map[string]any{"queue": "q1"}}
	if err := e.c.Save(e.ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := e.c.Get(e.ctx, "cron")
	if err != nil {
		t.Fatal(err)
	}
	if !got.LastRunAt.Equal(T0) || got.TotalRunCount != 0 || got.Score == nil || *got.Score != T0.Unix()+15*60 {
		t.Errorf("state = %v %d %v", got.LastRunAt, got.TotalRunCount, got.Score)
	}
	if got.Task != "tasks.cron" || got.Disabled || got.Options["queue"] != "q1" {
		t.Errorf("entry = %+v", got)
	}
	when, ok := got.Kwargs["when"].(time.Time)
	if !ok || !when.Equal(T0) || when.Location().String() != "Europe/Berlin" {
		t.Errorf("kwargs datetime = %#v", got.Kwargs["when"])
	}
	gc, ok := got.Schedule.(redbeat.Crontab)
	if !ok || gc.Minute.String() != "*/15" || gc.DayOfWeek.String() != "mon-fri" || gc.DayOfMonth.String() != "*" {
		t.Errorf("schedule = %#v", got.Schedule)
	}
	if !got.NextRun().Equal(T0.Add(15 * time.Minute)) {
		t.Errorf("NextRun = %v", got.NextRun())
	}
}

func TestResaveKeepsMetaAndScoresFromStoredLastRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.c.Save(e.ctx, &redbeat.Entry{Name: "r", Task: "t1", Schedule: redbeat.Every(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// Beat ran it 10 minutes later (as upstream writes it).
	ran := `{"last_run_at": {"__type__": "datetime", "year": 2025, "month": 1, "day": 15, "hour": 12, "minute": 10, "second": 0, "microsecond": 0, "timezone": "UTC"}, "total_run_count": 1}`
	e.rc.HSet(e.ctx, e.c.Key("r"), "meta", ran)
	*e.now = T0.Add(40 * time.Minute)
	if err := e.c.Save(e.ctx, &redbeat.Entry{Name: "r", Task: "t2", Schedule: redbeat.Every(30 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if m, _ := e.hget("r", "meta"); m != ran {
		t.Errorf("meta changed: %s", m)
	}
	if s, _ := e.score("r"); s != T0.Add(40*time.Minute).Unix() {
		t.Errorf("score = %d, want last run + 30 min = %d", s, T0.Add(40*time.Minute).Unix())
	}
	got, err := e.c.Get(e.ctx, "r")
	if err != nil || got.Task != "t2" || got.TotalRunCount != 1 {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestDisableChangesOnlyEnabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A definition as an external writer left it: other key order, an int every.
	def := `{"name": "d", "task": "t", "schedule": {"__type__": "interval", "every": 60, "relative": false}, "args": [1, "\u00e9"], "enabled": true, "kwargs": {"b": 1.50, "a": []}}`
	e.rc.HSet(e.ctx, e.c.Key("d"), "definition", def, "meta", metaT0)
	e.rc.ZAdd(e.ctx, e.c.ScheduleKey(), redis.Z{Score: 123, Member: e.c.Key("d")})
	if err := e.c.Disable(e.ctx, "d"); err != nil {
		t.Fatal(err)
	}
	got, _ := e.hget("d", "definition")
	if want := strings.Replace(def, `"enabled": true`, `"enabled": false`, 1); got != want {
		t.Errorf("definition\n got %s\nwant %s", got, want)
	}
	if m, _ := e.hget("d", "meta"); m != metaT0 {
		t.Errorf("meta changed: %s", m)
	}
	if s, _ := e.score("d"); s != 123 {
		t.Errorf("score changed: %d", s)
	}
	entry, err := e.c.Get(e.ctx, "d")
	if err != nil || !entry.Disabled {
		t.Fatalf("get: %+v %v", entry, err)
	}
}

func TestEnableRescoresFromStoredMeta(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.c.Save(e.ctx, &redbeat.Entry{Name: "x", Task: "t", Schedule: redbeat.Every(time.Minute), Disabled: true}); err != nil {
		t.Fatal(err)
	}
	e.rc.ZAdd(e.ctx, e.c.ScheduleKey(), redis.Z{Score: 0, Member: e.c.Key("x")})
	*e.now = T0.Add(time.Hour)
	if err := e.c.Enable(e.ctx, "x"); err != nil {
		t.Fatal(err)
	}
	def, _ := e.hget("x", "definition")
	if !strings.HasSuffix(def, `"enabled": true}`) {
		t.Errorf("definition %s", def)
	}
	if s, _ := e.score("x"); s != T0.Unix()+60 {
		t.Errorf("score = %d, want stored last run + 60 = %d", s, T0.Unix()+60)
	}
}

func TestRunNowKeepsCountAndScoresNow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.c.Save(e.ctx, &redbeat.Entry{Name: "n", Task: "t", Schedule: redbeat.Every(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	e.rc.HSet(e.ctx, e.c.Key("n"), "meta", strings.TrimSuffix(metaT0, "}")+`, "total_run_count": 7}`)
	*e.now = T0.Add(90 * time.Second)
	if err := e.c.RunNow(e.ctx, "n"); err != nil {
		t.Fatal(err)
	}
	if m, _ := e.hget("n", "meta"); m != `{"last_run_at": null, "total_run_count": 7}` {
		t.Errorf("meta = %s", m)
	}
	if s, _ := e.score("n"); s != T0.Unix()+90 {
		t.Errorf("score = %d", s)
	}
	got, err := e.c.Get(e.ctx, "n")
	if err != nil || !got.LastRunAt.IsZero() || got.TotalRunCount != 7 {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestDeleteRemovesHashAndMember(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.c.Save(e.ctx, &redbeat.Entry{Name: "gone", Task: "t", Schedule: redbeat.Every(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.c.Delete(e.ctx, "gone"); !ok || err != nil {
		t.Fatalf("delete = %v, %v", ok, err)
	}
	if n := e.rc.Exists(e.ctx, e.c.Key("gone")).Val(); n != 0 {
		t.Error("hash left")
	}
	if _, ok := e.score("gone"); ok {
		t.Error("member left")
	}
	if ok, err := e.c.Delete(e.ctx, "gone"); ok || err != nil {
		t.Fatalf("second delete = %v, %v", ok, err)
	}
}

func TestMissingEntryIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.c.Get(e.ctx, "nope")
	var nf *redbeat.NotFoundError
	if !errors.Is(err, redbeat.ErrNotFound) || !errors.As(err, &nf) || nf.Key != e.c.Key("nope") {
		t.Errorf("Get: %v", err)
	}
	for name, op := range map[string]func() error{
		"Enable":  func() error { return e.c.Enable(e.ctx, "nope") },
		"Disable": func() error { return e.c.Disable(e.ctx, "nope") },
		"RunNow":  func() error { return e.c.RunNow(e.ctx, "nope") },
	} {
		if err := op(); !errors.Is(err, redbeat.ErrNotFound) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := e.rc.Exists(e.ctx, e.c.Key("nope")).Val(); n != 0 {
		t.Error("a failed operation wrote the key")
	}
}

func TestInvalidEntriesNameTheFieldAndWriteNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ok := redbeat.Every(time.Minute)
	cases := []struct {
		entry redbeat.Entry
		path  string
	}{
		{redbeat.Entry{Name: "", Task: "t", Schedule: ok}, "name"},
		{redbeat.Entry{Name: ":schedule", Task: "t", Schedule: ok}, "name"},
		{redbeat.Entry{Name: "a", Task: "", Schedule: ok}, "task"},
		{redbeat.Entry{Name: "a", Task: "t"}, "schedule"},
		{redbeat.Entry{Name: "a", Task: "t", Schedule: redbeat.Every(0)}, "schedule.every"},
		{redbeat.Entry{Name: "a", Task: "t", Schedule: redbeat.Crontab{Minute: redbeat.Cron("5/15")}}, "schedule.minute"},
		{redbeat.Entry{Name: "a", Task: "t", Schedule: redbeat.Crontab{DayOfWeek: redbeat.CronInt(7)}}, "schedule.day_of_week"},
		{redbeat.Entry{Name: "a", Task: "t", Schedule: redbeat.Crontab{DayOfMonth: redbeat.Cron("30"), MonthOfYear: redbeat.CronInt(2)}}, "schedule.day_of_month"},
		{redbeat.Entry{Name: "a", Task: "t", Schedule: redbeat.RRule{Freq: redbeat.Hourly, Interval: 2, Byhour: []int{1}, Dtstart: T0}}, "schedule.byhour"},
		{redbeat.Entry{Name: "a", Task: "t", Schedule: ok, Args: []any{1, math.NaN()}}, "args[1]"},
		{redbeat.Entry{Name: "a", Task: "t", Schedule: ok, Kwargs: map[string]any{"x": "\xff"}}, "kwargs.x"},
		{redbeat.Entry{Name: "a", Task: "t", Schedule: ok, Options: map[string]any{"eta": time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}, "options.eta"},
		{redbeat.Entry{Name: "a", Task: "t", Schedule: ok, Kwargs: map[string]any{"raw": json.RawMessage(`{"__type__": "datetime", "year": 2025}`)}}, "kwargs.raw.month"},
	}
	for _, c := range cases {
		err := e.c.Save(e.ctx, &c.entry)
		var ve *redbeat.ValidationError
		if !errors.As(err, &ve) || ve.Path != c.path {
			t.Errorf("%+v: got %v, want a ValidationError at %q", c.entry, err, c.path)
		}
	}
	keys, _ := e.rc.Keys(e.ctx, e.c.KeyPrefix()+"*").Result()
	if len(keys) != 0 {
		t.Errorf("invalid saves wrote %v", keys)
	}
}

func TestSaveManyChecksEveryEntryFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	err := e.c.SaveMany(e.ctx, []*redbeat.Entry{
		{Name: "good", Task: "t", Schedule: redbeat.Every(time.Minute)},
		{Name: "bad", Task: "t", Schedule: redbeat.Crontab{Hour: redbeat.Cron("24")}},
	})
	var ve *redbeat.ValidationError
	if !errors.As(err, &ve) || ve.Path != "[1].schedule.hour" {
		t.Fatalf("got %v", err)
	}
	if n := e.rc.Exists(e.ctx, e.c.Key("good")).Val(); n != 0 {
		t.Error("the valid entry was written")
	}
	// New and existing entries mixed in one batch.
	if err := e.c.Save(e.ctx, &redbeat.Entry{Name: "old", Task: "t", Schedule: redbeat.Every(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	*e.now = T0.Add(10 * time.Second)
	batch := []*redbeat.Entry{{Name: "old", Task: "t2", Schedule: redbeat.Every(time.Minute)}, {Name: "new", Task: "t", Schedule: redbeat.Every(time.Minute)}}
	if err := e.c.SaveMany(e.ctx, batch); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.score("old"); s != T0.Unix()+60 {
		t.Errorf("old score %d", s)
	}
	if s, _ := e.score("new"); s != T0.Unix()+70 {
		t.Errorf("new score %d", s)
	}
}

func TestListYieldsEntriesAndCorruptOnes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i, name := range []string{"a", "b", "c"} {
		*e.now = T0.Add(time.Duration(i) * time.Second)
		if err := e.c.Save(e.ctx, &redbeat.Entry{Name: name, Task: "t", Schedule: redbeat.Every(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	e.rc.HSet(e.ctx, e.c.Key("bad"), "definition", "{not json")
	e.rc.ZAdd(e.ctx, e.c.ScheduleKey(), redis.Z{Score: 1, Member: e.c.Key("bad")}, redis.Z{Score: 2, Member: e.c.Key("ghost")})
	var names []string
	var corrupt, gone int
	for entry, err := range e.c.List(e.ctx) {
		if errors.Is(err, redbeat.ErrCorrupt) {
			corrupt++
			continue
		}
		if errors.Is(err, redbeat.ErrNotFound) {
			gone++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, entry.Name)
	}
	if strings.Join(names, ",") != "a,b,c" || corrupt != 1 || gone != 1 {
		t.Errorf("names %v, corrupt %d, gone %d", names, corrupt, gone)
	}
}

func TestRRuleWithoutDtstartStartsNow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.c.Save(e.ctx, &redbeat.Entry{Name: "rr", Task: "t", Schedule: redbeat.RRule{Freq: redbeat.Hourly}}); err != nil {
		t.Fatal(err)
	}
	got, err := e.c.Get(e.ctx, "rr")
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Schedule.(redbeat.RRule); !r.Dtstart.Equal(T0) || r.Interval != 1 {
		t.Errorf("rrule %+v", r)
	}
	if *got.Score != T0.Unix()+3600 {
		t.Errorf("score %d", *got.Score)
	}
}

func TestExhaustedRRuleScoresMinusOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	once := redbeat.RRule{Freq: redbeat.Minutely, Count: 1, Dtstart: T0.Add(-time.Hour)}
	if err := e.c.Save(e.ctx, &redbeat.Entry{Name: "once", Task: "t", Schedule: once}); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.score("once"); s != -1 {
		t.Errorf("score %d", s)
	}
}

func TestClusterNeedsHashTaggedPrefix(t *testing.T) {
	t.Parallel()
	cl := redistest.StartTopology(t, "cluster")
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Info.Addrs})
	defer cc.Close()
	if _, err := redbeat.New(cc); !errors.Is(err, redbeat.ErrClusterConfig) {
		t.Fatalf("untagged prefix: %v", err)
	}
	if _, err := redbeat.New(cc, redbeat.WithKeyPrefix("{rb:")); !errors.Is(err, redbeat.ErrClusterConfig) {
		t.Fatalf("unclosed tag: %v", err)
	}
	c := mustNew(t, cc, redbeat.WithKeyPrefix("{redbeat}:"), redbeat.WithClock(frozen(T0)))
	exerciseClient(t, c)
}

// exerciseClient runs every operation once through c.
func exerciseClient(t *testing.T, c *redbeat.Client) {
	t.Helper()
	ctx := t.Context()
	entries := []*redbeat.Entry{
		{Name: "a", Task: "t", Schedule: redbeat.Every(time.Minute)},
		{Name: "b", Task: "t", Schedule: redbeat.Crontab{Minute: redbeat.CronInt(0)}},
	}
	if err := c.SaveMany(ctx, entries); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(ctx, entries[0]); err != nil {
		t.Fatal(err)
	}
	for _, op := range []func(context.Context, string) error{c.Disable, c.Enable, c.RunNow} {
		if err := op(ctx, "a"); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.Get(ctx, "b")
	if err != nil || *got.Score != T0.Unix()+3600 {
		t.Fatalf("get: %+v %v", got, err)
	}
	n := 0
	for _, err := range c.List(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("listed %d", n)
	}
	if ok, err := c.Delete(ctx, "a"); !ok || err != nil {
		t.Fatalf("delete %v %v", ok, err)
	}
}

// busyBeat records a run (a new meta) just before every compare-and-write
// script call of the client it is hooked into.
type busyBeat struct {
	rc   *redis.Client
	key  string
	runs int
}

func (b *busyBeat) DialHook(next redis.DialHook) redis.DialHook { return next }

func (b *busyBeat) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (b *busyBeat) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		// EVALSHA sha 3 lock schedule entry, then the six ARGV of lua/update.lua (an EVAL after a
		// NOSCRIPT is the same attempt)
		if args := cmd.Args(); len(args) == 12 && cmd.Name() == "evalsha" {
			b.runs++
			b.rc.HSet(ctx, b.key, "meta", strings.Replace(metaT0, `"second": 0`, fmt.Sprintf(`"second": %d`, b.runs), 1))
		}
		return next(ctx, cmd)
	}
}

func TestAnEntryChangingBeforeEveryAttemptIsAConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.c.Save(e.ctx, &redbeat.Entry{Name: "busy", Task: "t", Schedule: redbeat.Every(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	hooked := srv.Client()
	t.Cleanup(func() { hooked.Close() })
	beat := &busyBeat{rc: e.rc, key: e.c.Key("busy")}
	hooked.AddHook(beat)
	racing := mustNew(t, hooked, redbeat.WithKeyPrefix(e.c.KeyPrefix()), redbeat.WithClock(frozen(T0)))
	err := racing.RunNow(e.ctx, "busy")
	var conflict *redbeat.ConflictError
	if !errors.As(err, &conflict) || !errors.Is(err, redbeat.ErrConflict) || conflict.Key != e.c.Key("busy") {
		t.Fatalf("err = %v", err)
	}
	if beat.runs != 10 {
		t.Errorf("%d attempts", beat.runs)
	}
	if m, _ := e.hget("busy", "meta"); strings.Contains(m, `"last_run_at": null`) {
		t.Errorf("the last attempt wrote %s", m)
	}
}

func TestReadersRefuseInvalidUTF8AndDeepNesting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.c.Save(e.ctx, &redbeat.Entry{Name: "ok", Task: "t", Schedule: redbeat.Every(time.Minute), Args: []any{"x"}}); err != nil {
		t.Fatal(err)
	}
	def, _ := e.hget("ok", "definition")
	meta, _ := e.hget("ok", "meta")
	nested := func(depth int) string {
		return strings.Replace(def, `["x"]`, strings.Repeat("[", depth)+strings.Repeat("]", depth), 1)
	}
	cases := map[string][2]string{
		"bad-def":  {strings.Replace(def, `"x"`, "\"x\xff\"", 1), meta},
		"bad-meta": {def, strings.Replace(meta, `"UTC"`, "\"U\xc3\x28\"", 1)},
		"deep":     {nested(129), meta},
		"deep-ok":  {nested(127), meta}, // with the definition's own object: 128 levels
	}
	for name, fields := range cases {
		e.rc.HSet(e.ctx, e.c.Key(name), "definition", fields[0], "meta", fields[1])
		e.rc.ZAdd(e.ctx, e.c.ScheduleKey(), redis.Z{Score: 1, Member: e.c.Key(name)})
	}
	reasons := map[string]string{}
	for entry, err := range e.c.List(e.ctx) {
		var ce *redbeat.CorruptEntryError
		if errors.As(err, &ce) {
			reasons[ce.Key[len(e.c.Key("")):]] = ce.Path + ": " + ce.Reason
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		reasons[entry.Name] = "read"
	}
	want := map[string]string{
		"ok":       "read",
		"deep-ok":  "read",
		"bad-def":  "definition: not valid UTF-8",
		"bad-meta": "meta: not valid UTF-8",
		"deep":     "definition: JSON nested deeper than 128 levels",
	}
	for name, reason := range want {
		if reasons[name] != reason {
			t.Errorf("%s: got %q, want %q", name, reasons[name], reason)
		}
	}
}
