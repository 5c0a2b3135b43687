// Package netpoll joins netsim's simulated network to sim's kernel: it
// adapts the kernel to the scheduler, random streams and trace sink netsim
// declares, and composes a blocking poll from netsim's readiness
// notifications and the kernel's timed wait, so that a polling thread
// wakes with the host model's wake-up latency, or at its timeout plus the
// host's timer slack (a 1000 ms poll returns at 1001 ms by default).
//
// It is an adapter and nothing more: no scenario, application or model
// logic lives here (that is sim/scenario's job), and it holds no state
// beyond a wake source per polling thread.
package netpoll

import (
	"time"

	"github.com/expirylab/expiry/netsim"
	"github.com/expirylab/expiry/sim"
)

// Scheduler adapts k to netsim.Scheduler: virtual time converts exactly
// (both are nanoseconds since the epoch), and each netsim timer is one
// reusable kernel Event owned by no thread, so firing and re-arming it
// allocates nothing.
func Scheduler(k *sim.Kernel) netsim.Scheduler { return scheduler{k} }

type scheduler struct{ k *sim.Kernel }

func (s scheduler) Now() time.Duration { return time.Duration(s.k.Now()) }

func (s scheduler) NewTimer(fn func()) netsim.Timer {
	return &timer{k: s.k, e: sim.NewEvent(sim.NoThread, fn)}
}

type timer struct {
	k *sim.Kernel
	e *sim.Event
}

// Reset moves the event; netsim never schedules into the past, so an
// error here is a bug in netsim and panics.
func (t *timer) Reset(at time.Duration) {
	if err := t.k.ScheduleAt(t.e, sim.Time(at)); err != nil {
		panic("netpoll: " + err.Error())
	}
}

func (t *timer) Stop() bool { return t.k.Cancel(t.e) }

// Sink adapts k's trace to netsim.Sink: netsim's events become records at
// sim.LevelNet, attributed to the running thread (the one making the
// socket call) or to no thread (network events).
func Sink(k *sim.Kernel) netsim.Sink { return &sink{k: k} }

type sink struct {
	k   *sim.Kernel
	buf []sim.Field // reused: the recorder copies fields
}

func (s *sink) Enabled() bool { return s.k.Tracing(sim.LevelNet) }

func (s *sink) Emit(kind string, fields ...netsim.Field) {
	s.buf = s.buf[:0]
	for _, f := range fields {
		s.buf = append(s.buf, sim.Field(f))
	}
	id := sim.NoThread
	if t := s.k.Current(); t != nil {
		id = t.ID()
	}
	s.k.Emit(sim.LevelNet, id, 0, kind, s.buf...)
}

// Net is a simulated network running on a kernel, with the blocking calls
// composed for its threads.
type Net struct {
	*netsim.Network
	k     *sim.Kernel
	polls []*poller // by thread ID
}

// New makes a network on k. cfg's Sched, Streams and Sink are filled in
// from k (the sink only when k traces the net level).
func New(k *sim.Kernel, cfg netsim.Config) (*Net, error) {
	cfg.Sched = Scheduler(k)
	cfg.Streams = k.Rand
	if k.Tracing(sim.LevelNet) {
		cfg.Sink = Sink(k)
	}
	n, err := netsim.New(cfg)
	if err != nil {
		return nil, err
	}
	return &Net{Network: n, k: k}, nil
}

// Kernel returns the kernel the network runs on.
func (nt *Net) Kernel() *sim.Kernel { return nt.k }

// Resolve is a synchronous name lookup by thread t: the thread is blocked
// for the whole lookup (a busy period nothing can interrupt), then then
// runs with the answer.
func (nt *Net) Resolve(t *sim.Thread, r *netsim.Resolver, h *netsim.Host, name string, then func(hosts []string, err error)) error {
	hosts, blocked, err := r.Resolve(h, name)
	if err != nil && !isErrno(err) {
		return err
	}
	return t.Busy(blocked, func() { then(hosts, err) })
}

func isErrno(err error) bool {
	_, ok := err.(netsim.Errno)
	return ok
}
