// Package rdb is the only code that talks to Redis. Every write is one atomic
// step per entry: a MULTI/EXEC or a Lua script that compares and sets whole
// field values as opaque strings (it never decodes JSON: Lua's cjson would turn
// [] into {} and 5.0 into 5).
package rdb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// RDB wraps a go-redis client of any kind (single node, sentinel, cluster).
type RDB struct {
	c redis.UniversalClient
}

// New wraps c.
func New(c redis.UniversalClient) *RDB { return &RDB{c: c} }

// Client is the wrapped client.
func (r *RDB) Client() redis.UniversalClient { return r.c }

// Field is a hash field's value and whether the field exists.
type Field struct {
	Present bool
	Value   string
}

// Fields is what one entry holds: its two hash fields and its schedule score.
type Fields struct {
	Definition Field
	Meta       Field
	Score      *int64
}

// Load reads an entry's fields and score in one MULTI.
func (r *RDB) Load(ctx context.Context, entryKey, scheduleKey string) (Fields, error) {
	fs, err := r.LoadMany(ctx, []string{entryKey}, scheduleKey)
	if err != nil {
		return Fields{}, err
	}
	return fs[0], nil
}

// LoadMany reads several entries in one MULTI (one round trip, one snapshot).
func (r *RDB) LoadMany(ctx context.Context, entryKeys []string, scheduleKey string) ([]Fields, error) {
	fs, err := r.loadMany(ctx, entryKeys, scheduleKey)
	return fs, connErr(err)
}

func (r *RDB) loadMany(ctx context.Context, entryKeys []string, scheduleKey string) ([]Fields, error) {
	type cmds struct {
		def, meta *redis.StringCmd
		score     *redis.FloatCmd
	}
	all := make([]cmds, len(entryKeys))
	_, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range entryKeys {
			all[i].def = p.HGet(ctx, k, "definition")
			all[i].meta = p.HGet(ctx, k, "meta")
			all[i].score = p.ZScore(ctx, scheduleKey, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([]Fields, len(entryKeys))
	for i, c := range all {
		var e error
		if out[i].Definition, e = field(c.def); e != nil {
			return nil, e
		}
		if out[i].Meta, e = field(c.meta); e != nil {
			return nil, e
		}
		switch s, e := c.score.Result(); {
		case e == nil:
			n := int64(s)
			out[i].Score = &n
		case !errors.Is(e, redis.Nil):
			return nil, e
		}
	}
	return out, nil
}

func field(c *redis.StringCmd) (Field, error) {
	v, err := c.Result()
	switch {
	case err == nil:
		return Field{Present: true, Value: v}, nil
	case errors.Is(err, redis.Nil):
		return Field{}, nil
	default:
		return Field{}, err
	}
}

// Members returns every entry key in the schedule sorted set, by score.
func (r *RDB) Members(ctx context.Context, scheduleKey string) ([]string, error) {
	members, err := r.c.ZRange(ctx, scheduleKey, 0, -1).Result()
	return members, connErr(err)
}

// Delete removes the entry from the schedule and deletes its hash in one MULTI;
// it reports whether the hash existed.
func (r *RDB) Delete(ctx context.Context, entryKey, scheduleKey string) (bool, error) {
	var del *redis.IntCmd
	_, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, scheduleKey, entryKey)
		del = p.Del(ctx, entryKey)
		return nil
	})
	if err != nil {
		return false, connErr(err)
	}
	return del.Val() > 0, nil
}

// Expect is a precondition on a field: any value, absent, or exactly Value.
type Expect struct {
	Any bool
	Field
}

// Update is one entry's compare-and-set: if both fields meet their Expect,
// set the non-nil fields and the score (nil: keep) together.
type Update struct {
	Entry      string
	Definition Expect
	Meta       Expect
	SetDef     []byte
	SetMeta    []byte
	Score      *int64
}

// Result of one Update: applied, or the fields as they were when it was not.
type Result struct {
	Applied    bool
	Definition Field
	Meta       Field
}

