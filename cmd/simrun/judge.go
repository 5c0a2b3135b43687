package main

import (
	"github.com/expirylab/expiry/properties"
	"github.com/expirylab/expiry/reports"
	"github.com/expirylab/expiry/sim/scenario"
)

// judge runs the property checkers on one run's trace.
func judge(s scenario.Scenario, r scenario.Result) []reports.Verdict {
	sub := properties.SubjectOf(s, r)
	var out []reports.Verdict
	for _, v := range properties.Check(r.Trace, sub, properties.TraceProperties) {
		out = append(out, reports.VerdictOf(v.Property.String(), v.At, v.Transfer, v.What, v.Lines, r.Trace))
	}
	return out
}
