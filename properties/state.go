package properties

import (
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// This file rebuilds, from a trace, what each multi holds: every
// transfer's timer list, the splay index, the dirty set, whether the multi
// is dead, and the timer the application keeps. Times are virtual µs, as
// in the trace's at= and key= fields. The rebuild follows the trace, not
// a model: when the trace shows something a property forbids, the rule
// reports it and the state takes what the trace says.

// entry is one pending deadline of a transfer.
type entry struct {
	id   string
	at   int64
	line int // the expire record that set it
}

// xfer is one transfer as its multi holds it.
type xfer struct {
	id       int64
	attached bool // added and not removed
	alive    bool // attached and not finished
	dirty    bool
	list     []entry // in list order (the Spec's Compare)

	indexed bool
	key     int64
	seq     uint64 // insertion order into the index
	keyLine int

	addAt, firstRun sim.Time
	addLine         int
	ran             bool
	lastRun         sim.Time // in the current call
	ranCall         uint64   // the call it last ran in (multi.calls)
	ver             uint64   // bumped at every change: older pending entries are stale
	changed         bool     // touched since the multi last settled
	countedDirty    bool     // counted in multi.dirty
	pushedSeq       uint64   // the index insertion last pushed on multi.index
	connectAt       sim.Time // the last entry to CONNECT (the connect clock)
	connected       bool     // reached DO
	connectedAt     sim.Time
	pending         bool // waited in PENDING at some point
	state           string
	cause           string // the last xfer record that can end a transfer with a timeout
	limitLost       bool   // a TIMEOUT or CONNECTTIMEOUT entry was discarded early or keyed late (ms arithmetic)
	finished        bool
	finishAt        sim.Time
	finishLine      int
	result          string
}

// owed is a deadline a pop discarded, waiting for its transfer to run.
type owed struct {
	x    *xfer
	e    entry
	line int // the pop
}

// apiCall is the API call in progress.
type apiCall struct {
	fn    string
	line  int
	x     int64 // the transfer column (add, remove)
	reqMs int64 // poll, wait: the requested timeout
}

// announcement is what a timer callback told.
type announcement struct {
	valid bool
	ms    int64
	point int64 // the absolute point it stood for (µs)
	line  int
}

// appTimer is the one timer an event-driven application keeps.
type appTimer struct {
	set   bool
	at    int64 // when it fires (µs)
	point int64 // the exposed point it was announced for
	line  int
}

// busyClaim is processing time a transfer claimed in the thread.
type busyClaim struct {
	at sim.Time
	d  time.Duration
}

// multi is one application thread's multi.
type multi struct {
	thread   sim.ThreadID
	lastLine int // the thread's last model record
	xfers    map[int64]*xfer
	ids      []int64 // transfer IDs in first-seen order
	seq      uint64
	dead     bool
	call     *apiCall
	owed     []owed
	app      appTimer
	last     announcement
	forgotA  bool // an add since the last announcement
	forgotT  bool // a timeout action since the last announcement
	zeros    int  // consecutive "0" while nothing was due
	busy     []busyClaim
	busyCum  []time.Duration // busyCum[i] is the sum of busy[:i+1]
	open     map[string]bool // conditions already reported, until they clear

	calls   uint64   // API calls so far
	dirty   int      // running transfers marked dirty
	index   lazyHeap // indexed transfers by (key, insertion)
	pending lazyHeap // running transfers by the deadline they are due at
	dirtyQ  lazyHeap // dirty transfers, oldest first
	changed []*xfer
	drift   bool // ms comparisons: a key may drift past its list's head
}

func newMulti(t sim.ThreadID, drift bool) *multi {
	return &multi{thread: t, xfers: map[int64]*xfer{}, open: map[string]bool{}, drift: drift}
}

// get returns transfer id, creating it when first seen.
func (m *multi) get(id int64) *xfer {
	x := m.xfers[id]
	if x == nil {
		x = &xfer{id: id}
		m.xfers[id] = x
		m.ids = append(m.ids, id)
	}
	return x
}

// each calls fn for every transfer in first-seen order.
func (m *multi) each(fn func(x *xfer)) {
	for _, id := range m.ids {
		fn(m.xfers[id])
	}
}

// attach is add_handle: the transfer starts over.
func (m *multi) attach(id int64, at sim.Time, line int) *xfer {
	x := m.get(id)
	old := *x
	*x = xfer{id: id, attached: true, alive: true, addAt: at, addLine: line, state: "INIT"}
	// A node leaked by an earlier attachment stays until the trace removes
	// it, and the views' bookkeeping carries over.
	x.indexed, x.key, x.seq, x.keyLine = old.indexed, old.key, old.seq, old.keyLine
	x.ver, x.changed, x.countedDirty, x.pushedSeq = old.ver, old.changed, old.countedDirty, old.pushedSeq
	return x
}

// insert puts a deadline in list order: after every entry that does not
// compare later (FIFO among equals).
func (x *xfer) insert(e entry, res model.Resolution, phase int64) {
	x.drop(e.id)
	i := 0
	for i < len(x.list) && diffUs(res, x.list[i].at, e.at, phase) <= 0 {
		i++
	}
	x.list = slices.Insert(x.list, i, e)
}

// drop removes id's entry and reports whether there was one.
func (x *xfer) drop(id string) bool {
	i := slices.IndexFunc(x.list, func(e entry) bool { return e.id == id })
	if i < 0 {
		return false
	}
	x.list = slices.Delete(x.list, i, i+1)
	return true
}

// head is the first pending entry in list order: with µs comparisons the
// earliest; with ms comparisons an entry less than 1 ms earlier may queue
// behind it (and fire with it), as in curl up to 8.21.
func (x *xfer) head() (entry, bool) {
	if len(x.list) == 0 {
		return entry{}, false
	}
	return x.list[0], true
}

// due counts the entries a pop at now discards: from the head, while due
// at the Spec's resolution.
func (x *xfer) due(now int64, res model.Resolution, phase int64) int {
	n := 0
	for n < len(x.list) && diffUs(res, x.list[n].at, now, phase) <= 0 {
		n++
	}
	return n
}

// touch brings the multi's views of x up to date after a record changed
// it: the dirty count, the index heap, the heap of pending deadlines and
// the set of transfers to check when the call returns. Every view is
// O(log n) per change, so a trace of many transfers checks in time
// n log n.
func (m *multi) touch(x *xfer) {
	if d := x.dirty && x.alive; d != x.countedDirty {
		x.countedDirty = d
		m.dirty--
		if d {
			m.dirty += 2
			m.dirtyQ.push(heapEntry{seq: m.calls, x: x})
		}
	}
	if x.indexed && x.pushedSeq != x.seq {
		x.pushedSeq = x.seq
		m.index.push(heapEntry{at: x.key, seq: x.seq, x: x})
	}
	x.ver++
	if e, ok := m.due(x); ok && x.alive {
		m.pending.push(heapEntry{at: e.at, seq: x.ver, x: x, line: e.line})
	}
	if !x.changed {
		x.changed = true
		m.changed = append(m.changed, x)
	}
}

// due is the deadline x's pending list makes it due at: its head, or its
// key when that drifted later (ms comparisons).
func (m *multi) due(x *xfer) (entry, bool) {
	e, ok := x.head()
	if ok && m.drift && x.indexed && x.key > e.at {
		e.at, e.line = x.key, x.keyLine
	}
	return e, ok
}

// minNode is the index minimum: the smallest key, the oldest insert
// among equal keys.
func (m *multi) minNode() *xfer {
	e, ok := m.index.top(func(e heapEntry) bool { return e.x.indexed && e.x.seq == e.seq })
	if !ok {
		return nil
	}
	return e.x
}

// anyDirty reports a running transfer marked to run at once.
func (m *multi) anyDirty() bool { return m.dirty > 0 }

// exposed is the absolute point the multi exposes at now: now itself when
// dead or a transfer is dirty, else the index minimum's key.
func (m *multi) exposed(now int64) (point int64, runNow, ok bool) {
	if m.dead || m.anyDirty() {
		return now, true, true
	}
	if x := m.minNode(); x != nil {
		return x.key, false, true
	}
	return 0, false, false
}

// nothingDue reports that no transfer needs to run at now.
func (m *multi) nothingDue(now int64) bool {
	point, runNow, ok := m.exposed(now)
	return !ok || (!runNow && point > now)
}

// earliestPending is the earliest deadline a running transfer is due at
// (now for a dirty one), with the transfer and the line that set it.
func (m *multi) earliestPending(now int64) (at int64, x *xfer, line int, ok bool) {
	if e, ok := m.dirtyQ.top(func(e heapEntry) bool { return e.x.countedDirty }); ok {
		return now, e.x, e.x.addLine, true
	}
	e, ok := m.pending.top(func(e heapEntry) bool { return e.x.alive && e.x.ver == e.seq })
	return e.at, e.x, e.line, ok
}

// claim records processing time claimed at at (records come in time
// order per thread).
func (m *multi) claim(at sim.Time, d time.Duration) {
	sum := d
	if n := len(m.busyCum); n > 0 {
		sum += m.busyCum[n-1]
	}
	m.busy = append(m.busy, busyClaim{at: at, d: d})
	m.busyCum = append(m.busyCum, sum)
}

// busyIn is the processing time claimed in [from, to].
func (m *multi) busyIn(from, to sim.Time) time.Duration {
	upto := func(t sim.Time, incl bool) time.Duration {
		i := sort.Search(len(m.busy), func(i int) bool { return m.busy[i].at > t || !incl && m.busy[i].at == t })
		if i == 0 {
			return 0
		}
		return m.busyCum[i-1]
	}
	return upto(to, true) - upto(from, false)
}

// diffUs is a − b as the resolution compares them; only its sign
// matters. Millisecond differences use curl's split-field formula, for
// which the sub-second phase of the clock counts.
func diffUs(res model.Resolution, a, b, phase int64) int64 {
	if res == model.Milli {
		return model.TimeDiffMs(model.Micros(a+phase), model.Micros(b+phase))
	}
	return a - b
}

// field reads a record's field as an integer.
func field(r sim.Record, key string) (int64, bool) {
	v, ok := r.Get(key)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

func text(r sim.Record, key string) string {
	v, _ := r.Get(key)
	return v
}
