package properties

import "container/heap"

// heapEntry is one entry of a lazyHeap, ordered by at, then seq.
type heapEntry struct {
	at   int64
	seq  uint64
	x    *xfer
	line int
}

// lazyHeap is a binary min-heap whose entries go stale rather than being
// removed: top drops the stale ones it meets. A change pushes a fresh
// entry, so each costs O(log n) and the heap holds at most one entry per
// change.
type lazyHeap struct{ h entries }

type entries []heapEntry

func (h entries) Len() int { return len(h) }
func (h entries) Less(i, j int) bool {
	return h[i].at < h[j].at || h[i].at == h[j].at && h[i].seq < h[j].seq
}
func (h entries) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *entries) Push(x any)   { *h = append(*h, x.(heapEntry)) }
func (h *entries) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func (l *lazyHeap) push(e heapEntry) { heap.Push(&l.h, e) }

// top is the least entry valid says is current, dropping stale ones.
func (l *lazyHeap) top(valid func(heapEntry) bool) (heapEntry, bool) {
	for len(l.h) > 0 {
		if valid(l.h[0]) {
			return l.h[0], true
		}
		heap.Pop(&l.h)
	}
	return heapEntry{}, false
}
