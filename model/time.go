package model

import (
	"math"
	"time"
)

// Clock is the one thing model reads time from. *clock.Mock and clock.New()
// from github.com/benbjohnson/clock satisfy it, and so does the simulator's
// kernel. model never sleeps, never starts goroutines and never reads the
// wall clock: time moves only when the owner of the Clock moves it.
type Clock interface {
	Now() time.Time
}

// Micros is a point in time or a span, in microseconds. Points count from
// the Unix epoch of the Clock's time.Time; only differences and the phase
// within a second matter, the phase because curl computes millisecond
// differences on split (seconds, microseconds) fields.
type Micros int64

// FromTime truncates t to a whole microsecond (towards the past), as curl's
// monotonic clock reading does.
func FromTime(t time.Time) Micros { return Micros(t.UnixMicro()) }

// Time converts m back to a time.Time in UTC.
func (m Micros) Time() time.Time { return time.UnixMicro(int64(m)).UTC() }

// split returns curl's view of a point in time: whole seconds and a
// microsecond field in [0, 1e6).
func split(t Micros) (sec, usec int64) {
	sec, usec = int64(t)/1e6, int64(t)%1e6
	if usec < 0 {
		sec--
		usec += 1e6
	}
	return sec, usec
}

// TimeDiffUs is the exact difference newer − older in microseconds,
// saturating like curl's Curl_timediff_us for absurd spans.
func TimeDiffUs(newer, older Micros) int64 {
	ns, nu := split(newer)
	os, ou := split(older)
	d := ns - os
	if d >= math.MaxInt64/1000000 {
		return math.MaxInt64
	}
	if d <= math.MinInt64/1000000 {
		return math.MinInt64
	}
	return d*1e6 + nu - ou
}

// TimeDiffMs is curl's millisecond difference (Curl_timediff in 7.88 and
// 8.11, curlx_timediff_ms in 8.21): whole seconds times 1000 plus the
// difference of the microsecond fields divided by 1000 with C's truncation
// towards zero. That is the floor of the true gap, except when the
// microsecond field wraps across a second, where it is the ceiling
// (curl's unit test 1323: 36762.008345 − 36761.995926 = 13, true 12.419).
func TimeDiffMs(newer, older Micros) int64 {
	ns, nu := split(newer)
	os, ou := split(older)
	d := ns - os
	if d >= math.MaxInt64/1000 {
		return math.MaxInt64
	}
	if d <= math.MinInt64/1000 {
		return math.MinInt64
	}
	return d*1000 + (nu-ou)/1000 // Go's / truncates towards zero, like C
}

// TimeDiffCeilMs is curl's rounded-up millisecond difference
// (Curl_timediff_ceil, 8.4.0 and later): like TimeDiffMs but adding 999 to
// the microsecond-field difference before the truncating division. For a
// positive gap it is never below the exact ceiling (CeilMs), and it is one
// more when newer's microsecond field is at least 1000 below older's, unless
// that difference is 999 mod 1000: a deadline in the next second is usually
// announced 1 ms late (1.000000 − 0.999700 gives 2 for 0.3 ms, and
// 1.000000 − 0.001000 gives 1000 for an exact 999 ms).
func TimeDiffCeilMs(newer, older Micros) int64 {
	ns, nu := split(newer)
	os, ou := split(older)
	d := ns - os
	if d >= math.MaxInt64/1000 {
		return math.MaxInt64
	}
	if d <= math.MinInt64/1000 {
		return math.MinInt64
	}
	return d*1000 + (nu-ou+999)/1000
}

// CeilMs is the exact ceiling of a gap in milliseconds as SPEC §1 states
// it: us/1000, plus one when us is positive and not a whole millisecond;
// zero and negative gaps truncate.
func CeilMs(us int64) int64 {
	ms := us / 1000
	if us > 0 && us%1000 != 0 {
		ms++
	}
	return ms
}

// DefaultConnectTimeoutMs is curl's connect limit when CURLOPT_CONNECTTIMEOUT
// is unset (DEFAULT_CONNECT_TIMEOUT).
const DefaultConnectTimeoutMs = 300000

// Limits are a transfer's two time limits in milliseconds, 0 meaning unset:
// CURLOPT_TIMEOUT_MS (the whole operation) and CURLOPT_CONNECTTIMEOUT_MS
// (each connect).
type Limits struct {
	TimeoutMs        int64
	ConnectTimeoutMs int64
}

// TimeLeft is curl's Curl_timeleft: the milliseconds a transfer has left at
// now, 0 meaning "no limit", negative meaning overdue. An exact hit reads as
// −1 because 0 is taken. While connecting (before DO) the limit is the
// smaller of the connect limit (default 300000 ms, counted from startSingle)
// and the total limit (counted from startOp); afterwards only the total
// limit counts. Differences use TimeDiffMs, so the quirky truncation applies.
func (l Limits) TimeLeft(now, startOp, startSingle Micros, connecting bool) int64 {
	if l.TimeoutMs <= 0 && !connecting {
		return 0
	}
	var left, cleft int64
	if l.TimeoutMs > 0 {
		left = nonZero(l.TimeoutMs - TimeDiffMs(now, startOp))
		if !connecting {
			return left
		}
	}
	climit := l.ConnectTimeoutMs
	if climit <= 0 {
		climit = DefaultConnectTimeoutMs
	}
	cleft = nonZero(climit - TimeDiffMs(now, startSingle))
	if left == 0 {
		return cleft
	}
	return min(left, cleft)
}

// nonZero turns an exact hit into −1: 0 means "no limit" to callers.
func nonZero(ms int64) int64 {
	if ms == 0 {
		return -1
	}
	return ms
}
