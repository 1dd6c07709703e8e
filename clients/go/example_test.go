package redbeat_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go"
)

// redisURL is where the examples find Redis: the server the tests started.
func redisURL() string {
	if srv == nil {
		return "redis://127.0.0.1:6379/5"
	}
	return srv.URL(5)
}

// The quick start: save entries that an upstream celery-redbeat beat runs,
// read them back with their run state, and remove one.
func Example() {
	ctx := context.Background()
	// The clock is frozen only so that this example's output is stable.
	now := time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC)
	client, err := redbeat.NewFromURL(redisURL(),
		redbeat.WithTimezone(time.UTC), // the beat's Celery timezone
		redbeat.WithClock(func() time.Time { return now }))
	if err != nil {
		panic(err)
	}
	defer client.Close()

	report, _ := redbeat.ParseCrontab("0 9 * * mon-fri") // m h dom mon dow, as Celery reads it
	err = client.SaveMany(ctx, []*redbeat.Entry{
		{Name: "daily-report", Task: "reports.daily", Schedule: report, Kwargs: map[string]any{"format": "pdf"}},
		{Name: "heartbeat", Task: "health.ping", Schedule: redbeat.Every(30 * time.Second), Options: map[string]any{"queue": "health"}},
	})
	if err != nil {
		panic(err)
	}

	entry, err := client.Get(ctx, "daily-report")
	if err != nil {
		panic(err)
	}
	fmt.Println(entry.Task, "next run", entry.NextRun().Format(time.RFC3339), "runs so far", entry.TotalRunCount)

	for e, err := range client.List(ctx) {
		if err != nil {
			panic(err)
		}
		fmt.Println("listed", e.Name)
	}

	_ = client.RunNow(ctx, "daily-report") // the next beat tick sends it
	_ = client.Disable(ctx, "heartbeat")   // kept, but never sent

	deleted, _ := client.Delete(ctx, "heartbeat")
	_, err = client.Get(ctx, "heartbeat")
	fmt.Println("deleted", deleted, "gone", errors.Is(err, redbeat.ErrNotFound))
	client.Delete(ctx, "daily-report")
	// Output:
	// reports.daily next run 2025-01-16T09:00:00Z runs so far 0
	// listed heartbeat
	// listed daily-report
	// deleted true gone true
}

// Invalid values are refused before anything is written, with the field's path.
func ExampleValidationError() {
	client, _ := redbeat.NewFromURL(redisURL())
	defer client.Close()
	err := client.Save(context.Background(), &redbeat.Entry{
		Name: "bad", Task: "t",
		Schedule: redbeat.Crontab{DayOfWeek: redbeat.CronInt(7)}, // Celery counts 0..6 from Sunday
	})
	var ve *redbeat.ValidationError
	fmt.Println(errors.As(err, &ve), ve.Path)
	fmt.Println(err)
	// Output:
	// true schedule.day_of_week
	// redbeat: invalid schedule.day_of_week: invalid value 7: must be between 0 and 6
}

// NextRuns previews when a Celery 5.7 beat fires a schedule; crontab fields are
// matched in the beat's timezone, across DST as Celery does.
func ExampleNextRuns() {
	ny, _ := time.LoadLocation("America/New_York")
	cron := redbeat.Crontab{Minute: redbeat.CronInt(30), Hour: redbeat.CronInt(2)}
	last := time.Date(2025, 3, 7, 12, 0, 0, 0, ny)
	runs, _ := redbeat.NextRuns(cron, last, 3, ny)
	for _, r := range runs {
		fmt.Println(r.Format(time.RFC3339))
	}
	// Output:
	// 2025-03-08T02:30:00-05:00
	// 2025-03-09T03:30:00-04:00
	// 2025-03-10T02:30:00-04:00
}

// An rrule follows dateutil: the next run is strictly after the last one.
func ExampleRRule() {
	weekly := redbeat.RRule{
		Freq:      redbeat.Weekly,
		Byweekday: []redbeat.Weekday{redbeat.Monday, redbeat.Friday},
		Byhour:    []int{8}, Byminute: []int{30}, Bysecond: []int{0},
		Dtstart: time.Date(2025, 1, 6, 8, 30, 0, 0, time.UTC),
	}
	runs, _ := redbeat.NextRuns(weekly, time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC), 2, time.UTC)
	fmt.Println(runs[0].Format(time.RFC3339), runs[1].Format(time.RFC3339))
	// Output:
	// 2025-01-17T08:30:00Z 2025-01-20T08:30:00Z
}

// Extensions: an entry with its own zone, a window, jitter, labels and a
// description (stored where upstream's beat never looks), listed by label and
// previewed as a beat with the extension profile runs it.
func ExampleExtensions() {
	ctx := context.Background()
	now := time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC)
	client, err := redbeat.NewFromURL(redisURL(), redbeat.WithKeyPrefix("example-ext:"),
		redbeat.WithClock(func() time.Time { return now }))
	if err != nil {
		panic(err)
	}
	defer client.Close()

	nine, _ := redbeat.ParseCrontab("0 9 * * *")
	err = client.Save(ctx, &redbeat.Entry{Name: "tokyo-report", Task: "reports.daily", Schedule: nine,
		Extensions: redbeat.Extensions{
			Timezone:    "Asia/Tokyo", // 09:00 on Tokyo's clock, whatever the beat's timezone
			EndAt:       time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC),
			Jitter:      2 * time.Minute,
			CatchUp:     redbeat.CatchUpSkip(),
			Labels:      map[string]string{"tenant": "acme"},
			Description: "acme's daily report",
		}})
	if err != nil {
		panic(err)
	}
	launch := time.Date(2025, 2, 1, 9, 0, 0, 0, time.UTC)
	err = client.Save(ctx, &redbeat.Entry{Name: "launch", Task: "shop.launch",
		Schedule:   redbeat.OneOff{At: launch, DeleteAfterRun: true},
		Extensions: redbeat.Extensions{Labels: map[string]string{"tenant": "acme"}}})
	if err != nil {
		panic(err)
	}

	for e, err := range client.ListByLabels(ctx, map[string]string{"tenant": "acme"}) {
		if err != nil {
			panic(err)
		}
		runs, _ := e.NextRuns(now, 2, client.Timezone())
		fmt.Printf("%s %T %q %v\n", e.Name, e.Schedule, e.Extensions.Timezone, runs)
	}
	history, _ := client.History(ctx, "tokyo-report", 10) // written by redbeat-scheduler's runs
	fmt.Println(len(history), "runs recorded")
	for _, name := range []string{"tokyo-report", "launch"} {
		client.Delete(ctx, name) // with its label index members and history
	}
	// Output:
	// tokyo-report redbeat.Crontab "Asia/Tokyo" [2025-01-16 09:01:50.361 +0900 JST 2025-01-17 09:00:02.064 +0900 JST]
	// launch redbeat.OneOff "" [2025-02-01 09:00:00 +0000 UTC]
	// 0 runs recorded
}
