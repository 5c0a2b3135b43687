package splay

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// oracle is the dumb model the tree is checked against: a slice of
// (key, insertion sequence) kept sorted, so the first entry is what GetBest
// must return.
type oracle struct {
	entries []entry
	seq     int
}

type entry struct {
	key int64
	seq int
	id  int
}

func (o *oracle) insert(id int, key int64) {
	o.seq++
	e := entry{key: key, seq: o.seq, id: id}
	i, _ := slices.BinarySearchFunc(o.entries, e, cmpEntry)
	o.entries = slices.Insert(o.entries, i, e)
}

func cmpEntry(a, b entry) int {
	if a.key != b.key {
		return cmpInt(a.key, b.key)
	}
	return cmpInt(int64(a.seq), int64(b.seq))
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (o *oracle) remove(id int) bool {
	i := slices.IndexFunc(o.entries, func(e entry) bool { return e.id == id })
	if i < 0 {
		return false
	}
	o.entries = slices.Delete(o.entries, i, i+1)
	return true
}

// best returns the id GetBest(threshold) must return, or -1.
func (o *oracle) best(threshold int64) int {
	if len(o.entries) == 0 || o.entries[0].key > threshold {
		return -1
	}
	return o.entries[0].id
}

// harness runs the same operation on the tree and the oracle and reports
// the first disagreement.
type harness struct {
	tree  Tree[int]
	nodes []Node[int]
	orc   oracle
}

func newHarness(n int) *harness {
	h := &harness{nodes: make([]Node[int], n)}
	for i := range h.nodes {
		h.nodes[i].Value = i
	}
	return h
}

func (h *harness) insert(id int, key int64) error {
	if h.nodes[id].InTree() {
		return nil // misuse; exercised separately
	}
	h.tree.Insert(&h.nodes[id], key)
	h.orc.insert(id, key)
	return nil
}

func (h *harness) remove(id int) error {
	err := h.tree.Remove(&h.nodes[id])
	was := h.orc.remove(id)
	switch {
	case was && err != nil:
		return fmt.Errorf("Remove(%d): %v, but the node was in the tree", id, err)
	case !was && !errors.Is(err, ErrNotInTree):
		return fmt.Errorf("Remove(%d) of a node not in the tree: got %v, want ErrNotInTree", id, err)
	}
	return nil
}

func (h *harness) getBest(th int64) error {
	want := h.orc.best(th)
	got := h.tree.GetBest(th)
	if want < 0 && got == nil {
		return nil
	}
	if got == nil || want < 0 || got.Value != want {
		return fmt.Errorf("GetBest(%d) = %s, want id %d", th, describe(got), want)
	}
	h.orc.remove(want)
	if got.InTree() {
		return fmt.Errorf("GetBest(%d) returned node %d still marked in the tree", th, want)
	}
	return nil
}

func (h *harness) peek() error {
	want := h.orc.best(1<<62 + 1<<61)
	got := h.tree.Min()
	if (want < 0) != (got == nil) || (got != nil && got.Value != want) {
		return fmt.Errorf("Min() = %s, want id %d", describe(got), want)
	}
	return nil
}

func (h *harness) check() error {
	if h.tree.Len() != len(h.orc.entries) {
		return fmt.Errorf("Len() = %d, oracle holds %d", h.tree.Len(), len(h.orc.entries))
	}
	for id := range h.nodes {
		in := slices.ContainsFunc(h.orc.entries, func(e entry) bool { return e.id == id })
		if h.tree.Contains(&h.nodes[id]) != in {
			return fmt.Errorf("Contains(%d) = %v, oracle says %v", id, !in, in)
		}
	}
	return h.tree.Check()
}

func describe(n *Node[int]) string {
	if n == nil {
		return "nil"
	}
	return fmt.Sprintf("id %d (key %d)", n.Value, n.key)
}

// TestTreeMatchesOracle is a rapid state machine: random inserts (with
// equal keys drawn often), removes, second removes, GetBest at random
// thresholds and peeks, checked against the sorted-slice oracle, with every
// invariant checked after each step. Replay a failure with the -rapid.seed
// it prints.
func TestTreeMatchesOracle(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		h := newHarness(rapid.IntRange(1, 40).Draw(rt, "nodes"))
		keySpan := rapid.Int64Range(1, 1<<20).Draw(rt, "keySpan")
		key := rapid.OneOf(rapid.Int64Range(0, 4), rapid.Int64Range(-keySpan, keySpan))
		id := rapid.IntRange(0, len(h.nodes)-1)
		must := func(err error) {
			if err != nil {
				rt.Fatal(err)
			}
		}
		rt.Repeat(map[string]func(*rapid.T){
			"insert":  func(rt *rapid.T) { must(h.insert(id.Draw(rt, "id"), key.Draw(rt, "key"))) },
			"remove":  func(rt *rapid.T) { must(h.remove(id.Draw(rt, "id"))) },
			"getBest": func(rt *rapid.T) { must(h.getBest(key.Draw(rt, "threshold"))) },
			"peek":    func(rt *rapid.T) { must(h.peek()) },
			"removeTwice": func(rt *rapid.T) {
				i := id.Draw(rt, "id")
				must(h.remove(i))
				must(h.remove(i))
			},
			"": func(rt *rapid.T) { must(h.check()) },
		})
	})
}

