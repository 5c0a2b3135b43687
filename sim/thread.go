package sim

import (
	"fmt"
	"strings"
	"time"
)

// Trace kinds the kernel emits, all at LevelInternal. Fields, in order:
//
//	thread.spawn name=<name>
//	thread.exit
//	wake cause=<start|sleep|timeout|signal|lock|busy> [source=<name>]
//	sleep dur=<d> slack=<d>
//	wait timeout=<d|forever> slack=<d> sources=<name,...>
//	signal source=<name> woken=<n>
//	lock.wait mutex=<name> owner=<t<id>>
//	lock mutex=<name> wait=<d>
//	unlock mutex=<name> [to=<t<id>>]
//	busy dur=<d> [op=<name>]
//	violation kind=livelock wakes=<n> detail=<text>
const (
	KindThreadSpawn = "thread.spawn"
	KindThreadExit  = "thread.exit"
	KindWake        = "wake"
	KindSleep       = "sleep"
	KindWait        = "wait"
	KindSignal      = "signal"
	KindLockWait    = "lock.wait"
	KindLock        = "lock"
	KindUnlock      = "unlock"
	KindBusy        = "busy"
	KindViolation   = "violation"
)

// Forever, as a Wait timeout, waits until a source signals.
const Forever time.Duration = -1

// ThreadState is where a thread is in its life. Transitions happen only in
// Thread.become, which enforces threadMoves.
type ThreadState uint8

const (
	// ThreadRunnable: its next step is scheduled (just spawned, woken, or
	// paying wake-up latency and CPU cost).
	ThreadRunnable ThreadState = iota
	// ThreadRunning: its step is executing.
	ThreadRunning
	// ThreadSleeping: in Sleep.
	ThreadSleeping
	// ThreadWaiting: in Wait, on its sources and maybe a timeout.
	ThreadWaiting
	// ThreadLocking: queued on a mutex.
	ThreadLocking
	// ThreadBusy: in Busy or Compute, burning CPU.
	ThreadBusy
	// ThreadExited: a step returned without blocking.
	ThreadExited
	numThreadStates
)

var threadStateNames = [numThreadStates]string{
	"runnable", "running", "sleeping", "waiting", "locking", "busy", "exited",
}

// String names the state.
func (s ThreadState) String() string {
	if s < numThreadStates {
		return threadStateNames[s]
	}
	return fmt.Sprintf("ThreadState(%d)", uint8(s))
}

// threadMoves[from] is the set of states reachable from from.
var threadMoves = [numThreadStates]uint8{
	ThreadRunnable: 1 << ThreadRunning,
	ThreadRunning: 1<<ThreadRunnable | 1<<ThreadSleeping | 1<<ThreadWaiting |
		1<<ThreadLocking | 1<<ThreadBusy | 1<<ThreadExited,
	ThreadSleeping: 1 << ThreadRunnable,
	ThreadWaiting:  1 << ThreadRunnable,
	ThreadLocking:  1 << ThreadRunnable,
	ThreadBusy:     1 << ThreadRunnable,
}

// wakeCause says why a thread's next step runs; it is traced.
type wakeCause uint8

const (
	causeStart wakeCause = iota
	causeSleep
	causeTimeout
	causeSignal
	causeLock
	causeBusy
	numCauses
)

var causeNames = [numCauses]string{"start", "sleep", "timeout", "signal", "lock", "busy"}

func (c wakeCause) String() string { return causeNames[c] }

// Thread is a simulated sequential actor. Its code is a chain of steps: a
// step is a function that runs at one virtual instant and ends by calling
// at most one blocking operation (Sleep, Wait, Lock, Busy, Compute) with the
// continuation to run as the next step; a step that calls none ends the
// thread. Blocking operations return at once; they only record what the
// thread waits for. They fail (and change nothing) when called from
// anything but the thread's own running step, or twice in one step.
type Thread struct {
	k       *Kernel
	ev      Event // the thread's one timer: next step, sleep end or timeout
	id      ThreadID
	name    string
	state   ThreadState
	niced   bool
	blocked bool // the running step called a blocking operation
	cause   wakeCause

	then     func()
	thenWake func(*WakeSource)
	woke     *WakeSource
	sources  []*WakeSource

	lockSince Time
	lockWait  time.Duration

	llStart    Time // livelock detector: first step of the current run of steps
	llCount    int
	progressed bool
}

// Spawn creates a thread whose first step, start, runs after one step's
// CPU cost. A nil start makes a thread that exits at once.
func (k *Kernel) Spawn(name string, start func(t *Thread)) *Thread {
	t := &Thread{k: k, id: ThreadID(len(k.threads) + 1), name: name, cause: causeStart}
	t.ev = Event{fn: t.onEvent, owner: t.id}
	t.ev.node.Value = &t.ev
	if start != nil {
		t.then = func() { start(t) }
	}
	k.threads = append(k.threads, t)
	if k.Tracing(LevelInternal) {
		t.emit(KindThreadSpawn, F("name", name))
	}
	k.enqueue(&t.ev, k.now.Add(k.stepCPU()))
	return t
}

