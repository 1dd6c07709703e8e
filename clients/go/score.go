package redbeat

import (
	"time"
)

// The score rule (schema/README.md "Scores"): the one place this client takes
// an entry's score from. The Python SDK has it in redbeat_sdk/score.py, the
// TypeScript client in src/score.ts, under the same name.
//
// The score of an entry is its next due time in integer epoch seconds,
// truncated toward the past (beat loads members with 0 <= score <= now, so an
// early score is safe and a late one delays the run); -1 means no further run.
// Unlike upstream's save (which scores from now, up to one period early), the
// client scores from the stored last run, so an edit never delays a due run.

// noNextRun is the score of an entry that never runs again.
const noNextRun = -1

// scoreFor is the score of sched given the stored run state; r are the
// entry's extensions (its zone, window and jitter: runs.go).
func scoreFor(sched Schedule, m meta, env evalEnv, r rules) (int64, error) {
	if !r.plain() {
		at, ok, err := firstDue(sched, r, m.lastRunAt, env.now, env.tz)
		if err != nil || !ok {
			return noNextRun, err
		}
		return floorSeconds(at), nil
	}
	if m.lastRunAt.IsZero() {
		return floorSeconds(env.now), nil
	}
	t, ok, err := sched.next(m.lastRunAt, env)
	if err != nil {
		return 0, err
	}
	if !ok {
		return noNextRun, nil
	}
	return floorSeconds(t), nil
}

var zeroTime time.Time

func floorSeconds(t time.Time) int64 { return t.Unix() }
