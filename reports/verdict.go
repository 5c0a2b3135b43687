package reports

import "github.com/expirylab/expiry/sim"

// maxVerdictLines bounds the trace lines a Verdict keeps: enough to read
// the violation, not the trace (the run replays from scenario and seed).
const maxVerdictLines = 8

// VerdictOf builds a Verdict from a property checker's finding: the
// property's name ("P5 no-missed-deadline"), when and for which transfer
// it shows, what happened, and the indexes of the trace records that
// show it, of which the last maxVerdictLines are kept as text (none
// without a trace). For a properties.Violation v:
//
//	reports.VerdictOf(v.Property.String(), v.At, v.Transfer, v.What, v.Lines, res.Trace)
//
// Taking plain values rather than the Violation keeps this package
// buildable and testable whatever state the checkers are in.
func VerdictOf(property string, at sim.Time, transfer int64, detail string, lines []int, trace []sim.Record) Verdict {
	return Verdict{Property: property, AtUs: at.Micros(), Transfer: transfer, Detail: detail, Lines: linesOf(lines, trace)}
}

func linesOf(idx []int, trace []sim.Record) []string {
	if len(idx) > maxVerdictLines {
		idx = idx[len(idx)-maxVerdictLines:]
	}
	var out []string
	for _, i := range idx {
		if i >= 0 && i < len(trace) {
			out = append(out, trace[i].String())
		}
	}
	return out
}
