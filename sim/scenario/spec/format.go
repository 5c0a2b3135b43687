package spec

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/netsim"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// Format writes f as a scenario file that Parse reads back to an equal
// File (Path aside, and script steps' source lines, which are the new
// text's). Keys at their defaults are left out; a nil distribution where
// nil does not mean the default (the host's wake latency) is written as
// const(0s), which draws the same.
//
// It fails for what a file cannot say: a profile that is not a named one
// (model.ByName), a distribution whose text form does not read back,
// func-valued options, a seed or event budget above 2^63−1 (TOML's
// integers are signed), or text that is not UTF-8.
func Format(f File) ([]byte, error) {
	w := &writer{}
	w.top(f)
	w.host(f.Host)
	w.network(f.Network)
	for i, t := range f.Transfers {
		w.transfer(i, t)
	}
	for _, s := range f.Stops {
		w.stop(s)
	}
	w.hold(f.Hold)
	if w.err != nil {
		return nil, w.err
	}
	return w.b.Bytes(), nil
}

// writer writes TOML; the first problem sticks in err.
type writer struct {
	b   bytes.Buffer
	err error
}

func (w *writer) fail(format string, args ...any) {
	if w.err == nil {
		w.err = fmt.Errorf("spec: format: "+format, args...)
	}
}

// kv writes key = value (value already in TOML form).
func (w *writer) kv(key, value string) {
	if !utf8.ValidString(key) {
		w.fail("key %q is not UTF-8", key)
	}
	fmt.Fprintf(&w.b, "%s = %s\n", tomlKey(key), value)
}

// header starts a table ("[host]") or an array-of-tables entry.
func (w *writer) header(h string) { fmt.Fprintf(&w.b, "\n%s\n", h) }

func (w *writer) str(key, s string) { w.kv(key, w.quote(s)) }

func (w *writer) integer(key string, n int64) { w.kv(key, strconv.FormatInt(n, 10)) }

func (w *writer) unsigned(key string, n uint64) {
	if n > math.MaxInt64 {
		w.fail("%s %d is above 2^63-1, which TOML cannot hold", key, n)
	}
	w.kv(key, strconv.FormatUint(n, 10))
}

func (w *writer) duration(key string, d time.Duration) {
	if d < 0 {
		w.fail("%s: negative duration %v", key, d)
	}
	w.str(key, sim.FormatDuration(d))
}

// dist writes a distribution's text form after checking that it reads
// back to the same distribution.
func (w *writer) dist(key string, d sim.Dist) {
	if back, err := sim.ParseDist(d.String()); err != nil || !reflect.DeepEqual(back, d) {
		w.fail("%s: distribution %v does not read back from its text", key, d)
	}
	w.str(key, d.String())
}

// list writes one value as itself and several as an array.
func (w *writer) list(key string, vs []string) {
	if len(vs) == 1 {
		w.kv(key, vs[0])
		return
	}
	w.kv(key, "["+strings.Join(vs, ", ")+"]")
}

// top writes the top-level keys.
func (w *writer) top(f File) {
	w.str("name", f.Name)
	if f.Doc != "" {
		w.str("doc", f.Doc)
	}
	w.profiles(f.Profiles)
	if len(f.Drivers) > 0 {
		w.list("driver", mapStrings(f.Drivers, func(d scenario.Driver) string {
			checkEnum(w, "driver", d, scenario.ParseDriver)
			return w.quote(d.String())
		}))
	}
	if len(f.PollCaps) > 0 {
		w.list("poll_cap", mapStrings(f.PollCaps, func(c time.Duration) string { return w.quote(sim.FormatDuration(c)) }))
	}
	w.sweep(f.Sweep)
	switch {
	case f.RandomPhase:
		w.str("epoch_phase", "random")
	case f.EpochPhase != 0:
		w.duration("epoch_phase", f.EpochPhase)
	}
	if f.Races {
		w.kv("races", "true")
	}
	if f.TimeLimit != 0 {
		w.duration("time_limit", f.TimeLimit)
	}
	if f.EventBudget != 0 {
		w.unsigned("event_budget", f.EventBudget)
	}
	if f.MaxConnections != 0 {
		w.integer("max_connections", int64(f.MaxConnections))
	}
}

// profiles writes the profile names, which must name the profiles
// exactly.
func (w *writer) profiles(ps []model.Profile) {
	if len(ps) == 0 {
		w.fail("no profile")
		return
	}
	w.list("profile", mapStrings(ps, func(p model.Profile) string {
		if back, err := model.ByName(p.Name); err != nil || back != p {
			w.fail("profile %q is not the named profile model.ByName gives", p.Name)
		}
		return w.quote(p.Name)
	}))
}

