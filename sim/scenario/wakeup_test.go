package scenario

import (
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// TestWakeupAnyFlag: with two wakeup stops on one transfer, the one that
// fires first removes the handle at once, whichever is listed first (a
// bug properties' stop suite found: only the first-listed flag was read).
func TestWakeupAnyFlag(t *testing.T) {
	sit, _ := SituationByName("stalled")
	s := sit.Build(model.Curl8(), MechWakeup)
	late := s.Stops[0] // 500 ms into PERFORMING
	early := Stop{Transfer: 1, Mechanism: MechWakeup, At: sim.Const{D: 100 * time.Millisecond}}
	s.Stops = []Stop{late, early}
	r := mustRun(t, s)
	st := r.Stops[1]
	if !r.Transfers[0].Removed || !st.HasReturned || st.Latency() > time.Millisecond {
		t.Fatalf("the second-listed, earlier stop: removed=%v latency=%v", r.Transfers[0].Removed, st.Latency())
	}
}
