package scenario

import (
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
)

// pauseScenario is one GET of a quick server whose whole answer fits one
// read: the write callback pauses on the last delivery and the application
// resumes the transfer 400 ms later. TIMEOUT_MS 3000 bounds a stall.
func pauseScenario(p model.Profile, d Driver) Scenario {
	s := Scenario{Name: "pause", Profile: p, Driver: d, Seed: 1}
	oneServer(&s, "quick(100)")
	get(&s, model.Options{TimeoutMs: 3000, PauseAt: 100, ResumeAfter: 400 * time.Millisecond})
	return s
}

// TestPauseResume: every driver resumes a paused transfer, which then
// completes; no driver resumes it early. With bug 14 an event-driven
// application never hears of the resume and the transfer waits for its
// TIMEOUT_MS; the loop drivers poll and perform anyway.
func TestPauseResume(t *testing.T) {
	for _, p := range profiles {
		bug14, err := p.WithBug(model.Bug14UnpauseNoTimer)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range Drivers() {
			r, err := Run(pauseScenario(p, d))
			if err != nil {
				t.Fatal(err)
			}
			o := r.Transfers[0]
			// The easy driver resumes at its first perform after the due
			// time: its poll sleeps up to the 1 s cap.
			hi := 600 * time.Millisecond
			if d == DriverEasy {
				hi = 1500 * time.Millisecond
			}
			if el := time.Duration(o.Elapsed()) * time.Microsecond; o.Result != model.OK || el < 400*time.Millisecond || el > hi {
				t.Errorf("%s/%v: %v after %v, want OK after 400ms to %v", p.Name, d, o.Result, el, hi)
			}
			r, err = Run(pauseScenario(bug14, d))
			if err != nil {
				t.Fatal(err)
			}
			o = r.Transfers[0]
			stalled := d == DriverSocketExact || d == DriverSocketPoll
			if got := o.Result == model.OperationTimedout; got != stalled {
				t.Errorf("%s/%v: %v after %dus; stalled until TIMEOUT_MS = %v, want %v",
					bug14.Name, d, o.Result, o.Elapsed(), got, stalled)
			}
		}
	}
}
