package spec

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// catalogProfiles are the profiles the catalogue's families and
// situations run under.
var catalogProfiles = []model.Profile{model.Curl788(), model.Curl8()}

// sameScenario compares scenarios the way they run: func fields are
// compared by calling them (writeDelaysEqual), a script's progress and
// source lines are not part of it.
var sameScenario = cmp.Options{
	cmpopts.IgnoreFields(model.Options{}, "WriteDelay", "Xferinfo", "Write"),
	cmpopts.IgnoreFields(model.Step{}, "Line"),
	cmpopts.IgnoreUnexported(model.Script{}),
}

// writeDelaysEqual compares the write-delay funcs of two scenarios'
// transfers on a few byte counts.
func writeDelaysEqual(a, b scenario.Scenario) error {
	for i := range a.Transfers {
		oa, ob := a.Transfers[i].Options, b.Transfers[i].Options
		if oa == nil || ob == nil {
			continue
		}
		if (oa.WriteDelay == nil) != (ob.WriteDelay == nil) {
			return fmt.Errorf("transfer %d: write delay set in one only", i+1)
		}
		for _, n := range []int{1, 100, 5000} {
			if oa.WriteDelay != nil && oa.WriteDelay(n) != ob.WriteDelay(n) {
				return fmt.Errorf("transfer %d: write delay of %d bytes: %v vs %v", i+1, n, oa.WriteDelay(n), ob.WriteDelay(n))
			}
		}
	}
	return nil
}

// mustEntry is the catalogue entry called name.
func mustEntry(t *testing.T, name string) Entry {
	t.Helper()
	e, ok := Lookup(name)
	if !ok {
		t.Fatalf("no catalogue entry %q", name)
	}
	return e
}

// checkSame compares an entry's scenario with the one Go builds.
func checkSame(t *testing.T, e Entry, want scenario.Scenario) {
	t.Helper()
	got, err := e.Spec.Scenario(want.Seed)
	if err != nil {
		t.Fatalf("%s: %v", e.Name, err)
	}
	if !strings.HasPrefix(got.Name, want.Name+"/") {
		t.Errorf("%s: scenario name %q does not extend %q", e.Name, got.Name, want.Name)
	}
	got.Name = want.Name
	if diff := cmp.Diff(want, got, sameScenario); diff != "" {
		t.Errorf("%s (%s) differs from the Go scenario (-go +file):\n%s", e.Name, e.File, diff)
	}
	if err := writeDelaysEqual(want, got); err != nil {
		t.Errorf("%s: %v", e.Name, err)
	}
}

// TestCatalogFamilies checks that every family of scenario.Families() is
// in the catalogue, under both profiles and every driver, exactly as
// Family.Build makes it (clock phase 0).
func TestCatalogFamilies(t *testing.T) {
	for _, fam := range scenario.Families() {
		for _, p := range catalogProfiles {
			for _, d := range scenario.Drivers() {
				e := mustEntry(t, fmt.Sprintf("%s/%s/%s", fam.Name, p.Name, d))
				checkSame(t, e, fam.Build(p, d, 0))
				if e.Spec.Doc != fam.Doc {
					t.Errorf("%s: doc %q, want the family's %q", e.Name, e.Spec.Doc, fam.Doc)
				}
			}
		}
	}
}

// TestCatalogSituations checks every situation × mechanism that applies,
// under both profiles, against Situation.Build.
func TestCatalogSituations(t *testing.T) {
	for _, sit := range scenario.Situations() {
		for _, m := range scenario.Mechanisms() {
			for _, p := range catalogProfiles {
				name := fmt.Sprintf("%s/%s/%s", sit.Name, m, p.Name)
				if !sit.Applies(m) {
					if _, ok := Lookup(name); ok {
						t.Errorf("%s is in the catalogue, but the mechanism does not apply", name)
					}
					continue
				}
				e := mustEntry(t, name)
				checkSame(t, e, sit.Build(p, m))
				if e.Spec.Doc != sit.Doc {
					t.Errorf("%s: doc %q, want the situation's %q", e.Name, e.Spec.Doc, sit.Doc)
				}
			}
		}
	}
}

// TestCatalogPollCap checks the poll-cap sweep: xferinfo and easy-stop,
// each at the four caps under both profiles, is the stalled situation
// with the stop drawn uniformly and enough seeds for a distribution.
func TestCatalogPollCap(t *testing.T) {
	sit, _ := scenario.SituationByName("stalled")
	for _, m := range []scenario.Mechanism{scenario.MechXferinfo, scenario.MechEasyStop} {
		for _, p := range catalogProfiles {
			for _, c := range []time.Duration{1000, 500, 100, 10} {
				c *= time.Millisecond
				e := mustEntry(t, fmt.Sprintf("pollcap/%s/%s/%s", m, p.Name, sim.FormatDuration(c)))
				want := sit.Build(p, m)
				want.PollCap = c
				s, err := e.Spec.Scenario(1)
				if err != nil {
					t.Fatal(err)
				}
				if e.Spec.Sweep.Len() < 100 {
					t.Errorf("%s: %d runs, too few for a distribution", e.Name, e.Spec.Sweep.Len())
				}
				if s.Stops[0].At.String() != "uniform(100ms,1900ms)" {
					t.Errorf("%s: stop at %v, want a uniform draw", e.Name, s.Stops[0].At)
				}
				want.Stops[0].At = s.Stops[0].At
				want.Name = "pollcap/" + m.String()
				checkSame(t, e, want)
			}
		}
	}
}

