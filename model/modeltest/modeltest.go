// Package modeltest holds helpers for tests of package model and of code
// built on it: a manual clock and a tracer that records canonical trace
// lines. It is not a simulator: nothing here schedules or waits.
package modeltest

import (
	"strings"
	"time"

	"github.com/expirylab/expiry/model"
)

// Clock is a model.Clock that moves only when told. The zero Clock reads
// the Unix epoch.
type Clock struct {
	now time.Time
}

// NewClock returns a clock reading at µs after the Unix epoch.
func NewClock(at model.Micros) *Clock { return &Clock{now: at.Time()} }

// Now implements model.Clock.
func (c *Clock) Now() time.Time {
	if c.now.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return c.now
}

// Set moves the clock to at, even backwards (a test may want to).
func (c *Clock) Set(at model.Micros) { c.now = at.Time() }

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) { c.now = c.Now().Add(d) }

// Micros is the current reading in µs.
func (c *Clock) Micros() model.Micros { return model.FromTime(c.Now()) }

// Recorder is a model.Tracer that keeps every event as its canonical line.
type Recorder struct {
	lines []string
	buf   []byte
}

// Trace implements model.Tracer.
func (r *Recorder) Trace(ev model.Event) {
	r.buf = ev.AppendText(r.buf[:0])
	r.lines = append(r.lines, string(r.buf))
}

// Lines are the lines recorded so far.
func (r *Recorder) Lines() []string { return r.lines }

// Take returns the lines recorded since the last Take, one per line with a
// trailing newline, and forgets them.
func (r *Recorder) Take() string {
	if len(r.lines) == 0 {
		return ""
	}
	s := strings.Join(r.lines, "\n") + "\n"
	r.lines = r.lines[:0]
	return s
}
