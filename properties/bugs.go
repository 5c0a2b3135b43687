package properties

import (
	"embed"
	"fmt"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim/scenario"
	"github.com/expirylab/expiry/sim/scenario/spec"
)

// BugCase is one entry of the bug catalogue: a historical libcurl bug
// (SPEC §9, model.Bug) switched on in a release whose promises it breaks,
// the suite and the search that catch it, the properties the failure
// names, and the committed scenario file of its shrunk counterexample.
type BugCase struct {
	Bug model.Bug
	// Base is the release the bug is switched on in (7.88 has bugs 8 and
	// 11 natively, so those are held to curl 8's promises).
	Base  model.Profile
	Suite Suite
	// Want are the properties the failure should break (one of them).
	Want Set
	// Options narrow the search (drivers, features); Profiles, Checks,
	// Seed and ShrinkTime are filled in by Search.
	Options Options
	// Seed is rapid's seed for the search, so that it is repeatable; 0
	// means 1.
	Seed uint64
}

// Profile is Base with the bug switched on.
func (c BugCase) Profile() model.Profile {
	p, err := c.Base.WithBug(c.Bug)
	if err != nil {
		panic(err) // the catalogue only holds switchable bugs
	}
	return p
}

// File is the path of the committed shrunk scenario, relative to this
// package: bugs/bugN.toml.
func (c BugCase) File() string { return fmt.Sprintf("bugs/%v.toml", c.Bug) }

// Search runs the case's suite with the bug on (or, with bugOff, on the
// base release) and returns the shrunk counterexample, or nil when the
// checks all pass. checks 0 means 5000; shrinking is bounded at 10 s.
func (c BugCase) Search(checks int, bugOff bool) *Failure {
	o := c.Options
	o.Profiles = []model.Profile{c.Profile()}
	if bugOff {
		o.Profiles = []model.Profile{c.Base}
	}
	o.Checks, o.Seed, o.ShrinkTime = checks, max(c.Seed, 1), 10*time.Second
	if o.Checks == 0 {
		o.Checks = 5000
	}
	return Find(c.Suite, o)
}

// Scenario reads the committed scenario file of the case: one
// combination, the bug's profile, the seed it failed with.
func (c BugCase) Scenario() (scenario.Scenario, error) {
	data, err := bugFiles.ReadFile(c.File())
	if err != nil {
		return scenario.Scenario{}, fmt.Errorf("properties: %v has no committed scenario: %w", c.Bug, err)
	}
	f, err := spec.Parse("properties/"+c.File(), data)
	if err != nil {
		return scenario.Scenario{}, err
	}
	return f.Scenario(f.Sweep.At(0))
}

// ScenarioFile returns the committed scenario file's text.
func (c BugCase) ScenarioFile() ([]byte, error) { return bugFiles.ReadFile(c.File()) }

//go:embed bugs/*.toml
var bugFiles embed.FS

var (
	socketDrivers = []scenario.Driver{scenario.DriverSocketExact, scenario.DriverSocketPoll}
	loopDrivers   = []scenario.Driver{scenario.DriverEasy, scenario.DriverMultiPoll}
)

