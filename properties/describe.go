package properties

import (
	"fmt"
	"strings"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim/scenario"
)

// Describe writes a scenario in a readable form, one fact per line: what a
// failure report shows of a shrunk scenario. Zero values are left out. It
// covers what the generators produce; a transfer's callbacks (Xferinfo,
// Write, WriteDelay) print only as "set".
func Describe(s scenario.Scenario) string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %q: profile=%s driver=%v seed=%d", s.Name, s.Profile.Name, s.Driver, s.Seed)
	if s.EpochPhase != 0 {
		fmt.Fprintf(&b, " phase=%dus", s.EpochPhase.Microseconds())
	}
	if s.Races {
		b.WriteString(" races")
	}
	if s.PollCap != 0 {
		fmt.Fprintf(&b, " poll-cap=%v", s.PollCap)
	}
	if s.MaxConnections != 0 {
		fmt.Fprintf(&b, " max-connections=%d", s.MaxConnections)
	}
	if s.TimeLimit != 0 {
		fmt.Fprintf(&b, " time-limit=%v", s.TimeLimit)
	}
	b.WriteByte('\n')
	describeNetwork(&b, s.Network)
	for i, t := range s.Transfers {
		fmt.Fprintf(&b, "transfer %d at %v: ", i+1, t.Start)
		switch {
		case t.Options != nil:
			b.WriteString(describeOptions(t.Options))
			b.WriteByte('\n')
		case t.Script != nil && len(t.Script.Steps)+len(t.Script.OnDone) == 0 && t.Script.Limits == (model.Limits{}):
			b.WriteString("script (empty)\n")
		case t.Script != nil:
			b.WriteString("script\n")
			for _, line := range strings.Split(strings.TrimSpace(t.Script.String()), "\n") {
				if line != "" {
					b.WriteString("    " + line + "\n")
				}
			}
		}
	}
	for _, st := range s.Stops {
		fmt.Fprintf(&b, "stop transfer %d: %v", st.Transfer, st.Mechanism)
		if st.Variant != "" {
			fmt.Fprintf(&b, " variant=%s", st.Variant)
		}
		if st.Handle != scenario.HandleStoppable {
			fmt.Fprintf(&b, " handle=%v", st.Handle)
		}
		if st.At != nil {
			fmt.Fprintf(&b, " at=%v", st.At)
		}
		if st.OnState != "" {
			fmt.Fprintf(&b, " after-entering=%s", st.OnState)
		}
		if st.FromCallback {
			b.WriteString(" from-callback")
		}
		b.WriteByte('\n')
	}
	if h := s.Hold; h != nil {
		fmt.Fprintf(&b, "hold share lock: after-entering=%s +%v for %v\n", orState(h.OnState), h.After, h.For)
	}
	return b.String()
}

func orState(s string) string {
	if s == "" {
		return "PERFORMING"
	}
	return s
}

func describeNetwork(b *strings.Builder, n scenario.Network) {
	if len(n.Servers) == 0 && len(n.Names) == 0 {
		return
	}
	b.WriteString("network:")
	if n.Latency != nil {
		fmt.Fprintf(b, " latency=%v", n.Latency)
	}
	if n.DNSDelay != nil {
		fmt.Fprintf(b, " dns-delay=%v", n.DNSDelay)
	}
	b.WriteByte('\n')
	for _, s := range n.Servers {
		fmt.Fprintf(b, "  server %s:%d %s", s.Host, orPort(s.Port), s.Behavior)
		if s.Family != model.IPv4 {
			fmt.Fprintf(b, " family=%v", s.Family)
		}
		if s.Latency != nil {
			fmt.Fprintf(b, " latency=%v", s.Latency)
		}
		if s.Bandwidth != 0 {
			fmt.Fprintf(b, " bandwidth=%dB/s", s.Bandwidth)
		}
		if len(s.Faults) > 0 {
			fmt.Fprintf(b, " faults=%s", strings.Join(s.Faults, ","))
		}
		b.WriteByte('\n')
	}
	for _, nm := range n.Names {
		if nm.Fail != "" {
			fmt.Fprintf(b, "  name %s: %s\n", nm.Name, nm.Fail)
		} else {
			fmt.Fprintf(b, "  name %s -> %s\n", nm.Name, strings.Join(nm.Hosts, ","))
		}
	}
}

func orPort(p int) int {
	if p == 0 {
		return 80
	}
	return p
}

// describeOptions writes a GET and its non-default options.
func describeOptions(o *model.Options) string {
	parts := []string{"GET " + o.Host}
	add := func(cond bool, format string, args ...any) {
		if cond {
			parts = append(parts, fmt.Sprintf(format, args...))
		}
	}
	add(o.Port != 0, "port=%d", o.Port)
	add(o.Path != "", "path=%s", o.Path)
	add(o.TimeoutMs != 0, "timeout=%dms", o.TimeoutMs)
	add(o.ConnectTimeoutMs != 0, "connect-timeout=%dms", o.ConnectTimeoutMs)
	add(o.LowSpeedLimit != 0 || o.LowSpeedTime != 0, "low-speed=%dB/s-for-%ds", o.LowSpeedLimit, o.LowSpeedTime)
	add(o.MaxRecvSpeed != 0, "max-recv=%dB/s", o.MaxRecvSpeed)
	add(o.HappyEyeballsTimeoutMs != 0, "eyeballs=%dms", o.HappyEyeballsTimeoutMs)
	add(o.Resolver != model.ResolveAsync, "resolver=%v", o.Resolver)
	add(o.NoSignal, "nosignal")
	add(o.PauseAt != 0, "pause-at=%dB resume-after=%v", o.PauseAt, o.ResumeAfter)
	add(o.NoProgress, "noprogress")
	add(o.Xferinfo != nil, "xferinfo=set")
	add(o.Write != nil, "write=set")
	add(o.WriteDelay != nil, "write-delay=set")
	return strings.Join(parts, " ")
}
