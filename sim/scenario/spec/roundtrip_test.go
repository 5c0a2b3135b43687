package spec

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/netsim"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// sameFile compares Files: Path only labels messages, and a script's
// step lines are those of whichever text it was parsed from.
var sameFile = cmp.Options{
	cmpopts.IgnoreFields(File{}, "Path"),
	cmpopts.IgnoreFields(model.Step{}, "Line"),
	cmpopts.IgnoreUnexported(model.Script{}),
	cmpopts.EquateEmpty(),
}

// TestRoundTrip: Format then Parse gives the File back, and so the same
// scenario for any seed, over generated files that use every key.
func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := genFile(t)
		text, err := Format(f)
		if err != nil {
			t.Fatalf("Format: %v", err)
		}
		back, err := Parse("gen.toml", text)
		if err != nil {
			t.Fatalf("Parse: %v\n%s", err, text)
		}
		if diff := cmp.Diff(f, back, sameFile); diff != "" {
			t.Fatalf("parse(format(f)) differs (-f +back):\n%s\n%s", diff, text)
		}
		seed := rapid.Uint64Range(0, 1<<40).Draw(t, "seed")
		for _, g := range slices.Concat(f.Expand()[:1], back.Expand()[:1]) {
			if _, err := g.Scenario(seed); err != nil {
				t.Fatalf("Scenario: %v\n%s", err, text)
			}
		}
		a, _ := f.Expand()[0].Scenario(seed)
		b, _ := back.Expand()[0].Scenario(seed)
		if diff := cmp.Diff(a, b, sameScenario); diff != "" {
			t.Fatalf("scenarios differ (-f +back):\n%s", diff)
		}
		if err := writeDelaysEqual(a, b); err != nil {
			t.Fatal(err)
		}
	})
}

// TestCatalogRoundTrip: every catalogue file formats and parses back to
// itself.
func TestCatalogRoundTrip(t *testing.T) {
	names, _ := catalogFS.ReadDir("catalog/families")
	if len(names) == 0 {
		t.Fatal("no catalogue files")
	}
	for _, dir := range catalogDirs {
		entries, _ := catalogFS.ReadDir(dir)
		for _, e := range entries {
			name := dir + "/" + e.Name()
			data, _ := catalogFS.ReadFile(name)
			f, err := Parse(name, data)
			if err != nil {
				t.Fatal(err)
			}
			text, err := Format(f)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			back, err := Parse(name, text)
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, text)
			}
			if diff := cmp.Diff(f, back, sameFile); diff != "" {
				t.Errorf("%s: (-file +formatted):\n%s", name, diff)
			}
		}
	}
}

// TestFormatRefuses: what a file cannot say is an error, not a silently
// different file.
func TestFormatRefuses(t *testing.T) {
	base := func() File {
		return File{Name: "x", Profiles: []model.Profile{model.Curl8()},
			Transfers: []Transfer{{Options: &model.Options{Host: "h"}}}}
	}
	custom := model.Curl8()
	custom.HappyEyeballsMs = 7
	cases := []struct {
		name string
		edit func(f *File)
		want string
	}{
		{"no profile", func(f *File) { f.Profiles = nil }, "spec: format: no profile"},
		{"custom profile", func(f *File) { f.Profiles[0] = custom },
			`spec: format: profile "curl-8" is not the named profile model.ByName gives`},
		{"func option", func(f *File) { f.Transfers[0].Options.WriteDelay = func(int) time.Duration { return 0 } },
			"spec: format: transfer entry 1: func-valued options cannot be written (use Transfer.WriteDelay)"},
		{"both kinds", func(f *File) { f.Transfers[0].Script = &model.Script{} },
			"spec: format: transfer entry 1: want exactly one of Options and Script"},
		{"big seed", func(f *File) { f.Sweep.Seed = 1 << 63 },
			"spec: format: seed 9223372036854775808 is above 2^63-1, which TOML cannot hold"},
		{"not UTF-8", func(f *File) { f.Doc = "\xff" }, `spec: format: "\xff" is not UTF-8`},
		{"bad enum", func(f *File) { f.Drivers = []scenario.Driver{9} }, "spec: format: driver: driver(9) is out of range"},
		{"foreign dist", func(f *File) { f.Network.Latency = sim.Uniform{Lo: 2, Hi: 1} },
			"spec: format: latency: distribution uniform(2ns,1ns) does not read back from its text"},
	}
	for _, c := range cases {
		f := base()
		c.edit(&f)
		_, err := Format(f)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: Format error %v, want %s", c.name, err, c.want)
		}
	}
}

