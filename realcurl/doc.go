// Package realcurl is expiry's second engine: it runs a scenario.Scenario
// on the system's real libcurl (Debian 12's 7.88.1), over real loopback
// sockets in real time, and returns the same scenario.Result the
// simulator does (canonical trace records, per-transfer outcomes, stop
// records, counters), so that package properties, reports and plots apply
// to it. It is not a model and decides nothing about what a result means;
// it is not deterministic either: two runs of one scenario differ by the
// host's scheduling noise, and no seed replays a run.
//
// # Build tag
//
// Everything but this file needs cgo, libcurl's headers and library
// (libcurl4-openssl-dev) and carries the build tag "libcurl":
//
//	go test -tags libcurl ./realcurl/
//
// Without the tag the package is this comment alone, so the module builds
// and tests on a machine without libcurl.
//
// # What runs
//
// Run starts one Go server per scenario.Server on 127.0.0.1. stalled,
// trickle, quick, slow-headers, reset-after and rate answer HTTP/1.1 as
// netsim's servers do (same head, same body bytes, same schedule);
// blackhole is a raw listening socket with a backlog of 0 that never
// accepts, its accept queue filled by a connection of the engine's own, so
// the kernel drops further SYNs and connects hang (this needs
// net.ipv4.tcp_abort_on_overflow = 0); refused is a port bound by a socket
// that never listens, so SYNs get a reset, as does a port of a server
// host with no server on it. Transfers reach their server through
// CURLOPT_RESOLVE ("name:port:127.0.0.1"): no real DNS lookup happens.
//
// The four drivers are real applications, each on its own locked OS
// thread, doing what the simulator's drivers do: curl_easy_perform, one
// thread per transfer, started at the transfer's start; one thread
// looping curl_multi_perform, curl_multi_info_read and curl_multi_poll
// (the poll cap, and a timerfd for the next start); and two event loops
// on curl_multi_socket_action and epoll(7), one whose timer is a
// CLOCK_MONOTONIC timerfd armed at exactly the deadline the timer
// callback gave, one that waits in epoll_wait for the whole milliseconds
// up to it, rounded up. Transfers a stop does not remove stay in their
// multi until the run is over, as in the simulator. A transfer whose
// write callback pauses it (Options.PauseAt) is resumed with
// curl_easy_pause ResumeAfter later: by the multi loops from a timerfd,
// by easy_perform from its progress callback.
//
// Stops are goroutines that act at their time: xferinfo sets a flag the
// progress callback answers 1 to, wakeup sets a flag and calls
// curl_multi_wakeup and the multi-poll loop removes the handle, timeout
// does nothing but record the request. A stop's delay is drawn from the
// simulator's stream ("stop/<transfer>" of the seed) in scenario order,
// which is the simulator's draw whenever a transfer has one stop.
//
// # What it can and cannot express
//
// Expressible names what real libcurl cannot be made to show: scripted
// transfers, the easy-stop proposal (curl_easy_stop was never built),
// share-lock holds, DNS failures, unknown names, several addresses per
// name, IPv6 hosts, IP-literal hosts, a DNS delay (unless every name is
// cached, scenario.Name.Cached: then it plays no part), a latency above
// 200 µs (a constant up to that stands for loopback), bandwidth,
// faults or netsim parameters other than the defaults, the synchronous
// resolver, stops on states other than CONNECTING and PERFORMING, an
// easy_perform poll cap other than libcurl's fixed 1000 ms, model code in
// the options (Xferinfo, Write), and profiles other than the one that
// describes the runtime library. The simulator's default 1 ms link
// latency and 1 ms DNS delay cannot be reproduced on loopback and are
// ignored (a name not marked cached is still resolved from curl's cache
// at once here, while the simulator looks it up); so are the host model,
// race exploration and the event budget. Scenarios meant for both engines
// (the catalogue's fidelity set) mark their names cached and set a
// loopback latency.
// EpochPhase is not reproduced: a run starts at whatever sub-second phase
// CLOCK_MONOTONIC has, which the trace's first record states
// (engine.start phase=); a checker of 7.88's millisecond arithmetic
// should take that phase. The time limit is capped at 60 s.
//
// # What the trace holds
//
// What an application can observe, in the simulator's kinds, levels and
// fields: its API calls and returns (add, perform, poll and end_poll,
// socket_action, info_read, remove, pause), the timer and socket
// callbacks, DONE messages, the progress and write callbacks, epoll
// waits, the servers' starts and requests, the stoppers' stop.request
// and wakeup records, thread spawns and exits. What libcurl does inside
// is not there (expire, index, pop, run records), so checkers that
// rebuild the splay index from it see an empty one. Two kinds are
// inferred from evidence, at the moment the engine sees it: state (INIT
// to CONNECT at the add, CONNECTING when the socket-option callback sees
// the transfer's socket, DO and PERFORMING when the debug callback sees
// the request go out) and finish, stamped with the DONE message when the
// application reads it. curl_easy_perform's own loop is invisible: the
// easy driver records the add at the call and the message, info_read and
// remove at its return. A poll's timeout is curl_multi_timeout's capped
// value just before it, its socket count curl_multi_fdset's; woken says a
// stopper had called curl_multi_wakeup. Fields that name descriptors
// carry the real descriptor numbers.
//
// Threads are numbered in the simulator's spawn order: stoppers timed
// from the run's start, then the application threads that start at once,
// then the rest as they spawn (a stopper when its state is reached, an
// easy thread at its start).
//
// # Counters and outcomes
//
// The timer counters are the simulator's, except that a callback is
// redundant when it announces a deadline less than 1 ms from the one the
// application holds (whole milliseconds cannot tell them apart). An empty
// fire is a timer expiry whose timeout action showed no callback but the
// timer's and left the running count alone. Poll wake-ups are returns
// from the applications' waits; easy_perform's waits are inside libcurl,
// so for the easy driver they are its thread's voluntary context
// switches, which is also what a stop's IdleWakeups counts there. A
// transfer's State is the last state the callbacks showed (MSGSENT once
// its message was read, COMPLETED once removed). The outcome's Events
// count is 0: there is no kernel.
//
// # Time
//
// Times in the trace and the result are microseconds since the run's
// start (sim.Time, whole µs), read from CLOCK_MONOTONIC, the clock libcurl
// 7.88 reads. Records are stamped when the engine sees the event and
// sorted by time. A run ends when every application and stopper thread is
// done (idle), at the time limit (time-limit; easy_perform notices it at
// its next progress callback, within its 1 s poll cap), or when the
// context is cancelled (Run returns ctx.Err()).
package realcurl
