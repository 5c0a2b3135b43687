package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/expirylab/expiry/sim/scenario"
)

// engine runs scenarios: the simulator (always), or the system's libcurl
// in real time (package realcurl, in a simrun built with -tags libcurl).
type engine struct {
	name string
	// expressible says why a scenario cannot run on this engine (nil:
	// it can).
	expressible func(s *scenario.Scenario) error
	run         func(ctx context.Context, s scenario.Scenario) (scenario.Result, error)
	// version is the engine's version line for reports and -version.
	version string
	// realTime engines run in wall-clock time: one run per core at most,
	// and the run keeps its full trace (the fidelity report reads the
	// timer callback's values from it).
	realTime bool
}

const engineSim = "sim"

// engines are the engines this build has; engine_libcurl.go adds one.
var engines = map[string]engine{
	engineSim: {
		name:        engineSim,
		expressible: func(*scenario.Scenario) error { return nil },
		run:         func(_ context.Context, s scenario.Scenario) (scenario.Result, error) { return scenario.Run(s) },
		version:     "expiry simulator",
	},
}

// engineByName returns a registered engine, or a usage error that says
// how to get it.
func engineByName(name string) (engine, error) {
	if e, ok := engines[name]; ok {
		return e, nil
	}
	if name == "libcurl" {
		return engine{}, usagef("this simrun was built without the libcurl engine: install libcurl4-openssl-dev and run go run -tags libcurl ./cmd/simrun ...")
	}
	var names []string
	for n := range engines {
		names = append(names, n)
	}
	sort.Strings(names)
	return engine{}, usagef("-engine %q: want one of %s", name, strings.Join(names, ", "))
}

// reportEngine is the name a run's results carry: "" for the simulator.
func (e engine) reportEngine() string {
	if e.name == engineSim {
		return ""
	}
	return e.name
}

func (e engine) String() string { return fmt.Sprintf("%s (%s)", e.name, e.version) }
