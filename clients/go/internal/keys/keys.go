// Package keys builds every Redis key of a RedBeat schedule. Nothing else in the
// module spells a key, so the layout (schema/layout.json) lives in one place.
package keys

import "strings"

// DefaultPrefix is upstream's default redbeat_key_prefix (with the colon).
const DefaultPrefix = "redbeat:"

// The suffixes appended directly to the prefix; no separator is added.
const (
	ScheduleSuffix = ":schedule"
	StaticsSuffix  = ":statics"
	LockSuffix     = ":lock"
	OutboxSuffix   = ":outbox"
	// The extension profile's label index (schema/README.md, "Extensions").
	LabelsSuffix = ":labels"
	// HistoryPrefix starts the extension profile's per-entry run history keys.
	HistoryPrefix = ":history:"
)

// Keys builds keys for one prefix.
type Keys struct{ Prefix string }

// Entry is the hash of the entry named name: the prefix followed by the name.
func (k Keys) Entry(name string) string { return k.Prefix + name }

// Schedule is the sorted set of entry keys scored by next due time.
func (k Keys) Schedule() string { return k.Prefix + ScheduleSuffix }

// Statics is the set of names that came from Celery's beat_schedule.
func (k Keys) Statics() string { return k.Prefix + StaticsSuffix }

// Lock is beat's lock key (the default; beat may be configured otherwise).
func (k Keys) Lock() string { return k.Prefix + LockSuffix }

// Outbox is redbeat-scheduler's hash of runs recorded and not yet confirmed by the broker.
func (k Keys) Outbox() string { return k.Prefix + OutboxSuffix }

// Labels is the extension profile's label index (kept by the save and delete
// scripts).
func (k Keys) Labels() string { return k.Prefix + LabelsSuffix }

// History is the extension profile's run history list of the entry named name.
func (k Keys) History(name string) string { return k.Prefix + HistoryPrefix + name }

// Name is the entry name of an entry key, false for a key outside the prefix.
func (k Keys) Name(key string) (string, bool) {
	if !strings.HasPrefix(key, k.Prefix) || len(key) == len(k.Prefix) {
		return "", false
	}
	return key[len(k.Prefix):], true
}

// Reserved reports whether an entry named name would share its key with the
// schedule's own keys: schedule, statics, lock, outbox, label index or a history list.
func Reserved(name string) bool {
	return name == ScheduleSuffix || name == StaticsSuffix || name == LockSuffix || name == OutboxSuffix ||
		name == LabelsSuffix || strings.HasPrefix(name, HistoryPrefix)
}

// HashTagged reports whether every key built from prefix hashes to the same
// Redis Cluster slot: the prefix itself holds a complete, non-empty {tag}.
// Redis hashes only the part between the first "{" and the first "}" after it.
func HashTagged(prefix string) bool {
	open := strings.IndexByte(prefix, '{')
	if open < 0 {
		return false
	}
	end := strings.IndexByte(prefix[open+1:], '}')
	return end > 0
}
