// Package netsim is expiry's network simulator: hosts with file
// descriptors, TCP-like connections over links with latency, bandwidth and
// declarative faults, wake channels, HTTP servers with declarative
// behaviours, and a DNS resolver, all driven by events on an abstract
// scheduler. It exists so that a libcurl-like model doing non-blocking I/O
// meets stalls, trickles, refusals, resets and black holes exactly as
// libcurl meets them on a real machine, deterministically.
//
// It is not a packet-level TCP: there are no sequence numbers, windows or
// congestion control. A connection is two in-order reliable byte flows
// with bounded send and receive buffers; what the socket calls return,
// and when descriptors turn ready, is what is modelled, with Linux's
// defaults where they matter (the SYN retry schedule, reset on close with
// unread data, accept backlog). It is also not a thread scheduler or a
// poll(2): it has no notion of blocking. Package sim/netpoll composes a
// blocking poll from netsim's readiness notifications and sim's timed
// waits.
//
// # A pure leaf
//
// netsim imports only the standard library. It declares what it needs:
//
//   - Scheduler (Now, NewTimer) and Timer (Reset, Stop): the clock and
//     event queue. Time is a time.Duration since the simulation epoch.
//     sim/netpoll.Scheduler adapts sim's kernel (one reusable kernel
//     Event per Timer); netsimtest.Sched is a stand-alone heap.
//   - Dist (Draw(*rand.Rand) time.Duration): latencies and delays. sim's
//     distributions (sim.Const, sim.Uniform, sim.Exp, sim.LogNormal,
//     sim.Empirical) satisfy it as they are; Fixed is a constant.
//   - Streams (func(name) *rand.Rand): named random streams, one per link
//     direction and resolver, so adding a link shifts no other draw.
//     sim.Kernel.Rand has this type.
//   - Sink (Enabled, Emit): trace events. sim/netpoll.Sink turns them into
//     kernel records at sim.LevelNet; netsimtest.Recorder writes lines and
//     hashes them.
//
// There are no goroutines, no wall-clock reads and no global random
// source; maps are looked up, never iterated into anything observable. A
// run is a function of the scheduler's order and the streams' seeds.
//
// # Sockets
//
// A Host's methods are the socket calls, all non-blocking: Socket,
// Connect (EINPROGRESS, then writable on success; readable, writable and
// in error on failure: ECONNREFUSED after a round trip, ETIMEDOUT after
// the SYN retries, 127 s by default), Listen and Accept, Read and Write
// (EAGAIN when they would block; Read returns 0 at the end of the stream
// and a pending error once, after buffered data), Shutdown, Close (an
// orderly close that still delivers what was written, or a reset when
// unread data is thrown away), Abort (a reset), SockError (SO_ERROR).
// Results are Errno values. WakePair makes a wake channel whose writes
// coalesce and whose read drains everything.
//
// Readiness (PollIn, PollOut, PollErr, PollHup) can be queried
// (Host.Readiness) or subscribed to (Host.Subscribe): a subscription's
// function runs on the rising edge of a wanted condition, after the
// change that caused it is complete.
//
// # Links and faults
//
// Hosts reach each other through links (Network.Link): a one-way latency
// distribution, optional jitter, a bandwidth shared by the link's
// connections, in-order delivery per connection, and fault policies with
// a text form (Fault, ParseFault): stall(at=2s,for=5s),
// partition(at=1s,for=10s), reset-after(1000), drop-syn, refuse,
// delay-accept(3s).
//
// # Servers and DNS
//
// Network.Serve runs a declarative Behavior on a port (stalled,
// trickle(1s,10,1000), quick(5000), slow-headers(5s), blackhole, refused,
// reset-after(1000), rate(1000,50000)): a small state machine per
// connection on the same sockets, speaking just enough HTTP/1.1. A
// Resolver answers lookups after a drawn delay, or fails (EAI_NONAME,
// EAI_AGAIN), through an asynchronous descriptor (Start) or a synchronous
// call that tells the caller how long it is blocked (Resolve).
//
// Counters (Network.Counters) keep what reports want: bytes, connects by
// result, lookups by result, socket events, and notifications per
// subscriber.
package netsim
