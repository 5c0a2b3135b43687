// Package model is libcurl's multi-handle timer machinery in pure Go: the
// per-transfer timeout lists with IDs, the splay index over transfers, the
// single timeout the application sees (multi_timeout and the timer
// callback), the socket callback's bookkeeping, the run passes of
// socket_action and perform, the DONE message queue, and the
// poll/wait/wakeup contract. It follows curl's lib/multi.c and
// lib/timeval.c (7.88.1, 8.11.1, 8.21.0) in behaviour, numbers and
// quirks; it does not contain curl's code.
//
// It is not a simulator. It never blocks, sleeps, starts goroutines,
// reads the wall clock or draws random numbers: time comes from a Clock
// the caller owns, and blocking calls are returned as a description of
// what to wait on (WaitSpec). Transfers are pluggable kinds (Behavior):
// Script, a list of timer and socket operations at given offsets, and
// Transfer, libcurl's per-transfer state machine for an HTTP/1.1 GET
// (INIT, PENDING, CONNECT, RESOLVING, CONNECTING, DO, PERFORMING,
// RATELIMITING, DONE, COMPLETED, MSGSENT) over the Sockets and Resolver
// interfaces a network simulator implements: name lookup (threaded or
// synchronous with alarm()), happy-eyeballs connects, the time-left checks,
// the low-speed check, the receive rate limiter, the xferinfo and write
// callbacks, and a shared connection limit (ConnLimit). A transfer that
// spends time (a slow write callback, a blocking lookup) claims it with
// Easy.Busy.
//
// # The big picture
//
// Each transfer (Easy) holds at most one deadline per TimerID in a short
// list ordered by deadline, equal deadlines first come first served. Only
// the list's head stands for the transfer in the multi's index, a splay
// tree (package splay) keyed by microseconds. The application sees one
// number: the gap from now to the index minimum, rounded per profile, 0
// when due or when a transfer asked to run at once, −1 when nothing is
// pending. An event-driven application gets that number through the timer
// callback, which the multi calls only when the news is new (the dedup
// rule), and answers with SocketAction(SocketTimeout, 0) when its timer
// fires. A transfer whose node pops (its key is due) loses every entry that
// is past and returns to the index at its next deadline, then runs.
// Perform runs everything and purges what was due when it started.
//
// # Profiles
//
// Every version-dependent choice is a knob of a Profile, which is plain
// data: Curl788 (Debian 12's libcurl), Curl8 (SPEC §0's curl 8: 8.16 to
// 8.21 with the timer list of 8.22) and Curl8Released (the released 8.16
// to 8.21 timer list). Profile.WithBug switches one historical bug back on
// (SPEC §9: bugs 1 to 8, 11 and 12), so that a property suite can be shown
// to catch it. testdata/bugNN.txt shows each one misbehaving.
//
// # Time
//
// The model reads the Clock and truncates to whole microseconds (Micros).
// Deadlines and "is it due" use exact microsecond differences. The
// millisecond arithmetic that reaches the application reproduces curl's
// split-field formulas: TimeDiffMs (truncation on the microsecond field
// only, curl's unit test 1323) and TimeDiffCeilMs (8.4+, one more than the
// exact ceiling when a deadline lies across a second boundary). Transfers
// run in zero time unless they claim processing time (Easy.Busy), which the
// caller's Config.Busy turns into clock movement.
//
// # Transfers
//
// Transfer follows lib/multi.c's multi_runsingle of 7.88.1 and 8.11.1: each
// run is a loop of iterations with the time-left check on top, the state's
// step, the connect-limit check at the bottom of the last iteration before
// DO, and the xferinfo callback at the end of each iteration once a
// connection exists. The version differences are the profile's
// TransferKnobs. It traces every state change (state from= to=), its
// socket and resolver calls (net), its decisions (xfer) and its callbacks
// (xferinfo-cb, write-cb). A Behavior of one's own may emit events the
// same way through Easy.Trace.
//
// A transfer's write callback can pause it (Options.PauseAt) and the
// application resume it (Multi.Pause, curl_easy_pause): bugs 13 and 14 live
// there. Names a Resolver reports through ResolveCacher are answered from
// curl's DNS cache, as CURLOPT_RESOLVE does. Config.RunCPU prices each run
// (a simulator's host model), which is what makes the timer callback say
// 199 for a 200 ms timer, as libcurl 7.88.1 does.
//
// # Stopping a transfer
//
// EasyStop is the stoppable-transfer proposal (SPEC §6), which curl never
// merged. A handle is stoppable when its Share (Easy.SetShare) has the new
// LockStop bit and a lock function. EasyStop, callable by any caller at
// any time (another thread, or a callback of the performing thread), locks
// the share, records the request for the handle's current transfer,
// writes one token to the multi's wakeup pair (Multi.Wakeup: what
// multi_poll watches, the proposal's socketpair; Config.OnWakeup tells a
// simulator), unlocks and returns a StopCode. The performing side reads
// the request under the lock at the top of every run of a stoppable
// transfer (curl's multi_runsingle) and then ends it with STOPPED through
// the usual completion, so InfoRead delivers it in easy_perform's private
// multi as in an application's own. A handle that is not stoppable is
// untouched: no lock, no record, no token, only the call and its return in
// the trace. Share documents exactly when the lock callbacks run.
//
// A request names the transfer it was made for (the handle's Add count),
// so it never reaches a later transfer of the handle; only the latch
// variant aims a stop made between performs at the next one. The
// proposal's open questions (a stop while idle, racing completion, from
// inside a callback, repeated, in an application's multi) are the knobs of
// StopVariant, set per share and selected by name with ParseStopVariant;
// the zero value is the proposal's plain reading, where completion wins.
// A Behavior other than Transfer is not run once stopped: the multi
// finishes it with STOPPED and runs its Done(e, false).
//
// # Tracing
//
// Every API call and return, deadline change, index change, pop, run,
// callback and message is an Event for the optional Tracer. Its canonical
// line, `<µs> <easy or -> <kind> k=v ...`, is the golden format of the
// datadriven scenarios in testdata/ and the input of property checkers.
//
// # Expected outcomes and errors
//
// A transfer's outcome is a Result with curl's CURLcode number
// (OPERATION_TIMEDOUT 28, ABORTED_BY_CALLBACK 42, ...); API calls return
// MCode with curl's CURLMcode number. Go errors, prefixed "model: ", are
// for misuse and bad input: a timer ID the profile lacks, a malformed
// script (the error names the line), EndWait without a wait.
package model
