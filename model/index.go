package model

import "github.com/expirylab/expiry/splay"

// index is the multi's splay tree of transfers keyed by their earliest
// deadline, plus the order in which due nodes come out. BestSmallestFIFO is
// splay.GetBest as is; BestLargestLIFO (bug 12) is built on top of it here,
// so package splay stays the correct tree.
type index struct {
	tree    splay.Tree[*Easy]
	order   BestOrder
	scratch []*Easy    // reused by the bug-12 path
	heap    *heapOrder // IndexHeap: decides min and getBest
}

func (x *index) len() int { return x.tree.Len() }

func (x *index) insert(e *Easy, key Micros) {
	x.tree.Insert(&e.node, int64(key))
	if x.heap != nil {
		x.heap.push(e)
	}
}

// remove takes e's node out and reports whether it was in.
func (x *index) remove(e *Easy) bool {
	if x.heap != nil {
		x.heap.remove(e)
	}
	return x.tree.Remove(&e.node) == nil
}

func (x *index) contains(e *Easy) bool { return x.tree.Contains(&e.node) }

// min is the node GetBest would release first in FIFO order, or nil.
func (x *index) min() *Easy {
	if x.heap != nil {
		return x.heap.min()
	}
	if n := x.tree.Min(); n != nil {
		return n.Value
	}
	return nil
}

// getBest removes and returns one node whose key is at most t, or nil.
func (x *index) getBest(t Micros) *Easy {
	if x.order == BestSmallestFIFO {
		return x.getSmallest(t)
	}
	return x.getLargestNewest(t)
}

// getLargestNewest is the pre-7.54 getbest: of the nodes due at t, the one
// with the largest key, the newest insert among equal keys. It drains every
// due node (oldest and smallest first), keeps the last one and puts the
// others back in the order they came out, which preserves their relative
// age. O(k log n) for k due nodes; only the bug switch pays it.
func (x *index) getLargestNewest(t Micros) *Easy {
	x.scratch = x.scratch[:0]
	for e := x.getSmallest(t); e != nil; e = x.getSmallest(t) {
		x.scratch = append(x.scratch, e)
	}
	if len(x.scratch) == 0 {
		return nil
	}
	best := x.scratch[len(x.scratch)-1]
	for _, e := range x.scratch[:len(x.scratch)-1] {
		x.insert(e, Micros(e.node.Key()))
	}
	clear(x.scratch)
	return best
}
