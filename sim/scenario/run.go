package scenario

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// world is one run in progress: the kernel, the recorder, the network and
// the bookkeeping of the application threads.
type world struct {
	s         *Scenario
	k         *sim.Kernel
	rec       *sim.Recorder
	epochUs   model.Micros
	net       *net
	outcomes  []Outcome
	handles   []handle   // by transfer index, once created
	stops     []*stopper // in scenario order
	records   []StopRecord
	shares    []*share          // by transfer index; nil when the transfer has none
	held      []bool            // the share-lock hold happened
	transfers []*model.Transfer // by index; nil for scripted transfers
	counters  Counters
	apiCost   map[string]sim.Dist // the host's CPU cost per libcurl API call, if any
	apiRNG    *rand.Rand
}

// Run executes the scenario and returns its result. A returned error means
// the scenario is invalid; whatever happens inside the run (timeouts, a
// livelock, the time limit) is part of the Result.
func Run(s Scenario) (Result, error) {
	if err := s.Validate(); err != nil {
		return Result{}, err
	}
	w, err := newWorld(&s)
	if err != nil {
		return Result{}, err
	}
	w.start()
	out := w.k.Run()
	return w.result(out), nil
}

func newWorld(s *Scenario) (*world, error) {
	w := &world{s: s, outcomes: make([]Outcome, len(s.Transfers)), transfers: make([]*model.Transfer, len(s.Transfers)),
		handles: make([]handle, len(s.Transfers)), records: make([]StopRecord, len(s.Stops)),
		shares: make([]*share, len(s.Transfers)), held: make([]bool, len(s.Transfers))}
	for i, st := range s.Stops {
		w.records[i] = StopRecord{Transfer: st.Transfer, Mechanism: st.Mechanism, Variant: st.Variant}
		w.stops = append(w.stops, &stopper{spec: st, rec: &w.records[i]})
	}
	switch s.Trace {
	case TraceFull:
		w.rec = sim.NewRecorder(sim.LevelsOf(sim.LevelAPI, sim.LevelCallback, sim.LevelNet, sim.LevelInternal), true)
	case TraceHash:
		w.rec = sim.NewRecorder(sim.LevelsOf(sim.LevelAPI, sim.LevelCallback, sim.LevelNet, sim.LevelInternal), false)
	}
	k, err := sim.New(sim.Config{
		Seed:        s.Seed,
		EpochPhase:  s.EpochPhase,
		TimeLimit:   orDefault(s.TimeLimit, DefaultTimeLimit),
		EventBudget: s.EventBudget,
		Host:        s.Host,
		Races:       s.Races,
		Trace:       w.rec,
	})
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	w.k = k
	w.epochUs = model.FromTime(k.Epoch())
	if s.Host != nil && len(s.Host.CPU) > 0 {
		w.apiCost, w.apiRNG = s.Host.CPU, k.Rand("host.api")
	}
	if w.net, err = buildNetwork(k, &s.Network); err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	for i := range w.outcomes {
		w.outcomes[i].ID = i + 1
		if o := s.Transfers[i].Options; o != nil {
			w.outcomes[i].Options = *o
		}
	}
	return w, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// virtual converts a model timestamp (absolute µs) to virtual time.
func (w *world) virtual(us model.Micros) sim.Time {
	return sim.Time(int64(us-w.epochUs) * int64(time.Microsecond))
}

// start makes the handles, arms the stoppers timed from the run's start
// and spawns the application threads of the scenario's driver.
func (w *world) start() {
	w.makeHandles()
	w.armStops()
	switch w.s.Driver {
	case DriverEasy:
		w.startEasy()
	case DriverMultiPoll:
		w.startMultiPoll()
	default:
		w.startSocketAction(w.s.Driver == DriverSocketExact)
	}
}

// newMulti makes a multi whose clock and trace belong to the thread that
// will drive it; onWakeup writes to its wakeup pair.
func (w *world) newMulti(onWakeup func(*model.Multi, model.WakeupEffect)) (*model.Multi, *threadClock, *modelTracer) {
	c := &threadClock{k: w.k}
	mt := &modelTracer{w: w, clock: c}
	cfg := model.Config{Clock: c, Profile: w.s.Profile, Tracer: mt, Busy: c.claim, OnWakeup: onWakeup}
	if run := w.apiCost["run"]; run != nil {
		costs := [...]sim.Dist{model.RunOther: run, model.RunFirst: orDefault(w.apiCost["first"], run),
			model.RunFinish: orDefault(w.apiCost["finish"], run)}
		cfg.RunCPU = func(_ *model.Easy, kind model.RunKind) time.Duration { return costs[kind].Draw(w.apiRNG) }
	}
	m, err := model.NewMulti(cfg)
	if err != nil {
		panic(err) // the profile was validated with the scenario
	}
	return m, c, mt
}

// makeHandles creates every transfer's easy handle before the run, as an
// application sets up its handles (options, share) before performing
// them: a stop can then reach a handle that is not performing yet. The
// multi-driving drivers share one connection limit; easy_perform's
// private multis have one transfer each, so none.
func (w *world) makeHandles() {
	var limit *model.ConnLimit
	if w.s.Driver != DriverEasy {
		limit = w.newLimit()
	}
	for i := range w.s.Transfers {
		w.handles[i].e = w.newEasy(i, limit)
	}
}

// newEasy builds transfer i (0-based) of the scenario.
func (w *world) newEasy(i int, limit *model.ConnLimit) *model.Easy {
	spec := &w.s.Transfers[i]
	if spec.Script != nil {
		return model.NewEasy(i+1, spec.Script.Clone())
	}
	opts := *spec.Options
	if f := w.xferinfoFor(i + 1); f != nil {
		opts.Xferinfo = f
	}
	t, err := model.NewTransfer(model.TransferConfig{
		Options:  opts,
		Sockets:  clientSockets{w.net},
		Resolver: clientSockets{w.net},
		Limit:    limit,
		OnState:  w.onState,
		OnPause:  w.onPause,
	})
	if err != nil {
		panic(err) // the options were validated with the scenario
	}
	w.transfers[i] = t
	e := model.NewEasy(i+1, t)
	if sh := w.newShare(i + 1); sh != nil {
		w.shares[i] = sh
		if err := e.SetShare(sh.s); err != nil {
			panic(err)
		}
	}
	return e
}

// newLimit is the connection limit of one multi (nil: none).
func (w *world) newLimit() *model.ConnLimit {
	if w.s.MaxConnections == 0 {
		return nil
	}
	l, err := model.NewConnLimit(w.s.MaxConnections)
	if err != nil {
		panic(err)
	}
	return l
}

// started records that the application added transfer id at now.
func (w *world) started(id int, now sim.Time) { w.outcomes[id-1].Start = now }

// finished records a DONE message the application read at now.
func (w *world) finished(msg model.Msg, now sim.Time) {
	o := &w.outcomes[msg.Easy.ID()-1]
	o.Result, o.Done, o.End = msg.Result, true, now
	w.returned(o.ID, now, msg.Result, false)
}

// removed records that the application removed transfer id at now, before
// it ended by itself.
func (w *world) removed(id int, now sim.Time) {
	o := &w.outcomes[id-1]
	o.Done, o.Removed, o.End = true, true, now
	w.returned(id, now, o.Result, true)
}

func (w *world) result(out sim.Outcome) Result {
	for i, t := range w.transfers {
		if t != nil {
			o := &w.outcomes[i]
			o.State, o.Bytes, o.Xferinfo = t.State(), t.BytesReceived(), int64(t.XferinfoCalls())
		}
	}
	r := Result{
		Stops:     w.records,
		Scenario:  w.s.Name,
		Seed:      w.s.Seed,
		Profile:   w.s.Profile.Name,
		Driver:    w.s.Driver,
		Outcome:   out,
		Transfers: w.outcomes,
		Counters:  w.counters,
	}
	switch w.s.Trace {
	case TraceFull:
		r.Trace = chronological(w.rec.Records())
		r.Hash = sim.HashRecords(r.Trace)
	case TraceHash:
		r.Hash = w.rec.Hash()
	}
	return r
}

// spawnAt starts a thread at virtual time at (now if at is 0).
func (w *world) spawnAt(at time.Duration, name string, body func(t *sim.Thread)) {
	if at <= 0 {
		w.k.Spawn(name, body)
		return
	}
	if _, err := w.k.At(sim.Time(at), 0, func() { w.k.Spawn(name, body) }); err != nil {
		panic(err)
	}
}

// ms converts a model timeout in milliseconds to a wait duration
// (negative: forever).
func ms(v int64) time.Duration {
	if v < 0 {
		return sim.Forever
	}
	return time.Duration(v) * time.Millisecond
}
