package scenario

import (
	"fmt"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// world is one run in progress: the kernel, the recorder, the network and
// the bookkeeping of the application threads.
type world struct {
	s        *Scenario
	k        *sim.Kernel
	rec      *sim.Recorder
	epochUs  model.Micros
	net      *net
	outcomes  []Outcome
	transfers []*model.Transfer // by index; nil for scripted transfers
	counters Counters
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
	w := &world{s: s, outcomes: make([]Outcome, len(s.Transfers)), transfers: make([]*model.Transfer, len(s.Transfers))}
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

// start spawns the application threads of the scenario's driver.
func (w *world) start() {
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
// will drive it.
func (w *world) newMulti() (*model.Multi, *threadClock, *modelTracer) {
	c := &threadClock{k: w.k}
	mt := &modelTracer{w: w, clock: c}
	m, err := model.NewMulti(model.Config{Clock: c, Profile: w.s.Profile, Tracer: mt, Busy: c.claim})
	if err != nil {
		panic(err) // the profile was validated with the scenario
	}
	return m, c, mt
}

// newEasy builds transfer i (0-based) of the scenario, sharing limit
// with the other transfers of its multi.
func (w *world) newEasy(i int, limit *model.ConnLimit) *model.Easy {
	spec := &w.s.Transfers[i]
	if spec.Script != nil {
		return model.NewEasy(i+1, spec.Script.Clone())
	}
	t, err := model.NewTransfer(model.TransferConfig{
		Options:  *spec.Options,
		Sockets:  clientSockets{w.net},
		Resolver: clientSockets{w.net},
		Limit:    limit,
		OnState:  w.onState,
	})
	if err != nil {
		panic(err) // the options were validated with the scenario
	}
	w.transfers[i] = t
	return model.NewEasy(i+1, t)
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

// onState is every Transfer's state hook.
func (w *world) onState(t *model.Transfer, from, to model.TransferState) {}

// started records that the application added transfer id at now.
func (w *world) started(id int, now sim.Time) { w.outcomes[id-1].Start = now }

// finished records a DONE message the application read at now.
func (w *world) finished(msg model.Msg, now sim.Time) {
	o := &w.outcomes[msg.Easy.ID()-1]
	o.Result, o.Done, o.End = msg.Result, true, now
}

func (w *world) result(out sim.Outcome) Result {
	for i, t := range w.transfers {
		if t != nil {
			o := &w.outcomes[i]
			o.State, o.Bytes, o.Xferinfo = t.State(), t.BytesReceived(), int64(t.XferinfoCalls())
		}
	}
	r := Result{
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
