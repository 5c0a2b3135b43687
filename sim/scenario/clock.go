package scenario

import (
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// threadClock is the model's clock for one application thread: kernel
// time plus the processing time the model claimed during the current step
// and has not spent yet. Only the owning thread's steps claim time, so a
// model call from another thread (a wakeup, a stop) reads plain kernel
// time once the owner is settling.
type threadClock struct {
	k     *sim.Kernel
	ahead time.Duration
}

// Now is the kernel's clock plus the unspent claim.
func (c *threadClock) Now() time.Time { return c.k.Clock().Now().Add(c.ahead) }

// at is Now as virtual time.
func (c *threadClock) at() sim.Time { return c.k.Now().Add(c.ahead) }

// claim records processing time the model spent in this step.
func (c *threadClock) claim(_ *model.Easy, d time.Duration) {
	if d > 0 {
		c.ahead += d
	}
}

// settle ends the step: when the model claimed time, t stays busy until
// the kernel catches up, then runs then; otherwise then runs at once in
// the same step.
func (c *threadClock) settle(t *sim.Thread, then func()) {
	d := c.ahead
	if d == 0 {
		then()
		return
	}
	c.ahead = 0
	if err := t.Busy(d, then); err != nil {
		panic(err) // Busy refuses only misuse by this package
	}
}
