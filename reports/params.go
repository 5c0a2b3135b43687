package reports

import (
	"time"

	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// The Params keys ParamsOf fills. Values are text so that a scenario file
// can add its own keys; durations are in sim.FormatDuration's form.
const (
	// ParamPollCap is the poll cap a scenario sets explicitly ("100ms");
	// absent when the profile's default applies. The poll-cap trade-off
	// plot reads it.
	ParamPollCap = "poll_cap"
	// ParamPhase is the clock's sub-second phase at time zero, when not 0.
	ParamPhase = "phase"
	// ParamRaces is "true" when race exploration was on.
	ParamRaces = "races"
)

// ParamsOf returns the settings of s that tell its runs apart from other
// runs of the same name, profile and driver, or nil when there are none.
// The caller may add keys of its own before storing them in Run.Params.
func ParamsOf(s scenario.Scenario) map[string]string {
	p := map[string]string{}
	if s.PollCap > 0 {
		p[ParamPollCap] = sim.FormatDuration(s.PollCap)
	}
	if s.EpochPhase != 0 {
		p[ParamPhase] = sim.FormatDuration(s.EpochPhase)
	}
	if s.Races {
		p[ParamRaces] = "true"
	}
	if len(p) == 0 {
		return nil
	}
	return p
}

// pollCap reads a run's ParamPollCap.
func (r Run) pollCap() (time.Duration, bool) {
	v, ok := r.Params[ParamPollCap]
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(v)
	return d, err == nil
}
