// Package scenario is the world of a simulation: where the kernel (package
// sim), the network (netsim) and the libcurl model (model) meet. A
// Scenario describes one run — hosts, servers, links and faults, DNS, the
// transfers and their options, the application driver, the host model,
// seed, clock phase and limits — and Run executes it deterministically,
// returning the canonical trace, each transfer's outcome and the counters
// the property checkers and reports consume.
//
// It is not a checker (package properties judges traces) and not a
// command line (cmd/simrun); it decides nothing about what a result means.
//
// # Threads and time
//
// Every application is a set of kernel threads. The model runs inside a
// thread's step, at one virtual instant; processing time it claims (a
// write callback that takes 200 ms, a synchronous DNS lookup) moves that
// thread's own clock forward during the step, and the thread then stays
// busy in the kernel until virtual time catches up. Other threads run in
// the meantime and see the performing thread as busy, which is how a stop
// request lands while a callback runs. The trace is kept in virtual-time
// order: lines stamped inside such a busy stretch sort among the other
// threads' lines by their time, stably.
//
// # Drivers
//
// The four kinds of application libcurl has, each a loop of model calls
// and blocking waits:
//
//   - DriverEasy: curl_easy_perform, one thread per transfer with a private
//     multi: poll capped at the poll cap (1000 ms), perform, until done.
//   - DriverMultiPoll: one thread runs all transfers: perform, read
//     messages, multi_poll capped at the poll cap.
//   - DriverSocketExact: an event loop on curl_multi_socket_action whose
//     timer fires exactly at the deadline the timer callback gave.
//   - DriverSocketPoll: the same loop waiting with poll(2) on a timeout of
//     whole milliseconds, ceil((deadline − now) / 1 ms), so the host's
//     timer slack applies.
package scenario
