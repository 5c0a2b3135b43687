// Package sim is expiry's deterministic simulation kernel: a virtual
// clock, an event queue, seeded random streams, simulated threads that
// block with continuations, a model of what the host operating system adds
// to their waits, and the trace that records what happened.
//
// It is not the world: scenarios, application drivers and the joining of
// kernel, network and model live in sim/scenario. It imports no package of
// expiry's but splay, starts no goroutine, never reads the wall clock and
// never touches the global random source, so a run is a pure function of
// its Config (seed included) and of the code that drives it.
//
// # Time
//
// Virtual time is a Time: nanoseconds since the simulation epoch. It
// moves only when the kernel takes the next event from its queue, jumping
// straight to that event's time; nothing happens between events. A Clock
// reads it as a time.Time (the epoch plus Now), which is what the model's
// one-method clock interface takes; the epoch's sub-second phase is a run
// parameter because curl 7.88's millisecond arithmetic depends on it.
//
// # Events
//
// An Event is a reusable callback with a place in the queue. Events run in
// (time, sequence number) order: simultaneous events run in the order they
// were scheduled, the FIFO rule of curl's same-key lists. ScheduleAt,
// ScheduleAfter and Cancel cost O(log n) and, on an existing Event,
// allocate nothing. Three queue backends implement the same order and pass
// the same conformance test: the splay tree of package splay, a binary
// heap on container/heap, and a radix heap; QueueDefault is the radix
// heap, the one that keeps above 10 million events per second on every
// shape of the kernel benchmark.
//
// Run fires events until none is left, the time limit or the event budget
// is reached, or the livelock detector finds a thread spinning at one
// instant; each ends the run with a StopReason, never a hang. RunUntil
// fires the events due by a time and then moves the clock there.
//
// With Config.Races, events due at the same instant that belong to
// different threads run in an order drawn from the seed instead, to
// explore races; the same seed gives the same order.
//
// # Threads
//
// A Thread is a sequential actor written as a chain of steps. A step runs
// at one instant, atomically, and ends by calling one blocking operation,
// passing the continuation that is the thread's next step:
//
//	t.Sleep(d, next)              // sleep, plus the thread's timer slack
//	t.Wait(timeout, next, srcs...) // until a WakeSource signals, or timeout + slack
//	t.Lock(mu, next)              // FIFO mutex; the wait is observable
//	t.Busy(d, next)               // burn CPU
//
// A step that calls none ends the thread. The Host adds what Linux adds:
// timed waits expire late by a slack of 0.1 % of the timeout (at least
// 50 µs, at most 100 ms; a 1000 ms wait ends at 1001 ms), a thread woken by
// another party runs a wake-up latency later, and each step may cost CPU
// time drawn from a distribution (Dist).
//
// # Randomness
//
// Every random draw comes from a named stream (Kernel.Rand): a PCG seeded
// from the run's seed and a fixed hash of the name, so adding a stream
// shifts no other. Dist values (const, uniform, exp, lognormal, empirical)
// have text forms such as "uniform(300ms,2300ms)" that ParseDist reads.
//
// # Trace
//
// A Record is one trace event with a canonical text line, for example
//
//	1001000 internal t1 - wake cause=timeout
//
// (virtual µs, level, thread, transfer, kind, fields). The canonical lines
// are the contract between engines and checkers: ParseRecord reads them
// back, and their FNV-1a hash (HashRecords) is the determinism check. A
// Recorder collects records, can hash without storing, and is off when
// nil; WriteJSONLines and WriteChromeTrace (for Perfetto) are other views
// of the same records.
package sim
