package netsim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/expirylab/expiry/netsim"
)

// genDur draws a duration that is either round (whole units, as people
// write them) or arbitrary nanoseconds.
func genDur(t *rapid.T, label string, positive bool) time.Duration {
	lo := int64(0)
	if positive {
		lo = 1
	}
	if rapid.Bool().Draw(t, label+"-round") {
		unit := rapid.SampledFrom([]time.Duration{time.Nanosecond, time.Microsecond, time.Millisecond, time.Second}).Draw(t, label+"-unit")
		return time.Duration(rapid.Int64Range(lo, 100_000).Draw(t, label)) * unit
	}
	return time.Duration(rapid.Int64Range(lo, int64(1000*time.Hour)).Draw(t, label))
}

func genCount(t *rapid.T, label string, positive bool) int64 {
	lo := int64(0)
	if positive {
		lo = 1
	}
	return rapid.Int64Range(lo, 1<<40).Draw(t, label)
}

// genAnyFault draws any valid fault.
func genAnyFault(t *rapid.T) netsim.Fault {
	f := netsim.Fault{Kind: netsim.FaultKind(rapid.IntRange(0, 5).Draw(t, "kind"))}
	if rapid.Bool().Draw(t, "has-at") {
		f.At = genDur(t, "at", false)
	}
	if rapid.Bool().Draw(t, "has-for") {
		f.For = genDur(t, "for", true)
	}
	switch f.Kind {
	case netsim.FaultResetAfter:
		f.Bytes = genCount(t, "bytes", false)
	case netsim.FaultDelayAccept:
		f.Delay = genDur(t, "delay", true)
	}
	return f
}

// genBehavior draws any valid server behaviour.
func genBehavior(t *rapid.T) netsim.Behavior {
	b := netsim.Behavior{Kind: netsim.BehaviorKind(rapid.IntRange(0, 7).Draw(t, "kind"))}
	switch b.Kind {
	case netsim.ServeTrickle:
		b.Period, b.Bytes, b.Size = genDur(t, "period", true), genCount(t, "bytes", true), genCount(t, "total", false)
	case netsim.ServeQuick:
		b.Size = genCount(t, "size", false)
	case netsim.ServeSlowHeaders:
		b.Delay = genDur(t, "delay", false)
		if rapid.Bool().Draw(t, "has-size") {
			b.Size = genCount(t, "size", false)
		}
	case netsim.ServeResetAfter:
		b.Bytes = genCount(t, "bytes", false)
	case netsim.ServeRate:
		b.Rate, b.Size = genCount(t, "rate", true), genCount(t, "size", false)
	}
	return b
}

// TestFaultTextRoundTrip: every valid fault prints to a text that parses
// back to the same fault, and printing is canonical (a fixed point).
func TestFaultTextRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := genAnyFault(t)
		if err := f.Validate(); err != nil {
			t.Fatalf("generated an invalid fault: %v", err)
		}
		text := f.String()
		back, err := netsim.ParseFault(text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if diff := cmp.Diff(f, back); diff != "" {
			t.Fatalf("%q round trip (-want +got):\n%s", text, diff)
		}
		if back.String() != text {
			t.Fatalf("not canonical: %q then %q", text, back.String())
		}
	})
}

// TestBehaviorTextRoundTrip is TestFaultTextRoundTrip for server
// behaviours.
func TestBehaviorTextRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := genBehavior(t)
		if err := b.Validate(); err != nil {
			t.Fatalf("generated an invalid behaviour: %v", err)
		}
		text := b.String()
		back, err := netsim.ParseBehavior(text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if diff := cmp.Diff(b, back); diff != "" {
			t.Fatalf("%q round trip (-want +got):\n%s", text, diff)
		}
		if back.String() != text {
			t.Fatalf("not canonical: %q then %q", text, back.String())
		}
	})
}

// TestValidateRejects checks that hand-built values out of range are
// caught before they reach a link or a server.
func TestValidateRejects(t *testing.T) {
	faults := []netsim.Fault{
		{Kind: netsim.FaultStall, At: -time.Second},
		{Kind: netsim.FaultStall, For: -time.Second},
		{Kind: netsim.FaultResetAfter, Bytes: -1},
		{Kind: netsim.FaultDelayAccept},
		{Kind: netsim.FaultKind(99)},
	}
	for _, f := range faults {
		if err := f.Validate(); err == nil || !strings.HasPrefix(err.Error(), "netsim: ") {
			t.Errorf("%+v: Validate = %v, want a netsim: error", f, err)
		}
	}
	behaviors := []netsim.Behavior{
		{Kind: netsim.ServeTrickle, Period: time.Second},
		{Kind: netsim.ServeTrickle, Bytes: 1},
		{Kind: netsim.ServeRate, Size: 10},
		{Kind: netsim.ServeQuick, Size: -1},
		{Kind: netsim.ServeQuick, Size: 1 << 41},
		{Kind: netsim.BehaviorKind(99)},
	}
	for _, b := range behaviors {
		if err := b.Validate(); err == nil || !strings.HasPrefix(err.Error(), "netsim: ") {
			t.Errorf("%+v: Validate = %v, want a netsim: error", b, err)
		}
	}
}

// TestParseErrorsNameColumn checks the column in parse errors, which the
// scripts in testdata/text.txt show for many more inputs.
func TestParseErrorsNameColumn(t *testing.T) {
	for _, tc := range []struct{ in, col string }{
		{"stall(at=2x)", "col 10:"},
		{"  flood", "col 3:"},
		{"stall(at=1s,for=0s)", "col 17:"},
		{"reset-after(1,2)", "col 15:"},
	} {
		_, err := netsim.ParseFault(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.col) {
			t.Errorf("ParseFault(%q) = %v, want an error at %s", tc.in, err, tc.col)
		}
	}
}

// FuzzParse shows that the text parsers never panic, and that whatever
// they accept prints canonically and parses back to the same value.
// Run with: go test ./netsim -run '^$' -fuzz FuzzParse -fuzztime 30s
func FuzzParse(f *testing.F) {
	for _, s := range []string{"stall(at=2s,for=5s)", "reset-after(1000)", "drop-syn", "delay-accept(1.5s,at=1m)",
		"trickle(1s,10,1000)", "slow-headers(5s,100)", "rate(1000,50000)", "stalled", "x(", "a(b=,)", "(", ")"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := netsim.ParseFault(s); err == nil {
			if back, err := netsim.ParseFault(v.String()); err != nil || back != v {
				t.Fatalf("%q -> %v -> %v, %v", s, v, back, err)
			}
		} else if !strings.HasPrefix(err.Error(), "netsim: ") || !strings.Contains(err.Error(), "col ") {
			t.Fatalf("%q: error without prefix or column: %v", s, err)
		}
		if v, err := netsim.ParseBehavior(s); err == nil {
			if back, err := netsim.ParseBehavior(v.String()); err != nil || back != v {
				t.Fatalf("%q -> %v -> %v, %v", s, v, back, err)
			}
		} else if !strings.HasPrefix(err.Error(), "netsim: ") || !strings.Contains(err.Error(), "col ") {
			t.Fatalf("%q: error without prefix or column: %v", s, err)
		}
	})
}
