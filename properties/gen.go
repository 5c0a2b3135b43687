package properties

import (
	"fmt"
	"time"

	"pgregory.net/rapid"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/netsim"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// Feature is something a generated scenario may use. Swarm testing
// switches a random subset of the allowed features off for each check, so
// that rare interactions are not drowned by everything else at once.
type Feature uint32

// The features.
const (
	FeatScripts        Feature = 1 << iota // scripted transfers (model.Script)
	FeatHTTP                               // HTTP transfers over netsim
	FeatStagger                            // transfers start at different times
	FeatTimeout                            // TIMEOUT_MS (a script's timeout limit)
	FeatConnectTimeout                     // CONNECTTIMEOUT_MS
	FeatLowSpeed                           // LOW_SPEED_LIMIT and LOW_SPEED_TIME
	FeatRateLimit                          // MAX_RECV_SPEED
	FeatEyeballs                           // two address families, a happy-eyeballs delay
	FeatSyncDNS                            // the synchronous resolver (blocks the thread)
	FeatDNSDelay                           // slow DNS answers
	FeatDNSFail                            // names that do not resolve
	FeatFaults                             // link faults
	FeatLatency                            // link latency other than 1 ms, and jitter
	FeatPending                            // a connection limit: transfers wait in PENDING
	FeatBusy                               // scripts claim processing time
	FeatOnDone                             // scripts set timers in their done-processing
	FeatRaces                              // the kernel permutes simultaneous events
	FeatPhase                              // the clock starts at a sub-second phase
	FeatStops                              // stop requests on HTTP transfers (and a share-lock hold)
	FeatPause                              // the write callback pauses a transfer; the application resumes it
	numFeatures        = iota
)

// AllFeatures allows everything.
const AllFeatures Feature = 1<<numFeatures - 1

// DefaultFeatures are what a suite draws from when Options.Features is 0:
// everything but FeatStops, which TestStops adds.
const DefaultFeatures = AllFeatures &^ FeatStops

var featureNames = [numFeatures]string{
	"scripts", "http", "stagger", "timeout", "connect-timeout", "low-speed", "rate-limit",
	"eyeballs", "sync-dns", "dns-delay", "dns-fail", "faults", "latency", "pending", "busy",
	"on-done", "races", "phase", "stops", "pause",
}

// String lists the features, comma separated.
func (f Feature) String() string {
	var s string
	for i, n := range featureNames {
		if f&(1<<i) != 0 {
			if s != "" {
				s += ","
			}
			s += n
		}
	}
	return s
}

// swarm is one check's configuration: the features, server behaviours
// and fault kinds it may use.
type swarm struct {
	feat      Feature
	behaviors []netsim.BehaviorKind
	faults    []netsim.FaultKind
}

func (w swarm) has(f Feature) bool { return w.feat&f != 0 }

// drawSwarm keeps each allowed feature with probability 1/2 (shrinking
// switches them off), and at least one kind of transfer.
func drawSwarm(t *rapid.T, allowed Feature) swarm {
	var w swarm
	for i := range numFeatures {
		f := Feature(1) << i
		if allowed&f != 0 && !rapid.Bool().Draw(t, "off:"+featureNames[i]) {
			w.feat |= f
		}
	}
	if !w.has(FeatScripts | FeatHTTP) {
		w.feat |= allowed & FeatScripts
		if w.feat&FeatScripts == 0 {
			w.feat |= FeatHTTP
		}
	}
	for k := netsim.BehaviorKind(0); k <= netsim.ServeRate; k++ {
		if !rapid.Bool().Draw(t, "off:"+k.String()) {
			w.behaviors = append(w.behaviors, k)
		}
	}
	if len(w.behaviors) == 0 {
		w.behaviors = []netsim.BehaviorKind{netsim.ServeStalled}
	}
	for k := netsim.FaultKind(0); k <= netsim.FaultDelayAccept; k++ {
		if w.has(FeatFaults) && !rapid.Bool().Draw(t, "off:"+k.String()) {
			w.faults = append(w.faults, k)
		}
	}
	return w
}

// scenarioTimeLimit bounds a generated scenario's virtual time: far past
// every limit, fault window and delay the generators draw (at most a few
// seconds), short enough that a transfer that never ends (a trickle with
// no limit) costs little, which keeps shrinking fast.
const scenarioTimeLimit = 30 * time.Second

// Scenarios generates scenarios under o (profiles, drivers, features,
// transfers), switching a random subset of the features, server
// behaviours and fault kinds off for each one (swarm testing). It is what
// TestScenarios, TestDeterminism and TestMetamorphic draw from; use it for
// properties of one's own.
func Scenarios(o Options) *rapid.Generator[scenario.Scenario] {
	return rapid.Custom(func(t *rapid.T) scenario.Scenario { return genScenario(t, o) })
}

// Scripts generates scripted transfers for profile p: the pure timer
// semantics of SPEC §3 with no network. Each arms, clears and re-arms
// timers (delays of 0 and 1 ms favoured), asks to run at once, finishes,
// and, with the features allowed, claims processing time (FeatBusy), has a
// limit (FeatTimeout, FeatConnectTimeout) or sets timers in its
// done-processing (FeatOnDone).
func Scripts(p model.Profile, allowed Feature) *rapid.Generator[*model.Script] {
	return rapid.Custom(func(t *rapid.T) *model.Script {
		return genScript(t, drawSwarm(t, allowed|FeatScripts), p)
	})
}

// genScenario draws a scenario under the options.
func genScenario(t *rapid.T, o Options) scenario.Scenario {
	w := drawSwarm(t, o.features())
	s := scenario.Scenario{
		Name:      "generated",
		Profile:   rapid.SampledFrom(o.profiles()).Draw(t, "profile"),
		Driver:    rapid.SampledFrom(o.drivers()).Draw(t, "driver"),
		Seed:      rapid.Uint64().Draw(t, "seed"),
		TimeLimit: scenarioTimeLimit,
	}
	if w.has(FeatPhase) {
		s.EpochPhase = drawPhase(t)
	}
	s.Races = w.has(FeatRaces) && rapid.Bool().Draw(t, "races")
	if w.has(FeatHTTP) {
		s.Network = genNetwork(t, w)
	}
	n := rapid.IntRange(1, o.maxTransfers()).Draw(t, "transfers")
	for range n {
		s.Transfers = append(s.Transfers, genTransfer(t, w, &s))
	}
	if w.has(FeatPending) && w.has(FeatHTTP) {
		s.MaxConnections = rapid.IntRange(0, n).Draw(t, "max-connections")
	}
	if w.has(FeatStops) {
		genStops(t, &s)
	}
	return s
}

// Stop requests the stop generator draws from.
var (
	stopStates  = []string{"", "RESOLVING", "CONNECTING", "PERFORMING"}
	stopHandles = []scenario.Handle{scenario.HandleStoppable, scenario.HandleStoppable, scenario.HandleNotStoppable, scenario.HandleNoLockFunction}
)

// genStops draws stop requests on the scenario's HTTP transfers: per
// stopped transfer one mechanism (wakeup only with the multi-poll driver,
// whose multi_poll loop multi_wakeup wakes), variant and handle setup,
// and one to three requests (repeats) at random delays, from the run's
// start or a state's entry, by a stopper thread or from inside the
// transfer's progress callback. With the easy driver, the performing
// thread may hold the share lock for a while (Scenario.Hold).
func genStops(t *rapid.T, s *scenario.Scenario) {
	mechs := []scenario.Mechanism{scenario.MechEasyStop, scenario.MechEasyStop, scenario.MechXferinfo, scenario.MechTimeout}
	if s.Driver == scenario.DriverMultiPoll {
		mechs = append(mechs, scenario.MechWakeup)
	}
	for i, tr := range s.Transfers {
		if tr.Options == nil {
			// A scripted transfer has no states and no callbacks: the
			// application can only remove it (multi_wakeup + remove).
			if s.Driver == scenario.DriverMultiPoll && rapid.Bool().Draw(t, "remove?") {
				s.Stops = append(s.Stops, scenario.Stop{Transfer: i + 1, Mechanism: scenario.MechWakeup,
					At: sim.Const{D: drawDur(t, "stop-at", 0, 2*time.Second)}})
			}
			continue
		}
		if !rapid.Bool().Draw(t, "stop?") {
			continue
		}
		m := rapid.SampledFrom(mechs).Draw(t, "mechanism")
		if (s.Driver == scenario.DriverSocketExact || s.Driver == scenario.DriverSocketPoll) && tr.Options.TimeoutMs == 0 {
			// The proposal (like the xferinfo flag) gives an event-driven
			// application no wake-up: a stop is noticed at the transfer's
			// next run, and an idle transfer with no timer never runs
			// again, so the stop is lost. A known gap of the proposal,
			// reported; the generator gives such a transfer a TIMEOUT so
			// that something drives it.
			tr.Options.TimeoutMs = 3000
		}
		variant := rapid.SampledFrom(model.StopPresets()).Draw(t, "variant")
		h := rapid.SampledFrom(stopHandles).Draw(t, "handle")
		n := rapid.IntRange(1, 3).Draw(t, "requests")
		if m == scenario.MechWakeup {
			// The multi-poll driver reads only the first wakeup stopper's
			// flag of a transfer (removeFlagged): repeats are not drawn.
			n = 1
		}
		for range n {
			s.Stops = append(s.Stops, scenario.Stop{Transfer: i + 1, Mechanism: m, Variant: variant, Handle: h,
				At:      sim.Const{D: drawDur(t, "stop-at", 0, 2*time.Second)},
				OnState: rapid.SampledFrom(stopStates).Draw(t, "stop-state"),
				// The scenario's stop from a callback sets the wakeup
				// mechanism's flag without calling multi_wakeup: not drawn.
				FromCallback: m != scenario.MechWakeup && rapid.Bool().Draw(t, "from-callback")})
		}
	}
	if len(s.Stops) > 0 {
		// A stop of a transfer parked in PENDING is never noticed (the
		// model checks at the top of a run, and a parked transfer does
		// not run): a known gap, reported, not drawn.
		s.MaxConnections = 0
	}
	if s.Driver == scenario.DriverEasy && len(s.Stops) > 0 && rapid.Bool().Draw(t, "hold?") {
		s.Hold = &scenario.Hold{OnState: rapid.SampledFrom(stopStates).Draw(t, "hold-state"),
			After: drawDur(t, "hold-after", 0, 500*time.Millisecond), For: drawDur(t, "hold-for", time.Millisecond, time.Second)}
	}
}

// drawPhase favours the phases where curl's split-field arithmetic bites:
// a whole second, just before one, and anything else.
func drawPhase(t *rapid.T) time.Duration {
	us := rapid.OneOf(rapid.SampledFrom([]int64{0, 999_700, 999_999, 500_000}), rapid.Int64Range(0, 999_999)).Draw(t, "phase-us")
	return time.Duration(us) * time.Microsecond
}

// genTransfer draws one transfer: an HTTP GET or a script.
func genTransfer(t *rapid.T, w swarm, s *scenario.Scenario) scenario.Transfer {
	var tr scenario.Transfer
	if w.has(FeatStagger) {
		ms := rapid.IntRange(0, 3000).Draw(t, "start-ms")
		tr.Start = time.Duration(ms) * time.Millisecond
	}
	http := w.has(FeatHTTP) && (!w.has(FeatScripts) || rapid.Bool().Draw(t, "http"))
	if http {
		o := genOptions(t, w, s)
		tr.Options = &o
	} else {
		tr.Script = genScript(t, w, s.Profile)
	}
	return tr
}

// limitMs draws a time limit: small ones (where rounding shows) and
// ordinary ones.
func limitMs(t *rapid.T, label string) int64 {
	return rapid.OneOf(rapid.Int64Range(1, 20), rapid.Int64Range(1, 5000)).Draw(t, label)
}

func genOptions(t *rapid.T, w swarm, s *scenario.Scenario) model.Options {
	o := model.Options{Host: rapid.SampledFrom(names(s)).Draw(t, "host")}
	if w.has(FeatTimeout) && rapid.Bool().Draw(t, "timeout?") {
		o.TimeoutMs = limitMs(t, "timeout-ms")
	}
	if w.has(FeatConnectTimeout) && rapid.Bool().Draw(t, "connect?") {
		o.ConnectTimeoutMs = limitMs(t, "connect-ms")
	}
	if w.has(FeatLowSpeed) && rapid.Bool().Draw(t, "low-speed?") {
		o.LowSpeedLimit = rapid.Int64Range(1, 1000).Draw(t, "low-speed-limit")
		o.LowSpeedTime = rapid.Int64Range(1, 3).Draw(t, "low-speed-time")
	}
	if w.has(FeatRateLimit) && rapid.Bool().Draw(t, "rate?") {
		o.MaxRecvSpeed = rapid.Int64Range(100, 100_000).Draw(t, "max-recv")
	}
	if w.has(FeatEyeballs) && rapid.Bool().Draw(t, "eyeballs?") {
		o.HappyEyeballsTimeoutMs = rapid.Int64Range(1, 500).Draw(t, "eyeballs-ms")
	}
	if w.has(FeatSyncDNS) && rapid.Bool().Draw(t, "sync?") {
		o.Resolver = model.ResolveSync
		o.NoSignal = rapid.Bool().Draw(t, "nosignal")
	}
	if w.has(FeatPause) && rapid.Bool().Draw(t, "pause?") {
		o.PauseAt = rapid.Int64Range(1, 20_000).Draw(t, "pause-at")
		o.ResumeAfter = drawDur(t, "resume-after", 0, 2*time.Second)
	}
	return o
}

func names(s *scenario.Scenario) []string {
	var out []string
	for _, n := range s.Network.Names {
		out = append(out, n.Name)
	}
	return out
}

// genNetwork draws one or two server hosts, the names that lead to them
// and the DNS delay.
func genNetwork(t *rapid.T, w swarm) scenario.Network {
	var n scenario.Network
	hosts := rapid.IntRange(1, 2).Draw(t, "hosts")
	var all []string
	for i := range hosts {
		h := fmt.Sprintf("srv%d", i+1)
		all = append(all, h)
		n.Servers = append(n.Servers, genServer(t, w, h))
	}
	n.Names = []scenario.Name{{Name: "example.com", Hosts: all}}
	if hosts > 1 && rapid.Bool().Draw(t, "second-name") {
		n.Names = append(n.Names, scenario.Name{Name: "two.example", Hosts: []string{all[1]}})
	}
	if w.has(FeatDNSFail) {
		fail := rapid.SampledFrom([]string{"EAI_NONAME", "EAI_AGAIN"}).Draw(t, "dns-fail")
		n.Names = append(n.Names, scenario.Name{Name: "nx.example", Fail: fail})
	}
	if w.has(FeatDNSDelay) {
		n.DNSDelay = sim.Const{D: drawDur(t, "dns-delay", 0, 1500*time.Millisecond)}
	}
	if w.has(FeatLatency) {
		n.Latency = drawLatency(t)
	}
	return n
}

func drawDur(t *rapid.T, label string, lo, hi time.Duration) time.Duration {
	return time.Duration(rapid.Int64Range(int64(lo/time.Microsecond), int64(hi/time.Microsecond)).Draw(t, label)) * time.Microsecond
}

// drawLatency is a constant latency or a uniform jitter.
func drawLatency(t *rapid.T) sim.Dist {
	lo := drawDur(t, "latency", 0, 20*time.Millisecond)
	if rapid.Bool().Draw(t, "jitter") {
		return sim.Uniform{Lo: lo, Hi: lo + drawDur(t, "jitter-span", 0, 5*time.Millisecond)}
	}
	return sim.Const{D: lo}
}

func genServer(t *rapid.T, w swarm, host string) scenario.Server {
	srv := scenario.Server{Host: host, Behavior: genBehavior(t, w).String()}
	if w.has(FeatEyeballs) && rapid.Bool().Draw(t, "ipv6") {
		srv.Family = model.IPv6
	}
	if w.has(FeatFaults) && len(w.faults) > 0 {
		for range rapid.IntRange(0, 2).Draw(t, "faults") {
			srv.Faults = append(srv.Faults, genFault(t, w).String())
		}
	}
	return srv
}

// genBehavior draws a server behaviour with bounded work: at most a few
// thousand body chunks.
func genBehavior(t *rapid.T, w swarm) netsim.Behavior {
	b := netsim.Behavior{Kind: rapid.SampledFrom(w.behaviors).Draw(t, "behavior")}
	switch b.Kind {
	case netsim.ServeTrickle:
		b.Period = drawDur(t, "period", 10*time.Millisecond, time.Second)
		b.Bytes = rapid.Int64Range(1, 100).Draw(t, "chunk")
		b.Size = rapid.Int64Range(0, 2000).Draw(t, "total")
	case netsim.ServeQuick:
		b.Size = rapid.Int64Range(0, 20000).Draw(t, "size")
	case netsim.ServeSlowHeaders:
		b.Delay = drawDur(t, "delay", 0, 3*time.Second)
		b.Size = rapid.Int64Range(0, 5000).Draw(t, "size")
	case netsim.ServeResetAfter:
		b.Bytes = rapid.Int64Range(0, 5000).Draw(t, "reset-bytes")
	case netsim.ServeRate:
		b.Rate = rapid.Int64Range(1000, 100_000).Draw(t, "rate")
		b.Size = rapid.Int64Range(0, 20000).Draw(t, "size")
	}
	return b
}

func genFault(t *rapid.T, w swarm) netsim.Fault {
	f := netsim.Fault{Kind: rapid.SampledFrom(w.faults).Draw(t, "fault")}
	f.At = drawDur(t, "fault-at", 0, 3*time.Second)
	if rapid.Bool().Draw(t, "fault-ends") {
		f.For = drawDur(t, "fault-for", time.Millisecond, 5*time.Second)
	}
	switch f.Kind {
	case netsim.FaultResetAfter:
		f.Bytes = rapid.Int64Range(0, 5000).Draw(t, "fault-bytes")
	case netsim.FaultDelayAccept:
		f.Delay = drawDur(t, "accept-delay", time.Millisecond, 3*time.Second)
	}
	return f
}

// scriptIDs are the timer IDs a generated script plays with: every ID of
// the profile but the two limits, which the script's Limits own.
func scriptIDs(p model.Profile) []model.TimerID {
	var ids []model.TimerID
	for id := model.TimerID(0); id < 32; id++ {
		if p.Timers.Has(id) && id != model.TimerTimeout && id != model.TimerConnectTimeout {
			ids = append(ids, id)
		}
	}
	return ids
}

// genScript draws a script: limits, timed steps (expire, clear, run now,
// busy, finish) at non-decreasing offsets, and done-processing steps.
// Delays favour 0 and 1 ms, where rounding and same-instant rules bite.
func genScript(t *rapid.T, w swarm, p model.Profile) *model.Script {
	sc := &model.Script{}
	if w.has(FeatTimeout) && rapid.Bool().Draw(t, "script-timeout?") {
		sc.Limits.TimeoutMs = limitMs(t, "script-timeout")
	}
	if w.has(FeatConnectTimeout) && rapid.Bool().Draw(t, "script-connect?") {
		sc.Limits.ConnectTimeoutMs = limitMs(t, "script-connect")
	}
	ids := scriptIDs(p)
	var at time.Duration
	for range rapid.IntRange(0, 6).Draw(t, "steps") {
		if rapid.Bool().Draw(t, "later") {
			at += drawDur(t, "gap", 0, 1500*time.Millisecond)
		}
		st := genStep(t, w, ids)
		st.At = at
		sc.Steps = append(sc.Steps, st)
	}
	if w.has(FeatOnDone) {
		for range rapid.IntRange(0, 2).Draw(t, "ondone") {
			sc.OnDone = append(sc.OnDone, expireStep(t, ids))
		}
	}
	return sc
}

func expireStep(t *rapid.T, ids []model.TimerID) model.Step {
	return model.Step{Op: model.OpExpire, Timer: rapid.SampledFrom(ids).Draw(t, "timer"),
		Ms: rapid.OneOf(rapid.SampledFrom([]int64{0, 1, 2}), rapid.Int64Range(0, 3000)).Draw(t, "ms")}
}

func genStep(t *rapid.T, w swarm, ids []model.TimerID) model.Step {
	ops := []model.Op{model.OpExpire, model.OpExpire, model.OpClear, model.OpRunNow, model.OpFinish}
	if w.has(FeatBusy) {
		ops = append(ops, model.OpBusy)
	}
	switch op := rapid.SampledFrom(ops).Draw(t, "op"); op {
	case model.OpClear:
		return model.Step{Op: op, Timer: rapid.SampledFrom(ids).Draw(t, "timer")}
	case model.OpBusy:
		return model.Step{Op: op, Busy: drawDur(t, "busy", time.Microsecond, 2*time.Millisecond)}
	case model.OpFinish:
		r := rapid.SampledFrom([]model.Result{model.OK, model.CouldntConnect, model.RecvError}).Draw(t, "result")
		return model.Step{Op: op, Result: r}
	case model.OpRunNow:
		return model.Step{Op: op}
	}
	return expireStep(t, ids)
}
