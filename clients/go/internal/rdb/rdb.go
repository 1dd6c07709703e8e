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
	return r.c.ZRange(ctx, scheduleKey, 0, -1).Result()
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
		return false, err
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

// updateScript is the compare-and-set behind every write but delete. A field
// state is "A" (absent) or "M" followed by its value; "*" expects anything; an
// empty new value keeps the field.
var updateScript = redis.NewScript(`
local function state(f)
  local v = redis.call('HGET', KEYS[1], f)
  if v then return 'M' .. v end
  return 'A'
end
local d, m = state('definition'), state('meta')
if (ARGV[1] ~= '*' and ARGV[1] ~= d) or (ARGV[2] ~= '*' and ARGV[2] ~= m) then
  return {d, m}
end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'definition', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'meta', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('ZADD', KEYS[2], ARGV[5], KEYS[1]) end
return 1
`)

func expectArg(e Expect) string {
	switch {
	case e.Any:
		return "*"
	case !e.Present:
		return "A"
	default:
		return "M" + e.Value
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
	if len(updates) == 1 {
		// One entry needs no pipeline; Run falls back to EVAL on NOSCRIPT.
		u := updates[0]
		v, err := updateScript.Run(ctx, r.c, []string{u.Entry, scheduleKey}, updateArgs(u)...).Result()
		if err != nil {
			return nil, err
		}
		res, err := parseResult(v)
		return []Result{res}, err
	}
	res, err := r.apply(ctx, scheduleKey, updates, true)
	if err != nil && isNoScript(err) {
		if err := updateScript.Load(ctx, r.c).Err(); err != nil {
			return nil, err
		}
		res, err = r.apply(ctx, scheduleKey, updates, false)
	}
	return res, err
}

func updateArgs(u Update) []any {
	score := ""
	if u.Score != nil {
		score = strconv.FormatInt(*u.Score, 10)
	}
	return []any{expectArg(u.Definition), expectArg(u.Meta), u.SetDef, u.SetMeta, score}
}

func parseResult(v any) (Result, error) {
	switch x := v.(type) {
	case int64:
		return Result{Applied: x == 1}, nil
	case []any:
		if len(x) == 2 {
			d, _ := x[0].(string)
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
	cmds := make([]*redis.Cmd, len(updates))
	run := func(p redis.Pipeliner) error {
		for i, u := range updates {
			keys := []string{u.Entry, scheduleKey}
			if sha {
				cmds[i] = updateScript.EvalSha(ctx, p, keys, updateArgs(u)...)
			} else {
				cmds[i] = updateScript.Eval(ctx, p, keys, updateArgs(u)...)
			}
		}
		return nil
	}
	if _, err := r.c.Pipelined(ctx, run); err != nil {
		return nil, err
	}
	out := make([]Result, len(updates))
	for i, c := range cmds {
		var err error
		if out[i], err = parseResult(c.Val()); err != nil {
			return nil, err
		}
	}
	return out, nil
}
