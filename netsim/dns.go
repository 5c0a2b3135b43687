package netsim

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultNoAnswerAfter is how long a query without an answer takes to
// fail: glibc's resolver waits 5 s per attempt and tries twice.
const DefaultNoAnswerAfter = 10 * time.Second

// ResolverConfig describes a name server as seen from the hosts.
type ResolverConfig struct {
	// Delay is the time to an answer (found or not found); nil means
	// zero.
	Delay Dist
	// NoAnswerAfter is how long a query for a name that gets no answer
	// takes to fail with EAI_AGAIN; zero means DefaultNoAnswerAfter.
	NoAnswerAfter time.Duration
}

// Resolver answers name lookups, mapping names to host names (a name may
// have several, in the order given, as a dual-stack name has an IPv6 and
// an IPv4 address). A name it was not told about does not exist
// (EAI_NONAME). Two clients are
// offered, the two a libcurl build can have: an asynchronous one (Start:
// a resolver thread whose completion makes a descriptor readable, which
// the transfer polls) and a synchronous one (Resolve: the calling thread is
// blocked for the whole lookup and can do nothing else).
type Resolver struct {
	n     *Network
	name  string
	cfg   ResolverConfig
	rng   *rand.Rand
	names map[string]dnsEntry // looked up, never iterated
}

type dnsEntry struct {
	hosts []string
	fail  Errno
}

// NewResolver adds a resolver. Its delays come from the random stream
// "netsim.dns/<k>" for the k-th resolver made.
func (n *Network) NewResolver(cfg ResolverConfig) (*Resolver, error) {
	if cfg.NoAnswerAfter < 0 {
		return nil, errorf("resolver: negative no-answer timeout %v", cfg.NoAnswerAfter)
	}
	cfg.NoAnswerAfter = orDefault(cfg.NoAnswerAfter, DefaultNoAnswerAfter)
	n.nextResolver++
	name := "dns" + strconv.Itoa(n.nextResolver)
	return &Resolver{n: n, name: name, cfg: cfg, rng: n.stream("netsim.dns/" + strconv.Itoa(n.nextResolver)),
		names: map[string]dnsEntry{}}, nil
}

// Add makes name resolve to hosts, in that order.
func (r *Resolver) Add(name string, hosts ...string) error {
	if name == "" || len(hosts) == 0 {
		return errorf("resolver: record %q needs a name and at least one host", name)
	}
	for _, h := range hosts {
		if !isName(h) {
			return errorf("resolver: record %q: bad host %q", name, h)
		}
	}
	r.names[name] = dnsEntry{hosts: slices.Clone(hosts)}
	return nil
}

// Fail makes lookups of name fail: EAI_NONAME after the usual delay (the
// name does not exist), or EAI_AGAIN after NoAnswerAfter (no answer).
func (r *Resolver) Fail(name string, e Errno) error {
	if e != EAI_NONAME && e != EAI_AGAIN {
		return errorf("resolver: failure %v for %q: want EAI_NONAME or EAI_AGAIN", e, name)
	}
	r.names[name] = dnsEntry{fail: e}
	return nil
}

// answer decides a lookup now: its result and how long it takes.
func (r *Resolver) answer(name string) ([]string, Errno, time.Duration) {
	e, ok := r.names[name]
	switch {
	case ok && e.fail == EAI_AGAIN:
		r.n.ctr.Lookups[LookupNoAnswer]++
		return nil, EAI_AGAIN, r.cfg.NoAnswerAfter
	case !ok || e.fail == EAI_NONAME:
		r.n.ctr.Lookups[LookupNotFound]++
		return nil, EAI_NONAME, draw(r.cfg.Delay, r.rng)
	}
	r.n.ctr.Lookups[LookupOK]++
	return e.hosts, 0, draw(r.cfg.Delay, r.rng)
}

// resultText is the trace form of a lookup's result.
func resultText(hosts []string, e Errno) string {
	if e != 0 {
		return e.String()
	}
	return strings.Join(hosts, ",")
}

