// Command redbeat-conformance is the Go client's conformance driver: it reads
// one JSON request per line on stdin and answers one JSON line on stdout, as
// conformance/PROTOCOL.md (version 1) describes. It only maps requests onto
// the client's API; the runner decides what passes.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/wire"
)

type request struct {
	Seq       int             `json:"seq"`
	Op        string          `json:"op"`
	Now       string          `json:"now"`
	RedisURL  string          `json:"redis_url"`
	KeyPrefix *string         `json:"key_prefix"`
	Timezone  string          `json:"timezone"`
	Entry     json.RawMessage `json:"entry"`
	// Extensions is the entry's extensions field in its stored form (extension vectors).
	Extensions json.RawMessage `json:"extensions"`
	Name       string          `json:"name"`
	Cases      []previewCase   `json:"cases"`
}

type previewCase struct {
	ID        string          `json:"id"`
	Schedule  json.RawMessage `json:"schedule"`
	Timezone  string          `json:"timezone"`
	LastRunAt json.RawMessage `json:"last_run_at"`
	Now       string          `json:"now"`
	Count     int             `json:"count"`
	// Name and Extensions: an extension case (the entry's zone, window and jitter apply).
	Name       string          `json:"name"`
	Extensions json.RawMessage `json:"extensions"`
}

// failure is a protocol error answer.
type failure struct {
	Type   string  `json:"type"`
	Path   *string `json:"path"`
	Reason string  `json:"reason"`
}

type driver struct {
	rc     redis.UniversalClient
	client *redbeat.Client
	url    string
	prefix string
	tz     *time.Location
	now    time.Time
}

func main() {
	d := &driver{}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 256<<20)
	out := bufio.NewWriter(os.Stdout)
	for in.Scan() {
		var req request
		answer := map[string]any{}
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			answer["error"] = failure{Type: "internal", Reason: "bad request: " + err.Error()}
		} else {
			answer = d.handle(req)
		}
		answer["seq"] = req.Seq
		line, _ := json.Marshal(answer)
		out.Write(append(line, '\n'))
		out.Flush()
		if req.Op == "stop" {
			return
		}
	}
}

func (d *driver) handle(req request) (answer map[string]any) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(os.Stderr, "panic: %v\n%s", p, debug.Stack())
			answer = map[string]any{"error": failure{Type: "internal", Reason: fmt.Sprint(p)}}
		}
	}()
	if req.Now != "" {
		t, err := time.Parse(time.RFC3339Nano, req.Now)
		if err != nil {
			return map[string]any{"error": failure{Type: "internal", Reason: "bad now: " + err.Error()}}
		}
		d.now = t
	}
	var result any
	var err error
	switch req.Op {
	case "start":
		if err = d.configure(req); err == nil {
			result = map[string]any{"implementation": map[string]any{"name": "go", "language": "go", "version": version(),
				"dependencies": dependencies()}}
		}
	case "configure":
		err = d.configure(req)
		result = map[string]any{}
	case "save":
		result, err = d.save(req.Entry, req.Extensions)
	case "get":
		var e *redbeat.Entry
		if e, err = d.client.Get(context.Background(), req.Name); err == nil {
			var w map[string]any
			w, err = readEntry(e, d.now)
			result = map[string]any{"entry": w}
		}
	case "list":
		result, err = d.list()
	case "delete":
		var ok bool
		ok, err = d.client.Delete(context.Background(), req.Name)
		result = map[string]any{"deleted": ok}
	case "enable":
		err = d.client.Enable(context.Background(), req.Name)
		result = map[string]any{}
	case "disable":
		err = d.client.Disable(context.Background(), req.Name)
		result = map[string]any{}
	case "run_now":
		err = d.client.RunNow(context.Background(), req.Name)
		result = map[string]any{}
	case "next_runs":
		cases := make([]map[string]any, len(req.Cases))
		for i, c := range req.Cases {
			cases[i] = preview(c)
		}
		result = map[string]any{"cases": cases}
	case "stop":
		if d.rc != nil {
			d.rc.Close()
		}
		result = map[string]any{}
	default:
		return map[string]any{"unsupported": map[string]any{"reason": "the go driver has no op " + req.Op}}
	}
	if err != nil {
		return map[string]any{"error": classify(err)}
	}
	return map[string]any{"result": result}
}

