package reports

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/expirylab/expiry/sim"
)

func TestVerdictOf(t *testing.T) {
	trace := goldenTrace(t)
	var all []int
	for i := range len(trace) {
		all = append(all, i)
	}
	tests := []struct {
		name  string
		lines []int
		trace []sim.Record
		want  []string
	}{
		{"two lines", []int{1, 17}, trace, []string{trace[1].String(), trace[17].String()}},
		{"the last few of many", all, trace, lineStrings(trace[len(trace)-maxVerdictLines:])},
		{"out of range", []int{-1, 999}, trace, nil},
		{"no trace", []int{1}, nil, nil},
	}
	for _, tt := range tests {
		got := VerdictOf("P5 no-missed-deadline", us(1300000), 1, "late", tt.lines, tt.trace)
		want := Verdict{Property: "P5 no-missed-deadline", AtUs: 1300000, Transfer: 1, Detail: "late", Lines: tt.want}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: VerdictOf (-want +got):\n%s", tt.name, d)
		}
	}
}

func lineStrings(recs []sim.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.String())
	}
	return out
}
