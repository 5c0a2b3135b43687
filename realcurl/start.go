//go:build libcurl

package realcurl

import (
	"syscall"
)

// starter hands the multi's thread the transfers due, in start order, and
// makes a timerfd readable when the next one is due (as the simulator's
// start descriptor).
type starter struct {
	r     *run
	order []int
	next  int
	fd    int // -1 when every transfer starts at once
}

func newStarter(r *run) (*starter, error) {
	st := &starter{r: r, order: startOrder(r.s), fd: -1}
	for _, t := range r.s.Transfers {
		if t.Start > 0 {
			fd, err := newTimerFD()
			if err != nil {
				return nil, err
			}
			st.fd = fd
			break
		}
	}
	return st, nil
}

func (st *starter) allStarted() bool { return st.next == len(st.order) }

// due reports whether a transfer waits to be added at monotonic time now.
func (st *starter) due(now int64) bool {
	return !st.allStarted() && st.r.monoAt(st.r.s.Transfers[st.order[st.next]].Start) <= now
}

// addDue adds every transfer due now, then arms the descriptor for the
// next.
func (st *starter) addDue(a *app) {
	if st.fd >= 0 {
		drainFD(st.fd)
	}
	for st.due(monoNow()) {
		a.add(st.r.xfers[st.order[st.next]])
		st.next++
	}
	if st.fd >= 0 && !st.allStarted() {
		armTimerFD(st.fd, st.r.monoAt(st.r.s.Transfers[st.order[st.next]].Start))
	}
}

// pending is the descriptor to watch for the next start, -1 if none.
func (st *starter) pending() int {
	if st.allStarted() {
		return -1
	}
	return st.fd
}

func (st *starter) close() {
	if st.fd >= 0 {
		syscall.Close(st.fd)
		st.fd = -1
	}
}

// drainFD reads a timerfd or eventfd empty.
func drainFD(fd int) {
	var buf [8]byte
	_, _ = syscall.Read(fd, buf[:])
}
