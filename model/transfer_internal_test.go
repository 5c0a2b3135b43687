package model

import (
	"strings"
	"testing"
)

// TestLowSpeedUnit1606 replays curl's unit test 1606 (tests/unit/unit1606.c,
// the same in 7.88.1 and 8.11.1): the clock starts at 1 s and steps 1 s
// per check, the speed starts at speed and drops by dec per step; the
// result is the time of the failing check minus 1, or 99 when 99 checks
// pass.
func TestLowSpeedUnit1606(t *testing.T) {
	for _, c := range []struct {
		timeSec, limit, speed, dec int64
		want                       int64
	}{
		{41, 41, 40, 0, 41},
		{21, 21, 20, 0, 21},
		{60, 60, 40, 0, 60},
		{50, 50, 40, 0, 50},
		{40, 40, 40, 0, 99}, // at the limit is not below it
		{10, 50, 100, 2, 36},
	} {
		if got := runawhile(c.timeSec, c.limit, c.speed, c.dec); got != c.want {
			t.Errorf("runawhile(%d, %d, %d, %d) = %d, want %d", c.timeSec, c.limit, c.speed, c.dec, got, c.want)
		}
	}
}

func runawhile(timeSec, limit, speed, dec int64) int64 {
	var l lowSpeed
	counter := int64(1)
	now := int64(1)
	for {
		if l.check(speed, limit, timeSec, Micros(now*1e6)) {
			break
		}
		counter++
		now = counter
		speed -= dec
		if counter >= 100 {
			break
		}
	}
	return now - 1
}

// TestProgressSpeed: the current speed is sampled once per whole second of
// the clock: first the average since the start, then the bytes over the
// span of the oldest of the last six samples.
func TestProgressSpeed(t *testing.T) {
	var p progress
	p.begin(1_500_000)
	p.dlNow = 100
	p.calc(2_000_000) // first sample: average over 0.5 s
	if p.speed != 200 {
		t.Fatalf("first speed %d, want 200", p.speed)
	}
	p.dlNow = 1000
	p.calc(2_900_000) // same second: no new sample
	if p.speed != 200 {
		t.Fatalf("speed changed within the second: %d", p.speed)
	}
	p.calc(3_000_000) // 900 bytes over 1000 ms
	if p.speed != 900 {
		t.Fatalf("second speed %d, want 900", p.speed)
	}
	for s := int64(4); s <= 9; s++ {
		p.calc(Micros(s * 1_000_000))
	}
	if p.speed != 0 || p.count != 8 {
		t.Fatalf("idle speed %d after %d samples, want 0 after 8", p.speed, p.count)
	}
}

// TestTransferStates: every state has a name that parses back, the moves
// curl makes are legal, and an impossible move panics with from -> to.
func TestTransferStates(t *testing.T) {
	for s := XferInit; s < numTransferStates; s++ {
		back, err := ParseTransferState(s.String())
		if err != nil || back != s {
			t.Errorf("%v: parse back %v, %v", s, back, err)
		}
	}
	for _, m := range [][2]TransferState{
		{XferInit, XferConnect}, {XferConnect, XferPending}, {XferPending, XferConnect},
		{XferConnect, XferResolving}, {XferResolving, XferConnecting}, {XferConnecting, XferDo},
		{XferDo, XferPerforming}, {XferPerforming, XferRateLimiting}, {XferRateLimiting, XferPerforming},
		{XferPerforming, XferDone}, {XferDone, XferCompleted}, {XferConnecting, XferCompleted},
		{XferPending, XferCompleted}, {XferCompleted, XferMsgSent},
	} {
		if !legalMove(m[0], m[1]) {
			t.Errorf("%v -> %v is not legal", m[0], m[1])
		}
	}
	for _, m := range [][2]TransferState{
		{XferInit, XferPerforming}, {XferMsgSent, XferInit}, {XferCompleted, XferCompleted},
		{XferDone, XferPerforming}, {XferPending, XferResolving}, {XferMsgSent, XferCompleted},
	} {
		if legalMove(m[0], m[1]) {
			t.Errorf("%v -> %v is legal", m[0], m[1])
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "model: transfer state INIT -> PERFORMING") {
			t.Errorf("panic %v", r)
		}
	}()
	(&Transfer{}).to(XferPerforming)
}
