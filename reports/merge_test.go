package reports

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

func encode(t *testing.T, r Results) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// shard splits runs into n parts the way a sweep's workers or shards
// would, in an order drawn from rng, each part's runs shuffled too.
func shard(runs []Run, n int, rng *rand.Rand) []Results {
	parts := make([][]Run, n)
	for _, i := range rng.Perm(len(runs)) {
		k := rng.IntN(n)
		parts[k] = append(parts[k], runs[i])
	}
	out := make([]Results, n)
	for i, p := range parts {
		out[i] = Results{Schema: Schema, Runs: p} // unsorted, no summaries: a worker's raw output
		if i%2 == 1 {
			out[i] = New(p) // or a shard's finished Results
		}
	}
	return out
}

// A sweep's results do not depend on how its runs were spread over
// workers and shards, nor on the order the shards are merged in: the
// merged JSON is byte-identical to the unsharded one.
func TestMergeShardsByteIdentical(t *testing.T) {
	all := sweep(t, 3)
	want := encode(t, all)
	rng := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{1, 2, 3, 7} {
		for trial := range 3 {
			parts := shard(all.Runs, n, rng)
			parts[rng.IntN(n)].Timeline = all.Timeline
			rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
			if got := encode(t, Merge(parts...)); !bytes.Equal(got, want) {
				t.Fatalf("%d shards, trial %d: merged JSON differs from the unsharded sweep\n%s",
					n, trial, lineDiff(string(want), string(got)))
			}
		}
	}
}

// Merging a Results with itself, or with shards that overlap, keeps
// each run once.
func TestMergeDropsDuplicates(t *testing.T) {
	all := goldenResults(t)
	half := Results{Runs: all.Runs[:len(all.Runs)/2+1]}
	got := Merge(all, half, all)
	if want := encode(t, all); !bytes.Equal(encode(t, got), want) {
		t.Errorf("Merge with duplicates: got %d runs, want %d\n%s", len(got.Runs), len(all.Runs), lineDiff(string(want), string(encode(t, got))))
	}
}

// Two runs with the same key and seed but different content (say, one
// checked with more properties) are both kept, in an order that does not
// depend on the parts' order.
func TestMergeKeepsConflicts(t *testing.T) {
	a := latencyRun(1, 100)
	b := latencyRun(1, 100)
	b.Verdicts = []Verdict{{Property: "P8 x", Detail: "slow"}}
	ab, ba := Merge(New([]Run{a}), New([]Run{b})), Merge(New([]Run{b}), New([]Run{a}))
	if len(ab.Runs) != 2 || !bytes.Equal(encode(t, ab), encode(t, ba)) {
		t.Errorf("conflicting runs: %d kept; orders agree: %v", len(ab.Runs), bytes.Equal(encode(t, ab), encode(t, ba)))
	}
}

func TestMergeTimelineChoice(t *testing.T) {
	mk := func(scenario string, seed uint64) Results {
		return Results{Timeline: &Timeline{Scenario: scenario, Seed: seed}}
	}
	parts := []Results{mk("b", 1), mk("a", 2), mk("a", 1), {}}
	for i := range 4 {
		rot := append(slices.Clone(parts[i:]), parts[:i]...)
		got := Merge(rot...).Timeline
		if got == nil || got.Scenario != "a" || got.Seed != 1 {
			t.Errorf("rotation %d: timeline %+v, want a's seed 1", i, got)
		}
	}
	if Merge(Results{}, Results{}).Timeline != nil {
		t.Error("Merge of parts without timelines has one")
	}
}

func TestNewIsCanonical(t *testing.T) {
	res := goldenResults(t)
	for i := 1; i < len(res.Runs); i++ {
		a, b := res.Runs[i-1], res.Runs[i]
		if c := compareRuns(&a, &b); c > 0 {
			t.Errorf("runs %d and %d out of order: %s/%d before %s/%d", i-1, i, a.Key(), a.Seed, b.Key(), b.Seed)
		}
	}
	empty := encode(t, New(nil))
	if !bytes.Contains(empty, []byte(`"runs": []`)) || !bytes.Contains(empty, []byte(`"summaries": []`)) {
		t.Errorf("New(nil) should encode empty lists, not null:\n%s", empty)
	}
}
