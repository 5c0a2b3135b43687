package spec

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/expirylab/expiry/sim/scenario"
)

func TestSweep(t *testing.T) {
	cases := []struct {
		s    Sweep
		want []uint64
	}{
		{Sweep{}, []uint64{0}},
		{Sweep{Seed: 5, Runs: 3}, []uint64{5, 6, 7}},
		{Sweep{Seed: 5, Runs: 3, Seeds: []uint64{9, 2}}, []uint64{9, 2}},
	}
	for _, c := range cases {
		if got := c.s.List(); !slices.Equal(got, c.want) || c.s.Len() != len(c.want) {
			t.Errorf("%+v: List %v Len %d, want %v", c.s, got, c.s.Len(), c.want)
		}
	}
}

// TestDefaults: a minimal file takes the documented defaults.
func TestDefaults(t *testing.T) {
	f, err := Parse("dir/min.toml", []byte("profile = \"curl-8\"\n[[transfers]]\nhost = \"10.0.0.1\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Scenario(f.Sweep.At(0))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case s.Name != "min" || f.Path != "dir/min.toml":
		t.Errorf("name %q path %q, want the file's base name", s.Name, f.Path)
	case s.Seed != DefaultSeed || f.Sweep.Len() != 1:
		t.Errorf("seed %d, %d runs; want seed %d once", s.Seed, f.Sweep.Len(), DefaultSeed)
	case s.Driver != scenario.DriverEasy || s.PollCap != 0 || s.Host != nil || s.TimeLimit != 0:
		t.Errorf("driver %v, cap %v, host %v, limit %v: want the scenario defaults", s.Driver, s.PollCap, s.Host, s.TimeLimit)
	}
}

// TestExpand: one File per combination, named by the axes that vary,
// profile slowest; Scenario refuses a file of several.
func TestExpand(t *testing.T) {
	text := `profile = ["curl-7.88", "curl-8"]
driver = "multi-poll"
poll_cap = ["1s", "10ms"]
[[transfers]]
host = "10.0.0.1"
`
	f, err := Parse("x.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Scenario(1); !errors.Is(err, ErrCombos) {
		t.Errorf("Scenario of 4 combinations: %v, want ErrCombos", err)
	}
	var names []string
	for _, g := range f.Expand() {
		s, err := g.Scenario(1)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, fmt.Sprintf("%s %s %v %v", s.Name, s.Profile.Name, s.Driver, s.PollCap))
	}
	want := []string{
		"x/curl-7.88/1s curl-7.88 multi-poll 1s", "x/curl-7.88/10ms curl-7.88 multi-poll 10ms",
		"x/curl-8/1s curl-8 multi-poll 1s", "x/curl-8/10ms curl-8 multi-poll 10ms",
	}
	if !slices.Equal(names, want) {
		t.Errorf("Expand gives\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
}

// TestScenarioFresh: each Scenario call builds its own transfers,
// scripts and write delays, so two runs share no state.
func TestScenarioFresh(t *testing.T) {
	text := `profile = "curl-8"
[[transfers]]
count = 2
host = "10.0.0.1"
write_delay = "exp(10ms)"
[[transfers]]
script = "0s runnow"
`
	f, err := Parse("x.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := f.Scenario(7)
	b, _ := f.Scenario(7)
	if a.Transfers[0].Options == b.Transfers[0].Options || a.Transfers[2].Script == b.Transfers[2].Script {
		t.Error("two Scenario calls share options or a script")
	}
	for i := range 3 {
		if x, y := a.Transfers[0].Options.WriteDelay(1), b.Transfers[0].Options.WriteDelay(1); x != y {
			t.Errorf("draw %d: %v vs %v: the same seed must draw the same delays", i, x, y)
		}
	}
	if a.Transfers[0].Options.WriteDelay(1) == a.Transfers[1].Options.WriteDelay(1) {
		t.Error("two transfers draw the same delays: each needs its own stream")
	}
}

// TestParseLimits: a file cannot ask for more combinations than
// MaxCombos.
func TestParseLimits(t *testing.T) {
	var caps []string
	for i := range MaxCombos/(3*4) + 1 {
		caps = append(caps, fmt.Sprintf(`"%dms"`, i+1))
	}
	text := `profile = ["curl-7.88", "curl-8", "curl-8.21"]
driver = ["easy", "multi-poll", "socket-exact", "socket-poll"]
poll_cap = [` + strings.Join(caps, ",") + `]
[[transfers]]
host = "10.0.0.1"
`
	_, err := Parse("big.toml", []byte(text))
	want := "big.toml:1:1: the file stands for 10008 combinations of profile, driver and poll cap; at most 10000"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestLookupAndList(t *testing.T) {
	if _, ok := Lookup("no/such/entry"); ok {
		t.Error("Lookup found an entry that does not exist")
	}
	e, ok := Lookup("stalled/xferinfo/curl-8")
	if !ok || e.File != "catalog/situations/stalled-xferinfo.toml" {
		t.Fatalf("Lookup(stalled/xferinfo/curl-8) = %+v, %v", e.File, ok)
	}
	var b strings.Builder
	if err := List(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	first := "families/blackhole.toml: SYNs are dropped, the connect hangs; CONNECTTIMEOUT_MS 700"
	last := "154 scenarios in 43 files, 8726 runs at the default runs"
	if lines[0] != first || lines[len(lines)-1] != last {
		t.Errorf("List starts %q and ends %q; want %q ... %q", lines[0], lines[len(lines)-1], first, last)
	}
	if want := len(Catalog()) + 43 + 1; len(lines) != want {
		t.Errorf("List has %d lines, want %d (an entry each, a header per file, the total)", len(lines), want)
	}
}

// TestDocExample: the annotated file in the package doc is a valid file
// that uses every key (Format writes them all back).
func TestDocExample(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	in := false
	for _, l := range strings.Split(string(src), "\n") {
		switch {
		case strings.HasPrefix(l, "// # The format"):
			in = true
		case strings.HasPrefix(l, "// # Errors"):
			in = false
		case in && strings.HasPrefix(l, "//\t"):
			lines = append(lines, strings.TrimPrefix(l, "//\t"))
		}
	}
	f, err := Parse("doc.toml", []byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatalf("the doc's example: %v", err)
	}
	if n := len(f.Expand()); n != 4 {
		t.Errorf("the doc's example stands for %d scenarios, want 4", n)
	}
}

// TestRandomPhase: epoch_phase = "random" gives each seed its own phase,
// the same one every time, in whole µs within a second.
func TestRandomPhase(t *testing.T) {
	f, err := Parse("r.toml", []byte("profile = \"curl-7.88\"\nepoch_phase = \"random\"\n[[servers]]\nhost = \"s\"\nbehavior = \"quick(1)\"\n[[names]]\nname = \"n\"\nhosts = [\"s\"]\n[[transfers]]\nhost = \"n\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[time.Duration]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		a, err1 := f.Scenario(seed)
		b, err2 := f.Scenario(seed)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if a.EpochPhase != b.EpochPhase || a.EpochPhase < 0 || a.EpochPhase >= time.Second || a.EpochPhase%time.Microsecond != 0 {
			t.Fatalf("seed %d: phases %v and %v", seed, a.EpochPhase, b.EpochPhase)
		}
		seen[a.EpochPhase] = true
	}
	if len(seen) < 15 {
		t.Errorf("20 seeds gave only %d phases", len(seen))
	}
}
