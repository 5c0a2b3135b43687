package reports

import (
	"cmp"
	"maps"
	"slices"
	"strconv"

	"github.com/expirylab/expiry/sim"
)

// MaxLanes bounds a Timeline's lanes: beyond a dozen transfers a lane
// plot stops being readable, and the first ones show the pattern.
const MaxLanes = 12

// Timeline is what one run's trace shows per transfer: its states over
// time, the timers armed for it and when they fired, and stop requests.
// It is small enough to keep in Results, so a report rebuilt from a
// results file still has it.
type Timeline struct {
	Scenario string            `json:"scenario"`
	Profile  string            `json:"profile"`
	Driver   string            `json:"driver"`
	Params   map[string]string `json:"params,omitempty"`
	Seed     uint64            `json:"seed"`
	EndUs    int64             `json:"end_us"` // the last trace record's time
	Lanes    []Lane            `json:"lanes"`
	// Omitted counts the transfers beyond MaxLanes left out.
	Omitted int `json:"omitted_lanes,omitempty"`
}

// Lane is one transfer's row of a Timeline.
type Lane struct {
	Transfer int64   `json:"transfer"`
	Result   string  `json:"result,omitempty"` // from its finish record
	States   []Span  `json:"states"`
	Timers   []Timer `json:"timers,omitempty"`
	FiredUs  []int64 `json:"fired_us,omitempty"` // its index node popped
	StopsUs  []int64 `json:"stops_us,omitempty"` // stop requests
}

// Span is a stretch of time a transfer spent in one state.
type Span struct {
	State  string `json:"state"`
	FromUs int64  `json:"from_us"`
	ToUs   int64  `json:"to_us"`
}

// Timer is one armed timeout (an expire record): armed at ArmedUs for
// DeadlineUs, over at EndUs (due, replaced, cleared, or the trace's end).
type Timer struct {
	ID         string `json:"id"`
	ArmedUs    int64  `json:"armed_us"`
	DeadlineUs int64  `json:"deadline_us"`
	EndUs      int64  `json:"end_us"`
}

// TimelineOf reads the timeline of run out of its full trace (records of
// kinds state, expire, clear, clearall, pop, finish and stop.request). The
// trace must be the run's: replay the scenario with its seed and
// scenario.TraceFull to get it.
func TimelineOf(run Run, trace []sim.Record) Timeline {
	tl := Timeline{Scenario: run.Scenario, Profile: run.Profile, Driver: run.Driver,
		Params: maps.Clone(run.Params), Seed: run.Seed}
	lanes := map[int64]*laneBuilder{}
	for _, rec := range trace {
		tl.EndUs = max(tl.EndUs, rec.At.Micros())
		if rec.Transfer == 0 {
			continue
		}
		lb := lanes[rec.Transfer]
		if lb == nil {
			lb = &laneBuilder{Lane: Lane{Transfer: rec.Transfer}, open: map[string]int{}}
			lanes[rec.Transfer] = lb
		}
		lb.add(rec)
	}
	for _, id := range slices.Sorted(maps.Keys(lanes)) {
		if len(tl.Lanes) == MaxLanes {
			tl.Omitted++
			continue
		}
		tl.Lanes = append(tl.Lanes, lanes[id].finish(tl.EndUs))
	}
	return tl
}

// before orders timelines by (Key, seed), for Merge's choice.
func (t *Timeline) before(o *Timeline) bool {
	k := Key{Scenario: t.Scenario, Profile: t.Profile, Driver: t.Driver, Params: paramString(t.Params)}
	ok := Key{Scenario: o.Scenario, Profile: o.Profile, Driver: o.Driver, Params: paramString(o.Params)}
	return cmp.Or(k.compare(ok), cmp.Compare(t.Seed, o.Seed)) < 0
}

// laneBuilder accumulates one lane; open maps a timer ID to its index in
// Timers while it is pending.
type laneBuilder struct {
	Lane
	open map[string]int
}

func (lb *laneBuilder) add(rec sim.Record) {
	now := rec.At.Micros()
	switch rec.Kind {
	case "state":
		to, _ := rec.Get("to")
		lb.enter(to, now)
	case "expire":
		id, _ := rec.Get("id")
		lb.end(id, now)
		lb.open[id] = len(lb.Timers)
		lb.Timers = append(lb.Timers, Timer{ID: id, ArmedUs: now, DeadlineUs: numField(rec, "at", now), EndUs: -1})
	case "clear":
		id, _ := rec.Get("id")
		lb.end(id, now)
	case "clearall":
		lb.endAll(func(Timer) bool { return true }, now)
	case "pop":
		lb.FiredUs = append(lb.FiredUs, now)
		lb.endAll(func(t Timer) bool { return t.DeadlineUs <= now }, now)
	case "finish":
		lb.Result, _ = rec.Get("result")
	case "stop.request":
		lb.StopsUs = append(lb.StopsUs, now)
	}
}

// enter closes the current state span and opens one for state.
func (lb *laneBuilder) enter(state string, now int64) {
	if n := len(lb.States); n > 0 {
		lb.States[n-1].ToUs = now
	}
	lb.States = append(lb.States, Span{State: state, FromUs: now, ToUs: now})
}

// end closes the pending timer id, if any: replaced or cleared at now,
// or over at its deadline if that came first.
func (lb *laneBuilder) end(id string, now int64) {
	if i, ok := lb.open[id]; ok {
		lb.Timers[i].EndUs = min(now, lb.Timers[i].DeadlineUs)
		delete(lb.open, id)
	}
}

func (lb *laneBuilder) endAll(which func(Timer) bool, now int64) {
	for _, id := range slices.Sorted(maps.Keys(lb.open)) {
		if which(lb.Timers[lb.open[id]]) {
			lb.end(id, now)
		}
	}
}

// finish closes what is still open at the trace's end. A transfer whose
// DONE message is queued is over: its last span ends where it starts
// rather than stretching to the end of the run.
func (lb *laneBuilder) finish(endUs int64) Lane {
	lb.endAll(func(Timer) bool { return true }, endUs)
	if n := len(lb.States); n > 0 && lb.States[n-1].State != "MSGSENT" {
		lb.States[n-1].ToUs = endUs
	}
	return lb.Lane
}

func numField(rec sim.Record, key string, def int64) int64 {
	v, ok := rec.Get(key)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return def
	}
	return n
}
