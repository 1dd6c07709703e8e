package redbeat

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// What the reader takes from stored data at the edges of the contract
// (schema/README.md): nulls upstream reads as missing, integers written as one
// within the signed 64-bit range, dates and offsets a datetime holds, intervals a
// timedelta holds. Each refusal names the field, as the other readers do.

const (
	limitsLastRun  = `{"__type__": "datetime", "year": 2026, "month": 1, "day": 5, "hour": 12, "minute": 0, "second": 0, "microsecond": 0, "timezone": "UTC"}`
	limitsRRule    = `{"__type__": "rrule", "freq": 3, "interval": 1, "dtstart": 1767225600, "dtstart_tz": 0}`
	limitsInterval = `{"__type__": "interval", "every": 60.0, "relative": false}`
)

func limitsDefinition(schedule string, raw ...string) string {
	members := map[string]string{"name": `"job"`, "task": `"tasks.ping"`, "args": "null", "kwargs": "{}", "options": "{}", "schedule": schedule, "enabled": "true"}
	for i := 0; i+1 < len(raw); i += 2 {
		members[raw[i]] = raw[i+1]
	}
	parts := []string{}
	for _, k := range []string{"name", "task", "args", "kwargs", "options", "schedule", "enabled"} {
		parts = append(parts, `"`+k+`": `+members[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func limitsMeta(count string) string {
	return `{"last_run_at": ` + limitsLastRun + `, "total_run_count": ` + count + `}`
}

func limitsRead(t *testing.T, definition, meta string) (*Entry, error) {
	t.Helper()
	e, err := decodeEntry("job", []byte(definition), []byte(meta), true)
	if err != nil {
		return nil, storedError("redbeat:job", err)
	}
	return e, nil
}

func refusedAt(t *testing.T, err error, path string) {
	t.Helper()
	var ce *CorruptEntryError
	if !errors.As(err, &ce) {
		t.Fatalf("want a corrupt entry at %s, got %v", path, err)
	}
	if ce.Key != "redbeat:job" || ce.Path != path {
		t.Fatalf("want key redbeat:job path %s, got %q %q (%s)", path, ce.Key, ce.Path, ce.Reason)
	}
}

func TestNullsReadAsMissing(t *testing.T) {
	e, err := limitsRead(t, limitsDefinition(limitsInterval, "name", "null"), limitsMeta("null"))
	if err != nil || e.Name != "job" || e.TotalRunCount != 0 {
		t.Fatalf("null name and run count: %+v %v", e, err)
	}
	nulls := strings.Replace(strings.Replace(limitsRRule, "1767225600", "null", 1), `"dtstart_tz": 0`, `"dtstart_tz": null`, 1)
	e, err = limitsRead(t, limitsDefinition(nulls), limitsMeta("3"))
	if err != nil || !e.Schedule.(RRule).Dtstart.IsZero() {
		t.Fatalf("null dtstart: %+v %v", e, err)
	}
	until := strings.Replace(limitsRRule, "}", `, "until": 1767312000, "until_tz": null}`, 1)
	e, err = limitsRead(t, limitsDefinition(until), limitsMeta("3"))
	if err != nil || !e.Schedule.(RRule).Until.Equal(time.Unix(1767312000, 0)) {
		t.Fatalf("null until_tz: %+v %v", e, err)
	}
	relative := `{"__type__": "interval", "every": 60.0, "relative": null}`
	e, err = limitsRead(t, limitsDefinition(relative), limitsMeta("3"))
	if err != nil || e.Schedule != (Interval{Every: time.Minute}) {
		t.Fatalf("null relative: %+v %v", e, err)
	}
}

func TestIntegerFieldsTakeDigitsWithinInt64(t *testing.T) {
	for _, count := range []string{"0", "9223372036854775807"} {
		if _, err := limitsRead(t, limitsDefinition(limitsInterval), limitsMeta(count)); err != nil {
			t.Fatalf("%s: %v", count, err)
		}
	}
	for _, count := range []string{"3.0", "3e0", "1E2", "1e308", "1e-400", "9223372036854775808", "18446744073709551616", "-1"} {
		_, err := limitsRead(t, limitsDefinition(limitsInterval), limitsMeta(count))
		refusedAt(t, err, "meta.total_run_count")
	}
	for _, c := range [][2]string{{"interval", "1e308"}, {"interval", "2.0"}, {"freq", "3.0"}, {"freq", "1e-400"}, {"count", "9223372036854775808"}} {
		rule := strings.Replace(limitsRRule, `"`+c[0]+`": `, `"x": `, 1)
		rule = strings.Replace(rule, "}", `, "`+c[0]+`": `+c[1]+"}", 1)
		rule = strings.Replace(strings.Replace(rule, `"x": 3, `, "", 1), `"x": 1, `, "", 1)
		_, err := limitsRead(t, limitsDefinition(rule), limitsMeta("3"))
		refusedAt(t, err, "definition.schedule."+c[0])
	}
	_, err := limitsRead(t, limitsDefinition(limitsInterval), strings.Replace(limitsMeta("3"), `"minute": 0`, `"minute": 0.0`, 1))
	refusedAt(t, err, "meta.last_run_at.minute")
}

func TestStampsOffsetsAndIntervalsADatetimeHolds(t *testing.T) {
	for _, c := range [][2]string{
		{"dtstart", "253402300800"}, {"dtstart", "-62135596801"}, {"dtstart", "123456789012345678901234567890"},
		{"dtstart", "9007199254740993"}, {"dtstart_tz", "1440"}, {"dtstart_tz", "1e308"}, {"dtstart_tz", "-2147483648"},
	} {
		old := `"dtstart": 1767225600`
		if c[0] == "dtstart_tz" {
			old = `"dtstart_tz": 0`
		}
		rule := strings.Replace(limitsRRule, old, `"`+c[0]+`": `+c[1], 1)
		_, err := limitsRead(t, limitsDefinition(rule), limitsMeta("3"))
		refusedAt(t, err, "definition.schedule."+c[0])
	}
	shifted := strings.Replace(strings.Replace(limitsRRule, "1767225600", "253402300799", 1), `"dtstart_tz": 0`, `"dtstart_tz": 60.0`, 1)
	_, err := limitsRead(t, limitsDefinition(shifted), limitsMeta("3"))
	refusedAt(t, err, "definition.schedule.dtstart")
	for _, every := range []string{"86400000000000", "1e308", "123456789012345678901234567890"} {
		_, err := limitsRead(t, limitsDefinition(`{"__type__": "interval", "every": `+every+`, "relative": false}`), limitsMeta("3"))
		refusedAt(t, err, "definition.schedule.every")
		_, err = limitsRead(t, limitsDefinition(every), limitsMeta("3"))
		refusedAt(t, err, "definition.schedule")
	}
}
