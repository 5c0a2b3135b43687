//go:build libcurl

package realcurl

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// notExpressible is Expressible's answer: every feature of the scenario
// real libcurl cannot be made to show.
type notExpressible struct {
	name    string
	reasons []string
}

func (e *notExpressible) Error() string {
	return fmt.Sprintf("realcurl: scenario %q cannot run on libcurl %s: %s", e.name, Version(), strings.Join(e.reasons, "; "))
}

// Expressible reports why s cannot run on real libcurl, or nil when it
// can. An invalid scenario gets its validation error; otherwise the error
// names every feature that cannot be expressed ("asynchronous DNS delay",
// "scripted transfer", "easy-stop mechanism (curl_easy_stop was never
// built)", "share-lock hold", "link faults", ...).
func Expressible(s *scenario.Scenario) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if err := initGlobal(); err != nil {
		return err
	}
	var why []string
	why = append(why, profileReasons(s)...)
	why = append(why, networkReasons(&s.Network)...)
	for i, t := range s.Transfers {
		why = append(why, transferReasons(s, i+1, t)...)
	}
	for i, st := range s.Stops {
		why = append(why, stopReasons(i+1, st)...)
	}
	if s.Hold != nil {
		why = append(why, "share-lock hold (libcurl's share lock is not the application's to hold in a stop scenario)")
	}
	if len(why) == 0 {
		return nil
	}
	return &notExpressible{name: s.Name, reasons: why}
}

// runtimeProfile names the profile that describes the runtime library.
func runtimeProfile() string {
	if strings.HasPrefix(Version(), "7.88.") {
		return model.Curl788().Name
	}
	return ""
}

func profileReasons(s *scenario.Scenario) []string {
	var why []string
	if want := runtimeProfile(); s.Profile.Name != want {
		why = append(why, fmt.Sprintf("profile %s (the runtime libcurl %s is described by %q)", s.Profile.Name, Version(), want))
	}
	if s.Driver == scenario.DriverEasy && s.PollCap > 0 && s.PollCap != time.Second {
		why = append(why, fmt.Sprintf("easy_perform poll cap %v (libcurl's easy_perform polls with a fixed 1000 ms cap)", s.PollCap))
	}
	return why
}

// isDefault1ms reports whether d is the simulator's default (nil or 1 ms
// constant), which loopback cannot reproduce and the engine ignores.
func isDefault1ms(d sim.Dist) bool {
	c, ok := d.(sim.Const)
	return d == nil || ok && c.D == time.Millisecond
}

// loopbackMax is the longest constant link latency taken for loopback's
// (tens of microseconds here).
const loopbackMax = 200 * time.Microsecond

// isLoopback reports whether d is the simulator's default latency (which
// the engine ignores) or a constant loopback can stand for.
func isLoopback(d sim.Dist) bool {
	c, ok := d.(sim.Const)
	return isDefault1ms(d) || ok && c.D <= loopbackMax
}

// allCached reports whether every name is in curl's DNS cache (Cached),
// as CURLOPT_RESOLVE puts them: then the simulated lookup delay plays no
// part, on either engine.
func allCached(n *scenario.Network) bool {
	for _, nm := range n.Names {
		if !nm.Cached {
			return false
		}
	}
	return true
}

func networkReasons(n *scenario.Network) []string {
	var why []string
	if !isDefault1ms(n.DNSDelay) && !allCached(n) {
		why = append(why, fmt.Sprintf("asynchronous DNS delay %v (CURLOPT_RESOLVE answers at once)", n.DNSDelay))
	}
	if !isLoopback(n.Latency) {
		why = append(why, fmt.Sprintf("network latency %v (loopback)", n.Latency))
	}
	if n.Params.SendBuf != 0 || n.Params.RecvBuf != 0 || n.Params.MSS != 0 || n.Params.SynRetries != 0 ||
		n.Params.SynRTO != 0 || n.Params.RTO != 0 || n.Params.RTOMax != 0 || n.Params.Retries != 0 || n.Params.WakeBuf != 0 {
		why = append(why, "netsim parameters (buffer sizes, SYN and retransmission schedules are the kernel's)")
	}
	for _, srv := range n.Servers {
		why = append(why, serverReasons(srv)...)
	}
	for _, nm := range n.Names {
		switch {
		case nm.Fail != "":
			why = append(why, fmt.Sprintf("DNS failure %s for %q (CURLOPT_RESOLVE cannot fail a lookup)", nm.Fail, nm.Name))
		case len(nm.Hosts) > 1:
			why = append(why, fmt.Sprintf("several addresses for %q (all servers share 127.0.0.1)", nm.Name))
		}
	}
	return why
}

func serverReasons(srv scenario.Server) []string {
	var why []string
	if srv.Family == model.IPv6 {
		why = append(why, fmt.Sprintf("IPv6 server host %s", srv.Host))
	}
	if !isLoopback(srv.Latency) {
		why = append(why, fmt.Sprintf("link latency %v to %s", srv.Latency, srv.Host))
	}
	if srv.Bandwidth != 0 {
		why = append(why, fmt.Sprintf("bandwidth limit to %s", srv.Host))
	}
	if len(srv.Faults) > 0 {
		why = append(why, fmt.Sprintf("link faults %v to %s", srv.Faults, srv.Host))
	}
	b, err := parseBehavior(srv.Behavior)
	switch {
	case err != nil:
		why = append(why, fmt.Sprintf("server behavior %q", srv.Behavior))
	case b.kind == serveBlackhole && abortOnOverflow():
		why = append(why, "blackhole server (net.ipv4.tcp_abort_on_overflow is set on this host: a full queue resets)")
	}
	return why
}

func transferReasons(s *scenario.Scenario, id int, t scenario.Transfer) []string {
	if t.Script != nil {
		return []string{fmt.Sprintf("scripted transfer %d", id)}
	}
	var why []string
	o := t.Options
	if _, err := netip.ParseAddr(strings.Trim(o.Host, "[]")); err == nil {
		why = append(why, fmt.Sprintf("IP-literal host %s of transfer %d (simulated addresses)", o.Host, id))
	} else if !hasName(s, o.Host) {
		why = append(why, fmt.Sprintf("unknown name %q of transfer %d (the lookup would reach real DNS)", o.Host, id))
	}
	if o.Xferinfo != nil {
		why = append(why, fmt.Sprintf("custom progress function of transfer %d (model code)", id))
	}
	if o.Write != nil {
		why = append(why, fmt.Sprintf("custom write function of transfer %d (model code)", id))
	}
	switch async := asyncDNS(); {
	case o.Resolver == model.ResolveSync && async:
		why = append(why, fmt.Sprintf("synchronous resolver of transfer %d (the runtime libcurl is a threaded-resolver build)", id))
	case o.Resolver == model.ResolveAsync && !async:
		why = append(why, fmt.Sprintf("threaded resolver of transfer %d (the runtime libcurl resolves synchronously)", id))
	}
	return why
}

func hasName(s *scenario.Scenario, name string) bool {
	for _, n := range s.Network.Names {
		if n.Name == name {
			return true
		}
	}
	return false
}

func stopReasons(i int, st scenario.Stop) []string {
	var why []string
	if st.Mechanism == scenario.MechEasyStop {
		why = append(why, fmt.Sprintf("easy-stop mechanism (curl_easy_stop was never built) of stop %d", i))
	}
	switch st.OnState {
	case "", "CONNECTING", "PERFORMING":
	default:
		why = append(why, fmt.Sprintf("stop %d on state %s (only CONNECTING and PERFORMING show in callbacks)", i, st.OnState))
	}
	return why
}
