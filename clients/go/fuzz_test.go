package redbeat

import (
	"errors"
	"strings"
	"testing"
)

// FuzzReadStored: whatever the two hash fields hold, the reader returns an
// entry or an error storedError turns into a *CorruptEntryError or an
// *UnsupportedError naming the key - never a panic. `go test` runs the seeds;
// `go test -fuzz FuzzReadStored -fuzztime 60s` (make chaos) mutates them, and
// a failing input is kept under testdata/fuzz/ for replay.
func FuzzReadStored(f *testing.F) {
	def := `{"name": "job", "task": "tasks.ping", "args": ["job", 1], "kwargs": {}, "options": {}, "schedule": {"__type__": "interval", "every": 5.0, "relative": false}, "enabled": true}`
	meta := `{"last_run_at": {"__type__": "datetime", "year": 2025, "month": 1, "day": 15, "hour": 12, "minute": 0, "second": 0, "microsecond": 0, "timezone": "UTC"}, "total_run_count": 3}`
	f.Add(def, meta)
	f.Add(def, "")
	f.Add(strings.Replace(def, "5.0", "1e400", 1), meta)
	f.Add(strings.Replace(def, `"tasks.ping"`, "\"t\xff\"", 1), meta)
	f.Add(strings.Replace(def, `["job", 1]`, strings.Repeat("[", 200)+strings.Repeat("]", 200), 1), meta)
	f.Add(strings.Replace(def, `"interval", "every": 5.0, "relative": false`, `"crontab", "minute": "*/0"`, 1), meta)
	f.Add(`{"task": "t", "schedule": {"__type__": "rrule", "freq": 6, "interval": 1, "dtstart": -99999999999}}`, meta)
	f.Add(def, strings.Replace(meta, `"UTC"`, `"Mars/Olympus"`, 1))
	f.Fuzz(func(t *testing.T, definition, metaRaw string) {
		var e *Entry
		err := checkStored("definition", definition)
		if err == nil {
			err = checkStored("meta", metaRaw)
		}
		if err == nil {
			e, err = decodeEntry("job", []byte(definition), []byte(metaRaw), true)
		}
		if err == nil {
			if e == nil || e.Schedule == nil {
				t.Fatalf("no error and no entry for %q / %q", definition, metaRaw)
			}
			return
		}
		stored := storedError("redbeat:job", err)
		var ce *CorruptEntryError
		var ue *UnsupportedError
		if !errors.As(stored, &ce) && !errors.As(stored, &ue) {
			t.Fatalf("%T is neither corrupt nor unsupported: %v", stored, stored)
		}
	})
}
