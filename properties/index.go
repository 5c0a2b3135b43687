package properties

import (
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/expirylab/expiry/splay"
)

// Index is a timer index: the operations a multi needs from the structure
// that orders its transfers by their earliest deadline (SPEC §2). Entries
// are small non-negative IDs with int64 keys.
type Index interface {
	// Insert adds id at key; id is not in the index.
	Insert(id int, key int64)
	// Remove takes id out and reports whether it was in; a second Remove
	// of the same id fails.
	Remove(id int) bool
	// Min is the entry GetBest would release next, without removing it.
	Min() (id int, key int64, ok bool)
	// GetBest removes and returns the entry with the smallest key if that
	// key is at most threshold (inclusive); among equal keys, the oldest
	// insert comes out first.
	GetBest(threshold int64) (id int, ok bool)
	// Len is the number of entries.
	Len() int
}

// NewSplayIndex is package splay's tree as an Index.
func NewSplayIndex() Index { return &splayIndex{} }

type splayIndex struct {
	tree  splay.Tree[int]
	nodes []*splay.Node[int] // by id; a node lives as long as the index
}

func (x *splayIndex) node(id int) *splay.Node[int] {
	for len(x.nodes) <= id {
		x.nodes = append(x.nodes, &splay.Node[int]{Value: len(x.nodes)})
	}
	return x.nodes[id]
}

func (x *splayIndex) Insert(id int, key int64) { x.tree.Insert(x.node(id), key) }
func (x *splayIndex) Remove(id int) bool       { return x.tree.Remove(x.node(id)) == nil }
func (x *splayIndex) Len() int                 { return x.tree.Len() }

func (x *splayIndex) Min() (int, int64, bool) {
	if n := x.tree.Min(); n != nil {
		return n.Value, n.Key(), true
	}
	return 0, 0, false
}

func (x *splayIndex) GetBest(threshold int64) (int, bool) {
	if n := x.tree.GetBest(threshold); n != nil {
		return n.Value, true
	}
	return 0, false
}

// TestIndex checks an Index against a dumb oracle (a slice scanned end to
// end) under random inserts with many equal keys, removes (of entries in
// and out of the index), peeks and GetBest at random thresholds. o.Index
// makes the index (the splay tree by default).
func TestIndex(t *testing.T, o Options) { run(t, SuiteIndex, o) }

// indexPool is the number of IDs the index suite plays with.
const indexPool = 8

// indexMachine runs one case: the index under test, the oracle and the
// operations so far (the case's readable form).
type indexMachine struct {
	x    Index
	o    []oEntry // the oracle: in insertion order
	seq  int
	ops  []string
	sink *Failure
}

// oEntry is one oracle entry.
type oEntry struct {
	id  int
	key int64
	seq int
}

func indexProp(o Options, sink *Failure) func(*rapid.T) {
	newIndex := o.Index
	if newIndex == nil {
		newIndex = NewSplayIndex
	}
	return func(t *rapid.T) {
		m := &indexMachine{x: newIndex(), sink: sink}
		t.Repeat(map[string]func(*rapid.T){
			"insert":  m.insert,
			"remove":  m.remove,
			"getbest": m.getBest,
			"min":     m.min,
			"":        m.checkLen,
		})
	}
}

func (m *indexMachine) find(id int) int {
	for i, e := range m.o {
		if e.id == id {
			return i
		}
	}
	return -1
}

// best is the oracle's minimum: the smallest key, the oldest among equals.
func (m *indexMachine) best() int {
	b := -1
	for i, e := range m.o {
		if b < 0 || e.key < m.o[b].key || e.key == m.o[b].key && e.seq < m.o[b].seq {
			b = i
		}
	}
	return b
}

func (m *indexMachine) fail(t *rapid.T, format string, args ...any) {
	failText(t, m.sink, "operations:\n  "+strings.Join(m.ops, "\n  "), fmt.Sprintf(format, args...))
}

func (m *indexMachine) insert(t *rapid.T) {
	id := rapid.IntRange(0, indexPool-1).Draw(t, "id")
	if m.find(id) >= 0 {
		t.Skip("already in")
	}
	key := rapid.OneOf(rapid.Int64Range(0, 5), rapid.Int64Range(-1000, 1000)).Draw(t, "key")
	m.ops = append(m.ops, fmt.Sprintf("Insert(%d, %d)", id, key))
	m.seq++
	m.o = append(m.o, oEntry{id: id, key: key, seq: m.seq})
	m.x.Insert(id, key)
}

func (m *indexMachine) remove(t *rapid.T) {
	id := rapid.IntRange(0, indexPool-1).Draw(t, "id")
	m.ops = append(m.ops, fmt.Sprintf("Remove(%d)", id))
	i := m.find(id)
	if got := m.x.Remove(id); got != (i >= 0) {
		m.fail(t, "Remove(%d) = %v, want %v", id, got, i >= 0)
	}
	if i >= 0 {
		m.o = append(m.o[:i], m.o[i+1:]...)
	}
}

func (m *indexMachine) getBest(t *rapid.T) {
	th := rapid.Int64Range(-1000, 1000).Draw(t, "threshold")
	m.ops = append(m.ops, fmt.Sprintf("GetBest(%d)", th))
	want, wantOK := -1, false
	if b := m.best(); b >= 0 && m.o[b].key <= th {
		want, wantOK = m.o[b].id, true
		m.o = append(m.o[:b], m.o[b+1:]...)
	}
	if got, ok := m.x.GetBest(th); ok != wantOK || ok && got != want {
		m.fail(t, "GetBest(%d) = %d, %v; want %d, %v (the oldest insert of the smallest key at most %d)",
			th, got, ok, want, wantOK, th)
	}
}

func (m *indexMachine) min(t *rapid.T) {
	m.ops = append(m.ops, "Min()")
	b := m.best()
	id, key, ok := m.x.Min()
	switch {
	case ok != (b >= 0):
		m.fail(t, "Min() ok=%v with %d entries", ok, len(m.o))
	case ok && (id != m.o[b].id || key != m.o[b].key):
		m.fail(t, "Min() = %d at %d, want %d at %d", id, key, m.o[b].id, m.o[b].key)
	}
}

func (m *indexMachine) checkLen(t *rapid.T) {
	if got := m.x.Len(); got != len(m.o) {
		m.fail(t, "Len() = %d, want %d", got, len(m.o))
	}
}
