// Package rdb is the only code that talks to Redis. Every operation on an
// entry is one of the Lua scripts of the repository's lua/ folder (copied into
// lua/ here by `make generate`: go:embed cannot reach outside the module), with
// its convention: KEYS are the lock, the schedule, the statics set (where a
// script uses it), then the entry hashes;
// ARGV[1] is the lock token, "" here (clients write unfenced); a field as read
// is "" when absent, else "=" followed by its value. The scripts compare and
// copy field values as opaque strings and never decode JSON (Lua's cjson would
// turn [] into {} and 5.0 into 5).
package rdb

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/keys"
)

// Lua holds lua/*.lua, byte for byte the files of the repository's lua/ folder.
//
//go:embed lua/*.lua
var Lua embed.FS

// Scripts are the scripts this package runs, by name.
var Scripts = map[string]*redis.Script{}

func script(name string) *redis.Script {
	src, err := Lua.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(err) // the files are embedded at build time
	}
	s := redis.NewScript(string(src))
	Scripts[name] = s
	return s
}

var (
	loadScript   = script("load")
	saveScript   = script("save")
	updateScript = script("update")
	deleteScript = script("delete")
)

const unfenced = ""

// RDB wraps a go-redis client of any kind (single node, sentinel, cluster) and
// the keys of one schedule.
type RDB struct {
	c    redis.UniversalClient
	keys keys.Keys
}

// New wraps c, for the schedule under k.
func New(c redis.UniversalClient, k keys.Keys) *RDB { return &RDB{c: c, keys: k} }

// Client is the wrapped client.
func (r *RDB) Client() redis.UniversalClient { return r.c }

// Field is a hash field's value and whether the field exists.
type Field struct {
	Present bool
	Value   string
}

// asRead is the field in the scripts' convention.
func (f Field) asRead() string {
	if !f.Present {
		return ""
	}
	return "=" + f.Value
}

// Fields is what one entry holds: its hash fields and its schedule score.
type Fields struct {
	Definition Field
	Meta       Field
	Score      *int64
	Extensions Field // the extension profile's field
}

// entryKeys are a script's KEYS: the lock, the schedule, then these.
func (r *RDB) entryKeys(after ...string) []string {
	return append([]string{r.keys.Lock(), r.keys.Schedule()}, after...)
}

// Load reads an entry's fields and score in one step.
func (r *RDB) Load(ctx context.Context, entryKey string) (Fields, error) {
	fs, err := r.LoadMany(ctx, []string{entryKey})
	if err != nil {
		return Fields{}, err
	}
	return fs[0], nil
}

// LoadMany reads several entries in one step (one round trip, one snapshot).
func (r *RDB) LoadMany(ctx context.Context, entryKeys []string) ([]Fields, error) {
	v, err := r.run(ctx, loadScript, r.entryKeys(entryKeys...), "extensions")
	if err != nil {
		return nil, err
	}
	vals, ok := v.([]any)
	if !ok || len(vals) != 4*len(entryKeys) {
		return nil, fmt.Errorf("redbeat: unexpected load reply %v", v)
	}
	out := make([]Fields, len(entryKeys))
	for i := range out {
		out[i].Definition = field(vals[4*i])
		out[i].Meta = field(vals[4*i+1])
		out[i].Extensions = field(vals[4*i+3])
		if s, ok := vals[4*i+2].(string); ok {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("redbeat: unexpected score %q", s)
			}
			n := int64(f)
			out[i].Score = &n
		}
	}
	return out, nil
}

// field is a script's reply value as a Field: nil is an absent field.
func field(v any) Field {
	s, ok := v.(string)
	return Field{Present: ok, Value: s}
}

// Labelled returns the entry keys the label index lists under label key=value
// (members are "<key>=<value>\n<entry key>": a lex range over those starting
// with the label's part), one round trip for all the labels, one list each.
func (r *RDB) Labelled(ctx context.Context, labels [][2]string) ([][]string, error) {
	cmds := make([]*redis.StringSliceCmd, len(labels))
	_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, l := range labels {
			member := l[0] + "=" + l[1] + "\n"
			cmds[i] = p.ZRangeByLex(ctx, r.keys.Labels(), &redis.ZRangeBy{Min: "[" + member, Max: "(" + member[:len(member)-1] + "\x0b"})
		}
		return nil
	})
	if err != nil {
		return nil, connErr(err)
	}
	out := make([][]string, len(labels))
	for i, c := range cmds {
		for _, m := range c.Val() {
			_, key, _ := strings.Cut(m, "\n")
			out[i] = append(out[i], key)
		}
	}
	return out, nil
}

// History returns the entry's run history records as stored, newest first: at
// most limit (limit < 1: all kept).
func (r *RDB) History(ctx context.Context, name string, limit int64) ([]string, error) {
	stop := limit - 1
	if limit < 1 {
		stop = -1
	}
	items, err := r.c.LRange(ctx, r.keys.History(name), 0, stop).Result()
	return items, connErr(err)
}

// Members returns every entry key in the schedule sorted set, by score.
func (r *RDB) Members(ctx context.Context) ([]string, error) {
	members, err := r.c.ZRange(ctx, r.keys.Schedule(), 0, -1).Result()
	return members, connErr(err)
}

// Delete removes the entry's schedule member and its hash together, with its
// label index members and run history; it reports whether either existed.
func (r *RDB) Delete(ctx context.Context, entryKey string) (bool, error) {
	name, _ := r.keys.Name(entryKey)
	keys := r.entryKeys(r.keys.Statics(), entryKey, r.keys.Labels(), r.keys.History(name))
	v, err := r.run(ctx, deleteScript, keys, unfenced, "")
	if err != nil {
		return false, err
	}
	return v == int64(1), nil
}

