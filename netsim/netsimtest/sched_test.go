package netsimtest_test

import (
	"slices"
	"testing"
	"time"

	"github.com/expirylab/expiry/netsim/netsimtest"
)

// TestSchedOrder: timers fire by time, equal times in the order they were
// armed (a re-armed timer goes behind), Stop cancels, and RunUntil stops
// at its horizon with the clock there.
func TestSchedOrder(t *testing.T) {
	s := netsimtest.NewSched()
	var got []int
	tm := func(i int, at time.Duration) interface {
		Reset(time.Duration)
		Stop() bool
	} {
		x := s.NewTimer(func() { got = append(got, i) })
		x.Reset(at)
		return x
	}
	tm(1, 3*time.Second)
	a := tm(2, time.Second)
	tm(3, time.Second)
	b := tm(4, time.Second)
	tm(5, 2*time.Second)
	a.Reset(time.Second) // re-armed: behind 3
	if !b.Stop() || b.Stop() {
		t.Fatal("Stop: want true then false")
	}
	if err := s.RunUntil(2500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if want := []int{3, 2, 5}; !slices.Equal(got, want) || s.Now() != 2500*time.Millisecond {
		t.Fatalf("fired %v by %v, want %v by 2.5s", got, s.Now(), want)
	}
	if err := s.Run(); err != nil || !slices.Equal(got, []int{3, 2, 5, 1}) || s.Now() != 3*time.Second {
		t.Fatalf("fired %v by %v (%v)", got, s.Now(), err)
	}
}

// TestSchedBudget: a timer that re-arms itself for ever is stopped by the
// budget, not a hang.
func TestSchedBudget(t *testing.T) {
	s := netsimtest.NewSched()
	s.SetBudget(100)
	var self interface{ Reset(time.Duration) }
	self = s.NewTimer(func() { self.Reset(s.Now()) })
	self.Reset(0)
	if err := s.Run(); err == nil || s.Fired() != 100 {
		t.Fatalf("Run = %v after %d events, want a budget error after 100", err, s.Fired())
	}
}

// TestStreams: the same name gives the same stream for a seed; another
// name or seed gives another.
func TestStreams(t *testing.T) {
	a, b := netsimtest.Streams(1), netsimtest.Streams(1)
	x, y := a("link"), b("link")
	if x.Uint64() != y.Uint64() {
		t.Error("same seed and name, different draws")
	}
	if a("link") != x {
		t.Error("a name must give the same advancing stream")
	}
	if netsimtest.Streams(2)("link").Uint64() == netsimtest.Streams(1)("link").Uint64() {
		t.Error("different seeds, same first draw")
	}
}