// Generators of valid files. Each draws only what Parse accepts, and
// uses every key somewhere.

var (
	genProfiles  = []string{"curl-7.88", "curl-8", "curl-8.21", "curl-8+bug7", "curl-7.88+bug2", "curl-8+bug12"}
	genBehaviors = []string{"stalled", "blackhole", "refused", "quick(5000)", "trickle(300ms,1,100)"}
	genFaults    = []string{"stall(at=2s,for=5s)", "drop-syn", "refuse"}
	genScripts   = []string{
		"timeout 5000\n0s expire TIMEOUT 5000\n5s finish OPERATION_TIMEDOUT\n",
		"0s expire SPEEDCHECK 1000; 1s clear SPEEDCHECK; 1500ms busy 250us; 2s finish OK",
		"connecttimeout 300\n0s socket 7 out\n10ms connected\nondone expire CONNECTTIMEOUT 5\n",
	}
	genStates = []string{"", "RESOLVING", "CONNECTING", "PERFORMING"}
)

// genDist draws a distribution of every kind.
func genDist(t *rapid.T, label string) sim.Dist {
	ms := func(l string) time.Duration {
		return time.Duration(rapid.Int64Range(0, 5000).Draw(t, l)) * time.Microsecond
	}
	switch rapid.IntRange(0, 4).Draw(t, label) {
	case 0:
		return sim.Const{D: ms(label + ".d")}
	case 1:
		lo := ms(label + ".lo")
		return sim.Uniform{Lo: lo, Hi: lo + ms(label+".span")}
	case 2:
		return sim.Exp{Mean: ms(label + ".mean")}
	case 3:
		return sim.LogNormal{Median: ms(label+".median") + 1, Sigma: rapid.Float64Range(0, 2).Draw(t, label+".sigma")}
	}
	return sim.Empirical{Samples: rapid.SliceOfN(rapid.Custom(func(t *rapid.T) time.Duration { return ms("s") }), 1, 4).Draw(t, label+".samples")}
}

// maybeDist is nil or a distribution.
func maybeDist(t *rapid.T, label string) sim.Dist {
	if rapid.Bool().Draw(t, label+"?") {
		return genDist(t, label)
	}
	return nil
}

func genDuration(t *rapid.T, label string) time.Duration {
	return time.Duration(rapid.Int64Range(0, 1e12).Draw(t, label))
}

// distinct draws a non-empty list of distinct elements of from.
func distinct[T any](t *rapid.T, from []T, label string) []T {
	idx := rapid.SliceOfNDistinct(rapid.IntRange(0, len(from)-1), 1, len(from), rapid.ID).Draw(t, label)
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = from[j]
	}
	return out
}

func genFile(t *rapid.T) File {
	f := File{
		Name:        rapid.String().Draw(t, "name"),
		Doc:         rapid.String().Draw(t, "doc"),
		EpochPhase:  time.Duration(rapid.Int64Range(0, 999999).Draw(t, "phase")) * time.Microsecond,
		Races:       rapid.Bool().Draw(t, "races"),
		TimeLimit:   genDuration(t, "limit"),
		EventBudget: rapid.Uint64Range(0, 1<<63-1).Draw(t, "budget"),
	}
	if rapid.Bool().Draw(t, "random-phase") {
		f.EpochPhase, f.RandomPhase = 0, true
	}
	for _, n := range distinct(t, genProfiles, "profiles") {
		p, err := model.ByName(n)
		if err != nil {
			t.Fatal(err)
		}
		f.Profiles = append(f.Profiles, p)
	}
	f.Drivers, f.PollCaps = genAxes(t)
	f.Sweep = genSweep(t)
	f.MaxConnections = rapid.IntRange(0, 10).Draw(t, "maxconn")
	if rapid.Bool().Draw(t, "host?") {
		f.Host = genHost(t)
	}
	f.Network = genNetwork(t)
	f.Transfers = genTransfers(t, f.Network.Names)
	f.Stops = genStops(t, &f)
	if (len(f.Drivers) == 0 || slices.Equal(f.Drivers, []scenario.Driver{scenario.DriverEasy})) && rapid.Bool().Draw(t, "hold?") {
		f.Hold = &scenario.Hold{OnState: rapid.SampledFrom(genStates).Draw(t, "hold.state"),
			After: genDuration(t, "hold.after"), For: genDuration(t, "hold.for")}
	}
	return f
}

