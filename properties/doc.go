// Package properties holds the conformance suites and trace checkers of
// SPEC §8: what any design of libcurl's timer machinery must do, stated
// as pure functions of a trace, plus rapid suites that throw random
// scenarios at a design and shrink any failure to a replayable one.
//
// # Checkers
//
// Check reads a trace in the canonical line format of package sim (the
// contract between whatever executes a scenario and whatever judges it),
// rebuilds every multi's timer lists, splay index, dirty set and the
// application's one timer from the model's events, and reports each
// Violation of a property: the property, the virtual time, the thread and
// transfer, and the trace lines that show it. What a checker needs beyond
// the trace — the profile's promises and allowances (Spec), the
// application kind, the transfers' limits, how far the run went — is a
// Subject; SubjectOf derives it from a scenario and its result. A trace
// from another engine needs only a Subject of its own. Check streams: it
// costs O(log n) per record for n transfers. CheckDeterminism compares two
// traces.
//
// # Suites
//
// TestIndex (any implementation of the small Index interface), TestLists
// (timer lists of a bare Multi against a dumb oracle), TestScenarios
// (random scenarios through sim/scenario, judged by the checkers),
// TestDeterminism and TestMetamorphic take a *testing.T and Options
// (profiles, drivers, properties, features, budget). Scenarios and Scripts
// are their generators; each generated scenario switches a random subset
// of features, server behaviours and fault kinds off (swarm testing). A
// failure prints the shrunk case in readable form (Describe), the trace
// around each violation, rapid's seed and the go test command that
// replays it. Find runs a suite without a test and returns its shrunk
// counterexample.
//
// The budget is rapid's number of checks: each suite has its own default,
// and an explicit -rapid.checks on the command line wins. Suites set
// rapid's flags while they run, so run them one at a time, not in
// parallel subtests.
//
// # What it is not
//
// It is not a simulator (sim, sim/scenario run scenarios), not a report
// generator, and not a model of curl: its rules are SPEC §8's, each
// profile's allowances are written out in Spec with their reasons, and
// TestLists' oracle restates SPEC §2–§5 with slices and scans rather than
// following the model's code. The stop properties (SPEC §8, 8 and 9) are
// not here yet: they wait for the stop API of model and sim/scenario;
// Property numbers follow SPEC, so they slot in as 8 and 9.
package properties
