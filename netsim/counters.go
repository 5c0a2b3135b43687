package netsim

import (
	"fmt"
	"slices"
	"strings"
)

// ConnectResult is how a connect attempt ended, for the counters.
type ConnectResult uint8

// The results.
const (
	ConnectOK          ConnectResult = iota // established
	ConnectRefused                          // answered with a reset
	ConnectTimedOut                         // no answer within the SYN retry budget
	ConnectUnreachable                      // no link to the host
	ConnectAborted                          // closed by the caller before an answer
	NumConnectResults
)

var connectNames = [NumConnectResults]string{"ok", "refused", "timed-out", "unreachable", "aborted"}

// String names the result as counters print it.
func (c ConnectResult) String() string {
	if c < NumConnectResults {
		return connectNames[c]
	}
	return fmt.Sprintf("ConnectResult(%d)", uint8(c))
}

// LookupResult is how a name lookup ended.
type LookupResult uint8

// The results.
const (
	LookupOK       LookupResult = iota // answered with an address
	LookupNotFound                     // EAI_NONAME
	LookupNoAnswer                     // EAI_AGAIN, after the resolver's timeout
	NumLookupResults
)

var lookupNames = [NumLookupResults]string{"ok", "not-found", "no-answer"}

// String names the result.
func (l LookupResult) String() string {
	if l < NumLookupResults {
		return lookupNames[l]
	}
	return fmt.Sprintf("LookupResult(%d)", uint8(l))
}

// Counters are the network's totals since it was made: what reports and
// benchmarks want to know.
type Counters struct {
	// SocketEvents counts everything that happened to a descriptor: calls
	// (Calls), segments arriving (Segments) and readiness notifications
	// (Notifications). It is the benchmark's unit of work.
	SocketEvents  uint64
	Calls         uint64
	Segments      uint64
	Notifications uint64
	// BytesWritten counts bytes accepted by Write on connections;
	// BytesDelivered those that reached a receive buffer; BytesRead those
	// Read returned.
	BytesWritten, BytesDelivered, BytesRead uint64
	// Connects counts connect attempts by result.
	Connects [NumConnectResults]uint64
	// Lookups counts resolver lookups by result.
	Lookups [NumLookupResults]uint64
	// Coalesced counts wake-channel writes absorbed by a full channel.
	Coalesced uint64

	owners []*ownerCount // in first-use order; Wakeups sorts a copy
}

// OwnerWakeups is the number of notifications delivered to one
// subscriber owner (a thread, a server).
type OwnerWakeups struct {
	Owner string
	Wakes uint64
}

// Wakeups returns the notifications delivered per subscriber owner,
// sorted by owner name.
func (c *Counters) Wakeups() []OwnerWakeups {
	out := make([]OwnerWakeups, len(c.owners))
	for i, o := range c.owners {
		out[i] = OwnerWakeups{o.name, o.wakes}
	}
	slices.SortFunc(out, func(a, b OwnerWakeups) int { return strings.Compare(a.Owner, b.Owner) })
	return out
}

// String writes the counters on a few lines, in a fixed order.
func (c *Counters) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "events=%d calls=%d segments=%d notifications=%d\n",
		c.SocketEvents, c.Calls, c.Segments, c.Notifications)
	fmt.Fprintf(&b, "bytes written=%d delivered=%d read=%d coalesced-wakes=%d\n",
		c.BytesWritten, c.BytesDelivered, c.BytesRead, c.Coalesced)
	b.WriteString("connects")
	for r, v := range c.Connects {
		fmt.Fprintf(&b, " %v=%d", ConnectResult(r), v)
	}
	b.WriteString("\nlookups")
	for r, v := range c.Lookups {
		fmt.Fprintf(&b, " %v=%d", LookupResult(r), v)
	}
	b.WriteString("\nwakeups")
	for _, w := range c.Wakeups() {
		fmt.Fprintf(&b, " %s=%d", w.Owner, w.Wakes)
	}
	b.WriteString("\n")
	return b.String()
}

// Counters returns a snapshot of the network's counters.
func (n *Network) Counters() Counters {
	c := n.ctr
	c.owners = make([]*ownerCount, len(n.ctr.owners))
	for i, o := range n.ctr.owners {
		cp := *o
		c.owners[i] = &cp
	}
	return c
}

// call counts one socket call.
func (n *Network) call() {
	n.ctr.Calls++
	n.ctr.SocketEvents++
}