func genAxes(t *rapid.T) ([]scenario.Driver, []time.Duration) {
	var drivers []scenario.Driver
	if rapid.Bool().Draw(t, "drivers?") {
		drivers = distinct(t, scenario.Drivers(), "drivers")
	}
	var caps []time.Duration
	if rapid.Bool().Draw(t, "caps?") {
		caps = distinct(t, []time.Duration{0, time.Millisecond, 10 * time.Millisecond, time.Second, 1500 * time.Microsecond}, "caps")
	}
	return drivers, caps
}

func genSweep(t *rapid.T) Sweep {
	if rapid.Bool().Draw(t, "seeds?") {
		return Sweep{Seed: DefaultSeed, Runs: 1,
			Seeds: rapid.SliceOfNDistinct(rapid.Uint64Range(0, 1<<63-1), 1, 5, rapid.ID).Draw(t, "seeds")}
	}
	return Sweep{Seed: rapid.Uint64Range(0, 1<<63-1).Draw(t, "seed"), Runs: rapid.IntRange(1, MaxRuns).Draw(t, "runs")}
}

func genHost(t *rapid.T) *sim.Host {
	h := &sim.Host{
		SlackDiv:      rapid.Int64Range(0, 10000).Draw(t, "slackdiv"),
		NicedSlackDiv: rapid.Int64Range(0, 10000).Draw(t, "nicediv"),
		SlackMax:      genDuration(t, "slackmax"),
		SlackMin:      genDuration(t, "slackmin"),
		Fire:          rapid.SampledFrom([]sim.SlackFire{sim.FireEnd, sim.FireUniform, sim.FireStart}).Draw(t, "fire"),
		WakeLatency:   genDist(t, "wake"),
		StepCPU:       maybeDist(t, "stepcpu"),
		TimerLatency:  maybeDist(t, "timerlat"),
	}
	for _, n := range rapid.SliceOfDistinct(rapid.String(), rapid.ID).Draw(t, "cpu") {
		if h.CPU == nil {
			h.CPU = map[string]sim.Dist{}
		}
		h.CPU[n] = genDist(t, "cpu."+n)
	}
	return h
}

func genNetwork(t *rapid.T) scenario.Network {
	n := scenario.Network{Latency: maybeDist(t, "latency"), DNSDelay: maybeDist(t, "dns")}
	n.Params = netsim.Config{
		SendBuf: rapid.IntRange(0, 1<<20).Draw(t, "sendbuf"), RecvBuf: rapid.IntRange(0, 1<<20).Draw(t, "recvbuf"),
		MSS: rapid.IntRange(0, 9000).Draw(t, "mss"), SynRetries: rapid.IntRange(0, 6).Draw(t, "synretries"),
		SynRTO: genDuration(t, "synrto"), RTO: genDuration(t, "rto"), RTOMax: genDuration(t, "rtomax"),
		Retries: rapid.IntRange(0, 15).Draw(t, "retries"), WakeBuf: rapid.IntRange(0, 4096).Draw(t, "wakebuf"),
	}
	hosts := rapid.SliceOfDistinct(rapid.StringMatching(`srv[0-9]`), rapid.ID).Draw(t, "hosts")
	for _, h := range hosts {
		n.Servers = append(n.Servers, genServer(t, h))
		if rapid.Bool().Draw(t, "second port?") {
			n.Servers = append(n.Servers, scenario.Server{Host: h, Port: 8080, Behavior: rapid.SampledFrom(genBehaviors).Draw(t, "behavior")})
		}
	}
	for i, name := range rapid.SliceOfDistinct(rapid.StringMatching(`[a-z]{1,8}\.example`), rapid.ID).Draw(t, "names") {
		nm := scenario.Name{Name: name}
		if len(hosts) == 0 || rapid.Bool().Draw(t, fmt.Sprintf("fail%d", i)) {
			nm.Fail = rapid.SampledFrom([]string{"EAI_NONAME", "EAI_AGAIN"}).Draw(t, "fail")
		} else {
			nm.Hosts = distinct(t, hosts, "name.hosts")
			nm.Cached = rapid.Bool().Draw(t, "cached")
		}
		n.Names = append(n.Names, nm)
	}
	return n
}

