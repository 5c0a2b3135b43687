package properties

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// TestLists drives the timer lists of a bare model.Multi — no network, no
// simulator — with random add_handle, remove_handle, Expire, ExpireClear,
// clock advances, timeout actions (premature, on time or late: the
// application's timer firing, or not) and perform, and compares after
// every step each transfer's deadlines, index key and dirty flag,
// multi_timeout and the order of pops with a dumb oracle written from
// SPEC §2–§5 (slices, linear scans). At the end it judges the trace with
// Check, for an event-driven application. Transfers may set a timer in
// their done-processing (FeatOnDone), which remove_handle must not leak.
func TestLists(t *testing.T, o Options) { run(t, SuiteLists, o) }

// listsPool is the number of transfers a case plays with.
const listsPool = 5

// listsMachine is one case of TestLists.
type listsMachine struct {
	prof  model.Profile
	clock *vclock
	m     *model.Multi
	tr    *traceSink
	o     *oracle
	pool  []*model.Easy
	pops  []int // transfers popped by the current call, in order
	ops   []string
	sink  *Failure
	props Set
	chk   *checker // judges the trace as it grows
	fed   int      // records the checker has read

	appSet bool  // the application holds a timer
	appAt  int64 // when it fires (virtual µs)
}

func listsProp(o Options, sink *Failure) func(*rapid.T) {
	return func(t *rapid.T) {
		mc := newListsMachine(t, o, sink)
		mc.props = o.properties()
		t.Repeat(map[string]func(*rapid.T){
			"add":     mc.add,
			"remove":  mc.remove,
			"expire":  mc.expire,
			"clear":   mc.clear,
			"advance": mc.advance,
			"action":  mc.action,
			"fire":    mc.fire,
			"perform": mc.perform,
			"":        mc.check,
		})
	}
}

func newListsMachine(t *rapid.T, o Options, sink *Failure) *listsMachine {
	p := rapid.SampledFrom(o.profiles()).Draw(t, "profile")
	mc := &listsMachine{prof: p, sink: sink, clock: newVclock(drawPhase(t))}
	mc.tr = &traceSink{clock: mc.clock, onPop: func(id int) { mc.pops = append(mc.pops, id) }}
	m, err := model.NewMulti(model.Config{Clock: mc.clock, Profile: p, Tracer: mc.tr})
	if err != nil {
		t.Fatalf("profile %s: %v", p.Name, err)
	}
	mc.m = m
	m.SetTimerFunc(func(_ *model.Multi, ms int64) int {
		mc.appSet, mc.appAt = ms >= 0, mc.clock.us()+ms*1000
		return 0
	})
	ids := scriptIDs(p)
	mc.o = newOracle(SpecOf(p), mc.clock.phase.Microseconds(), listsPool)
	for i := range listsPool {
		sc := &model.Script{}
		if o.features()&FeatOnDone != 0 && rapid.Bool().Draw(t, "ondone?") {
			sc.OnDone = []model.Step{expireStep(t, ids)}
		}
		mc.pool = append(mc.pool, model.NewEasy(i+1, sc))
	}
	return mc
}

func (mc *listsMachine) caseText() string {
	return fmt.Sprintf("profile %s, clock phase %dus, operations:\n  %s",
		mc.prof.Name, mc.clock.phase.Microseconds(), strings.Join(mc.ops, "\n  "))
}

func (mc *listsMachine) fail(t *rapid.T, format string, args ...any) {
	failText(t, mc.sink, mc.caseText(), fmt.Sprintf(format, args...))
}

func (mc *listsMachine) log(format string, args ...any) {
	mc.ops = append(mc.ops, fmt.Sprintf("%8dus ", mc.clock.us())+fmt.Sprintf(format, args...))
}

// pick draws a transfer that is (or is not) attached.
func (mc *listsMachine) pick(t *rapid.T, attached bool) int {
	var ids []int
	for i, x := range mc.o.xs {
		if x.attached == attached {
			ids = append(ids, i)
		}
	}
	if len(ids) == 0 {
		t.Skip("no candidate")
	}
	return rapid.SampledFrom(ids).Draw(t, "easy")
}

