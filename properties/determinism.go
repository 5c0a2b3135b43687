package properties

import (
	"bytes"
	"fmt"

	"pgregory.net/rapid"

	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// CheckDeterminism is P10 on two traces of the same scenario and seed:
// their canonical lines must be the same, byte for byte. It reports the
// first line that differs (Lines indexes b), or the missing tail.
func CheckDeterminism(a, b []sim.Record) []Violation {
	n := min(len(a), len(b))
	for i := range n {
		if la, lb := a[i].String(), b[i].String(); la != lb {
			return []Violation{{Property: Determinism, At: b[i].At, Thread: b[i].Thread, Transfer: b[i].Transfer,
				What: fmt.Sprintf("line %d differs between two runs:\n  first:  %s\n  second: %s", i+1, la, lb), Lines: []int{i}}}
		}
	}
	if len(a) == len(b) {
		return nil
	}
	longer, which := a, "first"
	if len(b) > len(a) {
		longer, which = b, "second"
	}
	v := Violation{Property: Determinism, At: longer[n].At,
		What: fmt.Sprintf("the %s run has %d more lines, from: %s", which, len(longer)-n, longer[n])}
	if which == "second" {
		v.Lines = []int{n}
	}
	return []Violation{v}
}

// determinismProp: a random scenario run twice gives one trace; its text
// form reads back to the same records; hash-only runs agree with each
// other.
func determinismProp(o Options, sink *Failure) func(*rapid.T) {
	return func(t *rapid.T) {
		s := genScenario(t, o)
		r1, r2 := mustRun(t, s), mustRun(t, s)
		vs := CheckDeterminism(r1.Trace, r2.Trace)
		if len(vs) == 0 && r1.Hash != r2.Hash {
			vs = append(vs, Violation{Property: Determinism, What: fmt.Sprintf("equal traces, hashes %s and %s",
				sim.FormatHash(r1.Hash), sim.FormatHash(r2.Hash))})
		}
		if len(vs) > 0 {
			failScenario(t, sink, s, r2.Trace, vs)
		}
		if why := roundTrip(r1); why != "" {
			failText(t, sink, Describe(s), why)
		}
		s.Trace = scenario.TraceHash
		if h1, h2 := mustRun(t, s).Hash, mustRun(t, s).Hash; h1 != h2 {
			failText(t, sink, Describe(s), fmt.Sprintf("P10 determinism: hash-only runs gave %s and %s",
				sim.FormatHash(h1), sim.FormatHash(h2)))
		}
	}
}

// roundTrip checks that the trace's canonical text parses back to records
// with the same text and hash: the contract checkers of other engines
// rely on.
func roundTrip(r scenario.Result) string {
	var buf bytes.Buffer
	if err := sim.WriteText(&buf, r.Trace); err != nil {
		return "writing the trace: " + err.Error()
	}
	text := buf.String()
	back, err := sim.ReadText(&buf)
	if err != nil {
		return "the trace's text does not parse back: " + err.Error()
	}
	if vs := CheckDeterminism(r.Trace, back); len(vs) > 0 {
		return "the trace's text reads back differently: " + vs[0].What
	}
	if h := sim.HashRecords(back); h != r.Hash {
		return fmt.Sprintf("the parsed trace hashes to %s, the run to %s (%d bytes of text)",
			sim.FormatHash(h), sim.FormatHash(r.Hash), len(text))
	}
	return ""
}
