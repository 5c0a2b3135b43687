package scenario

import (
	"slices"
	"strconv"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// modelTracer turns the model's events into trace records of the current
// thread, and counts what the counters need whether or not the trace is
// kept.
type modelTracer struct {
	w     *world
	clock *threadClock
	runs  int // EvRun events seen; a driver reads the difference around a call
	// owner is the application thread that drives the multi: only its
	// own API calls cost it CPU (apiCPU).
	owner *sim.Thread
}

// Trace implements model.Tracer.
func (mt *modelTracer) Trace(ev model.Event) {
	switch ev.Kind {
	case model.EvCall:
		mt.apiCPU(ev)
	case model.EvRun:
		mt.runs++
	case model.EvStop:
		if len(ev.Fields) > 0 && ev.Fields[0].Text == "noticed" {
			mt.w.noticed(mt.w.stopperOf(ev.Easy, MechEasyStop), mt.w.virtual(ev.At))
		}
	}
	rec := mt.w.rec
	level := levelOf(ev.Kind)
	if !rec.Enabled(level) {
		return
	}
	fields := make([]sim.Field, len(ev.Fields))
	for i, f := range ev.Fields {
		if f.Text == "" && isTimeField(f.Key) {
			f.Num = int64(mt.w.virtual(model.Micros(f.Num)).Micros())
		}
		fields[i] = sim.Field{Key: f.Key, Value: fieldValue(f)}
	}
	rec.Add(sim.Record{
		At:       mt.w.virtual(ev.At),
		Level:    level,
		Thread:   mt.w.k.Current().ID(),
		Transfer: transferColumn(ev.Easy),
		Kind:     ev.Kind.String(),
		Fields:   fields,
	})
}

// apiCPU claims the CPU cost the host lists for a libcurl API call
// ([host.cpu] entries named after the call: socket_action, perform, add,
// remove, poll, info_read, pause, ...) on the calling application thread,
// before the call does its work: the library's own processing, which the
// model otherwise takes to cost nothing. Calls from other threads (a
// stopper's wakeup) cost their thread nothing here. The entries "run",
// "first" and "finish" are each transfer run's cost instead
// (model.Config.RunCPU, claimed after the run: "first" for a transfer's
// first run, "finish" for the one that ends it, "run" for the others and
// for either when it is absent).
func (mt *modelTracer) apiCPU(ev model.Event) {
	if len(mt.w.apiCost) == 0 || mt.owner == nil || mt.w.k.Current() != mt.owner || len(ev.Fields) == 0 {
		return
	}
	if d := mt.w.apiCost[ev.Fields[0].Text]; d != nil {
		mt.clock.claim(nil, d.Draw(mt.w.apiRNG))
	}
}

// isTimeField reports whether a model event field is an absolute time (a
// deadline, an index key, the start of a slow stretch), which the trace
// shows as virtual µs like the line's own timestamp.
func isTimeField(key string) bool { return key == "at" || key == "key" || key == "since" }

func fieldValue(f model.Field) string {
	if f.Text != "" {
		return f.Text
	}
	return strconv.FormatInt(f.Num, 10)
}

func transferColumn(easy int) int64 {
	if easy == model.NoEasy {
		return 0
	}
	return int64(easy)
}

// levelOf files a model event under a trace level: API calls and returns,
// callbacks into the application, and the model's internals.
func levelOf(k model.EventKind) sim.Level {
	switch k {
	case model.EvCall, model.EvReturn, model.EvWakeup:
		return sim.LevelAPI
	case model.EvTimerCB, model.EvSocketCB, model.EvMsg:
		return sim.LevelCallback
	}
	return sim.LevelInternal
}

// chronological orders kept records by virtual time, stably: a thread that
// claimed processing time stamped lines ahead of the kernel's clock, and
// they belong after what other threads did in the meantime.
func chronological(recs []sim.Record) []sim.Record {
	slices.SortStableFunc(recs, func(a, b sim.Record) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
	return recs
}
