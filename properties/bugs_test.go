package properties_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/properties"
	"github.com/expirylab/expiry/sim/scenario"
	"github.com/expirylab/expiry/sim/scenario/spec"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the bug catalogue's scenario files (bugs/*.toml) from fresh searches")

// TestBugCatalog is the bug catalogue's test (issue 10): for every
// historical-bug switch of the model, its suite finds a violation within
// 60 s (search and shrinking), the failure names a property the bug
// breaks, the shrunk counterexample replays to a violation of the same
// property, and the committed scenario file (bugs/bugN.toml, written by
// -rewrite from the shrunk case) does too with the bug on and breaks
// nothing with it off. Then the same searches with every switch off find
// nothing. Each row logs its times and counterexample. Skipped with
// -short.
func TestBugCatalog(t *testing.T) {
	if testing.Short() {
		t.Skip("searches and shrinks fourteen failures")
	}
	covered := map[model.Bug]bool{}
	for _, c := range properties.BugCases() {
		covered[c.Bug] = true
		t.Run(c.Profile().Name, func(t *testing.T) {
			f := c.Search(0, false)
			if f == nil {
				t.Fatalf("5000 cases of the %v suite pass with %v on", c.Suite, c.Bug)
			}
			got := propsOf(f.Violations)
			if got&c.Want == 0 {
				t.Errorf("the failure breaks %q, want one of %v:\n%s", got, c.Want, f.Report)
			}
			if f.Elapsed > time.Minute {
				t.Errorf("found and shrunk in %v, over a minute", f.Elapsed)
			}
			t.Logf("found in %v, shrunk by %v; breaks %v:\n%s",
				f.Found.Round(time.Millisecond), f.Elapsed.Round(time.Millisecond), got, f.Case)
			if f.Scenario == nil {
				t.Fatalf("the %v suite gave no scenario", c.Suite)
			}
			if again := violated(t, *f.Scenario); again&c.Want == 0 {
				t.Errorf("the shrunk case replays to %q, want one of %v", again, c.Want)
			}
			if *rewrite {
				writeBugFile(t, c, f)
			}
			checkBugFile(t, c)
		})
	}
	for _, b := range model.Bugs() {
		if !covered[b] {
			t.Errorf("%v has no catalogue entry", b)
		}
	}
	t.Run("all-off", func(t *testing.T) {
		for _, c := range properties.BugCases() {
			if f := c.Search(1000, true); f != nil {
				t.Errorf("%s without %v: the %v suite failed:\n%s", c.Base.Name, c.Bug, c.Suite, f.Report)
			}
		}
	})
}

// TestBugSwitchesExtra: searches beyond the catalogue's one per bug. On
// curl 8 bug 7 needs an application whose timer fires early, which only
// the lists suite's scripted application does.
func TestBugSwitchesExtra(t *testing.T) {
	if testing.Short() {
		t.Skip("searches and shrinks a failure")
	}
	p, err := model.Curl8().WithBug(model.Bug7NoReannounce)
	if err != nil {
		t.Fatal(err)
	}
	f := properties.Find(properties.SuiteLists, properties.Options{Profiles: []model.Profile{p},
		Checks: 5000, Seed: 1, ShrinkTime: 10 * time.Second})
	if f == nil {
		t.Fatal("the lists suite passes with bug 7 on curl-8")
	}
	if got := propsOf(f.Violations); got&properties.SetOf(properties.SingleTimeout, properties.NoMissedDeadline) == 0 {
		t.Errorf("the failure breaks %q:\n%s", got, f.Report)
	}
}

func propsOf(vs []properties.Violation) properties.Set {
	var s properties.Set
	for _, v := range vs {
		s |= properties.SetOf(v.Property)
	}
	return s
}

// violated runs s and returns the properties its trace breaks.
func violated(t *testing.T, s scenario.Scenario) properties.Set {
	t.Helper()
	r, err := scenario.Run(s)
	if err != nil {
		t.Fatal(err)
	}
	return propsOf(properties.Check(r.Trace, properties.SubjectOf(s, r), properties.TraceProperties))
}

// writeBugFile writes the shrunk case as the catalogue's scenario file.
func writeBugFile(t *testing.T, c properties.BugCase, f *properties.Failure) {
	t.Helper()
	s := *f.Scenario
	s.Name = "bugs/" + c.Bug.String()
	file, err := spec.FromScenario(s)
	if err != nil {
		t.Fatal(err)
	}
	facts := c.Bug.Facts()
	file.Doc = fmt.Sprintf("%s (fixed in %s); breaks %v", facts.Title, facts.Fixed, propsOf(f.Violations)&c.Want)
	data, err := spec.Format(file)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Bug %d of SPEC §9: %s.\n# Fixed in curl %s: %s.\n", int(c.Bug), facts.Title, facts.Fixed, facts.Ref)
	fmt.Fprintf(&b, "# The shrunk counterexample of the %v suite (rapid seed %d) with %s.\n", c.Suite, max(c.Seed, 1), c.Profile().Name)
	fmt.Fprintf(&b, "# Found in %v, shrunk in %v (when written). Regenerate with:\n", f.Found.Round(time.Millisecond), f.Elapsed.Round(time.Millisecond))
	b.WriteString("#   go test ./properties -run TestBugCatalog -rewrite\n")
	b.WriteString("# Replay: go run ./cmd/simrun check properties/" + c.File() + "\n")
	b.Write(data)
	if err := os.WriteFile(filepath.FromSlash(c.File()), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkBugFile replays the committed scenario file with the bug on (a
// violation of a wanted property) and off (none).
func checkBugFile(t *testing.T, c properties.BugCase) {
	t.Helper()
	if *rewrite { // the embedded copy is the old one: read the new file
		return
	}
	s, err := c.Scenario()
	if err != nil {
		t.Fatal(err)
	}
	if s.Profile.Name != c.Profile().Name {
		t.Fatalf("%s runs %s, want %s", c.File(), s.Profile.Name, c.Profile().Name)
	}
	if got := violated(t, s); got&c.Want == 0 {
		t.Errorf("%s breaks %q, want one of %v", c.File(), got, c.Want)
	}
	s, err = c.Scenario()
	if err != nil {
		t.Fatal(err)
	}
	s.Profile = c.Base
	if got := violated(t, s); got != 0 {
		t.Errorf("%s without %v still breaks %v", c.File(), c.Bug, got)
	}
}
