package sim

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// genDist generates any valid Dist.
func genDist() *rapid.Generator[Dist] {
	dur := rapid.Custom(func(t *rapid.T) time.Duration {
		// Mostly round values, sometimes any nanosecond count.
		unit := rapid.SampledFrom([]time.Duration{1, time.Microsecond, time.Millisecond, time.Second}).Draw(t, "unit")
		return unit * time.Duration(rapid.Int64Range(0, 1e6).Draw(t, "n"))
	})
	return rapid.OneOf(
		rapid.Map(dur, func(d time.Duration) Dist { return Const{d} }),
		rapid.Custom(func(t *rapid.T) Dist {
			lo := dur.Draw(t, "lo")
			return Uniform{lo, lo + dur.Draw(t, "width")}
		}),
		rapid.Map(dur, func(d time.Duration) Dist { return Exp{d} }),
		rapid.Custom(func(t *rapid.T) Dist {
			return LogNormal{dur.Draw(t, "median") + 1, rapid.Float64Range(0, 10).Draw(t, "sigma")}
		}),
		rapid.Custom(func(t *rapid.T) Dist {
			return Empirical{rapid.SliceOfN(dur, 1, 8).Draw(t, "samples")}
		}),
	)
}

// TestDistRoundTrip: every valid Dist's String parses back to an equal Dist
// whose String is the same text.
func TestDistRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := genDist().Draw(t, "dist")
		back, err := ParseDist(d.String())
		if err != nil {
			t.Fatalf("ParseDist(%q): %v", d.String(), err)
		}
		if diff := cmp.Diff(d, back); diff != "" {
			t.Fatalf("round trip of %q (-want +got):\n%s", d.String(), diff)
		}
		if back.String() != d.String() {
			t.Fatalf("String changed: %q -> %q", d.String(), back.String())
		}
	})
}

func TestParseDist(t *testing.T) {
	tests := []struct {
		in   string
		want Dist
		text string
	}{
		{"uniform(300ms,2300ms)", Uniform{300 * time.Millisecond, 2300 * time.Millisecond}, "uniform(300ms,2300ms)"},
		{"const(1ms)", Const{time.Millisecond}, "const(1ms)"},
		{" exp( 5ms ) ", Exp{5 * time.Millisecond}, "exp(5ms)"},
		{"lognormal(5ms,0.5)", LogNormal{5 * time.Millisecond, 0.5}, "lognormal(5ms,0.5)"},
		{"empirical(1ms,2ms,5ms)", Empirical{[]time.Duration{time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond}}, "empirical(1ms,2ms,5ms)"},
		{"const(1.5s)", Const{1500 * time.Millisecond}, "const(1500ms)"},
		{"const(2µs)", Const{2 * time.Microsecond}, "const(2us)"},
		{"const(0)", Const{0}, "const(0s)"},
		{"uniform(1h,1h)", Uniform{time.Hour, time.Hour}, "uniform(3600s,3600s)"},
	}
	for _, tc := range tests {
		got, err := ParseDist(tc.in)
		if err != nil {
			t.Errorf("ParseDist(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseDist(%q) (-want +got):\n%s", tc.in, diff)
		}
		if got.String() != tc.text {
			t.Errorf("ParseDist(%q).String() = %q, want %q", tc.in, got.String(), tc.text)
		}
	}
}

func TestParseDistErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "col 1: want name(arguments)"},
		{"uniform", "col 8: want name(arguments)"},
		{"uniform(1ms,2ms", "missing )"},
		{"uniform(1ms,2ms) x", `col 17: unexpected "x" after )`},
		{"gauss(1ms)", `col 1: unknown distribution "gauss"`},
		{"  gauss(1ms)", `col 3: unknown distribution "gauss"`},
		{"uniform(3ms,x)", `col 13: bad duration "x"`},
		{"uniform(3ms, x)", `col 14: bad duration "x"`},
		{"uniform(3ms)", "want 2 argument(s), have 1"},
		{"uniform(3ms,1ms)", "upper bound 1ms below lower bound 3ms"},
		{"const(-1ms)", `col 7: bad duration "-1ms"`},
		{"const()", "want 1 argument(s), have 0"},
		{"empirical()", "want 1 argument(s), have 0"},
		{"empirical(1ms,,2ms)", `col 15: bad duration ""`},
		{"lognormal(5ms)", "want 2 arguments (median, sigma), have 1"},
		{"lognormal(5ms,x)", `col 15: bad sigma "x"`},
		{"lognormal(5ms,-1)", "sigma -1 is not a finite non-negative number"},
		{"lognormal(5ms,NaN)", "sigma NaN"},
		{"lognormal(0s,1)", "median 0s is not positive"},
		{"exp(9999999999h)", `bad duration "9999999999h"`},
	}
	for _, tc := range tests {
		_, err := ParseDist(tc.in)
		if err == nil || !strings.HasPrefix(err.Error(), "sim: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseDist(%q) error = %v, want one containing %q", tc.in, err, tc.want)
		}
	}
}

