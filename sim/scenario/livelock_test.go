package scenario

import (
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// TestBusyLoopIsALivelock: with curl 7.19.2's bug switched on (a deadline
// under 1 ms away reads as 0: "run now"), an event-driven application
// spins at one instant. The run must end with the kernel's livelock
// violation, not hang or overflow the stack (DESIGN decision 8).
func TestBusyLoopIsALivelock(t *testing.T) {
	fam, _ := FamilyByName("three")
	p, err := model.ByName("curl-8+bug2")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []Driver{DriverSocketExact, DriverSocketPoll} {
		r, err := Run(fam.Build(p, d, 999700*time.Microsecond))
		if err != nil {
			t.Fatal(err)
		}
		if r.Outcome.Reason != sim.StopLivelock || r.Outcome.Violation == nil {
			t.Errorf("%v: run ended %v, want a livelock violation", d, r.Outcome.Reason)
		}
	}
}
