package redbeat_test

// Golden tests against the 73 raw Redis records upstream celery-redbeat 2.4.2
// produced (conformance/upstream/upstream-vectors.json): Go must write the same bytes
// upstream writes, read everything upstream writes, and refuse exactly what
// upstream crashes on or drops.

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/redistest"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/schemafiles"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/upstreamvectors"
)

type dumpValue struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

type entryState struct {
	Fields map[string]string `json:"redis_hash_fields"`
	Score  *string           `json:"zset_score"`
}

type upstreamRecord struct {
	Case  string `json:"case"`
	Phase string `json:"phase"`
	App   struct {
		Prefix   string `json:"redbeat_key_prefix"`
		Timezone string `json:"timezone"`
	} `json:"app"`
	FrozenNow    string                `json:"frozen_now"`
	RedisKey     string                `json:"redis_key"`
	Fields       map[string]string     `json:"redis_hash_fields"`
	Score        *string               `json:"zset_score"`
	Error        string                `json:"error"`
	Logs         []string              `json:"logs"`
	RedisBefore  map[string]dumpValue  `json:"redis_before"`
	RedisDump    map[string]dumpValue  `json:"redis_dump"`
	EntriesAfter map[string]entryState `json:"entries_after"`
}

func loadUpstream(t *testing.T) []upstreamRecord {
	t.Helper()
	raw := upstreamvectors.Read(t)
	var recs []upstreamRecord
	if err := json.Unmarshal(raw, &recs); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 73 {
		t.Fatalf("expected 73 upstream records, got %d", len(recs))
	}
	return recs
}

// upstreamWhere is the upstream records a golden test replays.
func upstreamWhere(t *testing.T, keep func(r upstreamRecord) bool) []upstreamRecord {
	t.Helper()
	var out []upstreamRecord
	for _, r := range loadUpstream(t) {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// goldenDB gives a test a private database of the shared server, flushed.
func goldenDB(t *testing.T, db int) *redis.Client {
	t.Helper()
	redistest.Need(t, srv)
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr(), DB: db})
	t.Cleanup(func() { rc.Close() })
	if err := rc.FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	return rc
}

