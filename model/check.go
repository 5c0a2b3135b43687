package model

import (
	"errors"
	"fmt"
)

// Check verifies the multi's invariants and returns the first violation, or
// nil: the splay tree's own invariants; every index node belongs to a
// transfer that knows it is there; the key relation the profile promises
// (equal to the list head for RearmMove with µs comparisons, not later than
// the earliest deadline for RearmKeepEarly with µs comparisons, less than
// 1 ms later with ms comparisons); a node whenever deadlines are pending
// (unless bug 4 is on); the timer lists well formed; the running and dirty
// counts; the socket counts; no stop request on a handle that is not
// stoppable. O(n) in transfers; for tests and property
// suites.
func (m *Multi) Check() error {
	if err := m.index.tree.Check(); err != nil {
		return err
	}
	indexed, alive, dirty := 0, 0, 0
	for e := m.first; e != nil; e = e.next {
		if err := m.checkEasy(e); err != nil {
			return fmt.Errorf("model: easy %d: %w", e.id, err)
		}
		if e.indexed == m {
			indexed++
		}
		if e.alive() {
			alive++
		}
		if e.dirty {
			dirty++
		}
	}
	switch {
	case indexed > m.index.tree.Len():
		return fmt.Errorf("model: %d transfers think they are indexed, the index holds %d", indexed, m.index.tree.Len())
	case indexed < m.index.tree.Len() && m.prof.ClearAfterDone:
		return fmt.Errorf("model: index holds %d nodes, only %d belong to added transfers", m.index.tree.Len(), indexed)
	case alive != m.alive:
		return fmt.Errorf("model: %d running transfers, count says %d", alive, m.alive)
	case dirty != m.ndirty:
		return fmt.Errorf("model: %d dirty transfers, count says %d", dirty, m.ndirty)
	}
	return m.checkSockets()
}

func (m *Multi) checkEasy(e *Easy) error {
	if err := e.timers.check(m.prof.Compare); err != nil {
		return err
	}
	if (e.indexed == m) != m.index.contains(e) {
		return fmt.Errorf("indexed=%v but the index says %v", e.indexed == m, m.index.contains(e))
	}
	if e.dirty && !e.alive() {
		return fmt.Errorf("dirty in state %v", e.state)
	}
	if e.stop.pending() && !e.Stoppable() {
		return errors.New("a stop request pending on a handle that is not stoppable")
	}
	if e.timers.empty() {
		if e.indexed == m && m.prof.ClearFixesIndex && m.prof.Rearm == RearmMove {
			return errors.New("in the index with no deadline pending")
		}
		return nil
	}
	if e.indexed != m {
		if m.prof.ReinsertAfterPop {
			return errors.New("deadlines pending but not in the index")
		}
		return nil
	}
	return m.checkKey(e)
}

// checkKey compares the key with the earliest pending deadline.
func (m *Multi) checkKey(e *Easy) error {
	key := Micros(e.node.Key())
	earliest := e.timers.headAt()
	for id := e.timers.head; id != end; id = e.timers.next[id] {
		earliest = min(earliest, e.timers.at[id])
	}
	switch {
	case m.prof.Compare == Milli:
		// curl 7.88 and 8.21 compare a new deadline with the key in whole
		// milliseconds, so each re-arm within one millisecond can leave the
		// key up to a millisecond late, and a chain of them lets it drift
		// past earlier entries (those deadlines then fire late, as in curl;
		// properties found the chain). No bound on the key holds here.
	case m.prof.Rearm == RearmMove && m.prof.ClearFixesIndex:
		if key != e.timers.headAt() {
			return fmt.Errorf("key %d is not the head's deadline %d", key, e.timers.headAt())
		}
	case key > earliest:
		return fmt.Errorf("key %d is after the earliest deadline %d", key, earliest)
	}
	return nil
}

// check verifies a timer list: the links reach exactly the IDs in has, and
// with µs comparisons the deadlines do not decrease.
func (l *timerList) check(res Resolution) error {
	var seen TimerSet
	n := 0
	for id := l.head; id != end; id = l.next[id] {
		if id > end || seen.Has(id) {
			return fmt.Errorf("timer list loops or holds a bad id %d", id)
		}
		seen |= 1 << id
		n++
		if nx := l.next[id]; nx != end && res == Micro && l.at[nx] < l.at[id] {
			return fmt.Errorf("timer list out of order: %v at %d before %v at %d", id, l.at[id], nx, l.at[nx])
		}
	}
	if seen != l.has || n != int(l.n) {
		return fmt.Errorf("timer list holds %v (%d) but records %v (%d)", seen, n, l.has, l.n)
	}
	return nil
}

// checkSockets recomputes every socket's counts from the transfers' last
// registered wishes.
func (m *Multi) checkSockets() error {
	type counts struct{ users, readers, writers int }
	want := map[int]*counts{}
	for e := m.first; e != nil; e = e.next {
		for _, l := range e.last {
			c := want[l.FD]
			if c == nil {
				c = &counts{}
				want[l.FD] = c
			}
			c.users++
			if l.What&PollIn != 0 {
				c.readers++
			}
			if l.What&PollOut != 0 {
				c.writers++
			}
		}
	}
	if len(want) != len(m.socks) {
		return fmt.Errorf("model: %d sockets registered, transfers use %d", len(m.socks), len(want))
	}
	for fd, s := range m.socks {
		c := want[fd]
		if c == nil || c.users != s.users || c.readers != s.readers || c.writers != s.writers || len(s.easies) != s.users {
			return fmt.Errorf("model: socket %d counts %d/%d/%d do not match the transfers", fd, s.users, s.readers, s.writers)
		}
	}
	return nil
}
