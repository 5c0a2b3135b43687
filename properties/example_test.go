package properties_test

import (
	"container/heap"
	"fmt"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/properties"
	"github.com/expirylab/expiry/sim/scenario"
)

// heapIndex is a user's own timer index: a binary heap on (key,
// insertion number), with a position map so that Remove is O(log n).
type heapIndex struct {
	items []heapItem
	pos   map[int]int // id -> index in items
	seq   int
}

type heapItem struct {
	id       int
	key      int64
	inserted int
}

func newHeapIndex() properties.Index { return &heapIndex{pos: map[int]int{}} }

func (h *heapIndex) Len() int { return len(h.items) }
func (h *heapIndex) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	return a.key < b.key || a.key == b.key && a.inserted < b.inserted
}
func (h *heapIndex) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.pos[h.items[i].id], h.pos[h.items[j].id] = i, j
}
func (h *heapIndex) Push(x any) {
	it := x.(heapItem)
	h.pos[it.id] = len(h.items)
	h.items = append(h.items, it)
}
func (h *heapIndex) Pop() any {
	it := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	delete(h.pos, it.id)
	return it
}

func (h *heapIndex) Insert(id int, key int64) {
	h.seq++
	heap.Push(h, heapItem{id: id, key: key, inserted: h.seq})
}

func (h *heapIndex) Remove(id int) bool {
	i, ok := h.pos[id]
	if ok {
		heap.Remove(h, i)
	}
	return ok
}

func (h *heapIndex) Min() (int, int64, bool) {
	if len(h.items) == 0 {
		return 0, 0, false
	}
	return h.items[0].id, h.items[0].key, true
}

func (h *heapIndex) GetBest(threshold int64) (int, bool) {
	if len(h.items) == 0 || h.items[0].key > threshold {
		return 0, false
	}
	return heap.Pop(h).(heapItem).id, true
}

// A user checks an index of their own against the conformance suite, and
// shows that the scenario suite, judging FIFO ties only, catches a
// historical bug switched back on in curl 7.88: before 7.54 the splay tree
// released the largest due key first, newest first among equal keys. In a test, call
// properties.TestIndex(t, opts) and properties.TestScenarios(t, opts)
// instead: a failure then prints the shrunk case and the go test command
// that replays it.
func Example() {
	if f := properties.Find(properties.SuiteIndex, properties.Options{Index: newHeapIndex, Seed: 1}); f != nil {
		fmt.Println("the heap fails:", f.Report)
	} else {
		fmt.Println("the heap conforms")
	}

	buggy, _ := model.Curl788().WithBug(model.Bug12GetBestLargest)
	f := properties.Find(properties.SuiteScenarios, properties.Options{
		Profiles:   []model.Profile{buggy},
		Drivers:    []scenario.Driver{scenario.DriverSocketExact},
		Properties: properties.SetOf(properties.FIFOTies),
		Seed:       1,
	})
	if f == nil {
		fmt.Println(buggy.Name, "passes")
		return
	}
	var broken properties.Set
	for _, v := range f.Violations {
		broken |= properties.SetOf(v.Property)
	}
	fmt.Println(buggy.Name, "breaks", broken)
	// Output:
	// the heap conforms
	// curl-7.88+bug12 breaks fifo-ties
}