// lastRunAt reads the instant and the run count out of a raw meta field.
func lastRunAt(t *testing.T, raw string) (time.Time, bool) {
	t.Helper()
	var m struct {
		LastRunAt *struct {
			Year, Month, Day, Hour, Minute, Second, Microsecond int
			Timezone                                            any
		} `json:"last_run_at"`
		Count *int `json:"total_run_count"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil || m.LastRunAt == nil {
		t.Fatalf("meta %s: %v", raw, err)
	}
	d := m.LastRunAt
	loc := time.UTC
	switch z := d.Timezone.(type) {
	case string:
		loc = mustLoc(t, z)
	case float64:
		loc = time.FixedZone("", int(z))
	}
	return time.Date(d.Year, time.Month(d.Month), d.Day, d.Hour, d.Minute, d.Second, d.Microsecond*1000, loc), m.Count != nil
}

// Scores our client gives where upstream's differ because upstream scores from
// its in-memory last run (early by issue #307, or from now on a re-save): the
// true next due time from the stored last run.
var truthScores = map[string]int64{
	"interval_relative":                   1736942400, // 11:47:13 + 1 h rounded down to the hour
	"interval_not_relative_same_last_run": 1736945233, // 11:47:13 + 1 h
	"last_run_at_naive":                   1736942430, // 11:59:30 + 60 s
	"last_run_at_fixed_offset":            1736942430,
	"last_run_at_datetime_timezone_utc":   1736942430,
	"last_run_at_zoneinfo_micro":          1736942430, // 11:59:30.123456Z + 60 s, truncated
	"resave_existing_meta_kept":           1736942520, // 12:00:00 + 120 s
}

// Definitions whose task data holds maps in an order a Go map cannot keep:
// compared as JSON values instead of bytes.
var unorderedDefinitions = map[string]bool{"entry_all_fields": true}

// TestGoldenSaveWritesUpstreamBytes decodes each definition upstream saved,
// saves it again through the client and compares what lands in Redis.
func TestGoldenSaveWritesUpstreamBytes(t *testing.T) {
	rc := goldenDB(t, 1)
	ctx := context.Background()
	records := upstreamWhere(t, func(r upstreamRecord) bool { return r.Phase == "after_save" && r.Fields != nil })
	for _, r := range records {
		t.Run(r.Case, func(t *testing.T) {
			rc.FlushDB(ctx)
			now := parseTime(t, r.FrozenNow)
			c := mustNew(t, rc, redbeat.WithKeyPrefix(r.App.Prefix), redbeat.WithTimezone(mustLoc(t, r.App.Timezone)), redbeat.WithClock(frozen(now)))
			name := strings.TrimPrefix(r.RedisKey, r.App.Prefix)
			// Read upstream's definition through the client...
			rc.HSet(ctx, r.RedisKey, "definition", r.Fields["definition"])
			entry, err := c.Get(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			rc.Del(ctx, r.RedisKey)
			last, ran := lastRunAt(t, r.Fields["meta"])
			fresh := last.Equal(now) && !ran
			if !fresh {
				rc.HSet(ctx, r.RedisKey, "meta", r.Fields["meta"])
			}
			// ...and write it back.
			if err := c.Save(ctx, entry); err != nil {
				t.Fatal(err)
			}
			got := rc.HGetAll(ctx, r.RedisKey).Val()
			m := got["meta"]
			if err := schemafiles.ValidateHash(schemafiles.Write, got["definition"], &m); err != nil {
				t.Errorf("what Go wrote breaks the write profile: %v", err)
			}
			if unorderedDefinitions[r.Case] {
				var a, b any
				json.Unmarshal([]byte(got["definition"]), &a)
				json.Unmarshal([]byte(r.Fields["definition"]), &b)
				if !jsonEqual(a, b) {
					t.Errorf("definition\n got %s\nwant %s", got["definition"], r.Fields["definition"])
				}
			} else if got["definition"] != r.Fields["definition"] {
				t.Errorf("definition\n got %s\nwant %s", got["definition"], r.Fields["definition"])
			}
			score := int64(rc.ZScore(ctx, c.ScheduleKey(), r.RedisKey).Val())
			upstream, _ := strconv.ParseInt(*r.Score, 10, 64)
			if fresh {
				gotLast, _ := lastRunAt(t, got["meta"])
				if !gotLast.Equal(now) || (r.App.Timezone == "UTC" && got["meta"] != r.Fields["meta"]) {
					t.Errorf("meta\n got %s\nwant %s", got["meta"], r.Fields["meta"])
				}
				if score != upstream {
					t.Errorf("score %d, upstream %d", score, upstream)
				}
				return
			}
			if got["meta"] != r.Fields["meta"] {
				t.Errorf("stored meta was not kept: %s", got["meta"])
			}
			want, ok := truthScores[r.Case]
			if !ok {
				t.Fatalf("no expected score for %s (upstream %d, ours %d)", r.Case, upstream, score)
			}
			if score != want {
				t.Errorf("score %d, want %d (upstream's score %d)", score, want, upstream)
			}
		})
	}
	if n := len(records); n != 33 {
		t.Errorf("covered %d after_save records, want 33", n)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// seed writes a raw dump into Redis.
func seed(t *testing.T, rc *redis.Client, dump map[string]dumpValue) {
	t.Helper()
	ctx := context.Background()
	for key, v := range dump {
		switch v.Type {
		case "hash":
			var fields map[string]string
			json.Unmarshal(v.Value, &fields)
			for f, val := range fields {
				rc.HSet(ctx, key, f, val)
			}
		case "zset":
			var members [][2]any
			json.Unmarshal(v.Value, &members)
			for _, m := range members {
				rc.ZAdd(ctx, key, redis.Z{Score: m[1].(float64), Member: m[0]})
			}
		}
	}
}

// TestGoldenReadWhatUpstreamWrites loads every hash upstream left in Redis
// (after saves, at startup, between ticks) and reads it back through the client.
func TestGoldenReadWhatUpstreamWrites(t *testing.T) {
	rc := goldenDB(t, 2)
	ctx := context.Background()
	read := 0
	for _, r := range upstreamWhere(t, func(r upstreamRecord) bool { return r.RedisDump != nil }) {
		dump := r.RedisDump
		rc.FlushDB(ctx)
		seed(t, rc, dump)
		prefix := "redbeat:"
		if strings.Contains(r.Case, "custom_prefix") {
			prefix = "custom"
		}
		c, _ := redbeat.New(rc, redbeat.WithKeyPrefix(prefix), redbeat.WithClock(frozen(T0)))
		for key, v := range dump {
			if v.Type != "hash" {
				continue
			}
			name := strings.TrimPrefix(key, prefix)
			e, err := c.Get(ctx, name)
			if err != nil {
				t.Errorf("%s: %s: %v", r.Case, key, err)
				continue
			}
			read++
			if e.Score == nil && !strings.Contains(key, "static") {
				t.Errorf("%s: %s has no score", r.Case, key)
			}
		}
	}
	if read < 50 {
		t.Errorf("read only %d upstream hashes", read)
	}
}

// TestGoldenScoresAgreeAfterUpstreamRuns takes each entry right after upstream's
// beat ran it, re-saves it through the client, and expects upstream's own new
// score: both score from the stored last run when it is now.
func TestGoldenScoresAgreeAfterUpstreamRuns(t *testing.T) {
	rc := goldenDB(t, 3)
	ctx := context.Background()
	checked := 0
	ran := func(r upstreamRecord) bool {
		return (r.Phase == "tick" || r.Phase == "external_writer") && r.EntriesAfter != nil
	}
	for _, r := range upstreamWhere(t, ran) {
		now := parseTime(t, r.FrozenNow)
		c, _ := redbeat.New(rc, redbeat.WithClock(frozen(now)))
		for key, st := range r.EntriesAfter {
			meta, ok := st.Fields["meta"]
			if !ok || st.Fields["definition"] == "" || st.Score == nil || !strings.Contains(meta, "total_run_count") {
				continue
			}
			if last, _ := lastRunAt(t, meta); !last.Equal(now) {
				continue // not run by this tick
			}
			rc.FlushDB(ctx)
			rc.HSet(ctx, key, "definition", st.Fields["definition"], "meta", meta)
			name := strings.TrimPrefix(key, "redbeat:")
			e, err := c.Get(ctx, name)
			if err != nil {
				t.Errorf("%s %s: %v", r.Case, key, err)
				continue
			}
			if err := c.Save(ctx, e); err != nil {
				t.Errorf("%s %s: %v", r.Case, key, err)
				continue
			}
			want, _ := strconv.ParseInt(*st.Score, 10, 64)
			if got := int64(rc.ZScore(ctx, "redbeat::schedule", key).Val()); got != want {
				t.Errorf("%s %s: score %d, upstream %d", r.Case, key, got, want)
			}
			if m := rc.HGet(ctx, key, "meta").Val(); m != meta {
				t.Errorf("%s %s: meta changed", r.Case, key)
			}
			checked++
		}
	}
	if checked < 8 {
		t.Errorf("checked only %d runs", checked)
	}
}

// TestGoldenExternalWriters replays hand-written hashes and expects the client
// to refuse exactly those that crash upstream beat or that it drops.
func TestGoldenExternalWriters(t *testing.T) {
	rc := goldenDB(t, 4)
	ctx := context.Background()
	records := upstreamWhere(t, func(r upstreamRecord) bool { return r.Phase == "external_writer" })
	for _, r := range records {
		t.Run(r.Case, func(t *testing.T) {
			rc.FlushDB(ctx)
			seed(t, rc, r.RedisBefore)
			c, _ := redbeat.New(rc, redbeat.WithClock(frozen(T0)))
			var members []string
			for key, v := range r.RedisBefore {
				if v.Type == "zset" {
					var ms [][2]any
					json.Unmarshal(v.Value, &ms)
					for _, m := range ms {
						members = append(members, m[0].(string))
					}
					_ = key
				}
			}
			dropped := false
			for _, l := range r.Logs {
				dropped = dropped || strings.Contains(l, "Failed to load")
			}
			for _, key := range members {
				_, err := c.Get(ctx, strings.TrimPrefix(key, "redbeat:"))
				switch {
				case r.Error != "" || dropped:
					if !errors.Is(err, redbeat.ErrCorrupt) && !errors.Is(err, redbeat.ErrNotFound) {
						t.Errorf("%s: upstream fails (%s) but the client read it: %v", key, r.Error, err)
					}
				case err != nil:
					t.Errorf("%s: upstream reads it, the client fails: %v", key, err)
				}
			}
			// What upstream's tick left behind reads the same way.
			for key, st := range r.EntriesAfter {
				rc.Del(ctx, key)
				for f, v := range st.Fields {
					rc.HSet(ctx, key, f, v)
				}
				_, err := c.Get(ctx, strings.TrimPrefix(key, "redbeat:"))
				if r.Error == "" && !dropped && st.Fields["definition"] != "" && err != nil {
					t.Errorf("after the tick %s: %v", key, err)
				}
			}
		})
	}
	if n := len(records); n != 15 {
		t.Errorf("covered %d external-writer records, want 15", n)
	}
}
