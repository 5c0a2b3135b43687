package sim

import (
	"fmt"
	"time"
)

// Mutex is a simulated lock with FIFO hand-off: Unlock gives the lock
// straight to the longest waiter, so no thread can barge in, and the time
// each acquisition spent queued is observable (Thread.LockWait, Stats, the
// "lock" trace record). A thread that exits holding a mutex leaves it
// held, as a real thread would: its waiters stay blocked, and a run that
// ends idle counts them in Outcome.Blocked.
type Mutex struct {
	k       *Kernel
	name    string
	owner   *Thread
	waiters []*Thread // FIFO
	stats   MutexStats
}

// MutexStats sums a mutex's acquisitions.
type MutexStats struct {
	Acquisitions uint64
	Contended    uint64 // acquisitions that had to queue
	TotalWait    time.Duration
	MaxWait      time.Duration
}

// NewMutex returns an unlocked mutex with the given name (used in traces).
func (k *Kernel) NewMutex(name string) *Mutex { return &Mutex{k: k, name: name} }

// Name returns the mutex's name.
func (m *Mutex) Name() string { return m.name }

// Owner returns the thread holding m, or nil.
func (m *Mutex) Owner() *Thread { return m.owner }

// Waiting returns the number of threads queued on m.
func (m *Mutex) Waiting() int { return len(m.waiters) }

// Stats returns the acquisition statistics so far.
func (m *Mutex) Stats() MutexStats { return m.stats }

// Lock acquires m and then runs then as the next step: after one step's CPU
// cost when m is free; otherwise after queueing until every earlier waiter
// has had it, plus the wake-up latency of the hand-off. Locking a mutex
// the thread already holds is an error (it would deadlock).
func (t *Thread) Lock(m *Mutex, then func()) error {
	if m == nil || m.k != t.k {
		return fmt.Errorf("sim: Lock on thread %v: nil mutex or one of another kernel", t)
	}
	if m.owner == t {
		return fmt.Errorf("sim: Lock on thread %v: it already holds mutex %q", t, m.name)
	}
	if err := t.begin("Lock"); err != nil {
		return err
	}
	t.then, t.cause, t.lockSince = then, causeLock, t.k.now
	if m.owner == nil {
		m.acquire(t)
		t.continueAfter(t.k.stepCPU())
		return nil
	}
	m.waiters = append(m.waiters, t)
	t.become(ThreadLocking)
	if t.tracing() {
		t.emit(KindLockWait, F("mutex", m.name), F("owner", fmt.Sprintf("t%d", m.owner.id)))
	}
	return nil
}

// Unlock releases m, which the running thread must hold, handing it to
// the first waiter if there is one. It does not block.
func (t *Thread) Unlock(m *Mutex) error {
	if m == nil || t.k.current != t || m.owner != t {
		return fmt.Errorf("sim: Unlock on thread %v: not running, or not the owner of the mutex", t)
	}
	m.owner = nil
	if len(m.waiters) == 0 {
		if t.tracing() {
			t.emit(KindUnlock, F("mutex", m.name))
		}
		return nil
	}
	next := m.waiters[0]
	m.waiters[0] = nil
	m.waiters = append(m.waiters[:0], m.waiters[1:]...)
	if t.tracing() {
		t.emit(KindUnlock, F("mutex", m.name), F("to", fmt.Sprintf("t%d", next.id)))
	}
	m.acquire(next)
	next.ready(t.k.wakeLatency(), false)
	return nil
}

// acquire makes t the owner and accounts for its wait.
func (m *Mutex) acquire(t *Thread) {
	m.owner = t
	wait := m.k.now.Sub(t.lockSince)
	t.lockWait = wait
	m.stats.Acquisitions++
	if wait > 0 {
		m.stats.Contended++
	}
	m.stats.TotalWait += wait
	m.stats.MaxWait = max(m.stats.MaxWait, wait)
	if m.k.Tracing(LevelInternal) {
		t.emit(KindLock, F("mutex", m.name), Dur("wait", wait))
	}
}