// TestCatalogNames checks that entry names are unique and that every
// entry runs.
func TestCatalogNames(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Catalog() {
		if seen[e.Name] {
			t.Errorf("entry name %q twice", e.Name)
		}
		seen[e.Name] = true
		if e.Spec.Combos() != 1 || e.Spec.Name != e.Name {
			t.Errorf("%s: not one concrete scenario named after the entry (%d combos, name %q)", e.Name, e.Spec.Combos(), e.Spec.Name)
		}
	}
	// fidelity: two stop scenarios, two per-driver limits, three on two
	// event-driven drivers (curl-7.88 only: libcurl 7.88.1's twin).
	if want := 9*2*4 + (7*4-1)*2 + 2*2*4 + (2 + 2*4 + 2); len(seen) != want {
		t.Errorf("%d entries, want %d (families, situations, poll-cap sweep, fidelity set)", len(seen), want)
	}
}

// TestCatalogBudget keeps the catalogue's default sweep small enough for
// `go run ./cmd/simrun` to finish in well under a minute on 2 cores: the
// poll-cap sweep is the only part with more than one seed per entry.
func TestCatalogBudget(t *testing.T) {
	total := 0
	for _, e := range Catalog() {
		total += e.Spec.Sweep.Len()
	}
	if total > 10000 {
		t.Errorf("the catalogue's default sweep is %d runs; keep it under 10000 (see BenchmarkCatalog)", total)
	}
}

// TestCatalogRuns runs every entry once and checks that the families end
// as their Want says and that every stop was answered: a catalogue entry
// that no longer shows what it is for fails here.
func TestCatalogRuns(t *testing.T) {
	wants := map[string]model.Result{}
	for _, f := range scenario.Families() {
		wants[f.Name] = f.Want
	}
	for _, e := range Catalog() {
		s, err := e.Spec.Scenario(e.Spec.Sweep.At(0))
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		s.Trace = scenario.TraceOff
		r, err := scenario.Run(s)
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		base := strings.SplitN(e.Name, "/", 2)[0]
		if want, ok := wants[base]; ok && strings.HasPrefix(e.File, "catalog/families/") {
			for _, o := range r.Transfers {
				if o.Result != want {
					t.Errorf("%s (seed %d): transfer %d ended %v, want %v", e.Name, s.Seed, o.ID, o.Result, want)
				}
			}
		}
		for i, st := range r.Stops {
			if !st.HasReturned {
				t.Errorf("%s (seed %d): stop %d never returned control to the application", e.Name, s.Seed, i+1)
			}
		}
	}
}

// BenchmarkCatalog runs the whole catalogue at its default runs, one
// thread, full traces: the cost of `go run ./cmd/simrun`'s default suite
// before parallelism.
func BenchmarkCatalog(b *testing.B) {
	entries := Catalog()
	for b.Loop() {
		runs := 0
		for _, e := range entries {
			for i := range e.Spec.Sweep.Len() {
				s, err := e.Spec.Scenario(e.Spec.Sweep.At(i))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := scenario.Run(s); err != nil {
					b.Fatal(err)
				}
				runs++
			}
		}
		b.ReportMetric(float64(runs), "runs/op")
	}
}

// TestCatalogPollCapSeeds runs the poll-cap sweep at its default seeds:
// every stop must land before the 3000 ms hard bound, or the sweep would
// measure the timeout instead of the mechanism.
func TestCatalogPollCapSeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the sweep's 8000 runs (about a second)")
	}
	want := map[string]model.Result{"easy-stop": model.Stopped, "xferinfo": model.AbortedByCallback}
	for _, e := range Catalog() {
		if !strings.HasPrefix(e.File, "catalog/pollcap/") {
			continue
		}
		mech := strings.Split(e.Name, "/")[1]
		for _, seed := range e.Spec.Sweep.List() {
			s, err := e.Spec.Scenario(seed)
			if err != nil {
				t.Fatal(err)
			}
			s.Trace = scenario.TraceOff
			r, err := scenario.Run(s)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Stops[0].Result; got != want[mech] {
				t.Fatalf("%s seed %d: the transfer ended %v, want %v (replay: Lookup(%q).Spec.Scenario(%d))", e.Name, seed, got, want[mech], e.Name, seed)
			}
		}
	}
}
