package redbeat

// Go's types are the only hand-written ones of the SDK (Python's and TypeScript's
// are generated from schema/), so they are the ones that can drift from it. This
// test walks every object the two schema profiles define: the Go writer must emit
// exactly the properties the write profile declares, and the Go reader must know
// every property the read profile declares, by the schema's name. It runs in
// `make check-generated` as well as in `make test`.

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/schemafiles"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/wire"
)

// goObject is the Go side of one schema object.
type goObject struct {
	// written is what the writer emits when every property it can set is set.
	written []byte
	// readOnly holds values for the properties only the read profile declares
	// (upstream's older layouts), which no Go writer emits.
	readOnly map[string]string
	// read decodes the object as the client reads it from Redis.
	read func(raw []byte) (any, error)
}

func goObjects(t *testing.T) map[string]goObject {
	t.Helper()
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	stamp := time.Date(2025, 7, 4, 9, 30, 15, 250000000, ny)
	var full *Entry
	var rrule Schedule
	for _, e := range sampleEntries(t) {
		switch e.Name {
		case "job: ünïcode/1 😀":
			full = e
		case "rrule-full":
			rrule = e.Schedule
		}
	}
	count := 7
	lastRun := string(must(wire.AppendDatetime(nil, stamp)))
	return map[string]goObject{
		"Definition": {
			written:  must(encodeDefinition(nil, full, full.Schedule)),
			readOnly: map[string]string{"last_run_at": lastRun, "relative": "true", "total_run_count": "3"},
			read: func(raw []byte) (any, error) {
				var e Entry
				err := decodeDefinition(raw, &e)
				return e, err
			},
		},
		"Meta": {
			written: must(encodeMeta(stamp, &count)),
			read:    func(raw []byte) (any, error) { return decodeMeta(raw, true) },
		},
		"Interval": {
			written: must(Interval{Every: 2500 * time.Millisecond, Relative: true}.appendJSON(nil)),
			read: func(raw []byte) (any, error) {
				var iv Interval
				return iv, iv.UnmarshalJSON(raw)
			},
		},
		"Crontab": {
			written: must(Crontab{Minute: Cron("*/15"), Hour: CronInt(7), DayOfWeek: CronList(1, 3),
				DayOfMonth: Cron("1-7"), MonthOfYear: Cron("jan-jun")}.appendJSON(nil)),
			read: func(raw []byte) (any, error) {
				var c Crontab
				return c, c.UnmarshalJSON(raw)
			},
		},
		"RRule": {
			written: must(rrule.appendJSON(nil)),
			read: func(raw []byte) (any, error) {
				var r RRule
				return r, r.UnmarshalJSON(raw)
			},
		},
		"Weekday": {
			written:  appendWeekday(nil, Friday),
			readOnly: map[string]string{"n": "2"},
			read:     func(raw []byte) (any, error) { return readWeekday(raw, Weekly) },
		},
		"Datetime": {
			written: []byte(lastRun),
			read:    func(raw []byte) (any, error) { return wire.DatetimeFromRaw(raw) },
		},
	}
}

// object writes members as one JSON object, in order.
func object(ms []wire.Member) []byte {
	out := []byte{'{'}
	for i, m := range ms {
		if i > 0 {
			out = append(out, ", "...)
		}
		k, _ := json.Marshal(m.Key)
		out = append(append(append(out, k...), ": "...), m.Value...)
	}
	return append(out, '}')
}

func without(ms []wire.Member, key string) []wire.Member {
	return slices.DeleteFunc(slices.Clone(ms), func(m wire.Member) bool { return m.Key == key })
}

func TestGoTypesMatchSchema(t *testing.T) {
	objects := goObjects(t)
	for _, p := range []schemafiles.Profile{schemafiles.Write, schemafiles.Read} {
		defs, err := schemafiles.Objects(p)
		if err != nil {
			t.Fatal(err)
		}
		for name := range objects {
			if _, ok := defs[name]; !ok {
				t.Errorf("%s: the Go types model $defs/%s, which the schema does not define", p, name)
			}
		}
		for name, def := range defs {
			obj, ok := objects[name]
			if !ok {
				t.Errorf("%s: $defs/%s (properties %v) has no Go type", p, name, def.Properties)
				continue
			}
			written, err := wire.Members(obj.written)
			if err != nil {
				t.Fatalf("%s: Go wrote %s: %v", name, obj.written, err)
			}
			var problems []string
			if p == schemafiles.Write {
				problems = writerDrift(def, written)
			} else {
				problems = readerDrift(def, obj, written)
			}
			for _, problem := range problems {
				t.Errorf("%s: $defs/%s%s", p, name, problem)
			}
		}
	}
}