// updateScript is the compare-and-set behind every write but delete.
// ARGV: definition mode and value, meta mode and value, new definition, new
// meta, new score. A mode is "*" (anything), "A" (absent) or "=" (equal to the
// value); an empty new value keeps the field. On a failed check it returns the
// current fields, each as "A" or "M" followed by the value.
var updateScript = redis.NewScript(`
local key = KEYS[1]
local dm, mm, newmeta = ARGV[1], ARGV[3], ARGV[6]
local ok = true
if dm ~= '*' then
  local d = redis.call('HGET', key, 'definition')
  if dm == 'A' then ok = not d else ok = d == ARGV[2] end
end
if ok and mm == 'A' and newmeta ~= '' then
  -- A first save: the meta must not exist yet (upstream's HSETNX).
  ok = redis.call('HSETNX', key, 'meta', newmeta) == 1
elseif ok and mm ~= '*' then
  local m = redis.call('HGET', key, 'meta')
  if mm == 'A' then ok = not m else ok = m == ARGV[4] end
  if ok and newmeta ~= '' then redis.call('HSET', key, 'meta', newmeta) end
elseif ok and newmeta ~= '' then
  redis.call('HSET', key, 'meta', newmeta)
end
if not ok then
  local d = redis.call('HGET', key, 'definition')
  local m = redis.call('HGET', key, 'meta')
  return {d and 'M' .. d or 'A', m and 'M' .. m or 'A'}
end
if ARGV[5] ~= '' then redis.call('HSET', key, 'definition', ARGV[5]) end
if ARGV[7] ~= '' then redis.call('ZADD', KEYS[2], ARGV[7], key) end
return 1
`)

// firstSaveScript is the common case of updateScript for a group of entries
// (KEYS: the entry keys, then the schedule key; ARGV: definition, meta, score
// of each entry): write meta only if absent (upstream's HSETNX), then the
// definition and the score; when meta exists, write nothing for that entry and
// return its meta. One call covers many entries, so the cost of a script call
// is paid once per group, and each entry is still written atomically.
var firstSaveScript = redis.NewScript(`
local sched = KEYS[#KEYS]
local out = {}
for i = 1, #KEYS - 1 do
  local key, j = KEYS[i], (i - 1) * 3
  if redis.call('HSETNX', key, 'meta', ARGV[j + 2]) == 1 then
    redis.call('HSET', key, 'definition', ARGV[j + 1])
    redis.call('ZADD', sched, ARGV[j + 3], key)
    out[i] = 1
  else
    out[i] = redis.call('HGET', key, 'meta')
  end
end
return out
`)

// group is how many first saves share one script call.
const group = 64

// isFirstSave: any definition, meta must be absent and is set, a score is set.
func isFirstSave(u Update) bool {
	return u.Definition.Any && !u.Meta.Any && !u.Meta.Present && u.SetMeta != nil && u.SetDef != nil && u.Score != nil
}

func expectArgs(e Expect) (string, string) {
	switch {
	case e.Any:
		return "*", ""
	case !e.Present:
		return "A", ""
	default:
		return "=", e.Value
	}
}

func parseState(s string) Field {
	if strings.HasPrefix(s, "M") {
		return Field{Present: true, Value: s[1:]}
	}
	return Field{}
}

// Apply runs the updates, each atomically, in one pipelined round trip.
func (r *RDB) Apply(ctx context.Context, scheduleKey string, updates []Update) ([]Result, error) {
	res, err := r.applyChunks(ctx, scheduleKey, updates, true)
	if err != nil && isNoScript(err) {
		for _, s := range []*redis.Script{updateScript, firstSaveScript} {
			if err := s.Load(ctx, r.c).Err(); err != nil {
				return nil, connErr(err)
			}
		}
		res, err = r.applyChunks(ctx, scheduleKey, updates, false)
	}
	return res, connErr(err)
}

