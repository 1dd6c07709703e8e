package redbeat

// Every value the client encodes, and every shared example and upstream vector,
// is checked against schema/ (write and read profiles) with a JSON Schema
// 2020-12 validator, and the client's reader must agree with the read profile
// (schema_types_test.go checks the Go types' property names against it).

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/keys"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/schemafiles"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/upstreamvectors"
)

var schemaT0 = time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC)

// sampleEntries exercise every field and schedule form the client can write.
func sampleEntries(t *testing.T) []*Entry {
	ny, _ := time.LoadLocation("America/New_York")
	sun := Sunday
	return []*Entry{
		{Name: "interval", Task: "t", Schedule: Every(5 * time.Second)},
		{Name: "interval-relative", Task: "t", Schedule: Interval{Every: 2500 * time.Millisecond, Relative: true}, Disabled: true},
		{Name: "crontab", Task: "t", Schedule: Crontab{Minute: Cron("*/15"), Hour: CronInt(7), DayOfWeek: CronList(1, 3), DayOfMonth: Cron("1-7"), MonthOfYear: Cron("jan-jun")}},
		{Name: "crontab-default", Task: "t", Schedule: Crontab{}},
		{Name: "rrule-full", Task: "t", Schedule: RRule{Freq: Weekly, Interval: 2, Wkst: &sun, Count: 5, Bysetpos: []int{1}, Bymonth: []int{1, 2},
			Bymonthday: []int{1, -1}, Byyearday: []int{1}, Byeaster: []int{0}, Byweekno: []int{1}, Byweekday: []Weekday{Monday, Friday},
			Byhour: []int{9}, Byminute: []int{0}, Bysecond: []int{0}, Dtstart: time.Date(2025, 1, 10, 9, 0, 0, 0, ny), Until: time.Date(2026, 1, 10, 9, 0, 0, 0, ny)}},
		{Name: "rrule-min", Task: "t", Schedule: RRule{Freq: Daily, Dtstart: schemaT0}},
		{Name: "job: ünïcode/1 😀", Task: "tasks.t", Schedule: Every(time.Minute),
			Args:    []any{1, "two", nil, 2.5, true, []any{}, map[string]any{}, schemaT0.In(ny), time.Date(2025, 1, 1, 0, 0, 0, 5000, time.FixedZone("x", -18000))},
			Kwargs:  map[string]any{"text": "été", "n": json.Number("1.50"), "raw": json.RawMessage(`{"a": [true, null], "z": 1}`), "nested": map[string]any{"when": schemaT0}},
			Options: map[string]any{"queue": "q1", "expires": 30, "priority": 5}},
	}
}

func validate(t *testing.T, p schemafiles.Profile, def []byte, meta []byte) error {
	t.Helper()
	var m *string
	if meta != nil {
		s := string(meta)
		m = &s
	}
	return schemafiles.ValidateHash(p, string(def), m)
}

func TestEncodedValuesAreValidWrites(t *testing.T) {
	count := 3
	metas := [][]byte{}
	for _, mk := range []func() ([]byte, error){
		func() ([]byte, error) { return encodeMeta(schemaT0, nil) },
		func() ([]byte, error) { return encodeMeta(time.Time{}, &count) },
		func() ([]byte, error) { return encodeMeta(schemaT0.In(time.FixedZone("", 3600)), &count) },
	} {
		m, err := mk()
		if err != nil {
			t.Fatal(err)
		}
		metas = append(metas, m)
	}
	for _, e := range sampleEntries(t) {
		def, err := encodeDefinition(nil, e, e.Schedule)
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		for _, m := range metas {
			for _, p := range []schemafiles.Profile{schemafiles.Write, schemafiles.Read} {
				if err := validate(t, p, def, m); err != nil {
					t.Errorf("%s against %s: %v\n%s\n%s", e.Name, p, err, def, m)
				}
			}
		}
		// The entry's own MarshalJSON is the same definition, and reads back.
		if e.Name != "rrule-min" {
			if mj, err := e.MarshalJSON(); err != nil || string(mj) != string(def) {
				t.Errorf("%s: MarshalJSON %s %v", e.Name, mj, err)
			}
			// encoding/json compacts a Marshaler's output: same data, no spaces.
			var a, b any
			compact, err := json.Marshal(*e)
			if err != nil || json.Unmarshal(compact, &a) != nil || json.Unmarshal(def, &b) != nil || !reflect.DeepEqual(a, b) {
				t.Errorf("%s: json.Marshal %s %v", e.Name, compact, err)
			}
			var back Entry
			if err := json.Unmarshal(def, &back); err != nil || back.Name != e.Name || back.Task != e.Task {
				t.Errorf("%s: UnmarshalJSON %+v %v", e.Name, back, err)
			}
		}
		// What was written reads back to the same bytes.
		back, err := decodeEntry(e.Name, def, metas[0], true)
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		again, err := encodeDefinition(nil, back, back.Schedule)
		if err != nil || string(again) != string(def) {
			t.Errorf("%s: round trip\n got %s\nwant %s (%v)", e.Name, again, def, err)
		}
	}
}