// BugCases is the bug catalogue: one case per switchable bug, in bug
// order. Each is found by a scenario-generating suite, so its shrunk
// counterexample is a scenario file.
func BugCases() []BugCase {
	return []BugCase{
		{Bug: model.Bug1RemoveAddSameMs, Base: model.Curl8(), Suite: SuiteScenarios,
			Want: SetOf(SingleTimeout), Options: Options{Drivers: socketDrivers}},
		{Bug: model.Bug2ZeroUnderMs, Base: model.Curl788(), Suite: SuiteScenarios,
			Want: SetOf(SingleTimeout, NoBusyLoop)},
		// Scripts that claim processing time make a run outlast a
		// deadline that the purge then drops.
		{Bug: model.Bug3PurgeAfterRun, Base: model.Curl8(), Suite: SuiteScenarios,
			Want:    SetOf(NoMissedDeadline),
			Options: Options{Drivers: loopDrivers, Features: FeatScripts | FeatBusy}},
		{Bug: model.Bug4NoReinsert, Base: model.Curl8(), Suite: SuiteScenarios,
			Want: SetOf(IDOverride, NoMissedDeadline)},
		// The application removes a running scripted transfer (the
		// wakeup mechanism) whose done-processing sets a timer.
		{Bug: model.Bug5ClearBeforeDone, Base: model.Curl8(), Suite: SuiteScenarios,
			Want: SetOf(IDOverride),
			Options: Options{Drivers: []scenario.Driver{scenario.DriverMultiPoll},
				Features: FeatScripts | FeatOnDone | FeatStops}},
		{Bug: model.Bug6ZeroClearsAll, Base: model.Curl8(), Suite: SuiteScenarios,
			Want: SetOf(IDOverride, NoMissedDeadline), Options: Options{Drivers: socketDrivers}},
		// curl 8's ceiling never fires the application's timer early;
		// 7.88's truncation does, and then nothing re-arms it.
		{Bug: model.Bug7NoReannounce, Base: model.Curl788(), Suite: SuiteScenarios,
			Want: SetOf(SingleTimeout, NoMissedDeadline), Options: Options{Drivers: socketDrivers}},
		{Bug: model.Bug8MsTruncation, Base: model.Curl8(), Suite: SuiteScenarios,
			Want: SetOf(SingleTimeout, NoMissedDeadline)},
		// A transfer that waited in PENDING, then connects slowly: its
		// total limit restarts at the connect. 7.88's Spec exempts
		// pending transfers from their limits, and curl 8's does on the
		// socket path, so curl 8's loop drivers hold it to its limit.
		{Bug: model.Bug9TimeoutStarts, Base: model.Curl8(), Suite: SuiteScenarios,
			Want: SetOf(NoMissedDeadline),
			Options: Options{Drivers: loopDrivers,
				Features: FeatHTTP | FeatTimeout | FeatPending | FeatDNSDelay | FeatFaults}},
		// 8.15's Curl_expire re-keys on an equal deadline (keep-early),
		// as the curl-8.21 timer list does. Pending transfers time out
		// in multi_perform's purge, which only the loop drivers call.
		{Bug: model.Bug10PendingTwice, Base: model.Curl8Released(), Suite: SuiteScenarios,
			Want: SetOf(IDOverride, NoMissedDeadline),
			Options: Options{Drivers: loopDrivers,
				Features: FeatHTTP | FeatTimeout | FeatConnectTimeout | FeatPending}},
		{Bug: model.Bug11ClearLeavesNode, Base: model.Curl8(), Suite: SuiteScenarios,
			Want: SetOf(IDOverride), Options: Options{Features: FeatScripts}},
		{Bug: model.Bug12GetBestLargest, Base: model.Curl788(), Suite: SuiteScenarios,
			Want: SetOf(FIFOTies, IDOverride)},
		// A paused transfer with data still on its socket is run again
		// and again (8.4 to 8.8).
		{Bug: model.Bug13PausedBusyLoop, Base: model.Curl8(), Suite: SuiteScenarios,
			Want:    SetOf(NoBusyLoop),
			Options: Options{Features: FeatHTTP | FeatPause | FeatTimeout}},
		// The resume's run-now is never announced to an event-driven
		// application (before 7.65.2).
		{Bug: model.Bug14UnpauseNoTimer, Base: model.Curl8(), Suite: SuiteScenarios,
			Want:    SetOf(SingleTimeout, NoMissedDeadline),
			Options: Options{Drivers: socketDrivers, Features: FeatHTTP | FeatPause | FeatTimeout}},
	}
}

// BugCaseOf returns the catalogue's case of bug b.
func BugCaseOf(b model.Bug) (BugCase, bool) {
	for _, c := range BugCases() {
		if c.Bug == b {
			return c, true
		}
	}
	return BugCase{}, false
}
