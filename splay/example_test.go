package splay_test

import (
	"fmt"

	"github.com/expirylab/expiry/splay"
)

// transfer owns its node, as a libcurl easy handle owns its splay node: the
// index never allocates.
type transfer struct {
	name string
	node splay.Node[*transfer]
}

func newTransfer(name string) *transfer {
	t := &transfer{name: name}
	t.node.Value = t
	return t
}

// A timer index: transfers keyed by their next deadline in µs. GetBest pops
// every transfer due at "now", one per call, oldest first among equal keys.
func Example() {
	var timers splay.Tree[*transfer]
	a, b, c := newTransfer("a"), newTransfer("b"), newTransfer("c")
	timers.Insert(&a.node, 3000)
	timers.Insert(&b.node, 1000)
	timers.Insert(&c.node, 1000) // same deadline as b: queued after it

	now := int64(2000)
	for n := timers.GetBest(now); n != nil; n = timers.GetBest(now) {
		fmt.Println("due:", n.Value.name)
	}
	fmt.Println("next deadline:", timers.Min().Key(), "left:", timers.Len())
	// Output:
	// due: b
	// due: c
	// next deadline: 3000 left: 1
}

// Re-arming a timer is Remove then Insert; removing a node twice fails.
func ExampleTree_Remove() {
	var timers splay.Tree[*transfer]
	a := newTransfer("a")
	timers.Insert(&a.node, 500)

	fmt.Println(timers.Remove(&a.node))
	timers.Insert(&a.node, 800)
	fmt.Println(timers.Min().Value.name, timers.Min().Key())

	fmt.Println(timers.Remove(&a.node))
	fmt.Println(timers.Remove(&a.node))
	// Output:
	// <nil>
	// a 800
	// <nil>
	// splay: node is not in this tree
}

// Min peeks at the next node GetBest would return; it is how an
// application's single timer is computed.
func ExampleTree_Min() {
	var timers splay.Tree[*transfer]
	fmt.Println(timers.Min() == nil)
	timers.Insert(&newTransfer("late").node, 9000)
	timers.Insert(&newTransfer("soon").node, 100)
	fmt.Println(timers.Min().Value.name)
	// Output:
	// true
	// soon
}

// GetBest is inclusive: a key equal to the threshold is due.
func ExampleTree_GetBest() {
	var timers splay.Tree[*transfer]
	timers.Insert(&newTransfer("x").node, 100)
	fmt.Println(timers.GetBest(99) == nil)
	fmt.Println(timers.GetBest(100).Value.name)
	// Output:
	// true
	// x
}
