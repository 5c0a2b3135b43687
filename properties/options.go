package properties

import (
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim/scenario"
)

// Options select what a suite generates and checks. The zero value runs
// the defaults: both required profiles, every driver, every property of a
// trace, every feature, the suite's own budget.
type Options struct {
	// Profiles are drawn from for each scenario; nil means curl-7.88 and
	// curl-8. A profile with a historical bug switched on is held to the
	// promises of its release (SpecOf).
	Profiles []model.Profile
	// Drivers are drawn from; nil means all four.
	Drivers []scenario.Driver
	// Properties are the properties judged; 0 means TraceProperties.
	Properties Set
	// Features are what generated scenarios may use (swarm testing turns
	// a random subset off per check); 0 means DefaultFeatures (TestStops
	// adds FeatStops).
	Features Feature
	// MaxTransfers bounds the transfers of a scenario; 0 means 4.
	MaxTransfers int
	// Checks is the budget: how many cases rapid tries. 0 means the
	// suite's default; an explicit -rapid.checks on the command line wins.
	Checks int
	// Index makes the index under test for TestIndex; nil means the splay
	// tree (NewSplayIndex).
	Index func() Index
	// Seed fixes rapid's seed (0: rapid's own, or -rapid.seed).
	Seed uint64
	// ShrinkTime bounds the shrinking of a failure; 0 means rapid's
	// -rapid.shrinktime (30 s by default).
	ShrinkTime time.Duration
}

func (o Options) profiles() []model.Profile {
	if len(o.Profiles) == 0 {
		return []model.Profile{model.Curl788(), model.Curl8()}
	}
	return o.Profiles
}

func (o Options) drivers() []scenario.Driver {
	if len(o.Drivers) == 0 {
		return scenario.Drivers()
	}
	return o.Drivers
}

func (o Options) properties() Set {
	if o.Properties == 0 {
		return TraceProperties
	}
	return o.Properties
}

func (o Options) features() Feature {
	if o.Features == 0 {
		return DefaultFeatures
	}
	return o.Features
}

func (o Options) maxTransfers() int {
	if o.MaxTransfers <= 0 {
		return 4
	}
	return o.MaxTransfers
}