func (w *writer) sweep(s Sweep) {
	if len(s.Seeds) > 0 {
		w.kv("seeds", "["+strings.Join(mapStrings(s.Seeds, func(n uint64) string {
			if n > math.MaxInt64 {
				w.fail("seed %d is above 2^63-1, which TOML cannot hold", n)
			}
			return strconv.FormatUint(n, 10)
		}), ", ")+"]")
		return
	}
	w.unsigned("seed", s.Seed)
	w.integer("runs", int64(max(s.Runs, 1)))
}

// host writes [host], every parameter spelled out.
func (w *writer) host(h *sim.Host) {
	if h == nil {
		return
	}
	w.header("[host]")
	w.integer("slack_div", h.SlackDiv)
	w.integer("niced_slack_div", h.NicedSlackDiv)
	w.duration("slack_max", h.SlackMax)
	w.duration("slack_min", h.SlackMin)
	checkEnum(w, "fire", h.Fire, sim.ParseSlackFire)
	w.str("fire", h.Fire.String())
	w.dist("wake_latency", orZero(h.WakeLatency))
	if h.TimerLatency != nil {
		w.dist("timer_latency", h.TimerLatency)
	}
	if h.StepCPU != nil {
		w.dist("step_cpu", h.StepCPU)
	}
	if len(h.CPU) == 0 {
		return
	}
	w.header("[host.cpu]")
	names := make([]string, 0, len(h.CPU))
	for n := range h.CPU {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w.dist(n, orZero(h.CPU[n]))
	}
}

func orZero(d sim.Dist) sim.Dist {
	if d == nil {
		return sim.Const{}
	}
	return d
}

// network writes [network] (when anything in it is set), the servers and
// the names.
func (w *writer) network(n scenario.Network) {
	p := n.Params
	if p.Sched != nil || p.Streams != nil || p.Sink != nil {
		w.fail("netsim's scheduler, streams and sink are Run's to fill in")
	}
	if n.Latency != nil || n.DNSDelay != nil || !reflect.DeepEqual(p, netsim.Config{}) {
		w.header("[network]")
		w.optDist("latency", n.Latency)
		w.optDist("dns_delay", n.DNSDelay)
		w.params(p)
	}
	for _, s := range n.Servers {
		w.server(s)
	}
	for _, nm := range n.Names {
		w.header("[[names]]")
		w.str("name", nm.Name)
		if nm.Hosts != nil {
			w.kv("hosts", w.strings(nm.Hosts))
		}
		if nm.Fail != "" {
			w.str("fail", nm.Fail)
		}
		if nm.Cached {
			w.kv("cached", "true")
		}
	}
}

func (w *writer) optDist(key string, d sim.Dist) {
	if d != nil {
		w.dist(key, d)
	}
}

func (w *writer) optInt(key string, n int64) {
	if n != 0 {
		w.integer(key, n)
	}
}

func (w *writer) optDuration(key string, d time.Duration) {
	if d != 0 {
		w.duration(key, d)
	}
}

// params writes netsim's parameters that are set.
func (w *writer) params(p netsim.Config) {
	w.optInt("send_buf", int64(p.SendBuf))
	w.optInt("recv_buf", int64(p.RecvBuf))
	w.optInt("mss", int64(p.MSS))
	w.optInt("syn_retries", int64(p.SynRetries))
	w.optDuration("syn_rto", p.SynRTO)
	w.optDuration("rto", p.RTO)
	w.optDuration("rto_max", p.RTOMax)
	w.optInt("retries", int64(p.Retries))
	w.optInt("wake_buf", int64(p.WakeBuf))
}

func (w *writer) server(s scenario.Server) {
	w.header("[[servers]]")
	w.str("host", s.Host)
	w.optInt("port", int64(s.Port))
	w.str("behavior", s.Behavior)
	if s.Family != model.IPv4 {
		checkEnum(w, "family", s.Family, parseFamily)
		w.str("family", s.Family.String())
	}
	w.optDist("latency", s.Latency)
	w.optInt("bandwidth", s.Bandwidth)
	if s.Faults != nil {
		w.kv("faults", w.strings(s.Faults))
	}
}

