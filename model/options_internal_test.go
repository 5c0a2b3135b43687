package model

import (
	"strings"
	"testing"
)

// TestOptionsValidateBounds: each numeric option is accepted up to its
// bound and refused just past it.
func TestOptionsValidateBounds(t *testing.T) {
	ok := func(o Options) Options {
		if o.Host == "" {
			o.Host = "example.com"
		}
		return o
	}
	for _, tc := range []struct {
		o    Options
		want string // "" means valid
	}{
		{ok(Options{Port: 65535}), ""},
		{ok(Options{Port: 65536}), "Port"},
		{ok(Options{Port: -1}), "Port"},
		{ok(Options{Port: 0}), ""},
		{ok(Options{LowSpeedTime: maxTimeoutMs / 1000}), ""},
		{ok(Options{LowSpeedTime: maxTimeoutMs/1000 + 1}), "LowSpeedTime"},
		{ok(Options{Resolver: numResolverKinds - 1}), ""},
		{ok(Options{Resolver: numResolverKinds}), "Resolver"},
		{ok(Options{TimeoutMs: -1}), "TimeoutMs"},
		{ok(Options{PauseAt: -1}), "PauseAt"},
	} {
		err := tc.o.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v, want valid", tc.o, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: %v, want an error naming %s", tc.o, err, tc.want)
		}
	}
	if _, err := NewConnLimit(0); err != nil {
		t.Errorf("NewConnLimit(0): %v", err)
	}
	if _, err := NewConnLimit(-1); err == nil {
		t.Error("NewConnLimit(-1) accepted")
	}
}

// TestTimerNamesBounds: timer IDs and sets outside the table.
func TestTimerNamesBounds(t *testing.T) {
	if got := TimerID(numTimers).String(); got != "TIMER("+itoa(int(numTimers))+")" {
		t.Errorf("TimerID(numTimers) = %q", got)
	}
	if got := TimerID(numTimers - 1).String(); got != timerNames[numTimers-1] {
		t.Errorf("the last timer's name = %q, want %q", got, timerNames[numTimers-1])
	}
	all := AllTimers
	if all.Has(numTimers) || !all.Has(numTimers-1) || !all.Has(0) {
		t.Error("AllTimers.Has is wrong at the ends")
	}
	if got, want := all.String(), strings.Join(timerNames[:], ","); got != want {
		t.Errorf("AllTimers = %q, want %q", got, want)
	}
	if got := TimersOf(0, numTimers-1).String(); got != timerNames[0]+","+timerNames[numTimers-1] {
		t.Errorf("two timers = %q", got)
	}
}