// Threads returns every thread spawned, in ID order. The slice is the
// kernel's own; do not modify it.
func (k *Kernel) Threads() []*Thread { return k.threads }

// Current returns the thread whose step is running, or nil.
func (k *Kernel) Current() *Thread { return k.current }

// blocked counts threads that only another party can wake.
func (k *Kernel) blocked() int {
	n := 0
	for _, t := range k.threads {
		if t.state == ThreadLocking || t.state == ThreadWaiting && !t.ev.Pending() {
			n++
		}
	}
	return n
}

// ID returns the thread's ID.
func (t *Thread) ID() ThreadID { return t.id }

// Name returns the name given to Spawn.
func (t *Thread) Name() string { return t.name }

// State returns the thread's state.
func (t *Thread) State() ThreadState { return t.state }

// SetNiced marks the thread as niced, which widens the slack of its timed
// waits (Host.NicedSlackDiv).
func (t *Thread) SetNiced(niced bool) { t.niced = niced }

// LockWait returns how long the thread's latest mutex acquisition waited
// in the mutex's queue (zero when the mutex was free).
func (t *Thread) LockWait() time.Duration { return t.lockWait }

// Progress tells the livelock detector that the current step did real
// work, so the steps before it do not count as spinning.
func (t *Thread) Progress() { t.progressed = true }

// Emit records a trace record for this thread; see Kernel.Emit.
func (t *Thread) Emit(l Level, transfer int64, kind string, fields ...Field) {
	t.k.Emit(l, t.id, transfer, kind, fields...)
}

func (t *Thread) tracing() bool { return t.k.Tracing(LevelInternal) }

func (t *Thread) emit(kind string, fields ...Field) {
	t.k.Emit(LevelInternal, t.id, 0, kind, fields...)
}

// String names the thread as "t<id> (<name>)".
func (t *Thread) String() string { return fmt.Sprintf("t%d (%s)", t.id, t.name) }

// become moves the thread to state to; an illegal move is a kernel bug.
func (t *Thread) become(to ThreadState) {
	if threadMoves[t.state]&(1<<to) == 0 {
		panic(fmt.Sprintf("sim: thread %v: %v -> %v", t, t.state, to))
	}
	t.state = to
}

// onEvent handles the thread's timer.
func (t *Thread) onEvent() {
	switch t.state {
	case ThreadRunnable:
		t.step()
	case ThreadSleeping, ThreadBusy:
		t.ready(0, true)
	case ThreadWaiting:
		t.leaveSources()
		t.woke = nil
		t.cause = causeTimeout
		t.ready(0, true)
	default:
		panic(fmt.Sprintf("sim: thread %v: timer fired in state %v", t, t.state))
	}
}

// ready makes the thread runnable: its next step runs after latency plus
// one step's CPU cost. inline allows running the step right away when that
// delay is zero, which only the thread's own timer event may do (a step
// must never run inside another's).
func (t *Thread) ready(latency time.Duration, inline bool) {
	t.become(ThreadRunnable)
	d := latency + t.k.stepCPU()
	if d == 0 && inline {
		t.step()
		return
	}
	t.k.enqueue(&t.ev, t.k.now.Add(d))
}

// step runs the thread's pending continuation.
func (t *Thread) step() {
	k := t.k
	if k.stuck(t) {
		return
	}
	t.become(ThreadRunning)
	if k.Tracing(LevelInternal) {
		t.traceWake()
	}
	then, thenWake, woke := t.then, t.thenWake, t.woke
	t.then, t.thenWake, t.woke = nil, nil, nil
	t.blocked = false
	k.current = t
	if thenWake != nil {
		thenWake(woke)
	} else if then != nil {
		then()
	}
	k.current = nil
	if !t.blocked {
		t.exit()
	}
}

func (t *Thread) traceWake() {
	if t.cause == causeSignal && t.woke != nil {
		t.emit(KindWake, F("cause", t.cause.String()), F("source", t.woke.name))
		return
	}
	t.emit(KindWake, F("cause", t.cause.String()))
}

func (t *Thread) exit() {
	t.become(ThreadExited)
	if t.tracing() {
		t.emit(KindThreadExit)
	}
}

// stuck runs the livelock detector before a step and reports whether it
// ended the run.
func (k *Kernel) stuck(t *Thread) bool {
	if k.llWakes < 0 {
		return false
	}
	if t.llCount == 0 || t.progressed || k.now.Sub(t.llStart) > k.llWindow {
		t.llStart, t.llCount, t.progressed = k.now, 0, false
	}
	t.llCount++
	if t.llCount <= k.llWakes {
		return false
	}
	k.livelock(t.id, t.llCount, fmt.Sprintf("thread %v ran %d steps since %v without progress",
		t, t.llCount, t.llStart))
	return true
}