// transfer writes one [[transfers]] entry.
func (w *writer) transfer(i int, t Transfer) {
	w.header("[[transfers]]")
	w.optDuration("start", t.Start)
	w.optInt("count", int64(t.Count))
	switch {
	case (t.Options == nil) == (t.Script == nil):
		w.fail("transfer entry %d: want exactly one of Options and Script", i+1)
	case t.Script != nil:
		if t.WriteDelay != nil {
			w.fail("transfer entry %d: a scripted transfer has no write delay", i+1)
		}
		w.str("script", t.Script.String())
	default:
		w.options(i, t.Options)
		w.optDist("write_delay", t.WriteDelay)
	}
}

// options writes the easy options that are set.
func (w *writer) options(i int, o *model.Options) {
	if o.Xferinfo != nil || o.Write != nil || o.WriteDelay != nil {
		w.fail("transfer entry %d: func-valued options cannot be written (use Transfer.WriteDelay)", i+1)
	}
	w.str("host", o.Host)
	w.optInt("port", int64(o.Port))
	if o.Path != "" {
		w.str("path", o.Path)
	}
	w.optInt("timeout_ms", o.TimeoutMs)
	w.optInt("connect_timeout_ms", o.ConnectTimeoutMs)
	w.optInt("low_speed_limit", o.LowSpeedLimit)
	w.optInt("low_speed_time", o.LowSpeedTime)
	w.optInt("max_recv_speed", o.MaxRecvSpeed)
	w.optInt("happy_eyeballs_timeout_ms", o.HappyEyeballsTimeoutMs)
	if o.NoProgress {
		w.kv("noprogress", "true")
	}
	if o.Resolver != model.ResolveAsync {
		checkEnum(w, "resolver", o.Resolver, model.ParseResolverKind)
		w.str("resolver", o.Resolver.String())
	}
	if o.NoSignal {
		w.kv("nosignal", "true")
	}
	w.optInt("pause_at", o.PauseAt)
	w.optDuration("resume_after", o.ResumeAfter)
}

// stop writes one [[stops]] entry.
func (w *writer) stop(s scenario.Stop) {
	w.header("[[stops]]")
	w.integer("transfer", int64(s.Transfer))
	checkEnum(w, "mechanism", s.Mechanism, scenario.ParseMechanism)
	w.str("mechanism", s.Mechanism.String())
	if s.Variant != "" {
		w.str("variant", s.Variant)
	}
	w.optDist("at", s.At)
	if s.OnState != "" {
		w.str("on_state", s.OnState)
	}
	if s.Handle != scenario.HandleStoppable {
		checkEnum(w, "handle", s.Handle, scenario.ParseHandle)
		w.str("handle", s.Handle.String())
	}
	if s.FromCallback {
		w.kv("from_callback", "true")
	}
}

func (w *writer) hold(h *scenario.Hold) {
	if h == nil {
		return
	}
	w.header("[hold]")
	if h.OnState != "" {
		w.str("on_state", h.OnState)
	}
	w.duration("after", h.After)
	w.duration("for", h.For)
}

// checkEnum fails when v's name does not read back to v (a value out of
// range prints as "driver(9)").
func checkEnum[T interface {
	comparable
	fmt.Stringer
}](w *writer, key string, v T, parse func(string) (T, error)) {
	if back, err := parse(v.String()); err != nil || back != v {
		w.fail("%s: %v is out of range", key, v)
	}
}

// strings is an array of strings.
func (w *writer) strings(ss []string) string {
	return "[" + strings.Join(mapStrings(ss, w.quote), ", ") + "]"
}

func mapStrings[T any](vs []T, f func(T) string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = f(v)
	}
	return out
}

// quote is s as a TOML string: a multi-line literal string for text of
// several lines (scripts, docs) that can be one, else a basic string.
func (w *writer) quote(s string) string {
	if !utf8.ValidString(s) {
		w.fail("%q is not UTF-8", s)
		return `""`
	}
	if strings.Contains(s, "\n") && literalOK(s) {
		return "'''\n" + s + "'''"
	}
	return basicString(s)
}

// literalOK reports whether s can be a multi-line literal string: no
// control characters but newline and tab, no run of three quotes, and no
// quote at the end (it would merge with the closing quotes).
func literalOK(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return false
		}
	}
	return !strings.Contains(s, "'''") && !strings.HasSuffix(s, "'")
}

// basicString is s between double quotes with TOML's escapes.
func basicString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tomlKey is a key, bare when it can be.
func tomlKey(k string) string {
	if k == "" {
		return `""`
	}
	for _, c := range []byte(k) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return basicString(k)
		}
	}
	return k
}
