package spec

import (
	"errors"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// Limits on what one file may ask for, so that a typo cannot make Parse
// or a sweep allocate without bound.
const (
	// MaxTransfers bounds the transfers of a file, counting every copy
	// (the scale target is 100 000).
	MaxTransfers = 1_000_000
	// MaxRuns bounds a sweep's runs.
	MaxRuns = 10_000_000
	// MaxCombos bounds the combinations of profile, driver and poll cap.
	MaxCombos = 10_000
)

// This file is the schema: one decoding function per table, each reading
// its keys in the order Format writes them (the order also decides which
// known key an unknown one is compared with first).

// top decodes the top-level table.
func (d *decoder) top(t *table) File {
	f := File{Path: d.file, Name: strings.TrimSuffix(path.Base(d.file), ".toml")}
	t.str("name", &f.Name)
	t.str("doc", &f.Doc)
	f.Profiles = d.profiles(t)
	f.Drivers = d.drivers(t)
	f.PollCaps = d.pollCaps(t)
	f.Sweep = d.sweep(t)
	d.epochPhase(t, &f.EpochPhase, &f.RandomPhase)
	t.boolean("races", &f.Races)
	t.duration("time_limit", &f.TimeLimit)
	integer(t, "event_budget", 0, math.MaxInt64, &f.EventBudget)
	integer(t, "max_connections", 0, math.MaxInt32, &f.MaxConnections)
	if h := t.subTable("host", "[host]"); h != nil {
		f.Host = d.host(h)
	}
	if n := t.subTable("network", "[network]"); n != nil {
		d.network(n, &f.Network)
	}
	for _, s := range t.tables("servers", "[[servers]]") {
		f.Network.Servers = append(f.Network.Servers, d.server(s))
	}
	for _, n := range t.tables("names", "[[names]]") {
		f.Network.Names = append(f.Network.Names, d.name(n))
	}
	for _, tr := range t.tables("transfers", "[[transfers]]") {
		f.Transfers = append(f.Transfers, d.transfer(tr))
	}
	for _, s := range t.tables("stops", "[[stops]]") {
		f.Stops = append(f.Stops, d.stop(s))
	}
	if h := t.subTable("hold", "[hold]"); h != nil {
		f.Hold = d.hold(h)
	}
	t.finish()
	return f
}

// profiles reads `profile`: a name or a list of names.
func (d *decoder) profiles(t *table) []model.Profile {
	f, ok := t.field("profile")
	if !ok {
		t.missing("profile", `a profile name like "curl-8" or "curl-7.88+bug7", or a list of them`)
		return nil
	}
	var out []model.Profile
	seen := map[string]bool{}
	for _, e := range oneOrList(f, "a profile name or a list of them") {
		if p, ok := parseField(e, model.ByName); ok && once(e, p.Name, seen) {
			out = append(out, p)
		}
	}
	return out
}

// once records name in seen, or an error when it is there already: a
// repeated axis value would repeat a scenario under the same name.
func once(e field, name string, seen map[string]bool) bool {
	if seen[name] {
		e.fail("%s is listed twice", name)
		return false
	}
	seen[name] = true
	return true
}

// drivers reads `driver`: a name or a list of names.
func (d *decoder) drivers(t *table) []scenario.Driver {
	f, ok := t.field("driver")
	if !ok {
		return nil
	}
	var out []scenario.Driver
	seen := map[string]bool{}
	for _, e := range oneOrList(f, "a driver name or a list of them") {
		if v, ok := parseField(e, scenario.ParseDriver); ok && once(e, v.String(), seen) {
			out = append(out, v)
		}
	}
	return out
}

// pollCaps reads `poll_cap`: a duration or a list of them.
func (d *decoder) pollCaps(t *table) []time.Duration {
	f, ok := t.field("poll_cap")
	if !ok {
		return nil
	}
	var out []time.Duration
	seen := map[string]bool{}
	for _, e := range oneOrList(f, "a duration or a list of them") {
		if v, ok := e.duration(); ok && once(e, sim.FormatDuration(v), seen) {
			out = append(out, v)
		}
	}
	return out
}

// oneOrList is f's elements, which must be at least one.
func oneOrList(f field, want string) []field {
	es := f.oneOrList()
	if len(es) == 0 {
		f.fail("empty list (want %s)", want)
	}
	return es
}

// sweep reads seed, runs and seeds.
func (d *decoder) sweep(t *table) Sweep {
	s := Sweep{Seed: DefaultSeed, Runs: 1}
	integer(t, "seed", 0, math.MaxInt64, &s.Seed)
	integer(t, "runs", 1, MaxRuns, &s.Runs)
	f, ok := t.field("seeds")
	if !ok {
		return s
	}
	_, hasSeed := t.m["seed"]
	_, hasRuns := t.m["runs"]
	if hasSeed || hasRuns {
		f.fail("give either seeds or seed and runs, not both")
	}
	es, ok := f.list("an array of seeds")
	if ok && len(es) == 0 {
		f.fail("empty list (want at least one seed)")
	}
	seen := map[string]bool{}
	for _, e := range es {
		if n, ok := e.integer(0, math.MaxInt64); ok && once(e, strconv.FormatInt(n, 10), seen) {
			s.Seeds = append(s.Seeds, uint64(n))
		}
	}
	return s
}

// epochPhase reads epoch_phase: whole microseconds within a second, or
// "random" (a phase per run, drawn from its seed).
func (d *decoder) epochPhase(t *table, dst *time.Duration, random *bool) {
	f, ok := t.field("epoch_phase")
	if !ok {
		return
	}
	if s, isStr := f.v.(string); isStr && s == "random" {
		*random = true
		return
	}
	v, ok := f.duration()
	switch {
	case !ok:
	case v >= time.Second || v%time.Microsecond != 0:
		f.fail("%v is not whole microseconds in [0s, 1s)", v)
	default:
		*dst = v
	}
}

// host reads [host]: sim.DefaultHost with the keys given replaced.
func (d *decoder) host(t *table) *sim.Host {
	h := sim.DefaultHost()
	integer(t, "slack_div", 0, math.MaxInt64, &h.SlackDiv)
	integer(t, "niced_slack_div", 0, math.MaxInt64, &h.NicedSlackDiv)
	t.duration("slack_max", &h.SlackMax)
	t.duration("slack_min", &h.SlackMin)
	enum(t, "fire", sim.ParseSlackFire, &h.Fire)
	t.dist("wake_latency", &h.WakeLatency)
	t.dist("timer_latency", &h.TimerLatency)
	t.dist("step_cpu", &h.StepCPU)
	if c := t.subTable("cpu", "[host.cpu]"); c != nil {
		h.CPU = map[string]sim.Dist{}
		for name := range c.m {
			var dist sim.Dist
			c.dist(name, &dist)
			h.CPU[name] = dist
		}
	}
	t.finish()
	return &h
}

// network reads [network]: defaults of the links and DNS, and netsim's
// parameters (0 keeps netsim's default).
func (d *decoder) network(t *table, n *scenario.Network) {
	t.dist("latency", &n.Latency)
	t.dist("dns_delay", &n.DNSDelay)
	p := &n.Params
	integer(t, "send_buf", 0, math.MaxInt32, &p.SendBuf)
	integer(t, "recv_buf", 0, math.MaxInt32, &p.RecvBuf)
	integer(t, "mss", 0, math.MaxInt32, &p.MSS)
	// Retransmission intervals double: 30 doublings outlast any run.
	integer(t, "syn_retries", 0, 30, &p.SynRetries)
	t.duration("syn_rto", &p.SynRTO)
	t.duration("rto", &p.RTO)
	t.duration("rto_max", &p.RTOMax)
	integer(t, "retries", 0, 30, &p.Retries)
	integer(t, "wake_buf", 0, math.MaxInt32, &p.WakeBuf)
	t.finish()
}

// server reads one [[servers]] entry.
func (d *decoder) server(t *table) scenario.Server {
	var s scenario.Server
	t.need("host", "the server host's name")
	t.str("host", &s.Host)
	integer(t, "port", 0, 65535, &s.Port)
	t.need("behavior", `netsim's server behaviour: "stalled", "quick(5000)", "trickle(300ms,1,100)"...`)
	if f, ok := t.field("behavior"); ok {
		if b, ok := f.str(); ok && d.behavior(f, b) {
			s.Behavior = b
		}
	}
	enum(t, "family", parseFamily, &s.Family)
	t.dist("latency", &s.Latency)
	integer(t, "bandwidth", 0, math.MaxInt64, &s.Bandwidth)
	if f, ok := t.field("faults"); ok {
		es, _ := f.list("an array of fault strings")
		s.Faults = []string{}
		for _, e := range es {
			if v, ok := e.str(); ok && d.fault(e, v) {
				s.Faults = append(s.Faults, v)
			}
		}
	}
	t.finish()
	return s
}

// parseFamily reads "ipv4" or "ipv6" (model has no parser for them).
func parseFamily(s string) (model.Family, error) {
	for _, f := range []model.Family{model.IPv4, model.IPv6} {
		if f.String() == s {
			return f, nil
		}
	}
	return 0, errors.New(`unknown family ` + quote(s) + ` (want ipv4 or ipv6)`)
}

// name reads one [[names]] entry.
func (d *decoder) name(t *table) scenario.Name {
	var n scenario.Name
	t.need("name", "the DNS name")
	t.str("name", &n.Name)
	if f, ok := t.field("hosts"); ok {
		es, _ := f.list("an array of server host names")
		n.Hosts = []string{}
		for _, e := range es {
			if h, ok := e.str(); ok {
				n.Hosts = append(n.Hosts, h)
			}
		}
	}
	if f, ok := t.field("fail"); ok {
		if v, ok := f.str(); ok && v != "EAI_NONAME" && v != "EAI_AGAIN" {
			f.fail(`want "EAI_NONAME" or "EAI_AGAIN", have %q`, v)
		} else {
			n.Fail = v
		}
	}
	t.boolean("cached", &n.Cached)
	t.finish()
	return n
}

// transfer reads one [[transfers]] entry: the HTTP options or a script.
func (d *decoder) transfer(t *table) Transfer {
	var tr Transfer
	t.duration("start", &tr.Start)
	integer(t, "count", 1, MaxTransfers, &tr.Count)
	o := d.options(t)
	t.dist("write_delay", &tr.WriteDelay)
	if f, ok := t.field("script"); ok {
		tr.Script = d.script(f)
	}
	d.transferKind(t, &tr, o)
	t.finish()
	return tr
}

// optionKeys are the keys of an HTTP transfer, which a scripted one must
// not have.
var optionKeys = []string{"host", "port", "path", "timeout_ms", "connect_timeout_ms",
	"low_speed_limit", "low_speed_time", "max_recv_speed", "happy_eyeballs_timeout_ms",
	"noprogress", "resolver", "nosignal", "write_delay", "pause_at", "resume_after"}

// options reads the easy options.
func (d *decoder) options(t *table) *model.Options {
	o := &model.Options{}
	t.str("host", &o.Host)
	integer(t, "port", 0, 65535, &o.Port)
	t.str("path", &o.Path)
	integer(t, "timeout_ms", 0, math.MaxInt64, &o.TimeoutMs)
	integer(t, "connect_timeout_ms", 0, math.MaxInt64, &o.ConnectTimeoutMs)
	integer(t, "low_speed_limit", 0, math.MaxInt64, &o.LowSpeedLimit)
	integer(t, "low_speed_time", 0, math.MaxInt64, &o.LowSpeedTime)
	integer(t, "max_recv_speed", 0, math.MaxInt64, &o.MaxRecvSpeed)
	integer(t, "happy_eyeballs_timeout_ms", 0, math.MaxInt64, &o.HappyEyeballsTimeoutMs)
	t.boolean("noprogress", &o.NoProgress)
	enum(t, "resolver", model.ParseResolverKind, &o.Resolver)
	t.boolean("nosignal", &o.NoSignal)
	integer(t, "pause_at", 0, math.MaxInt64, &o.PauseAt)
	t.duration("resume_after", &o.ResumeAfter)
	return o
}

// transferKind decides between HTTP options and a script, and checks the
// options as model does.
func (d *decoder) transferKind(t *table, tr *Transfer, o *model.Options) {
	if tr.Script != nil {
		for _, k := range optionKeys {
			if _, ok := t.m[k]; ok {
				d.errAt(t.d.ix.lookup(t.sub(k)).key, "%s: a scripted transfer has no HTTP options (the script is the transfer)", k)
			}
		}
		return
	}
	if _, ok := t.m["script"]; ok {
		return // the script was bad: already reported
	}
	if _, ok := t.m["host"]; !ok {
		t.missing("host", "the URL's host name, or a script")
		return
	}
	if err := o.Validate(); err != nil {
		d.optionErr(t, firstJoined(err))
		return
	}
	tr.Options = o
}

// optionName finds the option a model.Options.Validate error names.
var optionName = regexp.MustCompile(`option (\w+)`)

// optionErr records an error of model's option checks at the option's
// value (its key is the snake_case of the field name), else at the
// transfer.
func (d *decoder) optionErr(t *table, err error) {
	msg := bare(err)
	if m := optionName.FindStringSubmatch(msg); m != nil {
		key := snake(m[1])
		if f, ok := t.m[key]; ok && f != nil {
			d.errAt(d.ix.lookup(t.sub(key)).val, "%s: %s", key, msg)
			return
		}
	}
	d.errAt(t.here(), "%s", msg)
}

// snake turns a Go field name into its key: TimeoutMs -> timeout_ms.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// firstJoined is the first error of an errors.Join (model reports every
// bad option; one line reports the first).
func firstJoined(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
		return j.Unwrap()[0]
	}
	return err
}