// lookup is an asynchronous lookup in progress, behind a descriptor.
type lookup struct {
	r     *Resolver
	s     *socket
	name  string
	hosts []string
	err   Errno
	done  bool
	due   time.Duration // when the answer comes
	timer Timer
}

// Start begins an asynchronous lookup of name for host h and returns a
// descriptor that turns readable when the answer is in; LookupResult then
// gives it. Closing the descriptor abandons the lookup; CancelLookup also
// says how long a resolver thread would take to notice.
func (r *Resolver) Start(h *Host, name string) (FD, error) {
	if h == nil || h.n != r.n {
		return -1, errorf("resolver: Start on a host of another network")
	}
	h.n.call()
	l := &lookup{r: r, name: name}
	l.s = &socket{h: h, kind: KindLookup, look: l}
	fd := h.alloc(l.s)
	var after time.Duration
	l.hosts, l.err, after = r.answer(name)
	l.due = satAdd(r.n.now(), after)
	l.timer = r.n.sched.NewTimer(l.complete)
	l.timer.Reset(l.due)
	if r.n.tracing() {
		r.n.emit("dns.query", F("host", h.name), Int("fd", int64(fd)), F("name", name), F("via", r.name), F("mode", "async"))
	}
	return fd, nil
}

func (l *lookup) complete() {
	l.done = true
	n := l.r.n
	if n.tracing() {
		n.emit("dns.answer", F("host", l.s.h.name), Int("fd", int64(l.s.fd)), F("name", l.name), F("result", resultText(l.hosts, l.err)))
	}
	n.markDirty(l.s)
	n.flush()
}

func (l *lookup) cancel() { l.timer.Stop() }

// LookupResult returns the answer of the asynchronous lookup behind fd:
// EAGAIN until it is in, then the host names, or EAI_NONAME or EAI_AGAIN.
func (h *Host) LookupResult(fd FD) ([]string, error) {
	s, err := h.get(fd)
	var hosts []string
	switch {
	case err != nil:
	case s.kind != KindLookup:
		err = EINVAL
	case !s.look.done:
		err = EAGAIN
	case s.look.err != 0:
		err = s.look.err
	default:
		hosts = slices.Clone(s.look.hosts)
	}
	if h.n.tracing() {
		h.traceCall("dns.result", fd, -1, err, F("result", strings.Join(hosts, ",")))
	}
	return hosts, err
}

// CancelLookup abandons the asynchronous lookup behind fd and closes fd.
// It returns how long the lookup still had to run: the time a resolver
// thread being joined (libcurl's Curl_resolver_kill) keeps its joiner
// waiting. Zero if the answer was in.
func (h *Host) CancelLookup(fd FD) (time.Duration, error) {
	if fd < 0 || int(fd) >= len(h.fds) || h.fds[fd] == nil || h.fds[fd].kind != KindLookup {
		return 0, EBADF
	}
	left := max(h.fds[fd].look.due-h.n.now(), 0)
	return left, h.Close(fd)
}

// Resolve is the synchronous client: it decides the lookup of name for
// host h now and says how long the calling thread is blocked for it. The
// caller must stay blocked that long (sim/netpoll's Net.Resolve does)
// before using the answer: the host names, or EAI_NONAME or EAI_AGAIN.
func (r *Resolver) Resolve(h *Host, name string) (hosts []string, blocked time.Duration, err error) {
	if h == nil || h.n != r.n {
		return nil, 0, errorf("resolver: Resolve on a host of another network")
	}
	h.n.call()
	hosts, e, blocked := r.answer(name)
	if r.n.tracing() {
		r.n.emit("dns.resolve", F("host", h.name), F("name", name), F("via", r.name), Dur("blocked", blocked), F("result", resultText(hosts, e)))
	}
	if e != 0 {
		return nil, blocked, e
	}
	return slices.Clone(hosts), blocked, nil
}
