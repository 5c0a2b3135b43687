package splay

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// index is what the 1309 vector drives: the tree, or a deliberately broken
// wrapper around it that the golden comparison must reject.
type index interface {
	Insert(n *Node[int], key int64)
	Remove(n *Node[int]) error
	GetBest(threshold int64) *Node[int]
	top() *Node[int]
}

func (t *Tree[T]) top() *Node[T] { return t.root }

// printShape writes the tree like curl's unit1309.c: larger side first, two
// spaces per depth, key as seconds.micros, depth in brackets, and the number
// of other nodes in the same-key list.
func printShape(w *strings.Builder, n *Node[int], depth int) {
	if n == nil {
		return
	}
	printShape(w, n.larger, depth+1)
	fmt.Fprintf(w, "%s%d.%d[%d]", strings.Repeat("  ", depth), n.key/1e6, n.key%1e6, depth)
	more := 0
	for m := n.next; m != n; m = m.next {
		more++
	}
	if more > 0 {
		fmt.Fprintf(w, " [%d more]\n", more)
	} else {
		w.WriteString("\n")
	}
	printShape(w, n.smaller, depth+1)
}

const num1309 = 50

func key1309(i int) int64 { return int64((541 * i) % 1023) }

// run1309 replays curl's unit test 1309 on ix and returns its printout. It
// fails t on any removal error, so return values are checked too.
func run1309(t *testing.T, ix index) string {
	var out strings.Builder
	nodes := make([]Node[int], num1309*3)
	for i := range num1309 {
		nodes[i].Value = int(key1309(i))
		ix.Insert(&nodes[i], key1309(i))
	}
	out.WriteString("Result:\n")
	printShape(&out, ix.top(), 0)
	for i := range num1309 {
		rem := (i + 7) % num1309
		out.WriteString("Tree look:\n")
		printShape(&out, ix.top(), 0)
		fmt.Fprintf(&out, "remove pointer %d, payload %d\n", rem, nodes[rem].Value)
		if err := ix.Remove(&nodes[rem]); err != nil {
			t.Errorf("remove %d (key %d): %v", rem, nodes[rem].key, err)
		}
		if err := ix.Remove(&nodes[rem]); !errors.Is(err, ErrNotInTree) {
			t.Errorf("second remove %d: got %v, want ErrNotInTree", rem, err)
		}
	}
	if ix.top() != nil {
		t.Errorf("tree not empty after removing all nodes")
	}
	for i := range num1309 {
		for j := 0; j <= i%3; j++ {
			n := &nodes[i*3+j]
			n.Value = int(key1309(i))*10 + j
			ix.Insert(n, key1309(i))
		}
	}
	for th := int64(0); th <= 1100; th += 100 {
		fmt.Fprintf(&out, "Removing nodes not larger than %d\n", th)
		for n := ix.GetBest(th); n != nil; n = ix.GetBest(th) {
			fmt.Fprintf(&out, "removed payload %d[%d]\n", n.Value/10, n.Value%10)
		}
	}
	if ix.top() != nil {
		t.Errorf("tree not empty when it should be")
	}
	return out.String()
}

// readGolden returns a testdata file without its '#' header lines.
func readGolden(t *testing.T, name string) string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "#") {
			b.WriteString(sc.Text() + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestUnit1309(t *testing.T) {
	var tree Tree[int]
	got := run1309(t, &tree)
	if diff := cmp.Diff(readGolden(t, "unit1309.golden"), got); diff != "" {
		t.Fatalf("curl unit 1309 printout differs (-curl +ours):\n%s", diff)
	}
}

func TestUnit1309ShapeAfterEachInsert(t *testing.T) {
	var tree Tree[int]
	var out strings.Builder
	nodes := make([]Node[int], num1309)
	for i := range num1309 {
		tree.Insert(&nodes[i], key1309(i))
		fmt.Fprintf(&out, "After insert %d, key %d:\n", i, key1309(i))
		printShape(&out, tree.root, 0)
	}
	if diff := cmp.Diff(readGolden(t, "unit1309_inserts.golden"), out.String()); diff != "" {
		t.Fatalf("shape after inserts differs from curl's (-curl +ours):\n%s", diff)
	}
	if tree.root.key != 934 {
		t.Errorf("root key %d, want 934", tree.root.key)
	}
}

// exclusive is a broken index whose GetBest does not take keys equal to the
// threshold (the comparison made strict).
type exclusive struct{ Tree[int] }

func (e *exclusive) GetBest(th int64) *Node[int] { return e.Tree.GetBest(th - 1) }

// lifo is a broken index whose equal keys come out youngest first, as
// before curl 7.54 (SPEC §9 bug 12).
type lifo struct{ Tree[int] }

func (l *lifo) GetBest(th int64) *Node[int] {
	first := l.Tree.GetBest(th)
	if first == nil {
		return nil
	}
	group := []*Node[int]{first}
	for n := l.Tree.GetBest(first.key); n != nil && n.key == first.key; n = l.Tree.GetBest(first.key) {
		group = append(group, n)
	}
	for _, n := range group[:len(group)-1] {
		l.Tree.Insert(n, n.key)
	}
	return group[len(group)-1]
}

// TestUnit1309RejectsBrokenSemantics shows that the golden comparison is
// sharp: each mutant of GetBest changes the drain printout.
func TestUnit1309RejectsBrokenSemantics(t *testing.T) {
	want := readGolden(t, "unit1309.golden")
	for name, ix := range map[string]index{"exclusive": &exclusive{}, "lifo": &lifo{}} {
		got := run1309(t, ix)
		if got == want {
			t.Errorf("%s: mutant passed the 1309 golden comparison", name)
			continue
		}
		if first := firstDiff(want, got); !strings.HasPrefix(first, "removed payload") && !strings.HasPrefix(first, "Removing") {
			t.Errorf("%s: first difference %q is not in the GetBest drain", name, first)
		}
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return al[i]
		}
	}
	return ""
}