// begin claims the running step's one blocking operation.
func (t *Thread) begin(op string) error {
	if t.k.current != t {
		return fmt.Errorf("sim: %s on thread %v, which is not running", op, t)
	}
	if t.blocked {
		return fmt.Errorf("sim: %s on thread %v, which already blocked in this step", op, t)
	}
	t.blocked = true
	return nil
}

// continueAfter ends the step with the next one d later.
func (t *Thread) continueAfter(d time.Duration) {
	t.become(ThreadRunnable)
	t.k.enqueue(&t.ev, t.k.now.Add(d))
}

// Sleep blocks the thread for d, then runs then. Like nanosleep it expires
// up to the thread's timer slack (Host.SlackMin) late; Sleep(0) yields to
// the events already due now.
func (t *Thread) Sleep(d time.Duration, then func()) error {
	if d < 0 {
		return fmt.Errorf("sim: Sleep(%v): negative duration", d)
	}
	if err := t.begin("Sleep"); err != nil {
		return err
	}
	var slack time.Duration
	if d > 0 {
		slack = t.k.host.SlackMin
	}
	t.then, t.cause = then, causeSleep
	t.become(ThreadSleeping)
	if t.tracing() {
		t.emit(KindSleep, Dur("dur", d), Dur("slack", slack))
	}
	t.k.enqueue(&t.ev, t.k.slackedDeadline(d, slack))
	return nil
}

// Wait blocks the thread until one of the sources signals or the timeout
// (plus the host's slack) passes, then runs then with the source that
// woke it, or nil on timeout. A timeout of Forever (any negative value)
// never expires; a timeout of zero returns at once, like poll(0). A
// signalled thread runs after the host's wake-up latency. Sources are
// edge-triggered: a signal wakes the threads waiting at that moment and is
// not remembered, so check the condition in the step before waiting
// (steps are atomic, so nothing can slip in between).
func (t *Thread) Wait(timeout time.Duration, then func(*WakeSource), sources ...*WakeSource) error {
	for _, s := range sources {
		if s == nil || s.k != t.k {
			return fmt.Errorf("sim: Wait on thread %v: nil wake source or one of another kernel", t)
		}
	}
	if err := t.begin("Wait"); err != nil {
		return err
	}
	t.thenWake, t.cause = then, causeTimeout
	slack := t.k.host.Slack(timeout, t.niced)
	if t.tracing() {
		t.traceWait(timeout, slack, sources)
	}
	if timeout == 0 {
		t.continueAfter(t.k.stepCPU())
		return nil
	}
	t.become(ThreadWaiting)
	t.sources = append(t.sources[:0], sources...)
	for _, s := range sources {
		s.waiters = append(s.waiters, t)
	}
	if timeout > 0 {
		t.k.enqueue(&t.ev, t.k.slackedDeadline(timeout, slack))
	}
	return nil
}

func (t *Thread) traceWait(timeout, slack time.Duration, sources []*WakeSource) {
	names := make([]string, len(sources))
	for i, s := range sources {
		names[i] = s.name
	}
	to := "forever"
	if timeout >= 0 {
		to = FormatDuration(timeout)
	}
	t.emit(KindWait, F("timeout", to), Dur("slack", slack), F("sources", strings.Join(names, ",")))
}

// leaveSources takes the thread off every source it waits on.
func (t *Thread) leaveSources() {
	for _, s := range t.sources {
		s.remove(t)
	}
	clear(t.sources)
	t.sources = t.sources[:0]
}

// signalled wakes the waiting thread on behalf of s.
func (t *Thread) signalled(s *WakeSource) {
	t.k.Cancel(&t.ev)
	t.leaveSources()
	t.woke, t.cause = s, causeSignal
	t.ready(t.k.wakeLatency(), false)
}

// Busy burns d of CPU time, then runs then.
func (t *Thread) Busy(d time.Duration, then func()) error {
	if d < 0 {
		return fmt.Errorf("sim: Busy(%v): negative duration", d)
	}
	return t.busy(d, "", then)
}

// Compute burns the CPU cost of the named operation (drawn from Host.CPU),
// then runs then. An operation the host does not list is an error.
func (t *Thread) Compute(op string, then func()) error {
	dist, ok := t.k.host.CPU[op]
	if !ok {
		return fmt.Errorf("sim: Compute(%q): the host lists no CPU cost for it", op)
	}
	return t.busy(drawDist(dist, t.k.hostRNG.cpu), op, then)
}

func (t *Thread) busy(d time.Duration, op string, then func()) error {
	if err := t.begin("Busy"); err != nil {
		return err
	}
	t.then, t.cause = then, causeBusy
	t.become(ThreadBusy)
	if t.tracing() {
		if op != "" {
			t.emit(KindBusy, Dur("dur", d), F("op", op))
		} else {
			t.emit(KindBusy, Dur("dur", d))
		}
	}
	t.k.enqueue(&t.ev, t.k.now.Add(d))
	return nil
}
