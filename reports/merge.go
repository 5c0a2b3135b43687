package reports

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
)

// New returns the Results of runs: sorted into canonical order (Key, then
// seed, then trace hash, then content), exact duplicates dropped, and
// aggregated. Any permutation of the same runs gives the same Results,
// which is what makes a sweep independent of its parallelism. The
// Results share the runs' slices and maps with the caller.
func New(runs []Run) Results {
	runs = canonical(slices.Clone(runs))
	return Results{Schema: Schema, Runs: runs, Summaries: Aggregate(runs)}
}

// Merge joins the Results of a sweep's shards (or of several sweeps) into
// one, as New would have built it from all their runs: the order of the
// parts and how the runs were split among them do not matter. A run that
// two parts both hold (the same content) is kept once. Of the parts'
// timelines, the one of the smallest (Key, seed) is kept.
func Merge(parts ...Results) Results {
	var runs []Run
	var tl *Timeline
	var skipped []Skip
	for _, p := range parts {
		runs = append(runs, p.Runs...)
		skipped = append(skipped, p.Skipped...)
		if p.Timeline != nil && (tl == nil || p.Timeline.before(tl)) {
			tl = p.Timeline
		}
	}
	out := New(runs)
	out.Timeline = tl
	out.Skipped = SortSkips(skipped)
	return out
}

// SortSkips sorts skipped configurations and drops duplicates (nil for
// none).
func SortSkips(s []Skip) []Skip {
	if len(s) == 0 {
		return nil
	}
	s = slices.Clone(s)
	slices.SortFunc(s, func(a, b Skip) int {
		return cmp.Or(cmp.Compare(a.Scenario, b.Scenario), cmp.Compare(a.Engine, b.Engine), cmp.Compare(a.Reason, b.Reason))
	})
	return slices.Compact(s)
}

// canonical sorts runs and drops exact duplicates. Runs equal in key,
// seed and hash yet different in content (a determinism bug, or two
// checkers' verdicts) are both kept, ordered by their JSON encoding so
// the order is still total.
func canonical(runs []Run) []Run {
	enc := make(map[*Run][]byte, len(runs))
	encoded := func(r *Run) []byte {
		if b, ok := enc[r]; ok {
			return b
		}
		b, _ := json.Marshal(r) // a Run always encodes: no maps of non-string keys, no NaN
		enc[r] = b
		return b
	}
	idx := make([]*Run, len(runs))
	for i := range runs {
		idx[i] = &runs[i]
	}
	slices.SortFunc(idx, func(a, b *Run) int {
		if c := compareRuns(a, b); c != 0 {
			return c
		}
		return bytes.Compare(encoded(a), encoded(b))
	})
	out := make([]Run, 0, len(runs))
	for i, r := range idx {
		if i > 0 && compareRuns(idx[i-1], r) == 0 && bytes.Equal(encoded(idx[i-1]), encoded(r)) {
			continue
		}
		out = append(out, *r)
	}
	return out
}

func compareRuns(a, b *Run) int {
	return cmp.Or(a.Key().compare(b.Key()), cmp.Compare(a.Seed, b.Seed), cmp.Compare(a.Hash, b.Hash))
}
