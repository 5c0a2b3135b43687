package properties

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/netsim"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// TestMetamorphic checks three relations on random scenarios whose
// transfers start at distinct, positive times (so the add order is the
// start order, whatever the scenario's order):
//
//   - shift: every start and fault window k whole seconds later gives the
//     same observable trace k seconds later (the clock's sub-second phase,
//     which curl's arithmetic reads, is unchanged);
//   - renumber: the transfers listed in another order give the same
//     observable trace once transfer IDs are mapped back;
//   - heap: the index ordered by a binary heap instead of the splay tree
//     (model.IndexHeap) gives the very same trace, byte for byte.
//
// The observable trace is the model's events, per application thread from
// its first add_handle on (before it, an idle multi-poll application polls
// on its own schedule), with times and the at=, key= and since= fields
// made relative to the shift.
func TestMetamorphic(t *testing.T, o Options) { run(t, SuiteMetamorphic, o) }

func metamorphicProp(o Options, sink *Failure) func(*rapid.T) {
	return func(t *rapid.T) {
		s := genScenario(t, o)
		distinctStarts(&s)
		base := mustRun(t, s)
		checkShift(t, sink, s, base, rapid.IntRange(1, 3).Draw(t, "shift-s"))
		checkRenumber(t, sink, s, base, rapid.Permutation(transferIDs(s)).Draw(t, "order"))
		checkHeap(t, sink, s, base)
	}
}

// distinctStarts makes every start positive and unique (transfer i gets
// i µs more): equal starts would let the scenario's order decide the add
// order.
func distinctStarts(s *scenario.Scenario) {
	for i := range s.Transfers {
		s.Transfers[i].Start = max(s.Transfers[i].Start, time.Millisecond) + time.Duration(i+1)*time.Microsecond
	}
}

func transferIDs(s scenario.Scenario) []int {
	ids := make([]int, len(s.Transfers))
	for i := range ids {
		ids[i] = i + 1
	}
	return ids
}

// Shifted returns s with every transfer start, fault window and the time
// limit k later.
func Shifted(s scenario.Scenario, k time.Duration) scenario.Scenario {
	s.Transfers = append([]scenario.Transfer(nil), s.Transfers...)
	for i := range s.Transfers {
		s.Transfers[i].Start += k
	}
	s.Network.Servers = append([]scenario.Server(nil), s.Network.Servers...)
	for i, srv := range s.Network.Servers {
		var faults []string
		for _, text := range srv.Faults {
			f, err := netsim.ParseFault(text)
			if err == nil {
				f.At += k
				text = f.String()
			}
			faults = append(faults, text)
		}
		s.Network.Servers[i].Faults = faults
	}
	if s.TimeLimit != 0 {
		s.TimeLimit += k
	}
	return s
}

// Renumbered returns s with its transfers in the given order: transfer j
// of the result is transfer order[j-1] of s.
func Renumbered(s scenario.Scenario, order []int) scenario.Scenario {
	ts := make([]scenario.Transfer, len(order))
	for j, id := range order {
		ts[j] = s.Transfers[id-1]
	}
	s.Transfers = ts
	return s
}

func checkShift(t *rapid.T, sink *Failure, s scenario.Scenario, base scenario.Result, k int) {
	shift := time.Duration(k) * time.Second
	v := Shifted(s, shift)
	got := Observable(mustRun(t, v).Trace, shift, nil)
	relate(t, sink, fmt.Sprintf("shifted by %v", shift), s, Observable(base.Trace, 0, nil), got)
}

func checkRenumber(t *rapid.T, sink *Failure, s scenario.Scenario, base scenario.Result, order []int) {
	rename := map[int64]int64{}
	for j, id := range order {
		rename[int64(j+1)] = int64(id)
	}
	v := Renumbered(s, order)
	got := Observable(mustRun(t, v).Trace, 0, rename)
	relate(t, sink, fmt.Sprintf("renumbered in the order %v", order), s, Observable(base.Trace, 0, nil), got)
}

func checkHeap(t *rapid.T, sink *Failure, s scenario.Scenario, base scenario.Result) {
	s.Profile.Index = model.IndexHeap
	if vs := CheckDeterminism(base.Trace, mustRun(t, s).Trace); len(vs) > 0 {
		s.Profile.Index = model.IndexSplay
		failText(t, sink, Describe(s), "heap index: the trace differs from the splay tree's: "+vs[0].What)
	}
}

// relate fails when a variant's observable trace differs from the base's.
func relate(t *rapid.T, sink *Failure, variant string, s scenario.Scenario, want, got []string) {
	if diff := cmp.Diff(want, got); diff != "" {
		lines := strings.Split(diff, "\n")
		if len(lines) > 60 {
			lines = append(lines[:60], fmt.Sprintf("... (%d more diff lines)", len(lines)-60))
		}
		failText(t, sink, Describe(s), fmt.Sprintf("the scenario %s gives another observable trace (-base +variant):\n%s",
			variant, strings.Join(lines, "\n")))
	}
}

// Observable is the part of a trace the relations compare: the model's
// records, each application thread's from its first add_handle on, as
// text with the time and the at=, key= and since= fields moved back by
// shift, transfers renamed by rename (when not nil) and threads numbered
// by first appearance.
func Observable(trace []sim.Record, shift time.Duration, rename map[int64]int64) []string {
	started := map[sim.ThreadID]bool{}
	threads := map[sim.ThreadID]int{}
	var out []string
	for _, r := range trace {
		if !isModel(r) {
			continue
		}
		if r.Kind == "call" && text(r, "fn") == "add" {
			started[r.Thread] = true
		}
		if !started[r.Thread] {
			continue
		}
		if threads[r.Thread] == 0 {
			threads[r.Thread] = len(threads) + 1
		}
		out = append(out, observed(r, shift, rename, threads[r.Thread]))
	}
	return out
}

func observed(r sim.Record, shift time.Duration, rename map[int64]int64, thread int) string {
	x := r.Transfer
	if n, ok := rename[x]; ok {
		x = n
	}
	r.At -= sim.Time(shift)
	r.Thread, r.Transfer = sim.ThreadID(thread), x
	fields := make([]sim.Field, len(r.Fields))
	for i, f := range r.Fields {
		if v, err := parseInt(f.Value); err == nil && (f.Key == "at" || f.Key == "key" || f.Key == "since") {
			f.Value = fmt.Sprint(v - shift.Microseconds())
		}
		fields[i] = f
	}
	r.Fields = fields
	return r.String()
}

func parseInt(s string) (int64, error) {
	var v int64
	_, err := fmt.Sscan(s, &v)
	return v, err
}
