package properties

import (
	"fmt"
	"slices"
	"strings"

	"github.com/expirylab/expiry/sim"
)

// Violation is one broken property, located in the trace.
type Violation struct {
	Property Property
	At       sim.Time     // the virtual time it shows at
	Thread   sim.ThreadID // the application thread (its multi), or NoThread
	Transfer int64        // the transfer concerned; 0 for the multi as a whole
	// What says what the rule demanded and what the trace did instead.
	What string
	// Lines are the indexes, in the trace, of the records that show it,
	// in trace order: the offending record last.
	Lines []int
}

// String is one line: property, time, thread, transfer and what happened.
func (v Violation) String() string {
	where := ""
	if v.Thread != sim.NoThread {
		where += fmt.Sprintf(" t%d", v.Thread)
	}
	if v.Transfer != 0 {
		where += fmt.Sprintf(" x%d", v.Transfer)
	}
	return fmt.Sprintf("%v at %dus%s: %s", v.Property, v.At.Micros(), where, v.What)
}

// Excerpt prints the violation followed by its trace lines, each with
// up to context lines of the same thread before it; lines that show the
// violation are marked with '>'. Line numbers count from 1.
func (v Violation) Excerpt(trace []sim.Record, context int) string {
	var b strings.Builder
	b.WriteString(v.String())
	b.WriteByte('\n')
	shown := v.window(trace, context)
	prev := -1
	for _, i := range shown {
		if prev >= 0 && i != prev+1 {
			b.WriteString("      ...\n")
		}
		mark := ' '
		if slices.Contains(v.Lines, i) {
			mark = '>'
		}
		fmt.Fprintf(&b, "%c%5d %s\n", mark, i+1, trace[i])
		prev = i
	}
	return b.String()
}

// window is the sorted set of line indexes to show: each of v.Lines and
// the context lines of its thread before it.
func (v Violation) window(trace []sim.Record, context int) []int {
	var out []int
	for _, i := range v.Lines {
		if i < 0 || i >= len(trace) {
			continue
		}
		out = append(out, i)
		n := 0
		for j := i - 1; j >= 0 && n < context; j-- {
			if trace[j].Thread == trace[i].Thread || trace[i].Thread == sim.NoThread {
				out = append(out, j)
				n++
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Report prints every violation with its excerpt, at most max of them
// (0: all).
func Report(vs []Violation, trace []sim.Record, context, max int) string {
	var b strings.Builder
	for i, v := range vs {
		if max > 0 && i == max {
			fmt.Fprintf(&b, "... and %d more violations\n", len(vs)-max)
			break
		}
		b.WriteString(v.Excerpt(trace, context))
	}
	return b.String()
}
