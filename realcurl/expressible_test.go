//go:build libcurl

package realcurl

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// TestExpressible: each feature real libcurl cannot show is named in the
// error; the scenarios the engine runs are accepted.
func TestExpressible(t *testing.T) {
	base := func() scenario.Scenario { return get(scenario.DriverEasy, "stalled", model.Options{TimeoutMs: 300}) }
	cases := []struct {
		name string
		edit func(s *scenario.Scenario)
		want string // "" means expressible
	}{
		{"plain", func(*scenario.Scenario) {}, ""},
		{"every behaviour", func(s *scenario.Scenario) {
			for i, b := range []string{"trickle(1s,10,100)", "quick(5)", "slow-headers(5s)", "blackhole", "refused", "reset-after(3)", "rate(100,5)"} {
				s.Network.Servers = append(s.Network.Servers, scenario.Server{Host: "srv", Port: 81 + i, Behavior: b})
			}
		}, ""},
		{"wakeup on multi-poll", func(s *scenario.Scenario) {
			s.Driver = scenario.DriverMultiPoll
			s.Stops = []scenario.Stop{{Transfer: 1, Mechanism: scenario.MechWakeup, OnState: "CONNECTING"}}
		}, ""},
		{"easy-stop", func(s *scenario.Scenario) {
			s.Stops = []scenario.Stop{{Transfer: 1, Mechanism: scenario.MechEasyStop}}
		}, "easy-stop mechanism (curl_easy_stop was never built)"},
		{"dns delay", func(s *scenario.Scenario) {
			s.Network.DNSDelay = sim.Const{D: 1200 * time.Millisecond}
		}, "asynchronous DNS delay const(1200ms)"},
		{"scripted", func(s *scenario.Scenario) {
			s.Transfers = append(s.Transfers, scenario.Transfer{Script: &model.Script{}})
		}, "scripted transfer 2"},
		{"hold", func(s *scenario.Scenario) { s.Hold = &scenario.Hold{After: time.Millisecond, For: time.Second} }, "share-lock hold"},
		{"faults", func(s *scenario.Scenario) { s.Network.Servers[0].Faults = []string{"drop-syn"} }, "link faults"},
		{"latency", func(s *scenario.Scenario) { s.Network.Latency = sim.Const{D: 20 * time.Millisecond} }, "network latency"},
		{"bandwidth", func(s *scenario.Scenario) { s.Network.Servers[0].Bandwidth = 1000 }, "bandwidth limit"},
		{"ipv6", func(s *scenario.Scenario) { s.Network.Servers[0].Family = model.IPv6 }, "IPv6 server host srv"},
		{"dns failure", func(s *scenario.Scenario) {
			s.Network.Names = append(s.Network.Names, scenario.Name{Name: "gone.example", Fail: "EAI_NONAME"})
		}, "DNS failure EAI_NONAME"},
		{"two addresses", func(s *scenario.Scenario) {
			s.Network.Servers = append(s.Network.Servers, scenario.Server{Host: "srv2", Behavior: "quick(5)"})
			s.Network.Names[0].Hosts = []string{"srv", "srv2"}
		}, "several addresses"},
		{"unknown name", func(s *scenario.Scenario) { s.Transfers[0].Options.Host = "nowhere.example" }, "unknown name"},
		{"sync resolver", func(s *scenario.Scenario) { s.Transfers[0].Options.Resolver = model.ResolveSync }, "synchronous resolver of transfer 1"},
		{"other state", func(s *scenario.Scenario) {
			s.Stops = []scenario.Stop{{Transfer: 1, Mechanism: scenario.MechXferinfo, OnState: "RESOLVING"}}
		}, "on state RESOLVING"},
		{"easy poll cap", func(s *scenario.Scenario) { s.PollCap = 100 * time.Millisecond }, "easy_perform poll cap 100ms"},
		{"curl-8", func(s *scenario.Scenario) { s.Profile = model.Curl8() }, "profile curl-8"},
		{"bug", func(s *scenario.Scenario) {
			p, err := model.Curl788().WithBug(model.Bug7NoReannounce)
			if err != nil {
				t.Fatal(err)
			}
			s.Profile = p
		}, "profile curl-7.88+bug7"},
	}
	for _, c := range cases {
		s := base()
		c.edit(&s)
		err := Expressible(&s)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v, want expressible", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want an error naming %q", c.name, err, c.want)
		}
	}
}

// TestExpressibleInvalid: an invalid scenario gets its validation error.
func TestExpressibleInvalid(t *testing.T) {
	s := get(scenario.DriverEasy, "stalled", model.Options{})
	s.Transfers = nil
	if err := Expressible(&s); err == nil || !strings.Contains(err.Error(), "no transfers") {
		t.Fatalf("Expressible = %v, want the validation error", err)
	}
}

// TestOptionsCovered fails when model.Options gains a field this engine
// neither maps to libcurl nor rejects: decide which, then list it here.
func TestOptionsCovered(t *testing.T) {
	known := []string{
		"Host", "Port", "Path", // the URL and CURLOPT_RESOLVE
		"TimeoutMs", "ConnectTimeoutMs", "LowSpeedLimit", "LowSpeedTime", "MaxRecvSpeed", "HappyEyeballsTimeoutMs",
		"NoProgress",        // whether the scenario's progress callback runs
		"Xferinfo", "Write", // model code: not expressible
		"WriteDelay",             // a sleep in the write callback
		"PauseAt", "ResumeAfter", // CURL_WRITEFUNC_PAUSE, curl_easy_pause
		"Resolver", // the runtime library's resolver build
		"NoSignal", // CURLOPT_NOSIGNAL is always 1: the threaded resolver needs no alarm
	}
	typ := reflect.TypeFor[model.Options]()
	for i := range typ.NumField() {
		if f := typ.Field(i); !slices.Contains(known, f.Name) {
			t.Errorf("model.Options.%s is new: map it to a libcurl option in xfer.go or reject it in expressible.go", f.Name)
		}
	}
}

// TestParseBehavior reads netsim's text forms and prints them back in
// netsim's canonical form, as the srv.start records show them.
func TestParseBehavior(t *testing.T) {
	for in, want := range map[string]string{
		"stalled":                            "stalled",
		"trickle(300ms, 1, 100)":             "trickle(300ms,1,100)",
		"trickle(total=5,period=1s,bytes=2)": "trickle(1s,2,5)",
		"quick(5000)":                        "quick(5000)",
		"slow-headers(5s)":                   "slow-headers(5s)",
		"slow-headers(1500ms,10)":            "slow-headers(1500ms,10)",
		"reset-after(7)":                     "reset-after(7)",
		"rate(1000,50000)":                   "rate(1000,50000)",
		"blackhole":                          "blackhole",
	} {
		b, err := parseBehavior(in)
		if err != nil || b.String() != want {
			t.Errorf("parseBehavior(%q) = %v, %v; want %s", in, b, err, want)
		}
	}
	if _, err := parseBehavior("teapot(418)"); err == nil {
		t.Error("parseBehavior accepted an unknown behaviour")
	}
}
