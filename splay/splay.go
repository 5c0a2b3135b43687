// Package splay is a top-down splay tree with intrusive nodes and int64
// keys, with exactly the semantics of libcurl's timer index (lib/splay.c in
// curl 7.54 to 8.x): equal keys queue in a FIFO same-key list hanging off
// one tree node, GetBest removes one node whose key is at most a threshold
// (the oldest of the smallest key), and Remove refuses a node that is not in
// the tree.
//
// The node lives inside its owner (embed a Node, or hold one by value), so
// no operation allocates. Keys are whatever the caller decides; expiry uses
// microseconds. The tree is not safe for concurrent use; nothing in expiry
// needs it to be.
//
// Splay trees are not balanced: one access can cost O(n), but any sequence
// of m operations on a tree of at most n nodes costs O(m log n). Bounds below
// are amortized in that sense. Sequences that touch nearby keys (monotone
// timer schedules, repeated peeks at the minimum) cost O(1) each amortized,
// which is why a splay tree suits a timer index.
//
// This package is not a general ordered map: there is no lookup by key, no
// iteration in order and no duplicate detection beyond the same-key list.
package splay

import (
	"errors"
	"fmt"
	"math"
)

// ErrNotInTree is returned by Remove for a node that is not in the tree:
// never inserted, already removed, returned by GetBest, or in another tree.
var ErrNotInTree = errors.New("splay: node is not in this tree")

// role says where a node sits. Transitions happen only in attach, attachSame,
// promote and detach.
type role uint8

const (
	detached role = iota // in no tree
	treeNode             // holds a position in the tree; head of its same-key list
	listNode             // waits in a tree node's same-key list
)