// FuzzParseDist: ParseDist never panics, and whatever it accepts has a
// canonical String that parses back to the same Dist.
func FuzzParseDist(f *testing.F) {
	for _, s := range []string{"uniform(300ms,2300ms)", "const(1ms)", "exp(5ms)", "lognormal(5ms,0.5)",
		"empirical(1ms,2ms,5ms)", "uniform(", ")(", "lognormal(1ns,1e308)", "empirical(,)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDist(s)
		if err != nil {
			return
		}
		back, err := ParseDist(d.String())
		if err != nil {
			t.Fatalf("%q parsed, but its String %q does not: %v", s, d.String(), err)
		}
		if !cmp.Equal(d, back) {
			t.Fatalf("%q: %#v round-trips to %#v", s, d, back)
		}
		d.Draw(rand.New(rand.NewPCG(1, 1)))
	})
}

// TestDistDraws checks each distribution's draws against its definition
// on a fixed stream (deterministic, so not flaky).
func TestDistDraws(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	const n = 20000
	mean := func(d Dist) float64 {
		sum := 0.0
		for range n {
			sum += float64(d.Draw(r))
		}
		return sum / n
	}
	for range 1000 {
		if v := (Uniform{300 * time.Millisecond, 2300 * time.Millisecond}).Draw(r); v < 300*time.Millisecond || v > 2300*time.Millisecond {
			t.Fatalf("uniform draw %v out of range", v)
		}
		if v := (Empirical{[]time.Duration{1, 5}}).Draw(r); v != 1 && v != 5 {
			t.Fatalf("empirical draw %v not a sample", v)
		}
	}
	if m := mean(Exp{5 * time.Millisecond}); math.Abs(m/float64(5*time.Millisecond)-1) > 0.03 {
		t.Errorf("exp(5ms) mean %v", time.Duration(m))
	}
	below := 0
	for range n {
		if (LogNormal{5 * time.Millisecond, 0.5}).Draw(r) < 5*time.Millisecond {
			below++
		}
	}
	if frac := float64(below) / n; math.Abs(frac-0.5) > 0.02 {
		t.Errorf("lognormal(5ms,0.5): %.3f of draws below the median", frac)
	}
	if v := (Const{time.Millisecond}).Draw(r); v != time.Millisecond {
		t.Errorf("const draw %v", v)
	}
}

// TestDistOutOfRange: hand-built distributions with bad parameters draw
// safely (never negative, never a panic) and CheckDist names the problem.
func TestDistOutOfRange(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	bad := []Dist{
		Const{-1}, Uniform{5, 1}, Uniform{-5, -1}, Exp{-1}, LogNormal{-1, 1}, LogNormal{1, math.NaN()},
		Empirical{}, Empirical{[]time.Duration{-1}},
	}
	for _, d := range bad {
		if v := d.Draw(r); v < 0 {
			t.Errorf("%#v drew %v", d, v)
		}
		if err := CheckDist(d); err == nil {
			t.Errorf("CheckDist(%#v) = nil", d)
		}
	}
	for _, huge := range []Dist{Exp{math.MaxInt64}, LogNormal{time.Hour, 1e300}} {
		for range 100 {
			if v := huge.Draw(r); v < 0 || v > maxDraw {
				t.Fatalf("%v drew %v", huge, v)
			}
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", time.Second: "1s", 2300 * time.Millisecond: "2300ms", 50 * time.Microsecond: "50us",
		1001: "1001ns", -5 * time.Millisecond: "-5ms", time.Hour: "3600s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%d) = %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(want); err != nil || back != d {
			t.Errorf("ParseDuration(%q) = %v, %v", want, back, err)
		}
	}
}
