package netsim

import (
	"fmt"
	"time"
)

// FaultKind is what a fault does to a link.
type FaultKind uint8

// The fault kinds. Each is active from At for For (for ever when For is
// zero) and applies to both directions of the link.
const (
	// FaultStall holds every segment that would arrive while the fault is
	// active until it ends: a frozen middlebox or a congested path.
	// Connections survive; data arrives late, in order.
	FaultStall FaultKind = iota
	// FaultPartition loses every segment sent while it is active. TCP
	// retransmits lost data on its backed-off schedule (Config.RTO) and
	// the sender gives up with ETIMEDOUT after Config.Retries; a lost SYN
	// is retried by the connect's SYN schedule.
	FaultPartition
	// FaultResetAfter resets a connection once Bytes of data (both
	// directions together) have crossed it: the receiver of the byte past
	// Bytes gets the first Bytes only, then ECONNRESET; the other end
	// hears the reset one latency later.
	FaultResetAfter
	// FaultDropSYN drops connection requests: a black hole. A connect
	// gets no answer and fails with ETIMEDOUT after its SYN retries.
	FaultDropSYN
	// FaultRefuse answers connection requests with a reset, like a
	// firewall's REJECT: the connect fails with ECONNREFUSED.
	FaultRefuse
	// FaultDelayAccept answers each connection request Delay late: an
	// overloaded listener's SYN backlog.
	FaultDelayAccept
	numFaultKinds
)

var faultForms = [numFaultKinds]form{
	FaultStall:       {"stall", window(nil)},
	FaultPartition:   {"partition", window(nil)},
	FaultResetAfter:  {"reset-after", window([]param{{key: "bytes"}})},
	FaultDropSYN:     {"drop-syn", window(nil)},
	FaultRefuse:      {"refuse", window(nil)},
	FaultDelayAccept: {"delay-accept", window([]param{{key: "delay", dur: true, pos: true}})},
}

// window appends the at= and for= parameters every fault has.
func window(ps []param) []param {
	return append(ps,
		param{key: "at", dur: true, opt: true, keyed: true},
		param{key: "for", dur: true, opt: true, keyed: true, pos: true})
}

// String names the kind as its text form does.
func (k FaultKind) String() string {
	if k < numFaultKinds {
		return faultForms[k].name
	}
	return fmt.Sprintf("FaultKind(%d)", uint8(k))
}

// Fault is a declarative fault policy of a link. Its text form, String,
// reads back with ParseFault:
//
//	stall(at=2s,for=5s)  partition(at=1s)  reset-after(1000)
//	drop-syn  refuse(for=10s)  delay-accept(3s)
type Fault struct {
	Kind  FaultKind
	At    time.Duration // when the fault starts
	For   time.Duration // how long it lasts; zero: for ever
	Bytes int64         // FaultResetAfter: bytes that cross before the reset
	Delay time.Duration // FaultDelayAccept: how late requests are answered
}

// slots returns pointers to the fault's parameters in its form's order.
func (f *Fault) slots() []*int64 {
	at, forr := (*int64)(&f.At), (*int64)(&f.For)
	switch f.Kind {
	case FaultResetAfter:
		return []*int64{&f.Bytes, at, forr}
	case FaultDelayAccept:
		return []*int64{(*int64)(&f.Delay), at, forr}
	}
	return []*int64{at, forr}
}

func (f Fault) values() []int64 {
	var vals []int64
	for _, p := range f.slots() {
		vals = append(vals, *p)
	}
	return vals
}

// String returns the canonical text form.
func (f Fault) String() string {
	if f.Kind >= numFaultKinds {
		return f.Kind.String()
	}
	return formatForm(faultForms[f.Kind], f.values())
}

// Validate reports a kind or parameter out of range.
func (f Fault) Validate() error {
	if f.Kind >= numFaultKinds {
		return errorf("unknown %v", f.Kind)
	}
	return checkValues("fault", faultForms[f.Kind], f.values())
}

// ParseFault reads a fault's text form. Errors name the column.
func ParseFault(s string) (Fault, error) {
	k, vals, err := parseForm("fault", s, faultForms[:])
	if err != nil {
		return Fault{}, err
	}
	f := Fault{Kind: FaultKind(k)}
	for i, p := range f.slots() {
		*p = vals[i]
	}
	return f, nil
}

// active reports whether the fault is in force at t.
func (f *Fault) active(t time.Duration) bool {
	return t >= f.At && (f.For == 0 || t-f.At < f.For)
}

// end is when the fault stops, or never.
func (f *Fault) end() time.Duration {
	if f.For == 0 {
		return never
	}
	return satAdd(f.At, f.For)
}
