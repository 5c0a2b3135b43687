package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Dist is a distribution of non-negative durations. Every Dist has a text
// form, its String, that ParseDist reads back to an equal Dist:
//
//	const(1ms)  uniform(300ms,2300ms)  exp(5ms)  lognormal(5ms,0.5)  empirical(1ms,2ms,5ms)
//
// Draw never panics and never returns a negative duration, even for a Dist
// built by hand with out-of-range parameters (CheckDist reports those).
type Dist interface {
	Draw(r *rand.Rand) time.Duration
	String() string
}

// maxDraw caps draws of unbounded distributions (about 146 years), far
// beyond any run, so that float arithmetic cannot overflow a Duration.
const maxDraw = time.Duration(1 << 62)

// Const always returns D.
type Const struct{ D time.Duration }

// Draw returns D (0 if D is negative).
func (c Const) Draw(*rand.Rand) time.Duration { return max(c.D, 0) }

// String returns the text form, const(d).
func (c Const) String() string { return "const(" + FormatDuration(c.D) + ")" }

// Uniform is uniform over the integer nanoseconds in [Lo, Hi].
type Uniform struct{ Lo, Hi time.Duration }

// Draw returns a uniform draw from [Lo, Hi]; Lo when Hi <= Lo.
func (u Uniform) Draw(r *rand.Rand) time.Duration {
	lo := max(u.Lo, 0)
	if u.Hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Uint64N(uint64(u.Hi-lo)+1))
}

// String returns the text form, uniform(lo,hi).
func (u Uniform) String() string {
	return "uniform(" + FormatDuration(u.Lo) + "," + FormatDuration(u.Hi) + ")"
}

// Exp is exponential with the given mean: memoryless gaps, as between
// independent arrivals.
type Exp struct{ Mean time.Duration }

// Draw returns an exponential draw, rounded down to the nanosecond.
func (e Exp) Draw(r *rand.Rand) time.Duration {
	return clampDraw(r.ExpFloat64() * float64(e.Mean))
}

// String returns the text form, exp(mean).
func (e Exp) String() string { return "exp(" + FormatDuration(e.Mean) + ")" }

// LogNormal is log-normal with the given median (e^mu) and shape Sigma (the
// standard deviation of the logarithm): positive, right-skewed, the usual
// shape of latencies.
type LogNormal struct {
	Median time.Duration
	Sigma  float64
}

// Draw returns Median·e^(Sigma·N(0,1)), rounded down to the nanosecond.
func (l LogNormal) Draw(r *rand.Rand) time.Duration {
	return clampDraw(float64(l.Median) * math.Exp(l.Sigma*r.NormFloat64()))
}

// String returns the text form, lognormal(median,sigma).
func (l LogNormal) String() string {
	return "lognormal(" + FormatDuration(l.Median) + "," + strconv.FormatFloat(l.Sigma, 'g', -1, 64) + ")"
}

// Empirical draws uniformly from recorded samples (with repetition, so a
// sample listed twice is twice as likely).
type Empirical struct{ Samples []time.Duration }

// Draw returns one of the samples; 0 when there are none.
func (e Empirical) Draw(r *rand.Rand) time.Duration {
	if len(e.Samples) == 0 {
		return 0
	}
	return max(e.Samples[r.IntN(len(e.Samples))], 0)
}

// String returns the text form, empirical(s1,s2,...).
func (e Empirical) String() string {
	parts := make([]string, len(e.Samples))
	for i, s := range e.Samples {
		parts[i] = FormatDuration(s)
	}
	return "empirical(" + strings.Join(parts, ",") + ")"
}

// clampDraw converts a float draw to a Duration in [0, maxDraw]; NaN
// becomes 0.
func clampDraw(x float64) time.Duration {
	switch {
	case !(x > 0): // also NaN
		return 0
	case x >= float64(maxDraw):
		return maxDraw
	}
	return time.Duration(x)
}

// CheckDist reports why d's parameters are out of range: a negative
// duration, Hi < Lo, a non-positive lognormal median, a negative or
// non-finite sigma, or an empirical distribution without samples. A nil
// Dist is fine: it means zero.
func CheckDist(d Dist) error {
	var err error
	switch d := d.(type) {
	case nil:
	case Const:
		err = nonNegative(d.D)
	case Uniform:
		if err = nonNegative(d.Lo); err == nil && d.Hi < d.Lo {
			err = fmt.Errorf("upper bound %v below lower bound %v", d.Hi, d.Lo)
		}
	case Exp:
		err = nonNegative(d.Mean)
	case LogNormal:
		err = checkLogNormal(d)
	case Empirical:
		err = checkSamples(d.Samples)
	}
	if err != nil {
		return fmt.Errorf("sim: dist %v: %w", d, err)
	}
	return nil
}

