package redbeat

import (
	"bytes"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/schemafiles"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/wire"
)

// The extension profile's objects against schema/extensions.schema.json, as
// TestGoTypesMatchSchema does for the definition and meta: the Go writer emits
// exactly the properties declared, the Go reader knows every one by its name.
// HistoryRecord is only read here (redbeat-scheduler writes it).
func TestGoTypesMatchSchemaExtensions(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	full := Extensions{Timezone: "Asia/Tokyo", StartAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		EndAt: time.Date(2025, 6, 1, 12, 0, 0, 500, paris), Jitter: 1500 * time.Millisecond, CatchUp: CatchUpWithin(time.Hour),
		Labels: map[string]string{"tenant": "acme"}, Description: "d"}
	if err := full.check(); err != nil {
		t.Fatal(err)
	}
	written := appendExtensions(nil, full, OneOff{At: time.Date(2025, 3, 1, 9, 0, 0, 0, paris), DeleteAfterRun: true})
	ms, err := wire.Members(written)
	if err != nil {
		t.Fatal(err)
	}
	marker, _ := wire.Lookup(ms, "one_off")
	record := []byte(`{"due": "2025-01-15T12:00:00Z", "recorded": "2025-01-15T12:00:01.5+01:00", "task_id": "id", "lateness_ms": 1500, "beat": "tok"}`)
	objects := map[string]struct {
		written  []byte
		readOnly bool
		read     func([]byte) (any, error)
	}{
		"RedBeatExtensions": {written: written, read: func(raw []byte) (any, error) {
			x, m, err := decodeExtensions(raw)
			return []any{x, m}, err
		}},
		"OneOff":        {written: marker, read: func(raw []byte) (any, error) { return decodeMarker(raw) }},
		"HistoryRecord": {written: record, readOnly: true, read: func(raw []byte) (any, error) { return decodeRecord(string(raw)) }},
	}
	defs, err := schemafiles.Objects(schemafiles.Extensions)
	if err != nil {
		t.Fatal(err)
	}
	for name, def := range defs {
		obj, ok := objects[name]
		if !ok {
			t.Errorf("$defs/%s (properties %v) has no Go type", name, def.Properties)
			continue
		}
		members, err := wire.Members(obj.written)
		if err != nil {
			t.Fatalf("%s: %s: %v", name, obj.written, err)
		}
		var problems []string
		if !obj.readOnly {
			problems = writerDrift(def, members)
		}
		problems = append(problems, readerDrift(def, goObject{read: obj.read}, members)...)
		for _, p := range problems {
			t.Errorf("extensions: %s%s", name, p)
		}
	}
	for name := range objects {
		if _, ok := defs[name]; !ok {
			t.Errorf("the Go types model %s, which extensions.schema.json does not define", name)
		}
	}
	// and what the Go writer writes is valid under the profile
	s, err := schemafiles.Schema(schemafiles.Extensions)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(written))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(doc); err != nil {
		t.Errorf("%s breaks extensions.schema.json: %v", written, err)
	}
}
