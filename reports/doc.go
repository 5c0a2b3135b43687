// Package reports turns the results of scenario runs into what people and
// CI jobs read: a versioned results file (JSON, schema Schema), per-scenario
// aggregates, plots (gonum.org/v1/plot, rendered to SVG), a single-file
// HTML report, a Markdown summary, and a regression comparison against a
// baseline.
//
// # Data flow
//
// A caller (cmd/simrun) runs scenarios, judges their traces with package
// properties, and turns each run into a Run with FromResult, its Params
// with ParamsOf and each violation into a Verdict with VerdictOf. New
// sorts runs into a canonical order and aggregates them per scenario
// configuration (Aggregate), so a sweep gives the same Results, byte for
// byte, whatever the parallelism or the shard split; Merge joins shards.
// One run, replayed with its full trace, can give the Results a Timeline
// (TimelineOf). WriteJSON and ReadJSON store Results, refusing a file of
// another schema version. Plots renders the figures; a Report writes them
// with the tables as one HTML file (WriteHTML), as Markdown
// (WriteMarkdown) or as a report folder (WriteDir). Compare sets Results
// against a baseline under Tolerances; Diff.Regressed is the CI verdict.
//
// # Two engines
//
// The same scenarios run in the simulator and on the real libcurl
// (package realcurl), which returns the same scenario.Result; its caller
// sets Run.Engine to EngineLibcurl. The engine is part of a run's Key, so
// merged results keep the engines apart, and Compare refuses a baseline
// of one engine for results of another. FidelityOf is the comparison
// across engines: it pairs the two sides' runs by scenario, profile and
// driver and, per pair, sets their latency distributions (two-sample
// Kolmogorov–Smirnov distance), result codes, timer callback sequences
// (Run.TimerSeq) and property verdicts side by side. A Report with a
// Fidelity gets a fidelity section with FidelityPlots' figures.
//
// # What it is not
//
// It runs nothing and judges no trace: scenarios run in sim/scenario,
// properties are checked in package properties (which this package does
// not import: verdicts arrive as plain data), and which runs to do, in
// what order and on how many cores is cmd/simrun's business. Everything
// here is a pure function of its input: no goroutines, no wall-clock time,
// no map order reaches an output, so every file it writes is reproducible.
package reports
