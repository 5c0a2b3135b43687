package sim

import (
	"container/heap"
	"fmt"

	"github.com/expirylab/expiry/splay"
)

// QueueKind selects the event queue's backend. Both order events by
// (time, sequence number) and pass the same conformance test; they differ
// only in speed.
type QueueKind uint8

const (
	// QueueDefault is the backend the kernel benchmark favours; see
	// defaultQueue for the measurement behind the choice.
	QueueDefault QueueKind = iota
	// QueueSplay is the curl-faithful splay tree of package splay: time is
	// the key and its FIFO same-key lists keep ties in scheduling order.
	QueueSplay
	// QueueHeap is a binary heap (container/heap) ordered by (time, seq).
	QueueHeap
	// QueueRadix is a radix heap over the 128-bit key (time, seq). It
	// relies on what the kernel guarantees, that nothing is scheduled
	// before the last event taken, and gives O(1) pushes and pops
	// amortized over the bit-length of the keys, whatever their shape.
	QueueRadix
)

// defaultQueue is the backend behind QueueDefault: the radix heap, the
// only backend that clears 10 million events per second at 1 000 pending
// events on every shape of BenchmarkKernelHold (random, periodic, ties).
// The splay tree is faster on periodic (monotone) schedules but two to
// three times slower when delays are random, as network latencies drawn
// from distributions are; container/heap pays an interface call per
// comparison and is last everywhere. Figures: BENCHMARKS.part.md.
const defaultQueue = QueueRadix

// String names the backend as it appears in configuration and benchmarks.
func (q QueueKind) String() string {
	switch q {
	case QueueDefault:
		return "default"
	case QueueSplay:
		return "splay"
	case QueueHeap:
		return "heap"
	case QueueRadix:
		return "radix"
	}
	return fmt.Sprintf("QueueKind(%d)", uint8(q))
}

// queue is the event set. The kernel owns event state, so the queue can
// trust its callers: push only idle events, remove only queued ones. An
// event's seq grows with every push, which is what lets the splay backend
// implement (time, seq) order with its FIFO same-key lists alone.
type queue interface {
	push(e *Event)
	// popDue removes and returns the first event in (time, seq) order if its
	// time is at most limit, else nil.
	popDue(limit Time) *Event
	remove(e *Event)
	// min returns the first event without removing it, or nil.
	min() *Event
	len() int
}

func newQueue(kind QueueKind) (queue, error) {
	if kind == QueueDefault {
		kind = defaultQueue
	}
	switch kind {
	case QueueSplay:
		return &splayQueue{}, nil
	case QueueHeap:
		return &heapQueue{}, nil
	case QueueRadix:
		return &radixQueue{}, nil
	}
	return nil, fmt.Errorf("sim: unknown queue kind %v", kind)
}

// splayQueue keys the splay tree by time. Equal times join the tree node's
// same-key list in push order, which is seq order.
type splayQueue struct {
	t splay.Tree[*Event]
}

func (q *splayQueue) push(e *Event) { q.t.Insert(&e.node, int64(e.at)) }

func (q *splayQueue) popDue(limit Time) *Event {
	if n := q.t.GetBest(int64(limit)); n != nil {
		return n.Value
	}
	return nil
}

func (q *splayQueue) remove(e *Event) {
	if err := q.t.Remove(&e.node); err != nil {
		panic(fmt.Sprintf("sim: queued event missing from the splay tree: %v", err))
	}
}

func (q *splayQueue) min() *Event {
	if n := q.t.Min(); n != nil {
		return n.Value
	}
	return nil
}

func (q *splayQueue) len() int { return q.t.Len() }

// heapQueue is a binary heap sifted by container/heap. Entries carry
// their (time, seq) key inline, so comparisons touch only the heap's own
// array, and cancellation is lazy: a removed event's entry stays until it
// surfaces (or a compaction drops it), recognised as stale because its seq
// no longer matches a queued event's. Every push gets a fresh seq, so a
// stale entry can never be mistaken for a live one. Push and pop append
// and truncate the slice themselves and let heap.Fix sift, because
// heap.Push and heap.Pop would box each 24-byte entry in an interface
// value, one allocation per operation.
type heapQueue struct {
	h     entryHeap
	live  int
	stale int
}

type heapEntry struct {
	at  Time
	seq uint64
	e   *Event
}

func (x heapEntry) valid() bool { return x.e.state == eventQueued && x.e.seq == x.seq }

func (q *heapQueue) push(e *Event) {
	if q.stale > 64 && q.stale > q.live {
		q.compact()
	}
	q.h = append(q.h, heapEntry{e.at, e.seq, e})
	heap.Fix(&q.h, len(q.h)-1)
	q.live++
}

func (q *heapQueue) popDue(limit Time) *Event {
	q.dropStale()
	if len(q.h) == 0 || q.h[0].at > limit {
		return nil
	}
	e := q.h[0].e
	q.popTop()
	q.live--
	return e
}

// remove only counts: the caller marks e idle (or re-pushes it with a new
// seq) right after, which is what makes its entry stale. Compaction waits
// for the next push for the same reason.
func (q *heapQueue) remove(*Event) {
	q.live--
	q.stale++
}

func (q *heapQueue) min() *Event {
	q.dropStale()
	if len(q.h) == 0 {
		return nil
	}
	return q.h[0].e
}

func (q *heapQueue) len() int { return q.live }

// dropStale pops cancelled entries off the top.
func (q *heapQueue) dropStale() {
	for len(q.h) > 0 && !q.h[0].valid() {
		q.popTop()
		q.stale--
	}
}

func (q *heapQueue) popTop() {
	n := len(q.h) - 1
	q.h[0] = q.h[n]
	q.h[n] = heapEntry{} // let the event be collected once it is dropped
	q.h = q.h[:n]
	if n > 0 {
		heap.Fix(&q.h, 0)
	}
}

// compact drops every stale entry, so that a workload that keeps
// re-arming far-future timers cannot grow the heap without bound.
func (q *heapQueue) compact() {
	kept := q.h[:0]
	for _, x := range q.h {
		if x.valid() {
			kept = append(kept, x)
		}
	}
	clear(q.h[len(kept):])
	q.h = kept
	q.stale = 0
	heap.Init(&q.h)
}

// entryHeap implements heap.Interface in (time, seq) order.
type entryHeap []heapEntry

func (h entryHeap) Len() int { return len(h) }

func (h entryHeap) Less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].seq < h[j].seq)
}

func (h entryHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }

// Push and Pop complete heap.Interface; heapQueue never calls heap.Push
// or heap.Pop (see heapQueue), so they are here only to satisfy it.
func (h *entryHeap) Push(x any) { *h = append(*h, x.(heapEntry)) }

func (h *entryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
