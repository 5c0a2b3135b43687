package model

import (
	"fmt"
	"strconv"
)

// Tracer receives the model's events as they happen. The Event and its
// Fields are only valid during the call: a Tracer that keeps them copies
// them (AppendText is the usual way). A nil Tracer costs nothing.
type Tracer interface {
	Trace(ev Event)
}

// NoEasy is the Easy column of an event that concerns the whole multi.
const NoEasy = -1

// Event is one thing that happened: when, to which transfer (an Easy's ID,
// or NoEasy), what, and its details as ordered fields.
type Event struct {
	At     Micros
	Easy   int
	Kind   EventKind
	Fields []Field
}

// Field is one key=value detail of an Event: Text when it is a name, else
// Num.
type Field struct {
	Key  string
	Text string
	Num  int64
}

// AppendText appends the canonical line, without a newline:
// `<µs> <easy or -> <kind> k=v k=v`, fields in the order they were
// emitted. It is the golden format of the datadriven tests and what
// determinism is judged on, so it never contains pointers or map order.
func (ev Event) AppendText(b []byte) []byte {
	b = strconv.AppendInt(b, int64(ev.At), 10)
	b = append(b, ' ')
	if ev.Easy == NoEasy {
		b = append(b, '-')
	} else {
		b = strconv.AppendInt(b, int64(ev.Easy), 10)
	}
	b = append(b, ' ')
	b = append(b, ev.Kind.String()...)
	for _, f := range ev.Fields {
		b = append(b, ' ')
		b = append(b, f.Key...)
		b = append(b, '=')
		if f.Text != "" {
			b = append(b, f.Text...)
		} else {
			b = strconv.AppendInt(b, f.Num, 10)
		}
	}
	return b
}

// String is the canonical line.
func (ev Event) String() string { return string(ev.AppendText(nil)) }

// EventKind says what an Event is about.
type EventKind uint8

// The event kinds.
const (
	EvCall     EventKind = iota // an API call begins: fn=
	EvReturn                    // an API call returns: fn= code= and results
	EvExpire                    // a deadline set: id= ms= at=
	EvClear                     // one deadline cleared: id= had=
	EvClearAll                  // every deadline cleared
	EvIndex                     // the splay index changed: op=insert|remove key=
	EvPop                       // a due node left the index: key= dropped= (entries discarded)
	EvRun                       // the multi drives a transfer
	EvDirty                     // a transfer marked to run at once (dirty flag)
	EvFinish                    // a transfer reached its result: result=
	EvDoneProc                  // done-processing runs: premature=
	EvMsg                       // a DONE message queued: result=
	EvTimerCB                   // timer callback called: ms= rc=
	EvSocketCB                  // socket callback called: fd= what= rc=
	EvDead                      // a callback returned −1: the multi is dead
	EvRevive                    // a dead multi with no live transfer accepts new ones
	EvStale                     // a node of a transfer no longer in the multi popped
	EvWakeup                    // Wakeup: effect=
	EvBusy                      // a transfer claimed processing time: us=
	EvState                     // a Transfer changed state: from= to=
	EvNet                       // a Transfer called its Sockets or Resolver: op= and details
	EvXfer                      // a Transfer decision worth reading: what= and details
	EvXferinfo                  // the xferinfo (progress) callback ran: dltotal= dlnow= rc=
	EvWrite                     // the write callback ran: n= rc=
	EvLock                      // a share lock function called: data= access=
	EvUnlock                    // a share unlock function called: data=
	EvStop                      // a stop request's step: what= and details (EasyStop, the checks)
	numEventKinds
)

var eventNames = [numEventKinds]string{
	"call", "return", "expire", "clear", "clearall", "index", "pop", "run", "dirty",
	"finish", "done", "msg", "timer-cb", "socket-cb", "dead", "revive", "stale",
	"wakeup", "busy", "state", "net", "xfer", "xferinfo-cb", "write-cb", "lock", "unlock", "stop",
}

// String is the kind's name in the canonical line.
func (k EventKind) String() string {
	if k < numEventKinds {
		return eventNames[k]
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// tracing collects one event's fields without allocating: the multi owns
// the buffer and hands it to the Tracer for the duration of one call.
type tracing struct {
	tr  Tracer
	buf [8]Field
	ev  Event
}

// begin starts an event; the caller adds fields and calls emit. Only call
// when tr is not nil.
func (t *tracing) begin(at Micros, easy int, kind EventKind) *tracing {
	t.ev = Event{At: at, Easy: easy, Kind: kind, Fields: t.buf[:0]}
	return t
}

func (t *tracing) num(key string, v int64) *tracing {
	t.ev.Fields = append(t.ev.Fields, Field{Key: key, Num: v})
	return t
}

func (t *tracing) text(key, v string) *tracing {
	t.ev.Fields = append(t.ev.Fields, Field{Key: key, Text: v})
	return t
}

func (t *tracing) flag(key string, v bool) *tracing {
	if v {
		return t.text(key, "true")
	}
	return t.text(key, "false")
}

func (t *tracing) emit() { t.tr.Trace(t.ev) }

// EventBuilder adds fields to an event a Behavior emits through Easy.Trace.
// Its zero value, which Trace returns when nothing listens, ignores every
// call, so a Behavior may build events unconditionally; it checks
// Easy.Tracing first only to skip costly field values.
type EventBuilder struct{ t *tracing }

// Num adds a numeric field.
func (b EventBuilder) Num(key string, v int64) EventBuilder {
	if b.t != nil {
		b.t.num(key, v)
	}
	return b
}

// Text adds a name field; an empty value prints as "-" (an empty Text
// would read as the number 0 in the canonical line).
func (b EventBuilder) Text(key, v string) EventBuilder {
	if b.t != nil {
		if v == "" {
			v = "-"
		}
		b.t.text(key, v)
	}
	return b
}

// Flag adds a true/false field.
func (b EventBuilder) Flag(key string, v bool) EventBuilder {
	if b.t != nil {
		b.t.flag(key, v)
	}
	return b
}

// Emit hands the event to the Tracer.
func (b EventBuilder) Emit() {
	if b.t != nil {
		b.t.emit()
	}
}