// Change is what an Update writes over an entry as read: the non-nil fields
// and the score (nil: keep).
type Change struct {
	Definition []byte
	Meta       []byte
	Score      *int64
}

// Update writes change if the entry still holds read's two fields. When it
// does not, nothing is written and the fields it holds now are returned.
func (r *RDB) Update(ctx context.Context, entryKey string, read Fields, change Change) (applied bool, now Fields, err error) {
	score := ""
	if change.Score != nil {
		score = strconv.FormatInt(*change.Score, 10)
	}
	v, err := r.run(ctx, updateScript, r.entryKeys(entryKey),
		unfenced, read.Definition.asRead(), read.Meta.asRead(), change.Definition, change.Meta, score)
	if err != nil {
		return false, Fields{}, err
	}
	if v == int64(1) {
		return true, Fields{}, nil
	}
	vals, ok := v.([]any)
	if !ok || len(vals) != 2 {
		return false, Fields{}, fmt.Errorf("redbeat: unexpected update reply %v", v)
	}
	return false, Fields{Definition: field(vals[0]), Meta: field(vals[1])}, nil
}

// run calls a script, loading it when Redis does not know it yet.
func (r *RDB) run(ctx context.Context, s *redis.Script, keys []string, args ...any) (any, error) {
	v, err := s.Run(ctx, r.c, keys, args...).Result()
	return v, connErr(err)
}

// Save is one entry's save (lua/save.lua): a first save writes FirstMeta
// scored FirstScore; a re-save keeps the stored meta, which must be Expected
// (not Present: no meta expected), and writes Score.
type Save struct {
	Entry      string
	Definition []byte
	FirstMeta  []byte
	FirstScore int64
	Expected   Field
	Score      int64
	// Extensions is the extensions field to write; nil removes it (with the
	// entry's label index members).
	Extensions []byte
}

// noExtensions is save.lua's value that removes the extensions field ("" would
// leave it as stored, for writers without the extension profile).
const noExtensions = "-"

func (s Save) appendArgs(args []any) []any {
	var ext any = noExtensions
	if s.Extensions != nil {
		ext = s.Extensions
	}
	return append(args, s.Definition, s.FirstMeta, strconv.FormatInt(s.FirstScore, 10),
		s.Expected.asRead(), strconv.FormatInt(s.Score, 10), "", "", ext)
}

// Saved is the result of one Save: applied, or the meta stored instead of the
// one expected (to score from before saving again).
type Saved struct {
	Applied bool
	Meta    string
}

// group is how many saves share one script call, so the cost of a call is
// paid once per group; each entry is still written atomically on its own.
const group = 64

// SaveMany runs the saves, each atomically, pipelined.
func (r *RDB) SaveMany(ctx context.Context, saves []Save) ([]Saved, error) {
	res, err := r.saveChunks(ctx, saves, true)
	if err != nil && isNoScript(err) {
		if err := saveScript.Load(ctx, r.c).Err(); err != nil {
			return nil, connErr(err)
		}
		res, err = r.saveChunks(ctx, saves, false)
	}
	return res, connErr(err)
}

// chunk is how many saves one pipeline carries; a large batch is sent as
// several pipelines on parallel connections, so that encoding and network
// time overlap with Redis executing the previous chunk.
const chunk = 256

func (r *RDB) saveChunks(ctx context.Context, saves []Save, sha bool) ([]Saved, error) {
	if len(saves) <= chunk {
		return r.save(ctx, saves, sha)
	}
	out := make([]Saved, len(saves))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for lo := 0; lo < len(saves); lo += chunk {
		hi := min(lo+chunk, len(saves))
		wg.Go(func() {
			res, err := r.save(ctx, saves[lo:hi], sha)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil || isNoScript(err) {
					firstErr = err
				}
				return
			}
			copy(out[lo:hi], res)
		})
	}
	wg.Wait()
	return out, firstErr
}

func isNoScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}

func (r *RDB) save(ctx context.Context, saves []Save, sha bool) ([]Saved, error) {
	cmds := make([]*redis.Cmd, 0, (len(saves)+group-1)/group)
	_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for lo := 0; lo < len(saves); lo += group {
			batch := saves[lo:min(lo+group, len(saves))]
			keys := r.entryKeys(r.keys.Statics(), r.keys.Labels())
			args := make([]any, 0, 1+8*len(batch))
			args = append(args, unfenced)
			for _, s := range batch {
				keys = append(keys, s.Entry)
				args = s.appendArgs(args)
			}
			if sha {
				cmds = append(cmds, saveScript.EvalSha(ctx, p, keys, args...))
			} else {
				cmds = append(cmds, saveScript.Eval(ctx, p, keys, args...))
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([]Saved, 0, len(saves))
	for _, c := range cmds {
		v, err := c.Result()
		if err != nil {
			return nil, err
		}
		results, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("redbeat: unexpected save reply %v", v)
		}
		for _, result := range results {
			switch x := result.(type) {
			case int64:
				out = append(out, Saved{Applied: x == 1})
			case []any:
				meta, _ := x[0].(string)
				out = append(out, Saved{Meta: meta})
			default:
				return nil, fmt.Errorf("redbeat: unexpected save reply %v", v)
			}
		}
	}
	if len(out) != len(saves) {
		return nil, fmt.Errorf("redbeat: %d save results for %d entries", len(out), len(saves))
	}
	return out, nil
}
