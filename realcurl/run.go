//go:build libcurl

package realcurl

import (
	"context"
	"fmt"
	"runtime/cgo"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// hardCap bounds every run in real time, whatever its TimeLimit.
const hardCap = 60 * time.Second

// run is one Run in progress. mu guards the trace, the outcomes, the stop
// records and the transfers' states: every thread of the run (the
// application threads inside libcurl's callbacks, the stoppers, the
// servers) takes it briefly, never across a libcurl call that can call
// back.
type run struct {
	s     *scenario.Scenario
	t0    int64 // CLOCK_MONOTONIC at the run's start, ns
	limit time.Duration

	mu       sync.Mutex
	recs     []sim.Record
	nthreads sim.ThreadID
	reason   sim.StopReason
	endAt    sim.Time
	lastAt   sim.Time
	outcomes []scenario.Outcome
	records  []scenario.StopRecord
	counters scenario.Counters

	ended atomic.Bool   // the time limit or the context ended the run
	endCh chan struct{} // closed when ended is set

	xfers   []*xfer
	stops   []*stopper
	apps    []*app // the applications, in spawn order
	srv     *servers
	threads sync.WaitGroup // application and stopper goroutines
	handles []cgo.Handle
}

// Run runs s once on libcurl in real time and returns what it observed,
// in the same shape as scenario.Run. Times in the result and the trace are
// microseconds since the run's start, read from CLOCK_MONOTONIC. ctx
// cancels the run early (Run then returns ctx.Err()). Every run is
// bounded by s.TimeLimit (scenario.DefaultTimeLimit when 0) and by 60 s of
// real time; hitting the bound ends the run with the time-limit outcome.
// A scenario Expressible rejects is an error, as is a failure to set up
// sockets or libcurl handles; what happens to the transfers is the result.
func Run(ctx context.Context, s scenario.Scenario) (scenario.Result, error) {
	if err := Expressible(&s); err != nil {
		return scenario.Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return scenario.Result{}, err
	}
	r, err := newRun(&s)
	if err != nil {
		return scenario.Result{}, err
	}
	defer r.cleanup()
	if err := r.start(); err != nil {
		r.end(sim.StopRequested)
		r.threads.Wait()
		return scenario.Result{}, err
	}
	r.wait(ctx)
	if err := ctx.Err(); err != nil && r.reason == sim.StopRequested {
		return scenario.Result{}, err
	}
	return r.result(), nil
}

func newRun(s *scenario.Scenario) (*run, error) {
	if err := initGlobal(); err != nil {
		return nil, err
	}
	limit := min(s.TimeLimit, hardCap)
	if s.TimeLimit == 0 {
		limit = min(scenario.DefaultTimeLimit, hardCap)
	}
	r := &run{s: s, limit: limit, endCh: make(chan struct{}),
		outcomes: make([]scenario.Outcome, len(s.Transfers)), records: make([]scenario.StopRecord, len(s.Stops))}
	srv, err := startServers(r, s.Network.Servers)
	if err != nil {
		return nil, err
	}
	r.srv = srv
	if err := r.makeTransfers(); err != nil {
		r.cleanup()
		return nil, err
	}
	r.makeStops()
	return r, nil
}

// makeTransfers builds every transfer's easy handle before the run, as an
// application sets its handles up before performing them.
func (r *run) makeTransfers() error {
	for i := range r.s.Transfers {
		x, err := r.newXfer(i)
		if err != nil {
			return fmt.Errorf("realcurl: transfer %d: %w", i+1, err)
		}
		r.xfers = append(r.xfers, x)
		o := &r.outcomes[i]
		o.ID, o.Options = i+1, *r.s.Transfers[i].Options
	}
	return nil
}

// start takes the run's time zero, arms the stoppers timed from it and
// starts the driver's application threads. Thread IDs follow the
// simulator's spawn order: stoppers timed from the start first, then the
// application threads that start at once, then whatever spawns later.
// An error (descriptors or handles ran out) leaves the stoppers to end.
func (r *run) start() error {
	r.mu.Lock() // the servers' goroutines read t0 under it
	r.t0 = monoNow()
	r.emitLocked(0, sim.LevelInternal, 0, 0, "engine.start", sim.F("engine", "libcurl"), sim.F("version", Version()),
		sim.Dur("phase", time.Duration(r.t0%int64(time.Second)).Truncate(time.Microsecond)))
	r.srv.traceStarts()
	for _, sp := range r.stops {
		if sp.spec.OnState == "" {
			r.armLocked(sp, 0)
		}
	}
	r.mu.Unlock()
	switch r.s.Driver {
	case scenario.DriverEasy:
		r.startEasy()
		return nil
	case scenario.DriverMultiPoll:
		return r.startMulti((*app).runMultiPoll)
	}
	return r.startMulti((*app).runSocket)
}

// wait blocks until every thread is done, ending the run first at its
// time limit or when ctx is cancelled.
func (r *run) wait(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		r.threads.Wait()
		close(done)
	}()
	limit := time.NewTimer(time.Duration(r.t0 + int64(r.limit) - monoNow()))
	defer limit.Stop()
	select {
	case <-done:
		return
	case <-limit.C:
		r.end(sim.StopTimeLimit)
	case <-ctx.Done():
		r.end(sim.StopRequested)
	}
	<-done
}

