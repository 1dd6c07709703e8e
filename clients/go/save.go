package redbeat

import (
	"context"
	"runtime"
	"strconv"
	"sync"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/rdb"
)

// maxAttempts is how often a write that checks what it read is tried before a
// *ConflictError (the same in every client).
const maxAttempts = 10

// Save writes an entry (an upsert), atomically. A first save also writes meta
// {"last_run_at": now} (UTC) and scores the entry from it. A re-save keeps the
// stored meta, as upstream's HSETNX does, and scores the entry from the stored
// last run, so editing an entry never delays a run that is due.
func (c *Client) Save(ctx context.Context, e *Entry) error {
	return c.save(ctx, []*Entry{e}, false)
}

// SaveMany saves several entries with the meaning of Save, in as few round
// trips as possible (one for entries that are new). Every entry is checked
// before anything is written, so one invalid entry writes none of them; its
// *ValidationError's path starts with its index ("[3].schedule.hour"). Each
// entry is written atomically on its own.
func (c *Client) SaveMany(ctx context.Context, entries []*Entry) error {
	return c.save(ctx, entries, true)
}

// save is Save and SaveMany; indexed puts an entry's index in its error's path.
func (c *Client) save(ctx context.Context, entries []*Entry, indexed bool) error {
	if len(entries) == 0 {
		return nil
	}
	env := c.env()
	// Every entry of the batch gets the same first-save meta: last run = now.
	now := env.now.UTC().Truncate(1000) // Python keeps microseconds
	freshMeta, err := encodeMeta(now, nil)
	if err != nil {
		return err
	}
	fresh := meta{present: true, lastRunAt: now}
	pending := make([]*pendingSave, len(entries))
	errs := make([]error, len(entries))
	parallel(len(entries), func(i int) {
		pending[i], errs[i] = c.prepareSave(entries[i], env, freshMeta, fresh)
	})
	for i, err := range errs {
		if err != nil {
			if indexed {
				return prefixed(err, "["+strconv.Itoa(i)+"]")
			}
			return err
		}
	}
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt == maxAttempts {
			return &ConflictError{Key: pending[0].key}
		}
		saves := make([]rdb.Save, len(pending))
		for i, p := range pending {
			saves[i] = p.save()
		}
		results, err := c.rdb.SaveMany(ctx, saves)
		if err != nil {
			return err
		}
		var again []*pendingSave
		for i, r := range results {
			if r.Applied {
				continue
			}
			// The entry exists (or changed): score it from the meta it holds now.
			p := pending[i]
			if err := p.rebase(r.Meta, env); err != nil {
				return err
			}
			again = append(again, p)
		}
		pending = again
	}
	return nil
}

// parallel runs fn(0..n-1), split over the CPUs when n is large enough for
// encoding to cost more than starting goroutines.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), 4, n/128)
	if workers < 2 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// pendingSave is an encoded entry and the state it was last scored against.
type pendingSave struct {
	entry      *Entry
	key        string
	sched      Schedule
	rules      rules
	definition []byte
	extensions []byte // nil: none (the stored field is removed)
	freshMeta  []byte // written when the entry has no meta yet
	freshScore int64
	// Once the stored meta is known: the value expected and the score from it.
	storedMeta rdb.Field
	score      int64
}

func (c *Client) prepareSave(e *Entry, env evalEnv, freshMeta []byte, fresh meta) (*pendingSave, error) {
	if e == nil {
		return nil, &ValidationError{Reason: "nil entry"}
	}
	key, err := c.entryKey(e.Name)
	if err != nil {
		return nil, err
	}
	sched := e.Schedule
	// An rrule without dtstart starts now, as upstream's constructor does.
	if r, ok := sched.(RRule); ok && r.Dtstart.IsZero() {
		r.Dtstart = env.now.UTC().Truncate(1e9)
		sched = r
	}
	if sched == nil {
		return nil, &ValidationError{Path: "schedule", Reason: "required"}
	}
	if r, ok := sched.(RRule); ok {
		if field, reason := r.neverMatches(); field != "" { // a beat would search it up to year 9999
			return nil, &ValidationError{Path: "schedule." + field, Reason: reason}
		}
	}
	if err := e.checkExtensions(); err != nil {
		return nil, err
	}
	r := rulesOf(e.Name, e.Extensions)
	// Scoring evaluates the schedule, which checks it: a bad one fails here.
	score, err := scoreFor(sched, fresh, env, r)
	if err != nil {
		return nil, prefixed(err, "schedule")
	}
	def, err := encodeChecked(make([]byte, 0, 256), e, sched)
	if err != nil {
		return nil, err
	}
	return &pendingSave{entry: e, key: key, sched: sched, rules: r, definition: def,
		extensions: appendExtensions(nil, e.Extensions, sched), freshMeta: freshMeta, freshScore: score}, nil
}

func (p *pendingSave) save() rdb.Save {
	return rdb.Save{Entry: p.key, Definition: p.definition, FirstMeta: p.freshMeta, FirstScore: p.freshScore,
		Expected: p.storedMeta, Score: p.score, Extensions: p.extensions}
}

// rebase scores the entry from the meta Redis holds.
func (p *pendingSave) rebase(stored string, env evalEnv) error {
	p.storedMeta = rdb.Field{Present: true, Value: stored}
	m, err := decodeMeta([]byte(stored), true)
	if err != nil {
		// Saving must not bless meta upstream would crash on or drop.
		return storedError(p.key, err)
	}
	p.score, err = scoreFor(p.sched, m, env, p.rules)
	return err
}
