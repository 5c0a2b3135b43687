package scenario

import (
	"errors"
	"fmt"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// Driver is the kind of application that drives the transfers.
type Driver uint8

// The drivers (see the package doc).
const (
	DriverEasy Driver = iota
	DriverMultiPoll
	DriverSocketExact
	DriverSocketPoll
	numDrivers
)

var driverNames = [numDrivers]string{"easy", "multi-poll", "socket-exact", "socket-poll"}

// String is the driver's name in scenario files and traces.
func (d Driver) String() string {
	if d < numDrivers {
		return driverNames[d]
	}
	return fmt.Sprintf("driver(%d)", uint8(d))
}

// ParseDriver reads a driver name.
func ParseDriver(s string) (Driver, error) {
	for i, n := range driverNames {
		if n == s {
			return Driver(i), nil
		}
	}
	return 0, fmt.Errorf("scenario: unknown driver %q (want easy, multi-poll, socket-exact or socket-poll)", s)
}

// Drivers lists every driver.
func Drivers() []Driver {
	return []Driver{DriverEasy, DriverMultiPoll, DriverSocketExact, DriverSocketPoll}
}

// TraceMode says how much of the trace a run keeps.
type TraceMode uint8

// The trace modes.
const (
	TraceFull TraceMode = iota // keep every record
	TraceHash                  // hash the records, keep none
	TraceOff                   // no trace at all (fastest)
)

// Scenario is one run's description. The zero values of optional fields
// are the defaults named on each.
type Scenario struct {
	Name    string
	Profile model.Profile // required: model.Curl788(), model.Curl8(), ...
	Driver  Driver
	// PollCap is the easy and multi-poll drivers' poll cap; 0 means the
	// profile's (1000 ms).
	PollCap time.Duration
	// Seed determines every random draw.
	Seed uint64
	// EpochPhase is the sub-second phase of the clock at virtual time
	// zero, in whole microseconds within [0, 1s); curl 7.88's millisecond
	// arithmetic depends on it.
	EpochPhase time.Duration
	// Host is the host model; nil means sim.DefaultHost().
	Host *sim.Host
	// Races permutes simultaneous events of different threads (seeded).
	Races bool
	// TimeLimit bounds virtual time; 0 means 10 minutes.
	TimeLimit time.Duration
	// EventBudget bounds the number of kernel events; 0 means sim's default.
	EventBudget uint64
	// Trace selects what the run records; the default keeps everything.
	Trace TraceMode
	// Network is the simulated network the transfers talk to.
	Network Network
	// Stops are stop requests, each from its own stopper thread.
	Stops []Stop
	// Hold, when set, makes each transfer's performing thread hold the
	// transfer's share lock once (easy driver).
	Hold *Hold
	// MaxConnections is CURLMOPT_MAX_TOTAL_CONNECTIONS for each multi
	// (0: no limit); transfers over it wait in PENDING.
	MaxConnections int
	// Transfers are started in order; IDs are 1, 2, ... in this order.
	Transfers []Transfer
}

// DefaultTimeLimit bounds a scenario's virtual time when TimeLimit is 0.
const DefaultTimeLimit = 10 * time.Minute

// Transfer is one transfer of a scenario: when the application starts it
// and what it is, either an HTTP GET with easy options over the simulated
// network, or a scripted transfer (timer operations at given offsets, no
// network).
type Transfer struct {
	// Start is when the application adds the transfer (virtual time).
	Start time.Duration
	// Options makes this a model.Transfer with these easy options.
	Options *model.Options
	// Script makes this a scripted transfer (model.Script).
	Script *model.Script
}

// Validate reports the first problem that would stop the scenario from
// running, with the field it concerns.
func (s *Scenario) Validate() error {
	if s.Profile.Name == "" {
		return errors.New("scenario: no profile")
	}
	if s.Driver >= numDrivers {
		return fmt.Errorf("scenario: unknown driver %d", s.Driver)
	}
	if s.EpochPhase < 0 || s.EpochPhase >= time.Second || s.EpochPhase%time.Microsecond != 0 {
		return fmt.Errorf("scenario: epoch phase %v: want whole microseconds in [0s, 1s)", s.EpochPhase)
	}
	if s.PollCap < 0 || s.TimeLimit < 0 {
		return errors.New("scenario: negative poll cap or time limit")
	}
	if len(s.Transfers) == 0 {
		return errors.New("scenario: no transfers")
	}
	for i, t := range s.Transfers {
		if err := s.validateTransfer(t); err != nil {
			return fmt.Errorf("scenario: transfer %d: %w", i+1, err)
		}
	}
	for i, st := range s.Stops {
		if err := s.validateStop(st); err != nil {
			return fmt.Errorf("scenario: stop %d: %w", i+1, err)
		}
	}
	if s.Hold != nil {
		if s.Driver != DriverEasy || s.Hold.After < 0 || s.Hold.For < 0 {
			return errors.New("scenario: a share-lock hold needs the easy driver and non-negative times")
		}
		if _, err := model.ParseTransferState(orDefault(s.Hold.OnState, "PERFORMING")); err != nil {
			return fmt.Errorf("scenario: hold: %w", err)
		}
	}
	return s.Network.validate()
}

func (s *Scenario) validateTransfer(t Transfer) error {
	if t.Start < 0 {
		return fmt.Errorf("negative start %v", t.Start)
	}
	switch {
	case (t.Script == nil) == (t.Options == nil):
		return errors.New("want exactly one of Options and Script")
	case t.Script != nil:
		return t.Script.Validate(s.Profile)
	}
	return t.Options.Validate()
}

// pollCapMs is the poll cap in whole milliseconds.
func (s *Scenario) pollCapMs() int64 {
	if s.PollCap > 0 {
		return max(1, s.PollCap.Milliseconds())
	}
	return s.Profile.EasyPollCapMs
}

// Result is what a run produced.
type Result struct {
	Scenario string
	Seed     uint64
	Profile  string
	Driver   Driver
	// Outcome is how the kernel's run ended (idle, time limit, livelock...).
	Outcome sim.Outcome
	// Trace is the canonical trace in virtual-time order (TraceFull only).
	Trace []sim.Record
	// Hash is the FNV-1a hash of the trace's canonical lines (TraceFull
	// and TraceHash; in TraceHash mode lines are hashed in execution order).
	Hash uint64
	// Transfers holds one outcome per transfer, in scenario order.
	Transfers []Outcome
	// Stops holds one record per stop request, in scenario order.
	Stops    []StopRecord
	Counters Counters
}

// Outcome is one transfer's end as the application saw it.
type Outcome struct {
	ID      int
	Options model.Options // the transfer's options (zero for a scripted transfer)
	Result  model.Result
	Done    bool     // the application learned of its end before the run stopped
	Removed bool     // the application removed it (wakeup mechanism) before it ended
	Start   sim.Time // when the application added it
	End     sim.Time // when the application read its DONE message
	// State is where the transfer's state machine ended (scripted: none).
	State model.TransferState
	// Bytes is the body bytes received; Xferinfo the progress callback calls.
	Bytes, Xferinfo int64
}

// Elapsed is End − Start in microseconds (0 when not done).
func (o Outcome) Elapsed() int64 {
	if !o.Done {
		return 0
	}
	return o.End.Sub(o.Start).Microseconds()
}

// Counters are the totals reports want from a run.
type Counters struct {
	TimerSet       int // timer callback calls with a positive timeout
	TimerZero      int // ... with 0 (fire as soon as possible)
	TimerDelete    int // ... with −1 (delete the timer)
	TimerRedundant int // calls that re-announced the deadline the application already held
	EmptyFires     int // application timer expiries whose timeout action ran no transfer
	PollWakeups    int // returns from the applications' blocking waits
}

// TimerCalls is the number of timer callback calls of every kind.
func (c Counters) TimerCalls() int { return c.TimerSet + c.TimerZero + c.TimerDelete }
