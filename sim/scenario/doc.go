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
//   - DriverSocketPoll: the same loop waiting on a timeout of whole
//     milliseconds, ceil((deadline − now) / 1 ms), so the host's timer
//     slack applies.
//
// The easy and multi-poll drivers wait with poll(2) on the multi's sockets
// and its wakeup pair (netpoll); the socket-action drivers register
// sockets once from the socket callback and wait epoll-style, so one
// thread can drive 100 000 transfers.
//
// # Stops
//
// A Scenario's Stops are stop requests, each made by its own stopper
// thread (or, FromCallback, by the performing thread inside its progress
// callback) at a time drawn from a distribution, counted from the run's
// start or from the transfer entering a state. Four mechanisms
// (Mechanism): the curl_easy_stop proposal (the share's mutex taken around
// the call; its open questions answered by a model.StopVariant), a flag
// checked by the xferinfo callback, a flag plus curl_multi_wakeup with the
// multi-poll loop removing the handle, and CURLOPT_TIMEOUT alone. A Hold
// makes the performing thread keep the share lock for a while; long write
// callbacks (model.Options.WriteDelay) and synchronous lookups are the
// other stretches a stop cannot interrupt. Each request leaves a
// StopRecord: when it was requested, noticed and answered, the state it
// found, the result, and the idle wake-ups per second the design cost.
// Situations are the ready-made stop scenarios; Families the ready-made
// timeout scenarios.
//
// # Pauses and host costs
//
// A transfer paused by its write callback (model.Options.PauseAt) is
// resumed by its application ResumeAfter later, through a descriptor the
// multi drivers watch (the easy driver resumes at its next perform). A
// host whose [host.cpu] table names libcurl calls (add, remove, ...) or
// runs (run, finish, first) charges the application thread that CPU time
// at each call or transfer run: the fidelity set's calibrated hosts use it.
package scenario