func (mc *listsMachine) timer(t *rapid.T) model.TimerID {
	var ids []model.TimerID
	for id := model.TimerID(0); id < 32; id++ {
		if mc.prof.Timers.Has(id) {
			ids = append(ids, id)
		}
	}
	return rapid.SampledFrom(ids).Draw(t, "timer")
}

func (mc *listsMachine) add(t *rapid.T) {
	i := mc.pick(t, false)
	mc.log("add x%d", i+1)
	mc.o.add(i, mc.clock.us())
	mc.api(t, "add", mc.m.Add(mc.pool[i]), nil)
}

func (mc *listsMachine) remove(t *rapid.T) {
	i := mc.pick(t, true)
	mc.log("remove x%d", i+1)
	mc.o.remove(i)
	mc.api(t, "remove", mc.m.Remove(mc.pool[i]), nil)
}

func (mc *listsMachine) expire(t *rapid.T) {
	i, id := mc.pick(t, true), mc.timer(t)
	ms := rapid.OneOf(rapid.SampledFrom([]int64{0, 1, 2, 1000}), rapid.Int64Range(0, 3000)).Draw(t, "ms")
	mc.log("x%d Expire(%v, %d)", i+1, id, ms)
	mc.o.expire(i, id.String(), ms, mc.clock.us())
	if err := mc.pool[i].Expire(id, ms); err != nil {
		mc.fail(t, "Expire: %v", err)
	}
}

func (mc *listsMachine) clear(t *rapid.T) {
	i, id := mc.pick(t, true), mc.timer(t)
	mc.log("x%d ExpireClear(%v)", i+1, id)
	mc.o.clear(i, id.String())
	if err := mc.pool[i].ExpireClear(id); err != nil {
		mc.fail(t, "ExpireClear: %v", err)
	}
}

func (mc *listsMachine) advance(t *rapid.T) {
	us := rapid.Int64Range(0, 2500).Draw(t, "us")
	mc.clock.now += us
	mc.log("advance %dus", us)
}

// action is SocketAction(CURL_SOCKET_TIMEOUT) now: the application acts
// early, on time or late; its timer is spent either way.
func (mc *listsMachine) action(t *rapid.T) {
	mc.log("socket_action(timeout)")
	mc.appSet = false
	want := mc.o.action(mc.clock.us())
	_, code := mc.m.SocketAction(model.SocketTimeout, 0)
	mc.api(t, "socket_action", code, want)
}

// fire moves the clock to the application's timer and acts on it.
func (mc *listsMachine) fire(t *rapid.T) {
	if !mc.appSet {
		t.Skip("no timer")
	}
	mc.clock.now = max(mc.clock.now, mc.appAt)
	mc.action(t)
}

func (mc *listsMachine) perform(t *rapid.T) {
	mc.log("perform")
	want := mc.o.perform(mc.clock.us())
	_, code := mc.m.Perform()
	mc.api(t, "perform", code, want)
}

// api checks a call's code and the transfers it popped, in order.
func (mc *listsMachine) api(t *rapid.T, fn string, code model.MCode, wantPops []int) {
	if code != model.MOK {
		mc.fail(t, "%s returned %v", fn, code)
	}
	if !slices.Equal(mc.pops, wantPops) && len(mc.pops)+len(wantPops) > 0 {
		mc.fail(t, "%s popped %v; the oracle pops the due transfers in (key, insertion) order: %v", fn, mc.pops, wantPops)
	}
	mc.pops = mc.pops[:0]
}

