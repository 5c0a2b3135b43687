package splay

import (
	"strings"
	"testing"
)

// The tests in this file were added to kill mutants that survived source
// mutation testing (scripts/mutation.sh, docs/MUTATION.md).

// TestInTree follows one node through every membership change: InTree must
// say whether the node is in some tree, as a tree position or as a same-key
// list member, and must turn false again whichever way the node leaves.
func TestInTree(t *testing.T) {
	var tree Tree[int]
	var a, b, c Node[int]
	if a.InTree() {
		t.Fatal("zero Node reports InTree")
	}
	tree.Insert(&a, 5)
	tree.Insert(&b, 5) // joins a's same-key list
	tree.Insert(&c, 9)
	for _, n := range []*Node[int]{&a, &b, &c} {
		if !n.InTree() {
			t.Fatalf("inserted node key %d not InTree", n.Key())
		}
	}
	if got := tree.GetBest(5); got != &a || a.InTree() {
		t.Fatalf("GetBest(5) = %p (want %p); InTree after GetBest = %v", got, &a, a.InTree())
	}
	if !b.InTree() {
		t.Fatal("promoted same-key node lost InTree")
	}
	if err := tree.Remove(&b); err != nil || b.InTree() {
		t.Fatalf("Remove: %v; InTree after Remove = %v", err, b.InTree())
	}
	if err := tree.Remove(&c); err != nil || c.InTree() {
		t.Fatalf("Remove: %v; InTree after Remove = %v", err, c.InTree())
	}
	if tree.Len() != 0 {
		t.Fatalf("Len = %d after emptying the tree", tree.Len())
	}
}

// twoPositions returns a healthy tree of two tree positions, built by
// inserting first then second: second is the root and first its only child
// (on the smaller side when first < second, else on the larger side).
func twoPositions(t *testing.T, first, second int64) (*Tree[int], *Node[int]) {
	t.Helper()
	tree := &Tree[int]{}
	nodes := make([]Node[int], 2)
	tree.Insert(&nodes[0], first)
	tree.Insert(&nodes[1], second) // becomes the root, first its child
	if err := tree.Check(); err != nil {
		t.Fatalf("healthy tree fails Check: %v", err)
	}
	return tree, &nodes[0]
}

// TestCheckRejectsEqualKeysInTwoPositions: equal keys must share one tree
// position (via the same-key list), so a child whose key equals its
// parent's, on either side, breaks the strict order Check promises.
func TestCheckRejectsEqualKeysInTwoPositions(t *testing.T) {
	for _, tc := range []struct {
		name          string
		first, second int64
	}{
		{"larger child equal to root", 20, 10},  // root 10, larger child 20
		{"smaller child equal to root", 10, 20}, // root 20, smaller child 10
	} {
		tree, child := twoPositions(t, tc.first, tc.second)
		child.key = tree.root.key
		if err := tree.Check(); err == nil {
			t.Errorf("%s: Check accepted two tree positions with key %d", tc.name, child.key)
		}
	}
}

// TestCheckDiagnostics makes sure the violations Check reports describe the
// actual fault, so that a failure under the invariants tag can be debugged.
func TestCheckDiagnostics(t *testing.T) {
	var other Tree[int]
	for _, tc := range []struct {
		name          string
		first, second int64
		spoil         func(tree *Tree[int], child *Node[int])
		want          string
	}{
		{"foreign owner", 10, 20, func(_ *Tree[int], c *Node[int]) { c.tree = &other },
			"owned by this tree false"},
		{"wrong role", 10, 20, func(_ *Tree[int], c *Node[int]) { c.role = listNode },
			"role list, owned by this tree true"},
		{"smaller side too large", 10, 20, func(_ *Tree[int], c *Node[int]) { c.key = 30 },
			"key 30 out of order: must lie strictly between -inf and 20"},
		{"larger side too small", 20, 10, func(_ *Tree[int], c *Node[int]) { c.key = 5 },
			"key 5 out of order: must lie strictly between 10 and +inf"},
	} {
		tree, child := twoPositions(t, tc.first, tc.second)
		tc.spoil(tree, child)
		err := tree.Check()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Check() = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}
