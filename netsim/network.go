package netsim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Defaults for Config's zero values: Linux's.
const (
	DefaultSendBuf    = 16 << 10 // tcp_wmem's default
	DefaultRecvBuf    = 128 << 10
	DefaultMSS        = 1460
	DefaultSynRetries = 6 // net.ipv4.tcp_syn_retries: 1+2+4+8+16+32+64 = 127 s
	DefaultSynRTO     = time.Second
	DefaultRTO        = 200 * time.Millisecond // TCP_RTO_MIN
	DefaultRTOMax     = 120 * time.Second      // TCP_RTO_MAX
	DefaultRetries    = 15                     // net.ipv4.tcp_retries2: about 924.6 s
	DefaultWakeBuf    = 256
	DefaultBacklog    = 4096 // net.core.somaxconn since Linux 5.4
)

// Config is a network's parameters. Sched and Streams are required; zero
// numbers mean the defaults above.
type Config struct {
	// Sched is the clock and event queue.
	Sched Scheduler
	// Streams gives the random streams latency and resolver draws come
	// from ("netsim.link/a>b", "netsim.dns/1"...).
	Streams Streams
	// Sink receives trace events; nil switches tracing off.
	Sink Sink
	// SendBuf and RecvBuf bound each connection's send and receive
	// buffers, in bytes.
	SendBuf, RecvBuf int
	// MSS is the largest segment a write is cut into.
	MSS int
	// SynRetries and SynRTO give a connect's SYN schedule: a SYN at 0,
	// then retransmissions SynRTO, 2·SynRTO, 4·SynRTO... apart, and
	// ETIMEDOUT one doubled interval after the last.
	SynRetries int
	SynRTO     time.Duration
	// RTO, RTOMax and Retries give the retransmission schedule of data
	// lost in a partition: RTO doubling up to RTOMax, Retries times, then
	// the sender gives up with ETIMEDOUT.
	RTO, RTOMax time.Duration
	Retries     int
	// WakeBuf is the capacity of a wake channel, in bytes.
	WakeBuf int
}

func (c *Config) setDefaults() error {
	if c.Sched == nil || c.Streams == nil {
		return errorf("config needs a scheduler and random streams")
	}
	for _, v := range []int{c.SendBuf, c.RecvBuf, c.MSS, c.SynRetries, c.Retries, c.WakeBuf} {
		if v < 0 {
			return errorf("config: negative size or count %d", v)
		}
	}
	if c.SynRTO < 0 || c.RTO < 0 || c.RTOMax < 0 {
		return errorf("config: negative retransmission timeout")
	}
	c.SendBuf = orDefault(c.SendBuf, DefaultSendBuf)
	c.RecvBuf = orDefault(c.RecvBuf, DefaultRecvBuf)
	c.MSS = orDefault(c.MSS, DefaultMSS)
	c.SynRetries = orDefault(c.SynRetries, DefaultSynRetries)
	c.SynRTO = orDefault(c.SynRTO, DefaultSynRTO)
	c.RTO = orDefault(c.RTO, DefaultRTO)
	c.RTOMax = orDefault(c.RTOMax, DefaultRTOMax)
	c.Retries = orDefault(c.Retries, DefaultRetries)
	c.WakeBuf = orDefault(c.WakeBuf, DefaultWakeBuf)
	return nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// errorf makes a misuse or bad-input error with the package prefix.
func errorf(format string, args ...any) error {
	return fmt.Errorf("netsim: "+format, args...)
}

// Network is a simulated internet: hosts with file descriptors, links
// between them, servers, resolvers. It is single-threaded like the
// scheduler driving it: call it only from scheduler events or between
// them.
type Network struct {
	cfg   Config
	sched Scheduler
	sink  Sink

	hosts     map[string]*Host // looked up, never iterated
	hostOrder []*Host
	links     map[[2]string]*link // key: the two host names, sorted

	nextConn      uint64
	nextResolver  int
	dirty         []*socket
	flushing      bool
	subScratch    []*Subscription
	scratch       []byte // server response chunks
	synSchedule   []time.Duration
	retransmitAt  []time.Duration // cumulative retransmission offsets
	retransmitEnd time.Duration   // when the sender gives up

	ctr    Counters
	owners map[string]*ownerCount // looked up, never iterated
}

// New returns an empty network.
func New(cfg Config) (*Network, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	n := &Network{
		cfg:     cfg,
		sched:   cfg.Sched,
		sink:    cfg.Sink,
		hosts:   map[string]*Host{},
		links:   map[[2]string]*link{},
		owners:  map[string]*ownerCount{},
		scratch: make([]byte, 4096),
	}
	n.synSchedule = backoff(cfg.SynRTO, 1<<62, cfg.SynRetries+1)
	n.retransmitAt = backoff(cfg.RTO, cfg.RTOMax, cfg.Retries+1)
	n.retransmitEnd = n.retransmitAt[cfg.Retries]
	n.retransmitAt = n.retransmitAt[:cfg.Retries]
	return n, nil
}

// backoff returns the cumulative times of count exponentially backed-off
// intervals starting at first and capped at most: with 1s, 6+1 that is 1,
// 3, 7, 15, 31, 63, 127 s.
func backoff(first, most time.Duration, count int) []time.Duration {
	out := make([]time.Duration, count)
	var sum time.Duration
	step := first
	for i := range out {
		sum += step
		out[i] = sum
		step = min(2*step, most)
	}
	return out
}

// Config returns the configuration in force, defaults filled in.
func (n *Network) Config() Config { return n.cfg }

// Now returns the scheduler's time.
func (n *Network) Now() time.Duration { return n.sched.Now() }

func (n *Network) now() time.Duration { return n.sched.Now() }

func (n *Network) tracing() bool { return n.sink != nil && n.sink.Enabled() }

func (n *Network) emit(kind string, fields ...Field) { n.sink.Emit(kind, fields...) }

// AddHost adds a host with the given name, which addresses use.
func (n *Network) AddHost(name string) (*Host, error) {
	if !isName(name) {
		return nil, errorf("host name %q: want letters, digits, '.', '_' or '-'", name)
	}
	if n.hosts[name] != nil {
		return nil, errorf("host %q already exists", name)
	}
	h := &Host{n: n, name: name, fds: make([]*socket, firstFD), lowFree: firstFD,
		listeners: map[int]*listener{}, nextPort: firstEphemeral}
	n.hosts[name] = h
	n.hostOrder = append(n.hostOrder, h)
	return h, nil
}

// Host returns the named host, or nil.
func (n *Network) Host(name string) *Host { return n.hosts[name] }

// Hosts returns every host in the order they were added.
func (n *Network) Hosts() []*Host { return slices.Clone(n.hostOrder) }

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func (n *Network) stream(name string) *rand.Rand { return n.cfg.Streams(name) }

// owner returns the wake-up counter of the named subscriber.
func (n *Network) owner(name string) *ownerCount {
	o := n.owners[name]
	if o == nil {
		o = &ownerCount{name: name}
		n.owners[name] = o
		n.ctr.owners = append(n.ctr.owners, o)
	}
	return o
}
