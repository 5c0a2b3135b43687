package model

import (
	"math"
	"testing"
)

// us builds a point from curl's (seconds, microseconds) fields.
func us(sec, usec int64) Micros { return Micros(sec*1000000 + usec) }

// TestTimeDiffMsUnit1323 is curl's unit test 1323 (curlx_timediff_ms).
func TestTimeDiffMsUnit1323(t *testing.T) {
	for _, c := range []struct {
		newer, older Micros
		want         int64
	}{
		{us(36762, 8345), us(36761, 995926), 13},
		{us(36761, 995926), us(36762, 8345), -13},
		{us(36761, 995926), us(0, 0), 36761995},
		{us(0, 0), us(36761, 995926), -36761995},
	} {
		if got := TimeDiffMs(c.newer, c.older); got != c.want {
			t.Errorf("TimeDiffMs(%d, %d) = %d, want %d", c.newer, c.older, got, c.want)
		}
	}
}

// TestTimeDiffMsTruncation pins the floor/ceiling behaviour SPEC §1 states.
func TestTimeDiffMsTruncation(t *testing.T) {
	for _, c := range []struct {
		newer, older Micros
		want         int64
		why          string
	}{
		{us(5, 900), us(5, 300), 0, "0.6 ms, no wrap: floor"},
		{us(5, 1999), us(5, 0), 1, "1.999 ms, no wrap: floor"},
		{us(6, 500), us(5, 999900), 1, "0.6 ms across a second: ceiling"},
		{us(6, 0), us(5, 999000), 1, "exactly 1 ms across a second"},
		{us(5, 0), us(5, 0), 0, "zero"},
	} {
		if got := TimeDiffMs(c.newer, c.older); got != c.want {
			t.Errorf("%s: TimeDiffMs = %d, want %d", c.why, got, c.want)
		}
	}
	if got := TimeDiffUs(math.MaxInt64, -math.MaxInt64/2); got != math.MaxInt64 {
		t.Errorf("TimeDiffUs does not saturate: %d", got)
	}
	if got := TimeDiffUs(-math.MaxInt64/2, math.MaxInt64); got != math.MinInt64 {
		t.Errorf("TimeDiffUs does not saturate negative: %d", got)
	}
}

// TestCeilRounding covers SPEC §1's exact ceiling and curl's split-field
// formula (Curl_timediff_ceil), which says one more than the exact ceiling
// when the newer microsecond field is 1000 or more below the older one
// (except when that difference is 999 mod 1000): a deadline in the next
// second is announced 1 ms late.
func TestCeilRounding(t *testing.T) {
	for _, c := range []struct{ us, want int64 }{
		{0, 0}, {1, 1}, {999, 1}, {1000, 1}, {1001, 2}, {12419, 13},
		{-1, 0}, {-999, 0}, {-1000, -1}, {-1500, -1},
	} {
		if got := CeilMs(c.us); got != c.want {
			t.Errorf("CeilMs(%d) = %d, want %d", c.us, got, c.want)
		}
	}
	for _, c := range []struct {
		newer, older Micros
		want         int64
		why          string
	}{
		{us(5, 1), us(5, 0), 1, "1 us"},
		{us(5, 1000), us(5, 0), 1, "exact 1 ms"},
		{us(5, 1001), us(5, 0), 2, "1.001 ms"},
		{us(5, 12419), us(5, 0), 13, "12.419 ms, no wrap: exact"},
		{us(36762, 8345), us(36761, 995926), 14, "unit 1323 pair, 12.419 ms across a second: one more"},
		{us(1, 0), us(0, 1000), 1000, "999 ms exactly, field falls by 1000: one more"},
		{us(1, 0), us(0, 999700), 2, "0.3 ms across a second: one more"},
		{us(1, 500), us(0, 999900), 2, "0.6 ms across a second: one more"},
		{us(1, 0), us(0, 999), 1000, "field falls by 999: exact"},
		{us(1, 0), us(0, 1999), 999, "field falls by 1999 (999 mod 1000): exact"},
	} {
		if got := TimeDiffCeilMs(c.newer, c.older); got != c.want {
			t.Errorf("%s: TimeDiffCeilMs = %d, want %d (exact ceiling %d)", c.why, got, c.want,
				CeilMs(TimeDiffUs(c.newer, c.older)))
		}
	}
}