// FuzzOps decodes bytes into operations (3 bytes each: op, node, key) and
// checks the tree against the oracle after every one.
func FuzzOps(f *testing.F) {
	f.Add([]byte{0, 1, 5, 0, 2, 5, 0, 3, 5, 2, 0, 5, 1, 2, 0, 2, 0, 255})
	f.Add([]byte{0, 0, 9, 0, 1, 3, 1, 0, 0, 1, 0, 0, 3, 0, 0})
	f.Add([]byte{0, 4, 200, 0, 5, 100, 0, 6, 150, 1, 5, 0, 2, 0, 160, 3, 0, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		h := newHarness(16)
		for i := 0; i+2 < len(ops); i += 3 {
			if err := h.apply(ops[i], int(ops[i+1])%len(h.nodes), int64(ops[i+2])-128); err != nil {
				t.Fatalf("op %d: %v", i/3, err)
			}
			if err := h.check(); err != nil {
				t.Fatalf("after op %d: %v", i/3, err)
			}
		}
	})
}

func (h *harness) apply(op byte, id int, key int64) error {
	switch op % 4 {
	case 0:
		return h.insert(id, key/8) // few distinct keys: equal keys are common
	case 1:
		return h.remove(id)
	case 2:
		return h.getBest(key)
	default:
		return h.peek()
	}
}

func TestInsertTwicePanics(t *testing.T) {
	var tree Tree[int]
	var n Node[int]
	tree.Insert(&n, 1)
	defer func() {
		if recover() == nil {
			t.Fatal("second Insert of a node in the tree did not panic")
		}
	}()
	tree.Insert(&n, 2)
}

func TestRemoveFromOtherTree(t *testing.T) {
	var a, b Tree[int]
	var n Node[int]
	a.Insert(&n, 7)
	if err := b.Remove(&n); !errors.Is(err, ErrNotInTree) {
		t.Fatalf("Remove from the wrong tree: %v", err)
	}
	if a.Len() != 1 || !a.Contains(&n) {
		t.Fatal("failed Remove changed the owning tree")
	}
}

// TestCheckDetectsCorruption makes sure the invariant checker can fail.
func TestCheckDetectsCorruption(t *testing.T) {
	corrupt := map[string]func(t *Tree[int], n []Node[int]){
		"order":     func(t *Tree[int], n []Node[int]) { t.root.key = 1 << 40 },
		"count":     func(t *Tree[int], n []Node[int]) { t.n++ },
		"list link": func(t *Tree[int], n []Node[int]) { n[3].prev = &n[0] },
		"role":      func(t *Tree[int], n []Node[int]) { n[3].role = treeNode },
		"list key":  func(t *Tree[int], n []Node[int]) { n[3].key = 99 },
		"owner":     func(t *Tree[int], n []Node[int]) { t.root.tree = nil },
	}
	for name, spoil := range corrupt {
		var tree Tree[int]
		nodes := make([]Node[int], 5)
		for i, k := range []int64{10, 20, 30, 20, 5} { // nodes[3] joins 20's list
			tree.Insert(&nodes[i], k)
		}
		if err := tree.Check(); err != nil {
			t.Fatalf("%s: healthy tree fails Check: %v", name, err)
		}
		spoil(&tree, nodes)
		if tree.Check() == nil {
			t.Errorf("%s: Check missed the corruption", name)
		}
	}
}
