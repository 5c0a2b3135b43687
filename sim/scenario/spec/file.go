package spec

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// File is one scenario file: a scenario, the profiles, drivers and poll
// caps it runs under (each combination is one concrete scenario), and the
// seeds a sweep runs it with. Its fields are plain data; Parse fills them
// from TOML and Format writes them back.
type File struct {
	// Path is the file name Parse was given; it only labels messages.
	Path string
	// Name is the scenario's name (default: the file's base name).
	Name string
	// Doc says what the scenario shows.
	Doc string
	// Profiles, Drivers and PollCaps are the axes: the file stands for
	// every combination. Empty Drivers means the easy driver, empty
	// PollCaps the profile's poll cap (0).
	Profiles []model.Profile
	Drivers  []scenario.Driver
	PollCaps []time.Duration
	// Sweep says which seeds a sweep runs.
	Sweep Sweep

	EpochPhase time.Duration
	// RandomPhase draws each run's epoch phase from its seed (whole µs in
	// [0, 1s)), as a real machine's clock has any phase when a run starts;
	// EpochPhase is then unused. epoch_phase = "random" in a file.
	RandomPhase    bool
	Races          bool
	TimeLimit      time.Duration
	EventBudget    uint64
	Host           *sim.Host
	Network        scenario.Network
	MaxConnections int
	Transfers      []Transfer
	Stops          []scenario.Stop
	Hold           *scenario.Hold
}

// Transfer is one [[transfers]] entry: Count identical transfers (IDs
// count every copy) that are either HTTP GETs with Options or scripted.
type Transfer struct {
	Start time.Duration
	// Count is how many copies (0 counts as 1).
	Count int
	// Options are the easy options; their func fields must be nil (a file
	// has no code): WriteDelay below stands for Options.WriteDelay.
	Options *model.Options
	// WriteDelay is how long each write callback call takes, drawn from
	// this distribution; nil is no time.
	WriteDelay sim.Dist
	// Script makes the transfers scripted (model.Script).
	Script *model.Script
}

// copies is the number of transfers the entry stands for.
func (t Transfer) copies() int { return max(t.Count, 1) }

// Sweep is the seeds a sweep runs: Seeds when given, else Runs
// consecutive seeds from Seed.
type Sweep struct {
	Seed  uint64
	Runs  int
	Seeds []uint64
}

// DefaultSeed is the first seed of a file that names none.
const DefaultSeed = 1

// Len is the number of seeds.
func (s Sweep) Len() int {
	if len(s.Seeds) > 0 {
		return len(s.Seeds)
	}
	return max(s.Runs, 1)
}

// At is the i-th seed, 0 ≤ i < Len.
func (s Sweep) At(i int) uint64 {
	if len(s.Seeds) > 0 {
		return s.Seeds[i]
	}
	return s.Seed + uint64(i)
}

// List is every seed, in order.
func (s Sweep) List() []uint64 {
	out := make([]uint64, s.Len())
	for i := range out {
		out[i] = s.At(i)
	}
	return out
}

// drivers is Drivers or its default.
func (f *File) drivers() []scenario.Driver {
	if len(f.Drivers) == 0 {
		return []scenario.Driver{scenario.DriverEasy}
	}
	return f.Drivers
}

// pollCaps is PollCaps or its default.
func (f *File) pollCaps() []time.Duration {
	if len(f.PollCaps) == 0 {
		return []time.Duration{0}
	}
	return f.PollCaps
}

// Combos is the number of concrete scenarios f stands for.
func (f File) Combos() int { return len(f.Profiles) * len(f.drivers()) * len(f.pollCaps()) }

// Expand returns one File per combination of profile, driver and poll cap
// (profile slowest, poll cap fastest). Each is named after f plus
// "/<value>" for every axis with more than one value, e.g.
// "stall/curl-8/socket-exact", so that names stay unique in a suite.
func (f File) Expand() []File {
	var out []File
	for _, p := range f.Profiles {
		for _, d := range f.drivers() {
			for _, c := range f.pollCaps() {
				g := f
				g.Name = f.Name + f.suffix(p, d, c)
				g.Profiles = []model.Profile{p}
				if len(f.Drivers) > 0 {
					g.Drivers = []scenario.Driver{d}
				}
				if len(f.PollCaps) > 0 {
					g.PollCaps = []time.Duration{c}
				}
				out = append(out, g)
			}
		}
	}
	return out
}

// suffix names one combination by the axes that vary.
func (f *File) suffix(p model.Profile, d scenario.Driver, c time.Duration) string {
	s := ""
	if len(f.Profiles) > 1 {
		s += "/" + p.Name
	}
	if len(f.drivers()) > 1 {
		s += "/" + d.String()
	}
	if len(f.pollCaps()) > 1 {
		s += "/" + sim.FormatDuration(c)
	}
	return s
}

// ErrCombos is returned by Scenario for a File that stands for more than
// one combination.
var ErrCombos = errors.New("spec: the file has several profiles, drivers or poll caps: Expand it first")

