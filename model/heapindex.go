package model

import "fmt"

// IndexKind chooses what orders a multi's index of transfers
// (Profile.Index). The trace does not depend on it: the order of due
// transfers is the index's contract, not its structure. Property suites
// use IndexHeap to check exactly that (a metamorphic relation).
type IndexKind uint8

// The index kinds.
const (
	// IndexSplay is curl's splay tree (package splay): the default.
	IndexSplay IndexKind = iota
	// IndexHeap orders the transfers with a binary min-heap on (key,
	// insertion number). The splay tree still holds the nodes, which keep
	// each transfer's key and membership for the rest of the model, but
	// never decides which transfer comes out.
	IndexHeap
)

// String is the kind's name.
func (k IndexKind) String() string {
	switch k {
	case IndexSplay:
		return "splay"
	case IndexHeap:
		return "heap"
	}
	return fmt.Sprintf("IndexKind(%d)", uint8(k))
}

// heapOrder is the binary min-heap of IndexHeap over the indexed
// transfers, by key, then insertion number (FIFO among equal keys). Push,
// remove and pop are O(log n); min is O(1).
type heapOrder struct {
	items []*Easy
	pos   map[*Easy]int    // index in items
	seq   map[*Easy]uint64 // insertion number
	next  uint64
}

func newHeapOrder() *heapOrder {
	return &heapOrder{pos: map[*Easy]int{}, seq: map[*Easy]uint64{}}
}

func (h *heapOrder) less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	ka, kb := a.node.Key(), b.node.Key()
	return ka < kb || ka == kb && h.seq[a] < h.seq[b]
}

func (h *heapOrder) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.pos[h.items[i]], h.pos[h.items[j]] = i, j
}

// push adds e, whose node already carries its key.
func (h *heapOrder) push(e *Easy) {
	h.next++
	h.seq[e] = h.next
	h.pos[e] = len(h.items)
	h.items = append(h.items, e)
	h.up(len(h.items) - 1)
}

// remove takes e out if it is in.
func (h *heapOrder) remove(e *Easy) {
	i, ok := h.pos[e]
	if !ok {
		return
	}
	last := len(h.items) - 1
	h.swap(i, last)
	h.items = h.items[:last]
	delete(h.pos, e)
	delete(h.seq, e)
	if i < last {
		h.down(i)
		h.up(i)
	}
}

// min is the first transfer out, or nil.
func (h *heapOrder) min() *Easy {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

func (h *heapOrder) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *heapOrder) down(i int) {
	for {
		l, best := 2*i+1, i
		if l < len(h.items) && h.less(l, best) {
			best = l
		}
		if r := l + 1; r < len(h.items) && h.less(r, best) {
			best = r
		}
		if best == i {
			return
		}
		h.swap(i, best)
		i = best
	}
}

// getSmallest removes and returns the smallest transfer due at t (the
// oldest of equal keys), from the heap when there is one.
func (x *index) getSmallest(t Micros) *Easy {
	if x.heap == nil {
		if n := x.tree.GetBest(int64(t)); n != nil {
			return n.Value
		}
		return nil
	}
	e := x.heap.min()
	if e == nil || e.node.Key() > int64(t) {
		return nil
	}
	x.remove(e)
	return e
}
