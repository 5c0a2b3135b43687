package netsim

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// never is the arrival time of a segment held for ever (a stall without
// end): it is queued, keeps later segments behind it, and never fires.
const never = time.Duration(math.MaxInt64)

// satAdd returns a+b for non-negative a and b, saturating at never.
func satAdd(a, b time.Duration) time.Duration {
	if a > never-b {
		return never
	}
	return a + b
}

// LinkConfig describes the path between two hosts. Both directions share
// the configuration but not their bandwidth or random draws.
type LinkConfig struct {
	// Latency is the one-way delay of every segment; nil means zero.
	Latency Dist
	// Jitter is added to each segment's latency; nil means none. Delivery
	// stays in order whatever the draws: a segment never overtakes an
	// earlier one of its connection.
	Jitter Dist
	// Bandwidth is in bytes per second per direction; zero means
	// unlimited. Segments of all connections on the link queue for it.
	Bandwidth int64
	// Faults are the link's fault policies, applied in order.
	Faults []Fault
}

// link is the path between two hosts (or a host and itself: loopback).
type link struct {
	cfg  LinkConfig
	dirs [2]linkDir // dirs[0] carries the first host's segments
}

// linkDir is one direction of a link.
type linkDir struct {
	l      *link
	rng    *rand.Rand
	freeAt time.Duration // when the last queued segment finishes its transmission
}

// linkKey is the map key of the link between a and b, and whether a is the
// first of the pair.
func linkKey(a, b string) ([2]string, bool) {
	if a <= b {
		return [2]string{a, b}, true
	}
	return [2]string{b, a}, false
}

// Link configures the link between hosts a and b (a == b configures a's
// loopback, which is otherwise instantaneous and faultless). Hosts
// without a link cannot reach each other: connect fails with ENETUNREACH.
// Configuring a link again replaces its configuration for segments sent
// from now on.
func (n *Network) Link(a, b string, cfg LinkConfig) error {
	if n.hosts[a] == nil || n.hosts[b] == nil {
		return errorf("link %s-%s: unknown host", a, b)
	}
	if cfg.Bandwidth < 0 {
		return errorf("link %s-%s: negative bandwidth %d", a, b, cfg.Bandwidth)
	}
	for _, f := range cfg.Faults {
		if err := f.Validate(); err != nil {
			return err
		}
	}
	cfg.Faults = slices.Clone(cfg.Faults)
	key, _ := linkKey(a, b)
	if l := n.links[key]; l != nil {
		l.cfg = cfg
		return nil
	}
	l := &link{cfg: cfg}
	l.dirs[0] = linkDir{l: l, rng: n.stream("netsim.link/" + key[0] + ">" + key[1])}
	l.dirs[1] = linkDir{l: l, rng: n.stream("netsim.link/" + key[1] + ">" + key[0])}
	n.links[key] = l
	return nil
}

// AddFault appends a fault policy to the link between a and b.
func (n *Network) AddFault(a, b string, f Fault) error {
	if err := f.Validate(); err != nil {
		return err
	}
	key, _ := linkKey(a, b)
	l := n.links[key]
	if l == nil {
		if a != b {
			return errorf("fault %v: no link %s-%s", f, a, b)
		}
		if err := n.Link(a, a, LinkConfig{}); err != nil {
			return err
		}
		l = n.links[key]
	}
	l.cfg.Faults = append(l.cfg.Faults, f)
	return nil
}

// route returns the directions a connection from host a to host b uses:
// forward (a's segments) and back. ok is false when there is no link.
func (n *Network) route(a, b string) (fwd, back *linkDir, ok bool) {
	key, first := linkKey(a, b)
	l := n.links[key]
	if l == nil {
		if a != b {
			return nil, nil, false
		}
		_ = n.Link(a, a, LinkConfig{}) // both hosts exist: cannot fail
		l = n.links[key]
	}
	if first {
		return &l.dirs[0], &l.dirs[1], true
	}
	return &l.dirs[1], &l.dirs[0], true
}

// transit returns when a segment of size bytes handed to the link at t
// arrives, before faults: it waits for the link, takes its transmission
// time, then the latency and jitter drawn for it.
func (d *linkDir) transit(t time.Duration, size int) time.Duration {
	start := max(t, d.freeAt)
	if bw := d.l.cfg.Bandwidth; bw > 0 && size > 0 {
		start = satAdd(start, time.Duration((int64(size)*int64(time.Second)+bw-1)/bw))
		d.freeAt = start
	}
	lat := satAdd(draw(d.l.cfg.Latency, d.rng), draw(d.l.cfg.Jitter, d.rng))
	return satAdd(start, lat)
}

// fault returns the first fault of the given kind in force at t, or nil.
func (d *linkDir) fault(kind FaultKind, t time.Duration) *Fault {
	fs := d.l.cfg.Faults
	for i := range fs {
		if fs[i].Kind == kind && fs[i].active(t) {
			return &fs[i]
		}
	}
	return nil
}

// unstall moves an arrival time past every stall in force at it. A stall
// can end inside another, hence the passes; each pass that moves t moves
// it to some stall's end, so len(faults)+1 passes reach a fixed point.
func (d *linkDir) unstall(t time.Duration) time.Duration {
	fs := d.l.cfg.Faults
	for pass := 0; pass <= len(fs) && t != never; pass++ {
		moved := false
		for i := range fs {
			if fs[i].Kind == FaultStall && fs[i].active(t) {
				t, moved = fs[i].end(), true
			}
		}
		if !moved {
			break
		}
	}
	return t
}