// Scenario builds the concrete scenario of a File with one combination
// (see Expand), run with the given seed. Every call builds fresh state (a
// script's progress, the write delays' random draws): run each returned
// Scenario once.
func (f File) Scenario(seed uint64) (scenario.Scenario, error) {
	if f.Combos() != 1 {
		return scenario.Scenario{}, ErrCombos
	}
	s := scenario.Scenario{
		Name: f.Name, Profile: f.Profiles[0], Driver: f.drivers()[0], PollCap: f.pollCaps()[0],
		Seed: seed, EpochPhase: f.phase(seed), Races: f.Races, TimeLimit: f.TimeLimit,
		EventBudget: f.EventBudget, Network: copyNetwork(f.Network), MaxConnections: f.MaxConnections,
		Stops: append([]scenario.Stop(nil), f.Stops...),
	}
	if f.Host != nil {
		h := *f.Host
		s.Host = &h
	}
	if f.Hold != nil {
		h := *f.Hold
		s.Hold = &h
	}
	for _, t := range f.Transfers {
		for range t.copies() {
			s.Transfers = append(s.Transfers, t.build(seed, len(s.Transfers)+1))
		}
	}
	return s, s.Validate()
}

// copyNetwork copies the slices of n, so that scenarios built from one
// File share nothing a caller might change.
func copyNetwork(n scenario.Network) scenario.Network {
	n.Servers = append([]scenario.Server(nil), n.Servers...)
	for i := range n.Servers {
		n.Servers[i].Faults = append([]string(nil), n.Servers[i].Faults...)
	}
	n.Names = append([]scenario.Name(nil), n.Names...)
	for i := range n.Names {
		n.Names[i].Hosts = append([]string(nil), n.Names[i].Hosts...)
	}
	return n
}

// build is the scenario transfer with ID id.
func (t Transfer) build(seed uint64, id int) scenario.Transfer {
	out := scenario.Transfer{Start: t.Start}
	if t.Script != nil {
		out.Script = t.Script.Clone()
	}
	if t.Options != nil {
		o := *t.Options
		o.WriteDelay = writeDelay(t.WriteDelay, seed, id)
		out.Options = &o
	}
	return out
}

// writeDelay turns a distribution into model.Options.WriteDelay. A
// constant needs no randomness; any other distribution draws from its own
// generator, seeded by the run's seed and the transfer's ID so that the
// draws depend on nothing else (the simulator calls it in a deterministic
// order).
func writeDelay(d sim.Dist, seed uint64, id int) func(int) time.Duration {
	switch d := d.(type) {
	case nil:
		return nil
	case sim.Const:
		return func(int) time.Duration { return max(d.D, 0) }
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "write-delay/%d", id)
	r := rand.New(rand.NewPCG(seed, h.Sum64()))
	return func(int) time.Duration { return d.Draw(r) }
}

// phase is the run's epoch phase: EpochPhase, or with RandomPhase a draw
// of its own from the seed.
func (f *File) phase(seed uint64) time.Duration {
	if !f.RandomPhase {
		return f.EpochPhase
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "epoch-phase/%d", seed)
	return time.Duration(h.Sum64()%1_000_000) * time.Microsecond
}

// FromScenario is the File of one concrete scenario: one profile, one
// driver, its poll cap and its seed, one entry per transfer. Format then
// writes it, unless the scenario holds what a file cannot say (options
// with func values other than those a run fills in itself); Scenario(s.Seed)
// of the result rebuilds an equal scenario. It is how a shrunk
// counterexample of a property suite becomes a committed scenario file.
func FromScenario(s scenario.Scenario) (File, error) {
	f := File{
		Name: s.Name, Profiles: []model.Profile{s.Profile}, Drivers: []scenario.Driver{s.Driver},
		Sweep:      Sweep{Seed: s.Seed, Runs: 1},
		EpochPhase: s.EpochPhase, Races: s.Races, TimeLimit: s.TimeLimit, EventBudget: s.EventBudget,
		Network: copyNetwork(s.Network), MaxConnections: s.MaxConnections,
		Stops: append([]scenario.Stop(nil), s.Stops...),
	}
	if s.PollCap > 0 {
		f.PollCaps = []time.Duration{s.PollCap}
	}
	if s.Host != nil {
		h := *s.Host
		f.Host = &h
	}
	if s.Hold != nil {
		h := *s.Hold
		f.Hold = &h
	}
	for i, t := range s.Transfers {
		ft := Transfer{Start: t.Start}
		switch {
		case t.Script != nil:
			ft.Script = t.Script.Clone()
		case t.Options != nil:
			o := *t.Options
			if o.Xferinfo != nil || o.Write != nil || o.WriteDelay != nil {
				return File{}, fmt.Errorf("spec: transfer %d has func-valued options, which a file cannot hold", i+1)
			}
			ft.Options = &o
		}
		f.Transfers = append(f.Transfers, ft)
	}
	return f, nil
}
