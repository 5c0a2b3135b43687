package sim

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// raceOrder schedules three events for each of four owners (plus two
// ownerless ones) at one instant and returns the order they ran in.
func raceOrder(t *testing.T, races bool, seed uint64, kind QueueKind) []string {
	k := mustKernel(t, Config{Races: races, Seed: seed, Queue: kind})
	var got []string
	for i := range 3 {
		for owner := ThreadID(0); owner < 4; owner++ {
			if owner == NoThread && i == 2 {
				continue
			}
			name := fmt.Sprintf("%d.%d", owner, i)
			k.At(100, owner, func() { got = append(got, name) })
		}
	}
	k.Run()
	return got
}

func TestRaceExplorationOffIsFIFO(t *testing.T) {
	want := []string{"0.0", "1.0", "2.0", "3.0", "0.1", "1.1", "2.1", "3.1", "1.2", "2.2", "3.2"}
	for _, kind := range queueKinds {
		if diff := cmp.Diff(want, raceOrder(t, false, 1, kind)); diff != "" {
			t.Errorf("%v (-want +got):\n%s", kind, diff)
		}
	}
}

// TestRaceExploration: the order is a function of the seed, differs
// between seeds, and always keeps each owner's events in scheduling order.
func TestRaceExploration(t *testing.T) {
	orders := map[string]bool{}
	for seed := range uint64(30) {
		got := raceOrder(t, true, seed, QueueDefault)
		if again := raceOrder(t, true, seed, QueueSplay); !cmp.Equal(got, again) {
			t.Fatalf("seed %d: %v then %v", seed, got, again)
		}
		next := map[string]int{}
		for _, name := range got {
			owner, i, _ := strings.Cut(name, ".")
			if want := fmt.Sprint(next[owner]); i != want {
				t.Fatalf("seed %d: %v runs %s before %s.%s", seed, got, name, owner, want)
			}
			next[owner]++
		}
		orders[strings.Join(got, " ")] = true
	}
	if len(orders) < 20 {
		t.Errorf("only %d distinct orders over 30 seeds", len(orders))
	}
}

// TestRaceCancelStaged: an event can cancel a simultaneous one that is
// already in the batch.
func TestRaceCancelStaged(t *testing.T) {
	for seed := range uint64(10) {
		k := mustKernel(t, Config{Races: true, Seed: seed})
		ran := map[string]bool{}
		var a, b *Event
		a, _ = k.At(5, 1, func() { ran["a"] = true; k.Cancel(b) })
		b, _ = k.At(5, 2, func() { ran["b"] = true; k.Cancel(a) })
		out := k.Run()
		if len(ran) != 1 || out.Events != 1 || out.Pending != 0 {
			t.Fatalf("seed %d: ran %v, outcome %+v", seed, ran, out)
		}
	}
}