func (d *driver) configure(req request) error {
	if req.RedisURL != "" && req.RedisURL != d.url {
		if d.rc != nil {
			d.rc.Close()
		}
		rc, err := connect(req.RedisURL)
		if err != nil {
			return err
		}
		d.rc, d.url = rc, req.RedisURL
	}
	if req.KeyPrefix != nil {
		d.prefix = *req.KeyPrefix
	}
	tz, err := redbeat.LoadTimezone(req.Timezone)
	if err != nil {
		return err
	}
	d.tz = tz
	d.client, err = redbeat.New(d.rc, redbeat.WithKeyPrefix(d.prefix), redbeat.WithTimezone(d.tz),
		redbeat.WithClock(func() time.Time { return d.now }))
	return err
}

// connect opens a client on a redis:// URL, or a cluster client on a
// redis-cluster://host:port URL (one node of a Redis Cluster, PROTOCOL.md).
func connect(rawURL string) (redis.UniversalClient, error) {
	if node, ok := strings.CutPrefix(rawURL, "redis-cluster://"); ok {
		node, _, _ = strings.Cut(node, "/")
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(node, ",")}), nil
	}
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return redis.NewClient(o), nil
}

// save maps a write-profile definition onto an Entry the way a Go caller
// builds one. Shapes Go's types cannot hold are refused here, at their field.
func (d *driver) save(raw, extensions json.RawMessage) (any, error) {
	ms, err := wire.Members(raw)
	if err != nil {
		return nil, &redbeat.ValidationError{Reason: "entry must be an object"}
	}
	e := &redbeat.Entry{}
	for _, m := range ms {
		v := m.Value
		switch m.Key {
		case "name", "task":
			var s string
			if wire.Kind(v) != '"' || json.Unmarshal(v, &s) != nil {
				return nil, &redbeat.ValidationError{Path: m.Key, Reason: "must be a string"}
			}
			if m.Key == "name" {
				e.Name = s
			} else {
				e.Task = s
			}
		case "args":
			switch wire.Kind(v) {
			case 'n':
			case '[':
				els, _ := wire.Elements(v)
				e.Args = make([]any, len(els))
				for i, el := range els {
					e.Args[i] = el // raw JSON: the client checks datetimes in it
				}
			default:
				return nil, &redbeat.ValidationError{Path: "args", Reason: "must be an array or null"}
			}
		case "kwargs", "options":
			if wire.Kind(v) != '{' {
				return nil, &redbeat.ValidationError{Path: m.Key, Reason: "must be an object"}
			}
			fields, _ := wire.Members(v)
			obj := make(map[string]any, len(fields))
			for _, f := range fields {
				obj[f.Key] = f.Value
			}
			if m.Key == "kwargs" {
				e.Kwargs = obj
			} else {
				e.Options = obj
			}
		case "enabled":
			switch strings.TrimSpace(string(v)) {
			case "true":
			case "false":
				e.Disabled = true
			default:
				return nil, &redbeat.ValidationError{Path: "enabled", Reason: "must be a boolean"}
			}
		case "schedule":
			s, err := redbeat.UnmarshalSchedule(v)
			if err != nil {
				return nil, underSchedule(err)
			}
			e.Schedule = s
		default:
			return nil, &redbeat.ValidationError{Path: m.Key, Reason: "not a definition field"}
		}
	}
	if len(extensions) > 0 {
		if err := e.UnmarshalExtensions(extensions); err != nil {
			return nil, err
		}
	}
	return map[string]any{}, d.client.Save(context.Background(), e)
}

func underSchedule(err error) error {
	var ve *redbeat.ValidationError
	if errors.As(err, &ve) {
		path := "schedule"
		if ve.Path != "" {
			path += "." + ve.Path
			path = strings.Replace(path, ".[", "[", 1)
		}
		return &redbeat.ValidationError{Path: path, Reason: ve.Reason}
	}
	return err
}

// unexpressible starts the reason of a list error for an entry the client read
// that this driver cannot put in wire form.
const unexpressible = "read, but not expressible in wire form: "

func (d *driver) list() (any, error) {
	entries := []map[string]any{}
	errs := []map[string]any{}
	for e, err := range d.client.List(context.Background()) {
		var ce *redbeat.CorruptEntryError
		var ue *redbeat.UnsupportedError
		var nf *redbeat.NotFoundError
		switch {
		case errors.As(err, &nf):
			errs = append(errs, map[string]any{"key": nf.Key, "error": classify(err)})
			continue
		case errors.As(err, &ce):
			errs = append(errs, map[string]any{"key": ce.Key, "error": classify(err)})
			continue
		case errors.As(err, &ue):
			// a stored value this client cannot evaluate: its Path is "<key>: <field>"
			key, _, _ := strings.Cut(ue.Path, ": ")
			errs = append(errs, map[string]any{"key": key, "error": classify(err)})
			continue
		case err != nil:
			return nil, err
		}
		w, err := readEntry(e, d.now)
		if err != nil {
			// read, but this driver cannot put it in wire form: reported, the listing goes on
			errs = append(errs, map[string]any{"key": d.prefix + e.Name, "error": map[string]any{"type": "internal", "path": nil, "reason": unexpressible + err.Error()}})
			continue
		}
		entries = append(entries, w)
	}
	return map[string]any{"entries": entries, "errors": errs}, nil
}