// check judges the trace so far with Check, for an event-driven
// application, then compares every transfer and multi_timeout with the
// oracle: a property's name explains a failure better than a mismatch.
func (mc *listsMachine) check(t *rapid.T) {
	if mc.chk == nil {
		sub := Subject{Spec: SpecOf(mc.prof), EventDriven: true, EpochPhase: mc.clock.phase}
		mc.chk = newChecker(nil, sub, mc.props)
	}
	mc.chk.trace = mc.tr.recs // the checker follows the trace as it grows
	for ; mc.fed < len(mc.tr.recs); mc.fed++ {
		mc.chk.record(mc.fed)
	}
	if len(mc.chk.out) > 0 {
		fail(t, mc.sink, mc.caseText(), mc.tr.recs, mc.chk.out)
	}
	now := mc.clock.us()
	for i, e := range mc.pool {
		x := mc.o.xs[i]
		if got, want := deadlinesText(e.Deadlines(nil), mc.clock.epochUs), x.text(); got != want {
			mc.fail(t, "x%d deadlines: model [%s], oracle [%s]", i+1, got, want)
		}
		key, in := e.Key()
		if in != x.indexed || in && int64(key)-mc.clock.epochUs != x.key {
			mc.fail(t, "x%d index: model (%v, %dus), oracle (%v, %dus)", i+1, in, int64(key)-mc.clock.epochUs, x.indexed, x.key)
		}
		if e.Dirty() != x.dirty {
			mc.fail(t, "x%d dirty: model %v, oracle %v", i+1, e.Dirty(), x.dirty)
		}
	}
	if got, _ := mc.m.Timeout(); got != mc.o.exposed(now) {
		mc.fail(t, "multi_timeout() = %d, the oracle says %d", got, mc.o.exposed(now))
	}
}

func deadlinesText(ds []model.Deadline, epochUs int64) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%v@%d", d.ID, int64(d.At)-epochUs))
	}
	return strings.Join(parts, " ")
}

// ---- the oracle ----

// oracle is the dumb model: each transfer's list as a slice, the index as
// keys and insertion numbers, the rules of SPEC §2–§5 written out.
type oracle struct {
	sp    Spec
	phase int64
	xs    []*oXfer
	seq   int
}

type oXfer struct {
	attached, dirty bool
	list            []entry
	indexed         bool
	key             int64
	kseq            int
}

func newOracle(sp Spec, phase int64, n int) *oracle {
	o := &oracle{sp: sp, phase: phase}
	for range n {
		o.xs = append(o.xs, &oXfer{})
	}
	return o
}

func (x *oXfer) text() string {
	var parts []string
	for _, e := range x.list {
		parts = append(parts, fmt.Sprintf("%s@%d", e.id, e.at))
	}
	return strings.Join(parts, " ")
}

func (x *oXfer) head() string {
	if len(x.list) == 0 {
		return ""
	}
	return x.list[0].id
}

func (o *oracle) index(x *oXfer, key int64) {
	o.seq++
	x.indexed, x.key, x.kseq = true, key, o.seq
}

func (o *oracle) diff(res model.Resolution, a, b int64) int64 { return diffUs(res, a, b, o.phase) }

// add: the transfer asks to run at once.
func (o *oracle) add(i int, now int64) {
	*o.xs[i] = oXfer{attached: true}
	if o.sp.RunNow == model.RunNowTimer {
		o.expire(i, model.TimerRunNow.String(), 0, now)
	} else {
		o.xs[i].dirty = true
	}
}

// remove: no deadline, no node, whatever the done-processing set.
func (o *oracle) remove(i int) { *o.xs[i] = oXfer{} }

// expire: replace id's entry, after equal ones; re-key per the Spec.
func (o *oracle) expire(i int, id string, ms int64, now int64) {
	x := o.xs[i]
	at := now + min(ms, math.MaxInt32)*1000
	prev := x.head()
	x.list = slices.DeleteFunc(x.list, func(e entry) bool { return e.id == id })
	pos := slices.IndexFunc(x.list, func(e entry) bool { return o.diff(o.sp.Compare, e.at, at) > 0 })
	if pos < 0 {
		pos = len(x.list)
	}
	x.list = slices.Insert(x.list, pos, entry{id: id, at: at})
	switch {
	case o.sp.EarlyKey && x.indexed && o.diff(o.sp.Compare, at, x.key) > 0:
	case o.sp.EarlyKey:
		o.index(x, at)
	case x.indexed && prev != id && prev == x.head():
	default:
		o.index(x, x.list[0].at)
	}
}

