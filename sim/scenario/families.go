package scenario

import (
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

// Family is a ready-made scenario shape: Build gives its scenario for a
// profile, a driver and an epoch phase. The families are the situations
// libcurl's timeouts exist for; they become simrun's built-in catalogue.
type Family struct {
	Name string
	Doc  string
	// Want is the result every transfer of the family should end with.
	Want  model.Result
	build func(s *Scenario)
}

// Build returns the family's scenario under profile p and driver d, with
// the clock starting at the given sub-second phase.
func (f Family) Build(p model.Profile, d Driver, phase time.Duration) Scenario {
	s := Scenario{Name: f.Name, Profile: p, Driver: d, EpochPhase: phase, Seed: 1}
	f.build(&s)
	return s
}

// The server host and name every family uses.
const (
	familyHost = "srv"
	familyName = "example.com"
)

// oneServer gives s a server with behavior b and the name resolving to
// it; 1 ms one-way latency, 1 ms DNS answers unless changed after.
func oneServer(s *Scenario, b string, faults ...string) {
	s.Network.Servers = []Server{{Host: familyHost, Behavior: b, Faults: faults}}
	s.Network.Names = []Name{{Name: familyName, Hosts: []string{familyHost}}}
}

// get adds a GET of the family's name, started at once, with options o
// (Host filled in).
func get(s *Scenario, o model.Options) {
	o.Host = familyName
	s.Transfers = append(s.Transfers, Transfer{Options: &o})
}

// Families lists the built-in families in a fixed order.
func Families() []Family {
	return []Family{
		{Name: "stall", Want: model.OperationTimedout,
			Doc: "the server reads the request and never answers; TIMEOUT_MS 1500",
			build: func(s *Scenario) {
				oneServer(s, "stalled")
				get(s, model.Options{TimeoutMs: 1500})
			}},
		{Name: "blackhole", Want: model.OperationTimedout,
			Doc: "SYNs are dropped, the connect hangs; CONNECTTIMEOUT_MS 700",
			build: func(s *Scenario) {
				oneServer(s, "blackhole")
				get(s, model.Options{ConnectTimeoutMs: 700})
			}},
		{Name: "three", Want: model.OperationTimedout,
			Doc: "three concurrent transfers to a stalled server with TIMEOUT_MS 1300, 500 and 900",
			build: func(s *Scenario) {
				oneServer(s, "stalled")
				for _, ms := range []int64{1300, 500, 900} {
					get(s, model.Options{TimeoutMs: ms})
				}
			}},
		{Name: "lowspeed", Want: model.OperationTimedout,
			Doc: "1 body byte every 300 ms, under LOW_SPEED_LIMIT 10 B/s for LOW_SPEED_TIME 2 s",
			build: func(s *Scenario) {
				oneServer(s, "trickle(300ms,1,100)")
				get(s, model.Options{LowSpeedLimit: 10, LowSpeedTime: 2})
			}},
		{Name: "trickle", Want: model.OperationTimedout,
			Doc: "1 body byte every 300 ms; TIMEOUT_MS 1500 ends it mid-body",
			build: func(s *Scenario) {
				oneServer(s, "trickle(300ms,1,100)")
				get(s, model.Options{TimeoutMs: 1500})
			}},
		{Name: "refused", Want: model.CouldntConnect,
			Doc: "the server host answers the SYN with a reset",
			build: func(s *Scenario) {
				oneServer(s, "refused")
				get(s, model.Options{TimeoutMs: 5000})
			}},
		{Name: "quick", Want: model.OK,
			Doc: "the server answers at once with 5000 body bytes",
			build: func(s *Scenario) {
				oneServer(s, "quick(5000)")
				get(s, model.Options{TimeoutMs: 5000})
			}},
		{Name: "dns-async", Want: model.OperationTimedout,
			Doc: "the threaded resolver needs 1200 ms; CONNECTTIMEOUT_MS 1000 ends the lookup",
			build: func(s *Scenario) {
				oneServer(s, "quick(5000)")
				s.Network.DNSDelay = sim.Const{D: 1200 * time.Millisecond}
				get(s, model.Options{ConnectTimeoutMs: 1000})
			}},
		{Name: "dns-sync", Want: model.CouldntResolveHost,
			Doc: "a synchronous lookup of 1200 ms blocks the thread; alarm() cuts it after 1 s",
			build: func(s *Scenario) {
				oneServer(s, "quick(5000)")
				s.Network.DNSDelay = sim.Const{D: 1200 * time.Millisecond}
				get(s, model.Options{ConnectTimeoutMs: 1000, Resolver: model.ResolveSync})
			}},
	}
}

// FamilyByName returns the family called name.
func FamilyByName(name string) (Family, bool) {
	for _, f := range Families() {
		if f.Name == name {
			return f, true
		}
	}
	return Family{}, false
}
