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
// TestStops (random scenarios with stop requests: mechanisms, variants,
// timings, handle setups, stops from a callback, a held share lock),
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
// following the model's code.
//
// # Stop properties
//
// P8 (StopLatency) and P9 (StopOutcome) read the stopper's stop.request
// record, the model's stop events and the transfer's end (its DONE
// message, or its removal). P8's bound is stated per mechanism and
// variant, counted from the request (or from the stopper's grant of the
// share mutex, when the performing thread held it) and past every busy
// stretch of the performing thread in progress (a long callback, a
// synchronous lookup, a held lock: the kernel's busy records and the
// model's claimed busy time): easy-stop (wake-poll, easy and multi-poll
// drivers) and wakeup end the transfer within one wake-up (Subject.StopWake,
// 1 ms under the default host model) after the performing thread can next
// look; xferinfo ends it at its next progress callback, and easy-stop
// where nobody watches the wakeup pair (no-wake, socket drivers) at its
// next run, which a poll driver brings within the poll cap + 5 ms; a
// latched stop ends the next perform at its first run; timeout's bound is
// TIMEOUT_MS, which P5 holds. P9: one outcome per perform; STOPPED only
// for an accepted easy-stop of that perform (never for a not-stoppable or
// no-lock-function handle, a rejected request, or another perform, except
// a latch's next one); 42 only after an xferinfo stop; an accepted stop
// gives STOPPED unless completion came first (the model's stop
// what=dropped), xferinfo aborted first or the handle was removed; never
// lost when the run ends idle. The rules in full are in stop.go.
//
// # Real traces and the bug catalogue
//
// A trace recorded on the real libcurl (package realcurl) shows only the
// application's side; RealHost makes its Subject Opaque, so that the
// checks comparing that side with the library's internals are skipped and
// the others run with a real host's allowances. BugCases is the catalogue
// of libcurl's historical timer bugs (model.Bug): for each, the release it
// is switched on in, the suite and search that catch it, and the committed
// shrunk scenario file (bugs/bugN.toml); TestBugCatalog holds it.
package properties
