package main

import (
	"github.com/expirylab/expiry/properties"
	"github.com/expirylab/expiry/reports"
	"github.com/expirylab/expiry/sim/scenario"
)

// judge runs the property checkers on one run's trace. A real-time
// engine's trace is judged with the allowances of a real host
// (properties.RealHost).
func judge(s scenario.Scenario, r scenario.Result, eng engine) []reports.Verdict {
	sub := properties.SubjectOf(s, r)
	if eng.realTime {
		sub = properties.RealHost(sub, r.Trace)
	}
	var out []reports.Verdict
	for _, v := range properties.Check(r.Trace, sub, properties.TraceProperties) {
		out = append(out, reports.VerdictOf(v.Property.String(), v.At, v.Transfer, v.What, v.Lines, r.Trace))
	}
	return out
}
