package properties_test

import (
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/properties"
	"github.com/expirylab/expiry/sim/scenario"
)

var (
	socketDrivers = []scenario.Driver{scenario.DriverSocketExact, scenario.DriverSocketPoll}
	loopDrivers   = []scenario.Driver{scenario.DriverEasy, scenario.DriverMultiPoll}
)

// bugCases name, for every historical-bug switch of the model, the
// release it is switched on in (one whose promises it breaks: 7.88 has
// bugs 8 and 11 natively), the suite that must catch it, the properties
// the checkers should name, and where the search looks.
var bugCases = []struct {
	bug   model.Bug
	base  model.Profile
	suite properties.Suite
	want  properties.Set // empty: the suite's oracle catches it
	opts  properties.Options
}{
	{bug: model.Bug1RemoveAddSameMs, base: model.Curl8(), suite: properties.SuiteScenarios,
		want: properties.SetOf(properties.SingleTimeout), opts: properties.Options{Drivers: socketDrivers}},
	{bug: model.Bug2ZeroUnderMs, base: model.Curl788(), suite: properties.SuiteScenarios,
		want: properties.SetOf(properties.SingleTimeout, properties.NoBusyLoop)},
	{bug: model.Bug3PurgeAfterRun, base: model.Curl8(), suite: properties.SuiteScenarios,
		want: properties.SetOf(properties.NoMissedDeadline),
		opts: properties.Options{Drivers: loopDrivers, Features: properties.FeatScripts | properties.FeatBusy}},
	{bug: model.Bug4NoReinsert, base: model.Curl8(), suite: properties.SuiteScenarios,
		want: properties.SetOf(properties.IDOverride, properties.NoMissedDeadline)},
	// Scenario drivers never remove a running transfer: the lists suite
	// does.
	{bug: model.Bug5ClearBeforeDone, base: model.Curl8(), suite: properties.SuiteLists,
		want: properties.SetOf(properties.IDOverride)},
	{bug: model.Bug6ZeroClearsAll, base: model.Curl8(), suite: properties.SuiteScenarios,
		want: properties.SetOf(properties.IDOverride, properties.NoMissedDeadline), opts: properties.Options{Drivers: socketDrivers}},
	// curl 8's ceiling never fires the application's timer early; 7.88's
	// truncation does, and then nothing re-arms it.
	{bug: model.Bug7NoReannounce, base: model.Curl788(), suite: properties.SuiteScenarios,
		want: properties.SetOf(properties.SingleTimeout, properties.NoMissedDeadline), opts: properties.Options{Drivers: socketDrivers}},
	{bug: model.Bug7NoReannounce, base: model.Curl8(), suite: properties.SuiteLists,
		want: properties.SetOf(properties.SingleTimeout, properties.NoMissedDeadline)},
	{bug: model.Bug8MsTruncation, base: model.Curl8(), suite: properties.SuiteScenarios,
		want: properties.SetOf(properties.SingleTimeout, properties.NoMissedDeadline)},
	// A transfer that waited in PENDING, then connects slowly: its total
	// limit restarts at the connect. 7.88's Spec exempts pending
	// transfers from their limits, and curl 8's does on the socket path,
	// so curl 8's loop drivers are where a suite holds it to its limit.
	{bug: model.Bug9TimeoutStarts, base: model.Curl8(), suite: properties.SuiteScenarios,
		want: properties.SetOf(properties.NoMissedDeadline),
		opts: properties.Options{Drivers: loopDrivers,
			Features: properties.FeatHTTP | properties.FeatTimeout | properties.FeatPending | properties.FeatDNSDelay | properties.FeatFaults}},
	// 8.15's Curl_expire re-keys on an equal deadline (keep-early); the
	// curl-8.21 timer list has that. Pending transfers time out in the
	// purge of multi_perform, which only the loop drivers call.
	{bug: model.Bug10PendingTwice, base: model.Curl8Released(), suite: properties.SuiteScenarios,
		want: properties.SetOf(properties.IDOverride, properties.NoMissedDeadline),
		opts: properties.Options{Drivers: loopDrivers,
			Features: properties.FeatHTTP | properties.FeatTimeout | properties.FeatConnectTimeout | properties.FeatPending}},
	{bug: model.Bug11ClearLeavesNode, base: model.Curl8(), suite: properties.SuiteScenarios,
		want: properties.SetOf(properties.IDOverride), opts: properties.Options{Features: properties.FeatScripts}},
	{bug: model.Bug12GetBestLargest, base: model.Curl788(), suite: properties.SuiteScenarios,
		want: properties.SetOf(properties.FIFOTies, properties.IDOverride)},
	// A paused transfer with data still on its socket is run again and
	// again (8.4 to 8.8).
	{bug: model.Bug13PausedBusyLoop, base: model.Curl8(), suite: properties.SuiteScenarios,
		want: properties.SetOf(properties.NoBusyLoop),
		opts: properties.Options{Features: properties.FeatHTTP | properties.FeatPause | properties.FeatTimeout}},
	// The resume's run-now is never announced to an event-driven
	// application (before 7.65.2).
	{bug: model.Bug14UnpauseNoTimer, base: model.Curl8(), suite: properties.SuiteScenarios,
		want: properties.SetOf(properties.SingleTimeout, properties.NoMissedDeadline),
		opts: properties.Options{Drivers: socketDrivers, Features: properties.FeatHTTP | properties.FeatPause | properties.FeatTimeout}},
}

// TestBugSwitches: each historical-bug switch of the model makes a suite
// fail, with a shrunk counterexample, within 60 s (search and shrinking),
// and the failure names a property the bug breaks. Each row logs its
// time and counterexample. Skipped with -short.
func TestBugSwitches(t *testing.T) {
	if testing.Short() {
		t.Skip("searches and shrinks ten failures")
	}
	covered := map[model.Bug]bool{}
	for _, bc := range bugCases {
		p, err := bc.base.WithBug(bc.bug)
		if err != nil {
			t.Fatal(err)
		}
		covered[bc.bug] = true
		t.Run(p.Name+"/"+bc.suite.String(), func(t *testing.T) {
			o := bc.opts
			o.Profiles = []model.Profile{p}
			o.Checks, o.ShrinkTime = 5000, 10*time.Second
			f := properties.Find(bc.suite, o)
			if f == nil {
				t.Fatalf("%d cases of the %v suite pass", o.Checks, bc.suite)
			}
			var got properties.Set
			for _, v := range f.Violations {
				got |= properties.SetOf(v.Property)
			}
			if bc.want != 0 && got&bc.want == 0 {
				t.Errorf("the failure breaks %q, want one of %v:\n%s", got, bc.want, f.Report)
			}
			if f.Elapsed > time.Minute {
				t.Errorf("found and shrunk in %v, over a minute", f.Elapsed)
			}
			t.Logf("found in %v, shrunk by %v; breaks %v (rapid seed %d):\n%s",
				f.Found.Round(time.Millisecond), f.Elapsed.Round(time.Millisecond), got, f.Seed, f.Case)
		})
	}
	for _, b := range model.Bugs() {
		if !covered[b] {
			t.Errorf("%v has no row", b)
		}
	}
}
