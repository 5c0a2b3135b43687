package model

import (
	"slices"

	"github.com/expirylab/expiry/splay"
)

// index is the multi's splay tree of transfers keyed by their earliest
// deadline, plus the order in which due nodes come out. BestSmallestFIFO is
// splay.GetBest as is; BestLargestLIFO (bug 12) is built on top of it here,
// so package splay stays the correct tree.
type index struct {
	tree    splay.Tree[*Easy]
	order   BestOrder
	scratch []*Easy    // reused by the bug-12 path
	heap    *heapOrder // IndexHeap: decides min and getBest
	// ghosts are bug 10's stale occurrences: a node inserted while it was
	// already in curl's tree stays linked at its old place too. Package
	// splay refuses a double insert, so the model keeps the old place
	// here, in insertion order; a ghost comes out of getBest like a node
	// (a stale pop) and counts for the minimum.
	ghosts []ghost
	popped Micros // the key of the last node or ghost getBest released
}

type ghost struct {
	e   *Easy
	key Micros
}

func (x *index) len() int { return x.tree.Len() + len(x.ghosts) }

// insert puts e's node in at key. A node already in (bug 10 only) moves
// to key and leaves a ghost at its old key.
func (x *index) insert(e *Easy, key Micros) {
	if x.tree.Contains(&e.node) {
		x.orphan(e)
	}
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

// orphan turns e's node into a ghost at its key: it stays in the index,
// but the transfer no longer knows it is there (bug 10).
func (x *index) orphan(e *Easy) {
	key := Micros(e.node.Key())
	x.remove(e)
	x.ghosts = append(x.ghosts, ghost{e, key})
}

// dropGhosts forgets e's ghosts (remove_handle: curl would keep a
// dangling pointer, which the model does not follow).
func (x *index) dropGhosts(e *Easy) {
	x.ghosts = slices.DeleteFunc(x.ghosts, func(g ghost) bool { return g.e == e })
}

// firstGhost is the index of the oldest ghost with the smallest key, or -1.
func (x *index) firstGhost() int {
	best := -1
	for i, g := range x.ghosts {
		if best < 0 || g.key < x.ghosts[best].key {
			best = i
		}
	}
	return best
}

// min is the node GetBest would release first in FIFO order, or nil, and
// its key.
func (x *index) min() (*Easy, Micros) {
	var e *Easy
	if x.heap != nil {
		e = x.heap.min()
	} else if n := x.tree.Min(); n != nil {
		e = n.Value
	}
	if g := x.firstGhost(); g >= 0 && (e == nil || x.ghosts[g].key <= Micros(e.node.Key())) {
		return x.ghosts[g].e, x.ghosts[g].key
	}
	if e == nil {
		return nil, 0
	}
	return e, Micros(e.node.Key())
}

// getBest removes and returns one node (or ghost, which comes first on a
// tie: it is the older occurrence) whose key is at most t, or nil.
func (x *index) getBest(t Micros) *Easy {
	if g := x.firstGhost(); g >= 0 && x.ghosts[g].key <= t {
		if e, key := x.min(); e == x.ghosts[g].e && key == x.ghosts[g].key {
			x.ghosts = slices.Delete(x.ghosts, g, g+1)
			x.popped = key
			return e
		}
	}
	var e *Easy
	if x.order == BestSmallestFIFO {
		e = x.getSmallest(t)
	} else {
		e = x.getLargestNewest(t)
	}
	if e != nil {
		x.popped = Micros(e.node.Key())
	}
	return e
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