// writerDrift: the writer must emit every property of the write profile and no other name.
func writerDrift(def schemafiles.Object, written []wire.Member) []string {
	var out []string
	for _, prop := range def.Properties {
		if _, ok := wire.Lookup(written, prop); !ok {
			out = append(out, "."+prop+": the Go writer never writes it")
		}
	}
	for _, m := range written {
		if !slices.Contains(def.Properties, m.Key) {
			out = append(out, fmt.Sprintf(" has no property %q, which the Go writer writes (misnamed?)", m.Key))
		}
	}
	return out
}

// readerDrift: the reader must know every property of the read profile by its
// name. Starting from an object with every property set, leaving one out, or
// giving it a value of another type, must change what the reader reads or make it
// refuse. (Accepting the name is not enough: a reader that lists a key as allowed
// may still look up a misspelled one.)
func readerDrift(def schemafiles.Object, obj goObject, written []wire.Member) []string {
	full := slices.Clone(written)
	for _, prop := range def.Properties {
		if _, ok := wire.Lookup(full, prop); ok {
			continue
		}
		v, ok := obj.readOnly[prop]
		if !ok {
			return []string{"." + prop + ": the Go writer never writes it and no read-only sample value is given " +
				"(model it in the Go type, or add a value to readOnly if only readers meet it)"}
		}
		full = append(full, wire.Member{Key: prop, Value: json.RawMessage(v)})
	}
	got, err := obj.read(object(full))
	if err != nil {
		return []string{fmt.Sprintf(": the Go reader refuses %s: %v", object(full), err)}
	}
	reacts := func(ms []wire.Member) bool {
		other, err := obj.read(object(ms))
		return err != nil || !reflect.DeepEqual(got, other)
	}
	var out []string
	for _, prop := range def.Properties {
		poisoned := append(without(full, prop), wire.Member{Key: prop, Value: json.RawMessage(`{"not": "this"}`)})
		if !reacts(without(full, prop)) && !reacts(poisoned) {
			out = append(out, "."+prop+": the Go reader ignores it (misnamed or missing?)")
		}
	}
	return out
}

// The check above must itself be able to fail: a reader that ignores a property,
// and one that refuses it, are both caught.
func TestGoTypesMatchSchemaCatchesDrift(t *testing.T) {
	def := schemafiles.Object{Properties: []string{"a", "b"}, Required: []string{"a"}}
	written := []wire.Member{{Key: "a", Value: json.RawMessage(`1`)}, {Key: "b", Value: json.RawMessage(`2`)}}
	for reader, read := range map[string]func([]byte) (any, error){
		"ignores b": func(raw []byte) (any, error) { return strings.Contains(string(raw), `"a":`), nil },
		"allows b but never reads it": func(raw []byte) (any, error) {
			ms, err := wire.Members(raw)
			for _, m := range ms {
				if m.Key != "a" && m.Key != "b" {
					return nil, &ValidationError{Path: m.Key, Reason: "unknown"}
				}
			}
			return strings.Contains(string(raw), `"a":`), err
		},
		"refuses b": func(raw []byte) (any, error) {
			if strings.Contains(string(raw), `"b":`) {
				return nil, &ValidationError{Path: "b", Reason: "unknown"}
			}
			return strings.Contains(string(raw), `"a":`), nil
		},
	} {
		if problems := readerDrift(def, goObject{read: read}, written); len(problems) != 1 {
			t.Errorf("a reader that %s: %q, want one problem", reader, problems)
		}
	}
	misnamed := []wire.Member{{Key: "a", Value: json.RawMessage(`1`)}, {Key: "bb", Value: json.RawMessage(`2`)}}
	if problems := writerDrift(def, misnamed); len(problems) != 2 {
		t.Errorf("a writer that misnames b: %q, want two problems (b missing, bb unknown)", problems)
	}
}
