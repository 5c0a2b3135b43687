package model

import "math"

// This file is the transfer's progress bookkeeping (lib/progress.c), the
// low-speed check (lib/speedcheck.c) and the receive rate limiter.

// speedSamples is curl's CURR_TIME: one sample per second over five
// seconds, plus the current one.
const speedSamples = 6

// minRateLimitPeriodMs is how long the rate limiter keeps its window start
// (MIN_RATE_LIMIT_PERIOD).
const minRateLimitPeriodMs = 3000

// progress is curl's struct Progress for the download direction.
type progress struct {
	start    Micros // the transfer's start (Curl_pgrsStartNow)
	shown    bool   // a sample was taken; lastShow is valid
	lastShow int64  // the clock's whole second of the last sample
	samples  [speedSamples]int64
	sampleAt [speedSamples]Micros
	count    int   // samples taken (speeder_c)
	speed    int64 // current_speed, bytes per second
	dlNow    int64 // body bytes so far

	limitStart Micros // the rate limiter's window start
	limitSize  int64  // body bytes at the window start

	low lowSpeed
}

func (p *progress) reset() { *p = progress{} }

// begin is Curl_pgrsStartNow at the transfer's start.
func (p *progress) begin(now Micros) {
	*p = progress{start: now, limitStart: now}
}

// forceCalc makes the next calc take a sample (Curl_pgrsDone's lastshow=0).
func (p *progress) forceCalc() { p.shown = false }

// calc is progress_calc: the current speed is recomputed at most once per
// second of the clock (when its whole-second field changes), as the bytes
// over the span of the oldest of the last six samples, or the average
// speed while there is only one sample.
func (p *progress) calc(now Micros) {
	sec, _ := split(now)
	if p.shown && p.lastShow == sec {
		return
	}
	p.shown, p.lastShow = true, sec
	i := p.count % speedSamples
	p.samples[i], p.sampleAt[i] = p.dlNow, now
	p.count++
	if p.count == 1 {
		p.speed = avgSpeed(p.dlNow, TimeDiffUs(now, p.start))
		return
	}
	oldest := 0
	if p.count >= speedSamples {
		oldest = p.count % speedSamples
	}
	span := TimeDiffMs(now, p.sampleAt[oldest])
	if span == 0 {
		span = 1
	}
	amount := p.samples[i] - p.samples[oldest]
	if amount > 4294967 {
		p.speed = int64(float64(amount) / (float64(span) / 1000))
		return
	}
	p.speed = amount * 1000 / span
}

// avgSpeed is trspeed: bytes per second over us microseconds.
func avgSpeed(size, us int64) int64 {
	switch {
	case us < 1:
		return size * 1000000
	case size < math.MaxInt64/1000000:
		return size * 1000000 / us
	case us >= 1000000:
		return size / (us / 1000000)
	}
	return math.MaxInt64
}

// lowSpeed is curl's low-speed state: when the speed first fell below the
// limit.
type lowSpeed struct {
	below bool
	since Micros
}

// reset is Curl_speedinit, at the start of each request.
func (l *lowSpeed) reset() { *l = lowSpeed{} }

// check is the decision of Curl_speedcheck: with a time set and a
// non-negative speed, a speed under limit starts (or continues) the slow
// period, which fails the transfer once it has lasted timeSec seconds; a
// speed at or over the limit ends it.
func (l *lowSpeed) check(speed, limit, timeSec int64, now Micros) bool {
	if speed < 0 || timeSec == 0 {
		return false
	}
	if speed >= limit {
		l.below = false
		return false
	}
	if !l.below {
		l.below, l.since = true, now
		return false
	}
	return TimeDiffMs(now, l.since) >= timeSec*1000
}

// speedcheck is Curl_speedcheck: the low-speed decision, then, whenever a
// low-speed limit is set, SPEEDCHECK re-armed a second ahead so the check
// runs again even with no data.
func (t *Transfer) speedcheck(now Micros) Result {
	if t.paused {
		return OK // a paused transfer is not speed-checked (lib/speedcheck.c)
	}
	o := &t.opts
	if t.prog.low.check(t.prog.speed, o.LowSpeedLimit, o.LowSpeedTime, now) {
		t.note("too-slow").Num("speed", t.prog.speed).Num("since", int64(t.prog.low.since)).Emit()
		return OperationTimedout
	}
	if o.LowSpeedLimit > 0 {
		t.expire(TimerSpeedcheck, 1000)
	}
	return OK
}

// rateWait is Curl_pgrsLimitWaitTime for the receive direction: how many ms
// to wait so that the bytes since the window start keep under MaxRecvSpeed
// (0: no need).
func (t *Transfer) rateWait(now Micros) int64 {
	limit := t.opts.MaxRecvSpeed
	size := t.prog.dlNow - t.prog.limitSize
	if limit == 0 || size == 0 {
		return 0
	}
	var minimum int64
	if size < math.MaxInt64/1000 {
		minimum = 1000 * size / limit
	} else {
		minimum = size / limit
		if minimum < math.MaxInt64/1000 {
			minimum *= 1000
		} else {
			minimum = math.MaxInt64
		}
	}
	actual := TimeDiffMs(now, t.prog.limitStart)
	if t.knobs().RateCeil {
		actual = TimeDiffCeilMs(now, t.prog.limitStart)
	}
	if actual < minimum {
		return minimum - actual
	}
	return 0
}

// ratelimit is Curl_ratelimit: move the window start to now once it is at
// least MIN_RATE_LIMIT_PERIOD old.
func (t *Transfer) ratelimit(now Micros) {
	if t.opts.MaxRecvSpeed > 0 && TimeDiffMs(now, t.prog.limitStart) >= minRateLimitPeriodMs {
		t.prog.limitStart, t.prog.limitSize = now, t.prog.dlNow
	}
}