func nonNegative(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("negative duration %v", d)
	}
	return nil
}

func checkLogNormal(l LogNormal) error {
	if l.Median <= 0 {
		return fmt.Errorf("median %v is not positive", l.Median)
	}
	if !(l.Sigma >= 0) || math.IsInf(l.Sigma, 0) {
		return fmt.Errorf("sigma %v is not a finite non-negative number", l.Sigma)
	}
	return nil
}

func checkSamples(samples []time.Duration) error {
	if len(samples) == 0 {
		return fmt.Errorf("no samples")
	}
	for _, s := range samples {
		if err := nonNegative(s); err != nil {
			return err
		}
	}
	return nil
}

// distArg is one argument of a distribution's text form and its column.
type distArg struct {
	text string
	col  int // 0-based byte offset in the whole text
}

// ParseDist reads a distribution's text form (see Dist). Spaces around
// the name and arguments are allowed. Errors give the 1-based column of
// the offending part.
func ParseDist(s string) (Dist, error) {
	name, args, err := splitCall(s)
	if err != nil {
		return nil, err
	}
	d, err := buildDist(s, name, args)
	if err != nil {
		return nil, err
	}
	if err := CheckDist(d); err != nil {
		return nil, fmt.Errorf("sim: dist %q: %w", s, err)
	}
	return d, nil
}

func distErr(s string, col int, format string, args ...any) error {
	return fmt.Errorf("sim: dist %q: col %d: %s", s, col+1, fmt.Sprintf(format, args...))
}

// splitCall splits "name(a,b)" into the name and its arguments.
func splitCall(s string) (distArg, []distArg, error) {
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return distArg{}, nil, distErr(s, len(s), "want name(arguments)")
	}
	close := strings.LastIndexByte(s, ')')
	if close < open {
		return distArg{}, nil, distErr(s, len(s), "missing )")
	}
	if rest := strings.TrimSpace(s[close+1:]); rest != "" {
		return distArg{}, nil, distErr(s, close+1, "unexpected %q after )", rest)
	}
	name := trimArg(s[:open], 0)
	var args []distArg
	if body := s[open+1 : close]; strings.TrimSpace(body) != "" {
		start := open + 1
		for _, part := range strings.Split(body, ",") {
			args = append(args, trimArg(part, start))
			start += len(part) + 1
		}
	}
	return name, args, nil
}

// trimArg trims spaces from part, which starts at column col.
func trimArg(part string, col int) distArg {
	lead := len(part) - len(strings.TrimLeft(part, " \t"))
	return distArg{strings.TrimSpace(part), col + lead}
}

func buildDist(s string, name distArg, args []distArg) (Dist, error) {
	switch name.text {
	case "const":
		ds, err := durations(s, args, 1)
		if err != nil {
			return nil, err
		}
		return Const{ds[0]}, nil
	case "uniform":
		ds, err := durations(s, args, 2)
		if err != nil {
			return nil, err
		}
		return Uniform{ds[0], ds[1]}, nil
	case "exp":
		ds, err := durations(s, args, 1)
		if err != nil {
			return nil, err
		}
		return Exp{ds[0]}, nil
	case "lognormal":
		return parseLogNormal(s, args)
	case "empirical":
		ds, err := durations(s, args, -1)
		if err != nil {
			return nil, err
		}
		return Empirical{ds}, nil
	}
	return nil, distErr(s, name.col, "unknown distribution %q (want const, uniform, exp, lognormal or empirical)", name.text)
}

// durations parses args as durations; want is the exact count, or -1 for
// at least one.
func durations(s string, args []distArg, want int) ([]time.Duration, error) {
	if want >= 0 && len(args) != want || len(args) == 0 {
		return nil, distErr(s, len(s)-1, "want %d argument(s), have %d", max(want, 1), len(args))
	}
	ds := make([]time.Duration, len(args))
	for i, a := range args {
		d, err := time.ParseDuration(a.text)
		if err != nil || d < 0 {
			return nil, distErr(s, a.col, "bad duration %q", a.text)
		}
		ds[i] = d
	}
	return ds, nil
}

func parseLogNormal(s string, args []distArg) (Dist, error) {
	if len(args) != 2 {
		return nil, distErr(s, len(s)-1, "want 2 arguments (median, sigma), have %d", len(args))
	}
	ds, err := durations(s, args[:1], 1)
	if err != nil {
		return nil, err
	}
	sigma, err := strconv.ParseFloat(args[1].text, 64)
	if err != nil {
		return nil, distErr(s, args[1].col, "bad sigma %q", args[1].text)
	}
	return LogNormal{ds[0], sigma}, nil
}