// chunk is how many updates one pipeline carries; a large batch is sent as
// several pipelines on parallel connections, so that encoding and network
// time overlap with Redis executing the previous chunk.
const chunk = 256

func (r *RDB) applyChunks(ctx context.Context, scheduleKey string, updates []Update, sha bool) ([]Result, error) {
	if len(updates) <= chunk {
		return r.apply(ctx, scheduleKey, updates, sha)
	}
	out := make([]Result, len(updates))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for lo := 0; lo < len(updates); lo += chunk {
		hi := min(lo+chunk, len(updates))
		wg.Go(func() {
			res, err := r.apply(ctx, scheduleKey, updates[lo:hi], sha)
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

func updateArgs(u Update) []any {
	score := ""
	if u.Score != nil {
		score = strconv.FormatInt(*u.Score, 10)
	}
	dm, dv := expectArgs(u.Definition)
	mm, mv := expectArgs(u.Meta)
	return []any{dm, dv, mm, mv, u.SetDef, u.SetMeta, score}
}

func parseResult(v any) (Result, error) {
	switch x := v.(type) {
	case int64:
		return Result{Applied: x == 1}, nil
	case []any:
		if len(x) == 2 {
			d, _ := x[0].(string)
			if d == "" { // the first-save script: meta exists, here is its value
				m, _ := x[1].(string)
				return Result{Meta: Field{Present: true, Value: m}}, nil
			}
			m, _ := x[1].(string)
			return Result{Definition: parseState(d), Meta: parseState(m)}, nil
		}
	}
	return Result{}, fmt.Errorf("redbeat: unexpected script reply %v", v)
}

func isNoScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}

func (r *RDB) apply(ctx context.Context, scheduleKey string, updates []Update, sha bool) ([]Result, error) {
	type call struct {
		cmd   *redis.Cmd
		first []int // indices of the first saves the call covers; nil for an update
		index int
	}
	var calls []call
	eval := func(p redis.Pipeliner, s *redis.Script, keys []string, args []any) *redis.Cmd {
		if sha {
			return s.EvalSha(ctx, p, keys, args...)
		}
		return s.Eval(ctx, p, keys, args...)
	}
	run := func(p redis.Pipeliner) error {
		var idx []int
		flush := func() {
			if len(idx) == 0 {
				return
			}
			keys := make([]string, 0, len(idx)+1)
			args := make([]any, 0, 3*len(idx))
			for _, i := range idx {
				u := updates[i]
				keys = append(keys, u.Entry)
				args = append(args, u.SetDef, u.SetMeta, strconv.FormatInt(*u.Score, 10))
			}
			keys = append(keys, scheduleKey)
			calls = append(calls, call{cmd: eval(p, firstSaveScript, keys, args), first: idx})
			idx = nil
		}
		for i, u := range updates {
			if isFirstSave(u) {
				if idx = append(idx, i); len(idx) == group {
					flush()
				}
				continue
			}
			calls = append(calls, call{cmd: eval(p, updateScript, []string{u.Entry, scheduleKey}, updateArgs(u)), index: i})
		}
		flush()
		return nil
	}
	_, err := r.c.Pipelined(ctx, run)
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([]Result, len(updates))
	for _, c := range calls {
		v, err := c.cmd.Result()
		if err != nil {
			return nil, err
		}
		if c.first == nil {
			if out[c.index], err = parseResult(v); err != nil {
				return nil, err
			}
			continue
		}
		vals, ok := v.([]any)
		if !ok || len(vals) != len(c.first) {
			return nil, fmt.Errorf("redbeat: unexpected script reply %v", v)
		}
		for k, i := range c.first {
			switch x := vals[k].(type) {
			case int64:
				out[i].Applied = x == 1
			case string:
				out[i].Meta = Field{Present: true, Value: x}
			default:
				return nil, fmt.Errorf("redbeat: unexpected script reply %v", vals[k])
			}
		}
	}
	return out, nil
}
