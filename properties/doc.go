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
// from another engine needs only a Subject of its own.
//
// # Suites
//
// TestIndex (any implementation of the small Index interface), TestLists
// (timer lists of a bare Multi against a dumb oracle), TestScenarios
// (random scenarios through sim/scenario, judged by the checkers),
// TestDeterminism and TestMetamorphic take a *testing.T and Options
// (profiles, drivers, properties, budget). Generated scenarios use swarm
// testing: each check switches a random subset of features, server
// behaviours and fault kinds off. A failure prints the seed, the shrunk
// scenario in readable form (Describe), the trace around the violation
// and the go test command that replays it. Find runs a suite without a
// test and returns its shrunk counterexample.
//
// # What it is not
//
// It is not a simulator (sim, sim/scenario run scenarios), not a report
// generator, and not a model of curl: its rules are SPEC §8's, each
// profile's allowances are written out in Spec, and nothing here imitates
// the model's code. The stop properties (SPEC §8, 8 and 9) are not here
// yet: they wait for the stop API of model and sim/scenario; Property
// numbers follow SPEC, so they will slot in as 8 and 9.
package properties