// TestCeilNeverBelowExact: curl's ceiling is the exact one or one more,
// never less, for any positive gap and phase.
func TestCeilNeverBelowExact(t *testing.T) {
	for older := Micros(0); older < 2000000; older += 997 {
		for gap := int64(1); gap < 3000000; gap += 7919 {
			exact := CeilMs(gap)
			got := TimeDiffCeilMs(older+Micros(gap), older)
			if got != exact && got != exact+1 {
				t.Fatalf("gap %d at %d: curl ceiling %d, exact %d", gap, older, got, exact)
			}
		}
	}
}

// TestTimeLeftUnit1303 is curl's unit test 1303: start at BASE seconds, now
// at BASE+s seconds + us, total and connect limits, connecting or not.
func TestTimeLeftUnit1303(t *testing.T) {
	const base = 1000000
	start := us(base, 0)
	for _, c := range []struct {
		s, u        int64
		total, conn int64
		connecting  bool
		want        int64
	}{
		// both limits, not connecting
		{4, 0, 10000, 8000, false, 6000},
		{4, 990000, 10000, 8000, false, 5010},
		{10, 0, 10000, 8000, false, -1},
		{12, 0, 10000, 8000, false, -2000},
		// both limits, connecting
		{4, 0, 10000, 8000, true, 4000},
		{4, 990000, 10000, 8000, true, 3010},
		{8, 0, 10000, 8000, true, -1},
		{10, 0, 10000, 8000, true, -2000},
		// no connect limit, not connecting
		{4, 0, 10000, 0, false, 6000},
		{4, 990000, 10000, 0, false, 5010},
		{10, 0, 10000, 0, false, -1},
		{12, 0, 10000, 0, false, -2000},
		// no connect limit, connecting
		{4, 0, 10000, 0, true, 6000},
		{4, 990000, 10000, 0, true, 5010},
		{10, 0, 10000, 0, true, -1},
		{12, 0, 10000, 0, true, -2000},
		// only a connect limit, not connecting
		{4, 0, 0, 10000, false, 0},
		{4, 990000, 0, 10000, false, 0},
		{10, 0, 0, 10000, false, 0},
		{12, 0, 0, 10000, false, 0},
		// only a connect limit, connecting
		{4, 0, 0, 10000, true, 6000},
		{4, 990000, 0, 10000, true, 5010},
		{10, 0, 0, 10000, true, -1},
		{12, 0, 0, 10000, true, -2000},
		// no limit, not connecting
		{4, 0, 0, 0, false, 0},
		{4, 990000, 0, 0, false, 0},
		{10, 0, 0, 0, false, 0},
		{12, 0, 0, 0, false, 0},
		// no limit, connecting: the 300 s default connect limit
		{4, 0, 0, 0, true, 296000},
		{4, 990000, 0, 0, true, 295010},
		{10, 0, 0, 0, true, 290000},
		{12, 0, 0, 0, true, 288000},
		// connecting, connect limit the longer one
		{4, 0, 10000, 12000, true, 6000},
	} {
		l := Limits{TimeoutMs: c.total, ConnectTimeoutMs: c.conn}
		if got := l.TimeLeft(us(base+c.s, c.u), start, start, c.connecting); got != c.want {
			t.Errorf("%+v at +%d.%06d connecting=%v: TimeLeft = %d, want %d", l, c.s, c.u, c.connecting, got, c.want)
		}
	}
}

// TestRoundingExposed covers the three roundings at a phase that does not
// wrap and one that does.
func TestRoundingExposed(t *testing.T) {
	for _, c := range []struct {
		r        Rounding
		key, now Micros
		want     int64
	}{
		{RoundTruncMin1, us(1, 500000), us(1, 499500), 1},
		{RoundTrunc, us(1, 500000), us(1, 499500), 0},
		{RoundCeil, us(1, 500000), us(1, 499500), 1},
		{RoundTruncMin1, us(1, 512400), us(1, 500000), 12},
		{RoundCeil, us(1, 512400), us(1, 500000), 13},
		{RoundTrunc, us(1, 0), us(0, 999500), 1},
		{RoundCeil, us(1, 0), us(0, 999700), 2},
		{RoundCeil, us(1, 0), us(1, 0), 0},
		{RoundTruncMin1, us(1, 0), us(2, 0), 0},
	} {
		if got := c.r.exposed(c.key, c.now); got != c.want {
			t.Errorf("%v.exposed(%d, %d) = %d, want %d", c.r, c.key, c.now, got, c.want)
		}
	}
}
