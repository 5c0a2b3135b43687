package splay

import (
	"fmt"
	"math"
)

// Check verifies the tree's invariants and returns the first violation
// found, or nil: keys strictly ordered across tree positions (equal keys
// share one position), every same-key list circular and doubly linked with
// members of the head's key, every node's role and owner consistent, no
// cycles, and Len equal to the number of nodes reachable. O(n) time and
// O(height) memory; for tests, and after every operation when built with the
// invariants tag.
func (t *Tree[T]) Check() error {
	type frame struct {
		n      *Node[T]
		lo, hi int64 // exclusive bounds; loOpen/hiOpen when unbounded
		loOpen bool
		hiOpen bool
	}
	count := 0
	stack := []frame{}
	if t.root != nil {
		stack = append(stack, frame{n: t.root, loOpen: true, hiOpen: true})
	}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if err := t.checkPosition(f.n, f.lo, f.hi, f.loOpen, f.hiOpen); err != nil {
			return err
		}
		members, err := t.checkList(f.n)
		if err != nil {
			return err
		}
		count += members
		if count > t.n {
			return fmt.Errorf("splay: more than Len()=%d nodes reachable (cycle?)", t.n)
		}
		if f.n.smaller != nil {
			stack = append(stack, frame{n: f.n.smaller, lo: f.lo, loOpen: f.loOpen, hi: f.n.key})
		}
		if f.n.larger != nil {
			stack = append(stack, frame{n: f.n.larger, lo: f.n.key, hi: f.hi, hiOpen: f.hiOpen})
		}
	}
	if count != t.n {
		return fmt.Errorf("splay: Len()=%d but %d nodes reachable", t.n, count)
	}
	return nil
}

// checkPosition checks one tree position against the key bounds its
// ancestors impose.
func (t *Tree[T]) checkPosition(n *Node[T], lo, hi int64, loOpen, hiOpen bool) error {
	if n.role != treeNode || n.tree != t {
		return fmt.Errorf("splay: node key %d in a tree position has role %v, owned by this tree %v",
			n.key, n.role, n.tree == t)
	}
	if (!loOpen && n.key <= lo) || (!hiOpen && n.key >= hi) {
		return fmt.Errorf("splay: key %d out of order: must lie strictly between %s and %s",
			n.key, bound(lo, loOpen, math.MinInt64), bound(hi, hiOpen, math.MaxInt64))
	}
	return nil
}

func bound(v int64, open bool, inf int64) string {
	if open {
		if inf < 0 {
			return "-inf"
		}
		return "+inf"
	}
	return fmt.Sprint(v)
}

// checkList walks head's same-key list and returns its size, head included.
func (t *Tree[T]) checkList(head *Node[T]) (int, error) {
	size := 1
	for m := head.next; m != head; m = m.next {
		if m == nil || m.prev == nil || m.prev.next != m {
			return 0, fmt.Errorf("splay: same-key list of key %d is broken", head.key)
		}
		if m.role != listNode || m.tree != t || m.key != head.key {
			return 0, fmt.Errorf("splay: list member key %d role %v under head key %d", m.key, m.role, head.key)
		}
		if m.smaller != nil || m.larger != nil {
			return 0, fmt.Errorf("splay: list member key %d has tree children", m.key)
		}
		size++
		if size > t.n {
			return 0, fmt.Errorf("splay: same-key list of key %d longer than Len()=%d", head.key, t.n)
		}
	}
	if head.prev == nil || head.prev.next != head {
		return 0, fmt.Errorf("splay: same-key list of key %d: head's prev link is broken", head.key)
	}
	return size, nil
}

// checkInvariants panics on a broken invariant when built with the
// invariants tag and compiles to nothing otherwise.
func (t *Tree[T]) checkInvariants() {
	if !invariants {
		return
	}
	if err := t.Check(); err != nil {
		panic(err)
	}
}