// String names the role, for invariant failures.
func (r role) String() string {
	switch r {
	case detached:
		return "detached"
	case treeNode:
		return "tree"
	case listNode:
		return "list"
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

// Node is one entry of a Tree. Embed it in (or keep it inside) the value it
// indexes and set Value so the owner can be found again from the node; the
// zero Node is ready to insert. A Node may be in at most one tree at a time.
type Node[T any] struct {
	smaller, larger *Node[T] // tree children; nil for list nodes
	next, prev      *Node[T] // circular same-key list, oldest first from the tree node
	tree            *Tree[T] // the tree holding the node; nil when detached
	key             int64
	role            role

	// Value is the caller's payload, typically a pointer to the owner.
	Value T
}

// Key returns the key the node was last inserted with.
func (n *Node[T]) Key() int64 { return n.key }

// InTree reports whether the node is in some tree (in a tree position or in
// a same-key list).
func (n *Node[T]) InTree() bool { return n.tree != nil }

// Tree is a splay tree of Nodes. The zero Tree is empty and ready to use.
type Tree[T any] struct {
	root *Node[T]
	n    int
}

// Len returns the number of nodes in the tree, same-key list members
// included. O(1).
func (t *Tree[T]) Len() int { return t.n }

// Contains reports whether n is in t. O(1).
func (t *Tree[T]) Contains(n *Node[T]) bool { return n.tree == t && t != nil }

// Insert adds n with the given key. If a node with an equal key is already
// in the tree, n joins the end of that node's same-key list and the tree's
// shape is the one the splay left; otherwise n becomes the root. Amortized
// O(log n). Inserting a node that is already in a tree is a programming
// error and panics.
func (t *Tree[T]) Insert(n *Node[T], key int64) {
	if n.tree != nil {
		panic(fmt.Sprintf("splay: Insert of a node already in a tree (key %d)", n.key))
	}
	n.key = key
	t.n++
	if t.root != nil {
		t.root = splay(key, t.root)
		if t.root.key == key {
			attachSame(t, t.root, n)
			t.checkInvariants()
			return
		}
	}
	attach(t, n)
	t.linkAsRoot(n)
	t.checkInvariants()
}

// linkAsRoot makes n the root above the just-splayed old root, which is
// either empty or has a key different from n's.
func (t *Tree[T]) linkAsRoot(n *Node[T]) {
	old := t.root
	switch {
	case old == nil:
		n.smaller, n.larger = nil, nil
	case n.key < old.key:
		n.smaller, n.larger = old.smaller, old
		old.smaller = nil
	default:
		n.larger, n.smaller = old.larger, old
		old.larger = nil
	}
	t.root = n
}

// GetBest removes and returns the node with the smallest key if that key is
// at most threshold (inclusive), else returns nil and leaves the tree's
// contents alone (its shape may change). Among equal keys the oldest insert
// comes out first and the next oldest takes its place in the tree. One node
// per call. Amortized O(log n).
func (t *Tree[T]) GetBest(threshold int64) *Node[T] {
	if t.root == nil {
		return nil
	}
	t.splayMin()
	best := t.root
	if threshold < best.key {
		return nil
	}
	if best.next != best {
		t.root = promote(best)
	} else {
		t.root = best.larger // splayed to the minimum: nothing is smaller
	}
	detach(t, best)
	t.checkInvariants()
	return best
}

// Min returns the node GetBest would return next, without removing it, or
// nil when the tree is empty. Like curl, it splays the minimum to the root,
// so a second call costs O(1). Amortized O(log n).
func (t *Tree[T]) Min() *Node[T] {
	if t.root == nil {
		return nil
	}
	t.splayMin()
	return t.root
}

// splayMin splays the smallest key to the root of a non-empty tree. A root
// with no smaller side is already the minimum, and splaying would leave the
// shape unchanged, so that common case costs one comparison.
func (t *Tree[T]) splayMin() {
	if t.root.smaller != nil {
		t.root = splay(math.MinInt64, t.root)
	}
}

// Remove takes n out of the tree. It returns ErrNotInTree, and changes
// nothing, when n is not in t; a second Remove of the same node therefore
// fails. A node waiting in a same-key list is unlinked in O(1); a node in a
// tree position costs amortized O(log n), and if it heads a same-key list,
// the next oldest node takes its position.
func (t *Tree[T]) Remove(n *Node[T]) error {
	if t == nil || n.tree != t {
		return ErrNotInTree
	}
	if n.role == listNode {
		unlinkSame(n)
		detach(t, n)
		t.checkInvariants()
		return nil
	}
	if root := splay(n.key, t.root); root != n {
		panic(fmt.Sprintf("splay: corrupt tree: splaying key %d found key %d", n.key, root.key))
	}
	t.root = removeRoot(n)
	detach(t, n)
	t.checkInvariants()
	return nil
}

// removeRoot unhooks root n (whose same-key list may have other members)
// and returns the new root.
func removeRoot[T any](n *Node[T]) *Node[T] {
	if n.next != n {
		return promote(n)
	}
	if n.smaller == nil {
		return n.larger
	}
	// Every key under smaller is below n's, so the splay brings the largest
	// of them up with an empty larger side, where n's larger side goes.
	x := splay(n.key, n.smaller)
	x.larger = n.larger
	return x
}

// splay performs the top-down splay of Sleator and Tarjan for key on the
// tree rooted at t (non-nil) and returns the new root: the node with key if
// there is one, else the last node on the search path. Everything smaller
// than the root ends on its smaller side, everything larger on its larger
// side. Rotations happen only on two steps in the same direction.
func splay[T any](key int64, t *Node[T]) *Node[T] {
	var header Node[T] // header.larger collects the left tree, header.smaller the right tree
	l, r := &header, &header
	for {
		if key < t.key {
			if t.smaller == nil {
				break
			}
			if key < t.smaller.key {
				y := t.smaller // rotate right
				t.smaller = y.larger
				y.larger = t
				t = y
				if t.smaller == nil {
					break
				}
			}
			r.smaller = t // link right
			r = t
			t = t.smaller
		} else if key > t.key {
			if t.larger == nil {
				break
			}
			if key > t.larger.key {
				y := t.larger // rotate left
				t.larger = y.smaller
				y.smaller = t
				t = y
				if t.larger == nil {
					break
				}
			}
			l.larger = t // link left
			l = t
			t = t.larger
		} else {
			break
		}
	}
	l.larger = t.smaller // assemble
	r.smaller = t.larger
	t.smaller = header.larger
	t.larger = header.smaller
	return t
}

// attach records that n now holds a tree position in t, alone in its
// same-key list.
func attach[T any](t *Tree[T], n *Node[T]) {
	n.tree = t
	n.role = treeNode
	n.next, n.prev = n, n
}

// attachSame appends n to the end (the youngest place) of head's same-key
// list.
func attachSame[T any](t *Tree[T], head, n *Node[T]) {
	n.tree = t
	n.role = listNode
	n.smaller, n.larger = nil, nil
	n.next = head
	n.prev = head.prev
	head.prev.next = n
	head.prev = n
}

// promote hands tree node n's position to the next oldest node of its
// same-key list and returns that node. n's tree links are left as they were;
// detach clears them.
func promote[T any](n *Node[T]) *Node[T] {
	x := n.next
	x.role = treeNode
	x.smaller, x.larger = n.smaller, n.larger
	unlinkSame(n)
	return x
}

// unlinkSame takes n out of its circular same-key list in O(1).
func unlinkSame[T any](n *Node[T]) {
	n.prev.next = n.next
	n.next.prev = n.prev
	n.next, n.prev = n, n
}

// detach marks n as in no tree and clears every link, so a stale pointer
// can neither be followed nor mistaken for membership.
func detach[T any](t *Tree[T], n *Node[T]) {
	n.tree = nil
	n.role = detached
	n.smaller, n.larger, n.next, n.prev = nil, nil, nil, nil
	t.n--
}
