package redbeat

import (
	"cmp"
	"context"
	"iter"
	"maps"
	"slices"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/rdb"
)

// ListByLabels yields the entries carrying every one of labels, in schedule
// order, found through the label index (one round trip for the index, then
// only those entries are loaded). An index member whose entry is gone, out of
// the schedule or no longer so labelled (a writer without the extension
// profile can leave one) is left out; an entry that cannot be read yields its
// error and the listing goes on, as List.
func (c *Client) ListByLabels(ctx context.Context, labels map[string]string) iter.Seq2[*Entry, error] {
	return func(yield func(*Entry, error) bool) {
		if len(labels) == 0 {
			yield(nil, &ValidationError{Path: "labels", Reason: "must name at least one label"})
			return
		}
		if err := checkLabels(labels); err != nil {
			yield(nil, err)
			return
		}
		pairs := make([][2]string, 0, len(labels))
		for _, k := range slices.Sorted(maps.Keys(labels)) {
			pairs = append(pairs, [2]string{k, labels[k]})
		}
		found, err := c.rdb.Labelled(ctx, pairs)
		if err != nil {
			yield(nil, err)
			return
		}
		keys := found[0]
		for _, more := range found[1:] {
			keys = slices.DeleteFunc(keys, func(k string) bool { return !slices.Contains(more, k) })
		}
		slices.Sort(keys)
		keys = slices.Compact(slices.DeleteFunc(keys, func(k string) bool { _, ok := c.keys.Name(k); return !ok }))
		type row struct {
			key string
			f   rdb.Fields
		}
		var rows []row
		for lo := 0; lo < len(keys); lo += listBatch {
			batch := keys[lo:min(lo+listBatch, len(keys))]
			fields, err := c.rdb.LoadMany(ctx, batch)
			if err != nil {
				yield(nil, err)
				return
			}
			for i, f := range fields {
				if f.Score != nil && f.Definition.Present && f.Definition.Value != "" {
					rows = append(rows, row{batch[i], f})
				}
			}
		}
		slices.SortStableFunc(rows, func(a, b row) int { return cmp.Compare(*a.f.Score, *b.f.Score) })
		for _, r := range rows {
			name, _ := c.keys.Name(r.key)
			e, err := c.entryFrom(name, r.key, r.f)
			if err == nil && !hasLabels(e.Extensions.Labels, labels) {
				continue
			}
			if !yield(e, err) {
				return
			}
		}
	}
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}
