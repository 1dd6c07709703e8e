// Command redbeat-bench compares Client.SaveMany with the cheapest way to write
// the same entries by hand: a raw go-redis pipeline of one MULTI per entry
// holding upstream's own commands (HSET definition, HSETNX meta, ZADD score,
// EXEC) with the very bytes SaveMany wrote. Both run on one redis-server that
// tools/topologies starts on a free loopback port; the ratio is SaveMany's
// throughput over the raw pipeline's.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/redistest"
)

func main() {
	batch := flag.Int("batch", 500, "entries per SaveMany call")
	rounds := flag.Int("rounds", 31, "timed rounds of each writer")
	target := flag.Float64("target", 0.80, "ratio to report against")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the SaveMany rounds")
	flag.Parse()

	srv, err := redistest.Up("single")
	if err != nil {
		fmt.Fprintln(os.Stderr, "redbeat-bench:", err)
		os.Exit(1)
	}
	defer srv.Close()
	ctx := context.Background()
	rc := srv.Client()
	defer rc.Close()
	now := time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC)
	client, err := redbeat.New(rc, redbeat.WithClock(func() time.Time { return now }))
	if err != nil {
		panic(err)
	}

	entries := make([]*redbeat.Entry, *batch)
	for i := range entries {
		var sched redbeat.Schedule = redbeat.Every(time.Duration(i%60+1) * time.Second)
		if i%2 == 1 {
			sched = redbeat.Crontab{Minute: redbeat.Cron("*/15"), Hour: redbeat.Cron("9-17"), DayOfWeek: redbeat.Cron("mon-fri")}
		}
		entries[i] = &redbeat.Entry{Name: "bench-" + strconv.Itoa(i), Task: "tasks.bench", Schedule: sched,
			Args: []any{i, "payload"}, Kwargs: map[string]any{"n": i}, Options: map[string]any{"queue": "bench"}}
	}

	// The values SaveMany writes, captured once for the raw writer.
	if err := client.SaveMany(ctx, entries); err != nil {
		panic(err)
	}
	type write struct{ key, def, meta, score string }
	writes := make([]write, len(entries))
	for i, e := range entries {
		key := client.Key(e.Name)
		h := rc.HGetAll(ctx, key).Val()
		score := rc.ZScore(ctx, client.ScheduleKey(), key).Val()
		writes[i] = write{key, h["definition"], h["meta"], strconv.FormatInt(int64(score), 10)}
	}

	saveMany := func() time.Duration {
		rc.FlushDB(ctx)
		start := time.Now()
		if err := client.SaveMany(ctx, entries); err != nil {
			panic(err)
		}
		return time.Since(start)
	}
	raw := func() time.Duration {
		rc.FlushDB(ctx)
		start := time.Now()
		p := rc.Pipeline()
		for _, w := range writes {
			p.Do(ctx, "MULTI")
			p.Do(ctx, "HSET", w.key, "definition", w.def)
			p.Do(ctx, "HSETNX", w.key, "meta", w.meta)
			p.Do(ctx, "ZADD", client.ScheduleKey(), w.score, w.key)
			p.Do(ctx, "EXEC")
		}
		if _, err := p.Exec(ctx); err != nil && err != redis.Nil {
			panic(err)
		}
		return time.Since(start)
	}

	for range 3 { // warm up connections, scripts and caches
		saveMany()
		raw()
	}
	if *cpuprofile != "" {
		f, _ := os.Create(*cpuprofile)
		pprof.StartCPUProfile(f)
		for range 200 {
			saveMany()
		}
		pprof.StopCPUProfile()
		f.Close()
	}
	var ours, theirs []time.Duration
	for range *rounds { // interleaved, so drift hits both alike
		ours = append(ours, saveMany())
		theirs = append(theirs, raw())
	}
	mo, mr := median(ours), median(theirs)
	rate := func(d time.Duration) float64 { return float64(*batch) / d.Seconds() }
	// The ratio is the median of paired rounds (one of each writer, back to
	// back), which keeps other load on the machine from favouring either.
	ratios := make([]float64, len(ours))
	for i := range ours {
		ratios[i] = theirs[i].Seconds() / ours[i].Seconds()
	}
	slices.Sort(ratios)
	ratio := ratios[len(ratios)/2]
	fmt.Printf("go: SaveMany of %d entries: median %v (%.0f entries/s)\n", *batch, mo, rate(mo))
	fmt.Printf("go: raw go-redis pipeline, MULTI per entry (HSET, HSETNX, ZADD): median %v (%.0f entries/s)\n", mr, rate(mr))
	verdict := "meets"
	if ratio < *target {
		verdict = "BELOW"
	}
	fmt.Printf("go: SaveMany / raw pipeline throughput ratio: %.0f%% (%s the %.0f%% target)\n", ratio*100, verdict, *target*100)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
