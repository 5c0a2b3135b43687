package properties_test

import (
	"strings"
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/properties"
	"github.com/expirylab/expiry/sim/scenario"
)

// The project's own runs of the suites, on the defaults. Budgets are the
// suites' (-rapid.checks overrides them); a failure prints the command
// that replays it.

var required = []model.Profile{model.Curl788(), model.Curl8()}

func TestScenariosSuite(t *testing.T) {
	for _, p := range required {
		t.Run(p.Name, func(t *testing.T) {
			properties.TestScenarios(t, properties.Options{Profiles: []model.Profile{p}})
		})
	}
}

func TestListsSuite(t *testing.T) {
	for _, p := range required {
		t.Run(p.Name, func(t *testing.T) {
			properties.TestLists(t, properties.Options{Profiles: []model.Profile{p}})
		})
	}
}

func TestIndexSuite(t *testing.T) {
	t.Run("splay", func(t *testing.T) { properties.TestIndex(t, properties.Options{}) })
	t.Run("heap", func(t *testing.T) { properties.TestIndex(t, properties.Options{Index: newHeapIndex}) })
}

// TestDeterminismSuite runs 500 random scenarios twice each, over both
// profiles.
func TestDeterminismSuite(t *testing.T) {
	properties.TestDeterminism(t, properties.Options{Checks: 500})
}

// TestMetamorphicSuite checks the three relations on 500 random
// scenarios, over both profiles.
func TestMetamorphicSuite(t *testing.T) {
	properties.TestMetamorphic(t, properties.Options{Checks: 500})
}

// lifoIndex breaks the index contract: among equal keys the newest
// insert comes out first, as curl's splay tree did before 7.54.
type lifoIndex struct{ heapIndex }

func (x *lifoIndex) Insert(id int, key int64) {
	x.seq -= 2 // heapIndex.Insert adds one: newer inserts get smaller numbers
	x.heapIndex.Insert(id, key)
}

// TestIndexSuiteFails: the index suite rejects an index with LIFO ties.
func TestIndexSuiteFails(t *testing.T) {
	f := properties.Find(properties.SuiteIndex, properties.Options{Seed: 1,
		Index: func() properties.Index { return &lifoIndex{heapIndex{pos: map[int]int{}}} }})
	if f == nil {
		t.Fatal("the index suite accepts LIFO ties")
	}
	if !strings.Contains(f.Report, "GetBest") && !strings.Contains(f.Report, "Min()") {
		t.Errorf("the report does not name the operation:\n%s", f.Report)
	}
	t.Logf("shrunk in %v:\n%s", f.Elapsed, f.Report)
}

// TestObservableRelations: the observable trace of a family is unchanged
// by a shift of whole seconds, changed by a shift that moves the clock's
// sub-second phase relative to the deadlines, and by listing transfers
// that start together in another order (so the metamorphic suite needs
// distinct starts).
func TestObservableRelations(t *testing.T) {
	fam, _ := scenario.FamilyByName("three")
	s := fam.Build(model.Curl788(), scenario.DriverSocketExact, 999700*time.Microsecond)
	for i := range s.Transfers {
		s.Transfers[i].Start = time.Duration(i+1) * time.Millisecond
	}
	base := properties.Observable(run(t, s).Trace, 0, nil)
	if got := properties.Observable(run(t, properties.Shifted(s, 2*time.Second)).Trace, 2*time.Second, nil); !equal(base, got) {
		t.Error("a shift of 2 s changed the observable trace")
	}
	if got := properties.Observable(run(t, properties.Shifted(s, 300*time.Millisecond)).Trace, 300*time.Millisecond, nil); equal(base, got) {
		t.Error("a shift of 300 ms across the phase left the observable trace as it was: the comparison sees nothing")
	}
	order := []int{3, 1, 2}
	rename := map[int64]int64{1: 3, 2: 1, 3: 2}
	if got := properties.Observable(run(t, properties.Renumbered(s, order)).Trace, 0, rename); !equal(base, got) {
		t.Error("renumbering transfers with distinct starts changed the observable trace")
	}
	same := fam.Build(model.Curl788(), scenario.DriverSocketExact, 0)
	if got := properties.Observable(run(t, properties.Renumbered(same, order)).Trace, 0, rename); equal(properties.Observable(run(t, same).Trace, 0, nil), got) {
		t.Error("renumbering transfers that start together left the trace as it was")
	}
}

func run(t *testing.T, s scenario.Scenario) scenario.Result {
	t.Helper()
	r, err := scenario.Run(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func equal(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

// TestDescribe: the readable form of a scenario names everything a
// generated one can set.
func TestDescribe(t *testing.T) {
	fam, _ := scenario.FamilyByName("dns-sync")
	s := fam.Build(model.Curl8(), scenario.DriverSocketPoll, 999700*time.Microsecond)
	s.Network.Servers[0].Faults = []string{"stall(at=2s,for=5s)"}
	script, err := model.ParseScript("timeout 900\n0s expire SPEEDCHECK 0\n1ms busy 300us\nondone expire TOOFAST 5")
	if err != nil {
		t.Fatal(err)
	}
	s.Transfers = append(s.Transfers, scenario.Transfer{Start: 250 * time.Millisecond, Script: script})
	got := properties.Describe(s)
	for _, want := range []string{
		`scenario "dns-sync": profile=curl-8 driver=socket-poll seed=1 phase=999700us`,
		"network: dns-delay=const(1200ms)",
		"server srv:80 quick(5000) faults=stall(at=2s,for=5s)",
		"name example.com -> srv",
		"transfer 1 at 0s: GET example.com connect-timeout=1000ms resolver=sync",
		"transfer 2 at 250ms: script",
		"    timeout 900", "    0s expire SPEEDCHECK 0", "    1ms busy 300µs", "    ondone expire TOOFAST 5",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("Describe lacks %q:\n%s", want, got)
		}
	}
}

// TestGenerators: the exported generators give valid scenarios and
// scripts that read back from their text, and swarm testing varies what
// they use (200 fixed seeds).
func TestGenerators(t *testing.T) {
	kinds := map[string]bool{}
	scenarios := properties.Scenarios(properties.Options{})
	scripts := properties.Scripts(model.Curl788(), properties.AllFeatures)
	for seed := range 200 {
		s := scenarios.Example(seed)
		if err := s.Validate(); err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, properties.Describe(s))
		}
		for _, tr := range s.Transfers {
			kinds[map[bool]string{true: "script", false: "http"}[tr.Script != nil]] = true
		}
		kinds["driver:"+s.Driver.String()] = true
		kinds["profile:"+s.Profile.Name] = true
		sc := scripts.Example(seed)
		if err := sc.Validate(model.Curl788()); err != nil {
			t.Fatal(err)
		}
		if back, err := model.ParseScript(sc.String()); err != nil || back.String() != sc.String() {
			t.Fatalf("seed %d: the script does not read back: %v\n%s", seed, err, sc)
		}
	}
	if len(kinds) != 8 {
		t.Errorf("200 scenarios use only %v", kinds)
	}
}
