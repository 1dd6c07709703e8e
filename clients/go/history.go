package redbeat

import (
	"context"
	"encoding/json"
	"time"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/wire"
)

// HistoryRecord is one run of an entry, as redbeat-scheduler recorded it in the
// step that recorded the run (schema/extensions.schema.json, HistoryRecord).
type HistoryRecord struct {
	// Due is when the run was due, jitter included; zero for the run of an
	// entry that had never run (due when saved or run now).
	Due time.Time
	// Recorded is the beat's clock when it recorded the run.
	Recorded time.Time
	// TaskID is the Celery task id of the message sent.
	TaskID string
	// Lateness is Recorded - Due in whole milliseconds; nil with a zero Due.
	Lateness *time.Duration
	// Beat is the beat that ran it: its lock token.
	Beat string
}

// History returns the entry's recent runs, newest first, as redbeat-scheduler
// recorded them: at most limit (0: every record kept; the scheduler keeps
// redbeat_history_length per entry). None is an empty slice. A record that
// breaks the profile is a *CorruptEntryError naming the history key.
func (c *Client) History(ctx context.Context, name string, limit int) ([]HistoryRecord, error) {
	if _, err := c.entryKey(name); err != nil {
		return nil, err
	}
	if limit < 0 {
		return nil, &ValidationError{Path: "limit", Reason: "must be >= 0"}
	}
	raws, err := c.rdb.History(ctx, name, int64(limit))
	if err != nil {
		return nil, err
	}
	key := c.keys.History(name)
	out := make([]HistoryRecord, 0, len(raws))
	for _, raw := range raws {
		rec, err := decodeRecord(raw)
		if err != nil {
			path, reason := pathAndReason(err)
			return nil, &CorruptEntryError{Key: key, Path: path, Reason: "history record: " + reason}
		}
		out = append(out, rec)
	}
	return out, nil
}

// decodeRecord reads a stored record strictly: the five keys, nothing else.
func decodeRecord(raw string) (HistoryRecord, error) {
	var rec HistoryRecord
	if err := checkStored("", raw); err != nil {
		return rec, err
	}
	ms, err := wire.Members([]byte(raw))
	if err != nil {
		return rec, &ValidationError{Reason: "invalid JSON object: " + err.Error()}
	}
	instant := func(key string, v json.RawMessage) (time.Time, error) {
		var s string
		if wire.Kind(v) != '"' || json.Unmarshal(v, &s) != nil {
			return time.Time{}, &ValidationError{Path: key, Reason: "must be a string"}
		}
		t, err := wire.ParseInstant(s)
		if err != nil {
			return time.Time{}, &ValidationError{Path: key, Reason: err.Error()}
		}
		return t, nil
	}
	text := func(key string, v json.RawMessage, nonEmpty bool) (string, error) {
		var s string
		if wire.Kind(v) != '"' || json.Unmarshal(v, &s) != nil || (nonEmpty && s == "") {
			return "", &ValidationError{Path: key, Reason: "must be a non-empty string"}
		}
		return s, nil
	}
	seen := map[string]bool{}
	for _, m := range ms {
		seen[m.Key] = true
		switch m.Key {
		case "due":
			if wire.Kind(m.Value) != 'n' {
				rec.Due, err = instant(m.Key, m.Value)
			}
		case "recorded":
			rec.Recorded, err = instant(m.Key, m.Value)
		case "task_id":
			rec.TaskID, err = text(m.Key, m.Value, true)
		case "beat":
			rec.Beat, err = text(m.Key, m.Value, false)
		case "lateness_ms":
			rec.Lateness = nil
			if wire.Kind(m.Value) != 'n' {
				var ms int64
				if json.Unmarshal(m.Value, &ms) != nil || ms < 0 {
					err = &ValidationError{Path: m.Key, Reason: "must be an integer >= 0 or null"}
				} else {
					d := time.Duration(ms) * time.Millisecond
					rec.Lateness = &d
				}
			}
		default:
			err = &ValidationError{Path: m.Key, Reason: "not a key of a history record"}
		}
		if err != nil {
			return HistoryRecord{}, err
		}
	}
	for _, k := range []string{"due", "recorded", "task_id", "lateness_ms", "beat"} {
		if !seen[k] {
			return HistoryRecord{}, &ValidationError{Path: k, Reason: "required"}
		}
	}
	return rec, nil
}