// readEntry is an entry in wire form: the definition as the client would
// write it at now (an rrule stored without dtstart starts then, as Save would
// fill it), plus the run state as stored.
func readEntry(e *redbeat.Entry, now time.Time) (map[string]any, error) {
	if r, ok := e.Schedule.(redbeat.RRule); ok && r.Dtstart.IsZero() {
		r.Dtstart = now.UTC()
		filled := *e
		filled.Schedule = r
		e = &filled
	}
	def, err := e.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var out map[string]any
	dec := json.NewDecoder(strings.NewReader(string(def)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	out["last_run_at"] = nil
	if !e.LastRunAt.IsZero() {
		raw, err := wire.AppendDatetime(nil, e.LastRunAt)
		if err != nil {
			return nil, err
		}
		out["last_run_at"] = json.RawMessage(raw)
	}
	out["total_run_count"] = e.TotalRunCount
	out["score"] = e.Score
	out["extensions"] = nil
	ext, err := e.MarshalExtensions()
	if err != nil {
		return nil, err
	}
	if ext != nil {
		out["extensions"] = json.RawMessage(ext)
	}
	return out, nil
}

func preview(c previewCase) map[string]any {
	fail := func(err error) map[string]any { return map[string]any{"id": c.ID, "error": classify(err)} }
	sched, err := redbeat.UnmarshalSchedule(c.Schedule)
	if err != nil {
		return fail(underSchedule(err))
	}
	tz, err := redbeat.LoadTimezone(c.Timezone)
	if err != nil {
		return fail(err)
	}
	now, err := time.Parse(time.RFC3339Nano, c.Now)
	if err != nil {
		return fail(err)
	}
	after := now // never run: from now
	if wire.Kind(c.LastRunAt) != 'n' && len(c.LastRunAt) > 0 {
		if after, err = wire.DatetimeFromRaw(c.LastRunAt); err != nil {
			return fail(&redbeat.ValidationError{Path: "last_run_at", Reason: err.Error()})
		}
	}
	var runs []time.Time
	if len(c.Extensions) > 0 {
		e := redbeat.Entry{Name: c.Name, Task: "t", Schedule: sched}
		if err = e.UnmarshalExtensions(c.Extensions); err == nil {
			runs, err = e.NextRuns(after, c.Count, tz)
		}
	} else {
		runs, err = redbeat.NextRuns(sched, after, c.Count, tz)
	}
	if err != nil {
		return fail(err)
	}
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.Format("2006-01-02T15:04:05.000000Z07:00")
	}
	return map[string]any{"id": c.ID, "next_runs": out}
}

func classify(err error) failure {
	var ve *redbeat.ValidationError
	var ce *redbeat.CorruptEntryError
	var ue *redbeat.UnsupportedError
	switch {
	case errors.As(err, &ve):
		var path *string
		if ve.Path != "" {
			path = &ve.Path
		}
		return failure{Type: "validation", Path: path, Reason: ve.Reason}
	case errors.Is(err, redbeat.ErrNotFound):
		return failure{Type: "not_found", Reason: err.Error()}
	case errors.As(err, &ce):
		return failure{Type: "corrupt", Reason: err.Error()}
	case errors.As(err, &ue):
		return failure{Type: "validation", Reason: err.Error()}
	case isConnection(err):
		return failure{Type: "connection", Reason: err.Error()}
	default:
		return failure{Type: "internal", Reason: err.Error()}
	}
}

func isConnection(err error) bool {
	if errors.Is(err, redbeat.ErrConnection) {
		return true
	}
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) || strings.Contains(err.Error(), "connection refused")
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "0.1.0"
}

func dependencies() map[string]string {
	out := map[string]string{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			switch dep.Path {
			case "github.com/redis/go-redis/v9", "github.com/teambition/rrule-go":
				out[dep.Path] = dep.Version
			}
		}
	}
	return out
}
