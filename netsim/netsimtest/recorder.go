package netsimtest

import (
	"strconv"
	"strings"
	"time"

	"github.com/expirylab/expiry/netsim"
)

// Recorder is a netsim.Sink that writes each event as a line
//
//	<µs> <kind> key=value ...
//
// (values Go-quoted when they hold anything but letters, digits and
// "_.:/+@%,-|"), keeps the lines if asked, and hashes them all with
// FNV-1a, so two runs can be compared by hash alone.
type Recorder struct {
	clock interface{ Now() time.Duration }
	keep  bool
	lines []string
	taken int
	hash  uint64
	count int
	buf   []byte
}

// NewRecorder returns a recorder stamping events with clock's time.
func NewRecorder(clock interface{ Now() time.Duration }, keep bool) *Recorder {
	return &Recorder{clock: clock, keep: keep, hash: 14695981039346656037}
}

// Enabled reports true: a recorder records everything.
func (r *Recorder) Enabled() bool { return true }

// Emit records one event.
func (r *Recorder) Emit(kind string, fields ...netsim.Field) {
	b := strconv.AppendInt(r.buf[:0], int64(r.clock.Now()/time.Microsecond), 10)
	b = append(b, ' ')
	b = append(b, kind...)
	for _, f := range fields {
		b = append(b, ' ')
		b = append(b, f.Key...)
		b = append(b, '=')
		if bare(f.Value) {
			b = append(b, f.Value...)
		} else {
			b = strconv.AppendQuote(b, f.Value)
		}
	}
	r.buf = b
	for _, c := range b {
		r.hash ^= uint64(c)
		r.hash *= 1099511628211
	}
	r.hash ^= '\n'
	r.hash *= 1099511628211
	r.count++
	if r.keep {
		r.lines = append(r.lines, string(b))
	}
}

func bare(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.:/+@%,-|", c) >= 0) {
			return false
		}
	}
	return true
}

// Hash returns the FNV-1a hash of every line so far, each followed by a
// newline.
func (r *Recorder) Hash() uint64 { return r.hash }

// Len returns the number of events recorded.
func (r *Recorder) Len() int { return r.count }

// Lines returns the kept lines.
func (r *Recorder) Lines() []string { return r.lines }

// Take returns the kept lines recorded since the last Take, one per line.
func (r *Recorder) Take() string {
	var b strings.Builder
	for _, l := range r.lines[r.taken:] {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	r.taken = len(r.lines)
	return b.String()
}