// clear: drop id's entry; without the StaleNode allowance a changed head
// re-keys the node, an empty list takes it out.
func (o *oracle) clear(i int, id string) {
	x := o.xs[i]
	prev := x.head()
	x.list = slices.DeleteFunc(x.list, func(e entry) bool { return e.id == id })
	if o.sp.StaleNode || !x.indexed || x.head() == prev {
		return
	}
	x.indexed = false
	if len(x.list) > 0 {
		o.index(x, x.list[0].at)
	}
}

// popDue pops every due node, smallest (key, insertion) first: due
// entries go, the node returns at the next deadline.
func (o *oracle) popDue(now int64) []int {
	var out []int
	for {
		b := -1
		for i, x := range o.xs {
			if x.indexed && x.key <= now && (b < 0 || x.key < o.xs[b].key || x.key == o.xs[b].key && x.kseq < o.xs[b].kseq) {
				b = i
			}
		}
		if b < 0 {
			return out
		}
		out = append(out, b+1)
		x := o.xs[b]
		for len(x.list) > 0 && o.diff(o.sp.Purge, x.list[0].at, now) <= 0 {
			x.list = x.list[1:]
		}
		x.indexed = false
		if len(x.list) > 0 {
			o.index(x, x.list[0].at)
		}
	}
}

// action: what is due pops; the (idle) transfers run and are clean.
func (o *oracle) action(now int64) []int {
	pops := o.popDue(now)
	for _, x := range o.xs {
		x.dirty = false
	}
	return pops
}

// perform: everything runs, then the purge pops what is due.
func (o *oracle) perform(now int64) []int {
	for _, x := range o.xs {
		x.dirty = false
	}
	return o.popDue(now)
}

// exposed is multi_timeout.
func (o *oracle) exposed(now int64) int64 {
	b := -1
	for i, x := range o.xs {
		if x.dirty {
			return 0
		}
		if x.indexed && (b < 0 || x.key < o.xs[b].key) {
			b = i
		}
	}
	if b < 0 {
		return -1
	}
	c := checker{sub: Subject{Spec: o.sp}, phase: o.phase}
	return c.round(o.xs[b].key, now)
}

// ---- clock and trace for a bare multi ----

// vclock is a model.Clock in virtual µs from an epoch at a sub-second
// phase.
type vclock struct {
	epochUs int64
	phase   time.Duration
	now     int64 // virtual µs
}

func newVclock(phase time.Duration) *vclock {
	return &vclock{epochUs: 1_700_000_000_000_000 + phase.Microseconds(), phase: phase}
}

func (c *vclock) Now() time.Time { return model.Micros(c.epochUs + c.now).Time() }
func (c *vclock) us() int64      { return c.now }

// traceSink turns a bare multi's events into canonical records of one
// thread, as sim/scenario does for a simulated one: virtual time, at= and
// key= in virtual µs.
type traceSink struct {
	clock *vclock
	recs  []sim.Record
	onPop func(id int)
}

func (s *traceSink) Trace(ev model.Event) {
	if ev.Kind == model.EvPop {
		s.onPop(ev.Easy)
	}
	fields := make([]sim.Field, len(ev.Fields))
	for i, f := range ev.Fields {
		v := f.Num
		if f.Text == "" && (f.Key == "at" || f.Key == "key") {
			v -= s.clock.epochUs
		}
		fields[i] = sim.F(f.Key, f.Text)
		if f.Text == "" {
			fields[i] = sim.Int(f.Key, v)
		}
	}
	var x int64
	if ev.Easy != model.NoEasy {
		x = int64(ev.Easy)
	}
	s.recs = append(s.recs, sim.Record{At: sim.Time((int64(ev.At) - s.clock.epochUs) * 1000),
		Level: levelOf(ev.Kind), Thread: 1, Transfer: x, Kind: ev.Kind.String(), Fields: fields})
}

// levelOf files an event as sim/scenario does: calls and returns are the
// API, callbacks and messages go to the application, the rest is internal.
func levelOf(k model.EventKind) sim.Level {
	switch k {
	case model.EvCall, model.EvReturn, model.EvWakeup:
		return sim.LevelAPI
	case model.EvTimerCB, model.EvSocketCB, model.EvMsg:
		return sim.LevelCallback
	}
	return sim.LevelInternal
}