func genServer(t *rapid.T, host string) scenario.Server {
	s := scenario.Server{
		Host:      host,
		Port:      rapid.SampledFrom([]int{0, 80, 443}).Draw(t, "port"),
		Behavior:  rapid.SampledFrom(genBehaviors).Draw(t, "behavior"),
		Family:    rapid.SampledFrom([]model.Family{model.IPv4, model.IPv6}).Draw(t, "family"),
		Latency:   maybeDist(t, "server.latency"),
		Bandwidth: rapid.Int64Range(0, 1e9).Draw(t, "bandwidth"),
	}
	if rapid.Bool().Draw(t, "faults?") {
		s.Faults = rapid.SliceOfN(rapid.SampledFrom(genFaults), 0, 3).Draw(t, "faults")
	}
	return s
}

func genTransfers(t *rapid.T, names []scenario.Name) []Transfer {
	var out []Transfer
	for i := range rapid.IntRange(1, 4).Draw(t, "transfers") {
		tr := Transfer{Start: genDuration(t, "start"), Count: rapid.IntRange(0, 3).Draw(t, "count")}
		if rapid.IntRange(0, 3).Draw(t, fmt.Sprintf("kind%d", i)) == 0 {
			sc, err := model.ParseScript(rapid.SampledFrom(genScripts).Draw(t, "script"))
			if err != nil {
				t.Fatal(err)
			}
			tr.Script = sc
		} else {
			tr.Options = genOptions(t, names)
			tr.WriteDelay = maybeDist(t, "writedelay")
		}
		out = append(out, tr)
	}
	return out
}

func genOptions(t *rapid.T, names []scenario.Name) *model.Options {
	hosts := []string{"10.0.0.1", "nowhere.example"}
	for _, n := range names {
		hosts = append(hosts, n.Name)
	}
	ms := func(l string) int64 { return rapid.Int64Range(0, 1e7).Draw(t, l) }
	return &model.Options{
		Host: rapid.SampledFrom(hosts).Draw(t, "host"), Port: rapid.IntRange(0, 65535).Draw(t, "port"),
		Path:      rapid.SampledFrom([]string{"", "/", "/a/b?c=d"}).Draw(t, "path"),
		TimeoutMs: ms("timeout"), ConnectTimeoutMs: ms("connecttimeout"),
		LowSpeedLimit: ms("lowspeedlimit"), LowSpeedTime: rapid.Int64Range(0, 1000).Draw(t, "lowspeedtime"),
		MaxRecvSpeed: ms("maxrecv"), HappyEyeballsTimeoutMs: ms("he"),
		NoProgress: rapid.Bool().Draw(t, "noprogress"),
		Resolver:   rapid.SampledFrom([]model.ResolverKind{model.ResolveAsync, model.ResolveSync}).Draw(t, "resolver"),
		NoSignal:   rapid.Bool().Draw(t, "nosignal"),
		PauseAt:    ms("pauseat"), ResumeAfter: time.Duration(ms("resumeafter")) * time.Millisecond,
	}
}

// genStops draws stops of HTTP transfers; wakeup only when every driver
// is multi-poll.
func genStops(t *rapid.T, f *File) []scenario.Stop {
	var http []int
	id := 0
	for _, tr := range f.Transfers {
		for range tr.copies() {
			id++
			if tr.Options != nil {
				http = append(http, id)
			}
		}
	}
	if len(http) == 0 {
		return nil
	}
	mechs := []scenario.Mechanism{scenario.MechEasyStop, scenario.MechXferinfo, scenario.MechTimeout}
	if slices.Equal(f.Drivers, []scenario.Driver{scenario.DriverMultiPoll}) {
		mechs = append(mechs, scenario.MechWakeup)
	}
	var out []scenario.Stop
	for range rapid.IntRange(0, 3).Draw(t, "stops") {
		out = append(out, scenario.Stop{
			Transfer:     rapid.SampledFrom(http).Draw(t, "stop.transfer"),
			Mechanism:    rapid.SampledFrom(mechs).Draw(t, "mechanism"),
			Variant:      rapid.SampledFrom(append([]string{"", "idle=latch,race=stop-wins"}, model.StopPresets()...)).Draw(t, "variant"),
			At:           maybeDist(t, "at"),
			OnState:      rapid.SampledFrom(genStates).Draw(t, "onstate"),
			Handle:       rapid.SampledFrom([]scenario.Handle{scenario.HandleStoppable, scenario.HandleNotStoppable, scenario.HandleNoLockFunction}).Draw(t, "handle"),
			FromCallback: rapid.Bool().Draw(t, "fromcallback"),
		})
	}
	return out
}