// stop reads one [[stops]] entry.
func (d *decoder) stop(t *table) scenario.Stop {
	var s scenario.Stop
	t.need("transfer", "the ID of the transfer to stop, counting from 1")
	integer(t, "transfer", 1, MaxTransfers, &s.Transfer)
	t.need("mechanism", "easy-stop, xferinfo, wakeup or timeout")
	enum(t, "mechanism", scenario.ParseMechanism, &s.Mechanism)
	if f, ok := t.field("variant"); ok {
		if _, ok := parseField(f, model.ParseStopVariant); ok {
			s.Variant = f.v.(string)
		}
	}
	t.dist("at", &s.At)
	if f, ok := t.field("on_state"); ok {
		if _, ok := parseField(f, model.ParseTransferState); ok {
			s.OnState = f.v.(string)
		}
	}
	enum(t, "handle", scenario.ParseHandle, &s.Handle)
	t.boolean("from_callback", &s.FromCallback)
	t.finish()
	return s
}

// hold reads [hold].
func (d *decoder) hold(t *table) *scenario.Hold {
	h := &scenario.Hold{}
	if f, ok := t.field("on_state"); ok {
		if _, ok := parseField(f, model.ParseTransferState); ok {
			h.OnState = f.v.(string)
		}
	}
	t.duration("after", &h.After)
	t.duration("for", &h.For)
	t.finish()
	return h
}