// end stops the run: no record is kept after it, and every thread is told
// to return (the multi-poll loop by a wakeup, the event loops by their
// end descriptor, easy_perform by its progress callback).
func (r *run) end(reason sim.StopReason) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended.Load() {
		return
	}
	r.reason = reason
	r.endAt = min(r.nowLocked(), sim.Time(r.limit))
	if reason == sim.StopTimeLimit {
		r.endAt = sim.Time(r.limit)
	}
	r.ended.Store(true)
	close(r.endCh)
	for _, a := range r.apps {
		a.interrupt()
	}
}

// nowLocked is the time since the run's start, in whole microseconds.
func (r *run) nowLocked() sim.Time { return r.since(monoNow()) }

// since converts a monotonic reading to run time, in whole microseconds.
func (r *run) since(mono int64) sim.Time {
	return sim.Time((mono - r.t0) / int64(time.Microsecond) * int64(time.Microsecond))
}

// monoAt is the monotonic reading of run time t.
func (r *run) monoAt(t time.Duration) int64 { return r.t0 + int64(t) }

// tracing reports whether records are kept (or hashed).
func (r *run) tracing() bool { return r.s.Trace != scenario.TraceOff }

// emit records one event at the current time.
func (r *run) emit(l sim.Level, t sim.ThreadID, x int, kind string, fields ...sim.Field) {
	if !r.tracing() {
		return
	}
	r.mu.Lock()
	r.emitLocked(r.nowLocked(), l, t, x, kind, fields...)
	r.mu.Unlock()
}

// emitLocked records one event at time at; records after the run's end
// are dropped, as the simulator's kernel stops at its time limit.
func (r *run) emitLocked(at sim.Time, l sim.Level, t sim.ThreadID, x int, kind string, fields ...sim.Field) {
	if !r.tracing() || r.ended.Load() {
		return
	}
	r.recs = append(r.recs, sim.Record{At: at, Level: l, Thread: t, Transfer: int64(x), Kind: kind, Fields: fields})
}

// spawnLocked gives the next thread its ID and records its start.
func (r *run) spawnLocked(name string) sim.ThreadID {
	r.nthreads++
	r.emitLocked(r.nowLocked(), sim.LevelInternal, r.nthreads, 0, sim.KindThreadSpawn, sim.F("name", name))
	return r.nthreads
}

// exit records that thread t is done.
func (r *run) exit(t sim.ThreadID) {
	r.mu.Lock()
	now := r.nowLocked()
	r.lastAt = max(r.lastAt, now)
	r.emitLocked(now, sim.LevelInternal, t, 0, sim.KindThreadExit)
	r.mu.Unlock()
}

// sleepUntil waits until run time t; false when the run ended first.
func (r *run) sleepUntil(t time.Duration) bool {
	d := time.Duration(r.monoAt(t) - monoNow())
	if d <= 0 {
		return !r.ended.Load()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return !r.ended.Load()
	case <-r.endCh:
		return false
	}
}

// newHandle makes a cgo.Handle that cleanup deletes.
func (r *run) newHandle(v any) cgo.Handle {
	h := cgo.NewHandle(v)
	r.handles = append(r.handles, h)
	return h
}

// cleanup frees everything once no thread runs: the multis (removing
// their handles, callbacks off), the easy handles, the servers.
func (r *run) cleanup() {
	var easies []*easy
	for _, x := range r.xfers {
		easies = append(easies, x.e)
	}
	for _, a := range r.apps {
		a.close(easies)
	}
	for _, x := range r.xfers {
		x.e.cleanup()
	}
	for _, h := range r.handles {
		h.Delete()
	}
	r.handles = nil
	if r.srv != nil {
		r.srv.close()
	}
}

// result assembles the scenario.Result.
func (r *run) result() scenario.Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := sim.Outcome{Reason: sim.StopIdle, Now: r.lastAt}
	if r.ended.Load() {
		out = sim.Outcome{Reason: r.reason, Now: r.endAt}
	}
	for i, x := range r.xfers {
		o := &r.outcomes[i]
		o.Bytes, o.Xferinfo = x.bytes, x.calls
		o.State, _ = model.ParseTransferState(x.state)
	}
	res := scenario.Result{
		Scenario: r.s.Name, Seed: r.s.Seed, Profile: r.s.Profile.Name, Driver: r.s.Driver,
		Outcome: out, Transfers: r.outcomes, Stops: r.records, Counters: r.counters,
	}
	slices.SortStableFunc(r.recs, func(a, b sim.Record) int { return cmpTime(a.At, b.At) })
	switch r.s.Trace {
	case scenario.TraceFull:
		res.Trace = r.recs
		res.Hash = sim.HashRecords(r.recs)
	case scenario.TraceHash:
		res.Hash = sim.HashRecords(r.recs)
	}
	return res
}

func cmpTime(a, b sim.Time) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