type example struct {
	Description string                     `json:"description"`
	Hash        map[string]json.RawMessage `json:"hash"`
}

func loadExamples(t *testing.T, dir string) map[string]example {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "schema", "examples", dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in %s: %v", dir, err)
	}
	out := map[string]example{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ex example
		if err := json.Unmarshal(raw, &ex); err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = ex
	}
	return out
}

func (ex example) fields() ([]byte, []byte) {
	def := []byte(ex.Hash["definition"])
	meta, ok := ex.Hash["meta"]
	if !ok {
		return def, nil
	}
	return def, []byte(meta)
}

func TestSchemaExamplesAgreeWithTheReader(t *testing.T) {
	for _, dir := range []string{"valid/write", "valid/read", "invalid"} {
		for file, ex := range loadExamples(t, dir) {
			def, meta := ex.fields()
			writeErr := validate(t, schemafiles.Write, def, meta)
			readErr := validate(t, schemafiles.Read, def, meta)
			_, decErr := decodeEntry("x", def, meta, meta != nil)
			var ue *UnsupportedError
			switch dir {
			case "valid/write":
				if writeErr != nil || readErr != nil || decErr != nil {
					t.Errorf("%s/%s (%s): write %v, read %v, client %v", dir, file, ex.Description, writeErr, readErr, decErr)
				}
			case "valid/read":
				if readErr != nil || (decErr != nil && !errors.As(decErr, &ue)) {
					t.Errorf("%s/%s (%s): read %v, client %v", dir, file, ex.Description, readErr, decErr)
				}
			case "invalid":
				if writeErr == nil || readErr == nil || decErr == nil {
					t.Errorf("%s/%s (%s): write %v, read %v, client %v (all must refuse)", dir, file, ex.Description, writeErr, readErr, decErr)
				}
			}
			// A valid write example re-encodes to a valid write.
			if dir == "valid/write" && decErr == nil {
				e, _ := decodeEntry("x", def, meta, meta != nil)
				if again, err := encodeDefinition(nil, e, e.Schedule); err != nil {
					t.Errorf("%s: %v", file, err)
				} else if err := validate(t, schemafiles.Write, again, meta); err != nil {
					t.Errorf("%s: re-encoded: %v", file, err)
				}
			}
		}
	}
}

func TestUpstreamVectorsValidate(t *testing.T) {
	raw := upstreamvectors.Read(t)
	var recs []struct {
		Case   string            `json:"case"`
		Phase  string            `json:"phase"`
		Fields map[string]string `json:"redis_hash_fields"`
	}
	if err := json.Unmarshal(raw, &recs); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range recs {
		if r.Phase != "after_save" || r.Fields == nil {
			continue
		}
		n++
		meta := []byte(r.Fields["meta"])
		if err := validate(t, schemafiles.Write, []byte(r.Fields["definition"]), meta); err != nil {
			t.Errorf("%s: %v", r.Case, err)
		}
	}
	if n == 0 {
		t.Fatal("no after_save records")
	}
}

func TestKeyBuildersMatchLayout(t *testing.T) {
	l, err := schemafiles.LoadLayout()
	if err != nil {
		t.Fatal(err)
	}
	k := keys.Keys{Prefix: keys.DefaultPrefix}
	if l.DefaultPrefix != keys.DefaultPrefix || l.SchemaVersion != 1 {
		t.Errorf("layout %+v", l)
	}
	for name, suffix := range map[string]string{"schedule": k.Schedule(), "statics": k.Statics(), "lock": k.Lock()} {
		if keys.DefaultPrefix+l.Suffixes[name] != suffix {
			t.Errorf("%s key %q, layout suffix %q", name, suffix, l.Suffixes[name])
		}
	}
}

func TestEmbeddedSchemaMatchesRepository(t *testing.T) {
	for _, f := range []string{"write.schema.json", "read.schema.json", "layout.json"} {
		want, err := os.ReadFile(filepath.Join("..", "..", "schema", f))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := schemafiles.FS.ReadFile("schema/" + f)
		if string(got) != string(want) {
			t.Errorf("internal/schemafiles/schema/%s is stale: run make -C clients/go generate", f)
		}
	}
}
