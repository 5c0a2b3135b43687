package sim

import (
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

var queueKinds = []QueueKind{QueueSplay, QueueHeap, QueueRadix}

// queueMachine drives one backend and a sorted-slice oracle with the same
// operations. Times come from a small range so that ties are common, and
// events are reused after they leave the queue, as the kernel reuses them.
type queueMachine struct {
	q      queue
	oracle []*Event // queued events, sorted by (time, seq)
	now    Time     // time of the last event taken: nothing is pushed before it
	idle   []*Event
	seq    uint64
}

func newQueueMachine(t *rapid.T, kind QueueKind) *queueMachine {
	q, err := newQueue(kind)
	if err != nil {
		t.Fatal(err)
	}
	return &queueMachine{q: q}
}

func (m *queueMachine) push(t *rapid.T) {
	var e *Event
	if len(m.idle) > 0 && rapid.Bool().Draw(t, "reuse") {
		i := rapid.IntRange(0, len(m.idle)-1).Draw(t, "idle")
		e = m.idle[i]
		m.idle = slices.Delete(m.idle, i, i+1)
	} else {
		e = NewEvent(NoThread, func() {})
	}
	m.seq++
	e.at, e.seq, e.state = m.now+Time(rapid.Int64Range(0, 12).Draw(t, "delay")), m.seq, eventQueued
	m.q.push(e)
	i, _ := slices.BinarySearchFunc(m.oracle, e, func(a, b *Event) int {
		if a.before(b) {
			return -1
		}
		return 1
	})
	m.oracle = slices.Insert(m.oracle, i, e)
}

func (m *queueMachine) popDue(t *rapid.T) {
	if err := m.popDueAt(m.now + Time(rapid.Int64Range(-1, 14).Draw(t, "limit"))); err != nil {
		t.Fatal(err)
	}
}

// popDueAt pops from both the backend and the oracle and compares.
func (m *queueMachine) popDueAt(limit Time) error {
	var want *Event
	if len(m.oracle) > 0 && m.oracle[0].at <= limit {
		want = m.oracle[0]
		m.oracle = m.oracle[1:]
	}
	got := m.q.popDue(limit)
	if got != want {
		return fmt.Errorf("popDue(%d) = %s, want %s", limit, describe(got), describe(want))
	}
	if got != nil {
		got.state = eventIdle
		m.idle = append(m.idle, got)
		m.now = got.at
	}
	return nil
}

func (m *queueMachine) remove(t *rapid.T) {
	if len(m.oracle) == 0 {
		t.Skip("nothing queued")
	}
	i := rapid.IntRange(0, len(m.oracle)-1).Draw(t, "victim")
	e := m.oracle[i]
	m.oracle = slices.Delete(m.oracle, i, i+1)
	m.q.remove(e)
	e.state = eventIdle
	m.idle = append(m.idle, e)
}

func (m *queueMachine) check(t *rapid.T) {
	if m.q.len() != len(m.oracle) {
		t.Fatalf("len = %d, oracle has %d", m.q.len(), len(m.oracle))
	}
	var want *Event
	if len(m.oracle) > 0 {
		want = m.oracle[0]
	}
	if got := m.q.min(); got != want {
		t.Fatalf("min = %s, want %s", describe(got), describe(want))
	}
}

func describe(e *Event) string {
	if e == nil {
		return "nil"
	}
	return fmt.Sprintf("%v#%d", e.at, e.seq)
}

// TestQueueConformance runs both backends against the oracle: (time, seq)
// order with FIFO ties, inclusive limits, removal from anywhere (tree
// position, same-key list, heap interior), reuse of events.
func TestQueueConformance(t *testing.T) {
	for _, kind := range queueKinds {
		t.Run(kind.String(), func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				m := newQueueMachine(rt, kind)
				rt.Repeat(map[string]func(*rapid.T){
					"push":   m.push,
					"popDue": m.popDue,
					"remove": m.remove,
					"":       m.check,
				})
			})
		})
	}
}

// TestQueueConformanceCatchesLIFO shows the conformance machine can fail:
// a backend that breaks ties newest-first (curl's pre-7.54 bug) is caught.
func TestQueueConformanceCatchesLIFO(t *testing.T) {
	q := &lifoQueue{}
	m := &queueMachine{q: q}
	a, b := NewEvent(NoThread, func() {}), NewEvent(NoThread, func() {})
	for _, e := range []*Event{a, b} {
		m.seq++
		e.at, e.seq, e.state = 5, m.seq, eventQueued
		q.push(e)
		m.oracle = append(m.oracle, e)
	}
	if err := m.popDueAt(5); err == nil {
		t.Fatal("the oracle comparison accepted a LIFO tie")
	}
}

// lifoQueue is a deliberately wrong backend: ties come out newest first.
type lifoQueue struct{ events []*Event }

func (q *lifoQueue) push(e *Event) { q.events = append(q.events, e) }

func (q *lifoQueue) popDue(limit Time) *Event {
	e := q.min()
	if e == nil || e.at > limit {
		return nil
	}
	q.remove(e)
	return e
}

func (q *lifoQueue) remove(e *Event) {
	q.events = slices.DeleteFunc(q.events, func(f *Event) bool { return f == e })
}

func (q *lifoQueue) min() *Event {
	var best *Event
	for _, e := range q.events {
		if best == nil || e.at < best.at || e.at == best.at && e.seq > best.seq {
			best = e
		}
	}
	return best
}

func (q *lifoQueue) len() int { return len(q.events) }

func TestQueueKind(t *testing.T) {
	if _, err := newQueue(QueueKind(9)); err == nil {
		t.Error("newQueue(9) succeeded")
	}
	for _, k := range []QueueKind{QueueDefault, QueueSplay, QueueHeap, 9} {
		if k.String() == "" {
			t.Errorf("QueueKind(%d) has no name", k)
		}
	}
}
