//go:build libcurl

package realcurl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// behaviorKind is a server behaviour of netsim's text form (netsim's
// server.go, whose list this mirrors; this package may not import
// netsim).
type behaviorKind uint8

const (
	serveStalled behaviorKind = iota
	serveTrickle
	serveQuick
	serveSlowHeaders
	serveBlackhole
	serveRefused
	serveResetAfter
	serveRate
	numBehaviorKinds
)

// behaviorForms are the kinds' names and parameter keys, in order; a
// key ending in "?" may be omitted; "period" and "delay" are durations.
var behaviorForms = [numBehaviorKinds]struct {
	name string
	keys []string
}{
	serveStalled:     {"stalled", nil},
	serveTrickle:     {"trickle", []string{"period", "bytes", "total"}},
	serveQuick:       {"quick", []string{"size"}},
	serveSlowHeaders: {"slow-headers", []string{"delay", "size?"}},
	serveBlackhole:   {"blackhole", nil},
	serveRefused:     {"refused", nil},
	serveResetAfter:  {"reset-after", []string{"bytes"}},
	serveRate:        {"rate", []string{"rate", "size"}},
}

// behavior is a parsed server behaviour: values by parameter key.
type behavior struct {
	kind behaviorKind
	vals map[string]int64 // durations in ns
}

// parseBehavior reads netsim's text form: name or name(args), args
// positional or key=value. The scenario's Validate has checked the text
// with netsim already; this only needs to read it.
func parseBehavior(text string) (behavior, error) {
	s := strings.ReplaceAll(strings.ReplaceAll(text, " ", ""), "\t", "")
	name, args, hasArgs := strings.Cut(s, "(")
	args = strings.TrimSuffix(args, ")")
	for k, f := range behaviorForms {
		if f.name != name {
			continue
		}
		b := behavior{kind: behaviorKind(k), vals: map[string]int64{}}
		if !hasArgs || args == "" {
			return b, nil
		}
		for i, a := range strings.Split(args, ",") {
			if err := b.set(f.keys, i, a); err != nil {
				return behavior{}, fmt.Errorf("realcurl: server behavior %q: %w", text, err)
			}
		}
		return b, nil
	}
	return behavior{}, fmt.Errorf("realcurl: unknown server behavior %q", text)
}

// set reads argument i (positional or key=value).
func (b *behavior) set(keys []string, i int, arg string) error {
	key, val, keyed := strings.Cut(arg, "=")
	if !keyed {
		if i >= len(keys) {
			return errors.New("too many arguments")
		}
		key, val = strings.TrimSuffix(keys[i], "?"), arg
	}
	if key == "period" || key == "delay" {
		d, err := time.ParseDuration(val)
		b.vals[key] = int64(d)
		return err
	}
	n, err := strconv.ParseInt(val, 10, 64)
	b.vals[key] = n
	return err
}

// String is the canonical text form, as netsim prints it.
func (b behavior) String() string {
	f := behaviorForms[b.kind]
	var parts []string
	for _, k := range f.keys {
		opt := strings.HasSuffix(k, "?")
		k = strings.TrimSuffix(k, "?")
		v := b.vals[k]
		switch {
		case opt && v == 0:
		case k == "period" || k == "delay":
			parts = append(parts, sim.FormatDuration(time.Duration(v)))
		default:
			parts = append(parts, strconv.FormatInt(v, 10))
		}
	}
	if len(parts) == 0 {
		return f.name
	}
	return f.name + "(" + strings.Join(parts, ",") + ")"
}

// servers are the run's listeners on 127.0.0.1.
type servers struct {
	r     *run
	list  []*server
	ports map[string]int // "host:port" of the scenario -> real port
	hosts map[string]bool
	done  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
	fds   []int // raw sockets (blackhole, refused, the refused ports)
}

// server is one scenario.Server.
type server struct {
	addr string // the scenario's host:port, as traces name it
	b    behavior
	ln   net.Listener
}

func startServers(r *run, specs []scenario.Server) (*servers, error) {
	ss := &servers{r: r, ports: map[string]int{}, hosts: map[string]bool{}, done: make(chan struct{}),
		conns: map[net.Conn]bool{}}
	for _, spec := range specs {
		if err := ss.start(spec); err != nil {
			ss.close()
			return nil, fmt.Errorf("realcurl: server %s: %w", spec.Host, err)
		}
	}
	return ss, nil
}

func (ss *servers) start(spec scenario.Server) error {
	b, err := parseBehavior(spec.Behavior)
	if err != nil {
		return err
	}
	srv := &server{addr: spec.Host + ":" + strconv.Itoa(orDefault(spec.Port, 80)), b: b}
	if _, taken := ss.ports[srv.addr]; taken {
		return fmt.Errorf("port %s is taken twice", srv.addr)
	}
	var port int
	switch b.kind {
	case serveBlackhole:
		port, err = ss.blackhole()
	case serveRefused:
		port, err = ss.refusing()
	default:
		port, err = ss.listen(srv)
	}
	if err != nil {
		return err
	}
	ss.ports[srv.addr], ss.hosts[spec.Host] = port, true
	ss.list = append(ss.list, srv)
	return nil
}

// traceStarts records every server's start at time zero (run.mu held).
func (ss *servers) traceStarts() {
	for _, srv := range ss.list {
		ss.r.emitLocked(0, sim.LevelNet, 0, 0, "srv.start", sim.F("at", srv.addr), sim.F("behavior", srv.b.String()))
	}
}

// portFor is the real port a transfer connects to: its server's, or, on
// a host with no server on that port, one that refuses connections (as
// netsim's hosts do).
func (ss *servers) portFor(s *scenario.Scenario, o *model.Options) (int, error) {
	host := hostOf(s, o.Host)
	addr := host + ":" + strconv.Itoa(orDefault(o.Port, 80))
	if p, ok := ss.ports[addr]; ok {
		return p, nil
	}
	p, err := ss.refusing()
	if err == nil {
		ss.ports[addr] = p
	}
	return p, err
}

// hostOf is the server host a name resolves to (Expressible made sure
// there is exactly one).
func hostOf(s *scenario.Scenario, name string) string {
	for _, n := range s.Network.Names {
		if n.Name == name && len(n.Hosts) > 0 {
			return n.Hosts[0]
		}
	}
	return ""
}

// listen starts an HTTP server of behaviour srv.b.
func (ss *servers) listen(srv *server) (int, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv.ln = ln
	ss.wg.Go(func() { ss.accept(srv) })
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (ss *servers) accept(srv *server) {
	for {
		c, err := srv.ln.Accept()
		if err != nil {
			return // closed
		}
		if !ss.track(c) {
			c.Close()
			return
		}
		ss.wg.Go(func() {
			defer ss.untrack(c)
			ss.serve(srv, c)
		})
	}
}

func (ss *servers) track(c net.Conn) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	select {
	case <-ss.done:
		return false
	default:
	}
	ss.conns[c] = true
	return true
}

func (ss *servers) untrack(c net.Conn) {
	ss.mu.Lock()
	delete(ss.conns, c)
	ss.mu.Unlock()
	c.Close()
}

// maxRequestHead bounds a request head, as netsim's servers do.
const maxRequestHead = 8 << 10

// serve answers one connection: read the request head, then respond as
// the behaviour says.
func (ss *servers) serve(srv *server, c net.Conn) {
	method, target, ok := readHead(c)
	if !ok {
		return
	}
	ss.r.emit(sim.LevelNet, 0, 0, "srv.request", sim.F("at", srv.addr), sim.Int("fd", int64(connFD(c))),
		sim.F("method", method), sim.F("target", target), sim.F("behavior", srv.b.String()))
	b := srv.b
	switch b.kind {
	case serveStalled:
		buf := make([]byte, 512)
		for { // read and discard until the client goes or the run ends
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	case serveQuick:
		ss.respond(c, b.vals["size"], b.vals["size"], 0, 0)
	case serveSlowHeaders:
		if ss.sleep(time.Duration(b.vals["delay"])) {
			ss.respond(c, b.vals["size"], b.vals["size"], 0, 0)
		}
	case serveTrickle:
		ss.respond(c, b.vals["total"], 0, time.Duration(b.vals["period"]), b.vals["bytes"])
	case serveRate:
		rate := b.vals["rate"]
		chunk := max(1, rate/100)
		period := time.Duration((chunk*int64(time.Second) + rate - 1) / rate)
		ss.respond(c, b.vals["size"], chunk, period, chunk)
	case serveResetAfter:
		head := responseHead(b.vals["bytes"] + 1)
		if _, err := c.Write(append([]byte(head), body(0, b.vals["bytes"])...)); err == nil {
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // the close sends a reset
			}
		}
	}
}

// readHead reads the request head; false when the client went away or
// sent garbage (answered with 400, as netsim does).
func readHead(c net.Conn) (method, target string, ok bool) {
	br := bufio.NewReader(c)
	var head []byte
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		line, err := br.ReadSlice('\n')
		head = append(head, line...)
		if err != nil {
			return "", "", false
		}
		if len(head) > maxRequestHead {
			_, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
			return "", "", false
		}
	}
	parts := strings.Split(strings.SplitN(string(head), "\r\n", 2)[0], " ")
	if len(parts) != 3 {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// respond sends a 200 announcing size body bytes: first bytes of body
// with the head, then chunk bytes every period until size are out.
func (ss *servers) respond(c net.Conn, size, first int64, period time.Duration, chunk int64) {
	first = min(first, size)
	if period == 0 {
		first = size
	}
	if _, err := c.Write(append([]byte(responseHead(size)), body(0, first)...)); err != nil {
		return
	}
	start := time.Now()
	for sent, k := first, 1; sent < size; k++ {
		if !ss.sleep(time.Until(start.Add(time.Duration(k) * period))) {
			return
		}
		n := min(chunk, size-sent)
		if _, err := c.Write(body(sent, n)); err != nil {
			return
		}
		sent += n
	}
}

// sleep waits d; false when the servers close first.
func (ss *servers) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ss.done:
		return false
	}
}

// responseHead is netsim's: status line, Content-Length, Connection:
// close.
func responseHead(length int64) string {
	return "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.FormatInt(length, 10) + "\r\nConnection: close\r\n\r\n"
}

// body is bytes [from, from+n) of every response body: the alphabet,
// repeated (netsim's BodyByte).
func body(from, n int64) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte((from+int64(i))%26)
	}
	return b
}

func connFD(c net.Conn) int {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	_ = raw.Control(func(f uintptr) { fd = int(f) })
	return fd
}

// rawSocket is a TCP socket bound to an ephemeral port of 127.0.0.1.
func (ss *servers) rawSocket() (fd, port int, err error) {
	fd, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, 0, err
	}
	ss.fds = append(ss.fds, fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return -1, 0, err
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return -1, 0, err
	}
	return fd, sa.(*syscall.SockaddrInet4).Port, nil
}

// refusing is a port bound by a socket that never listens: a SYN to it
// gets a reset, and no one else can take the port during the run.
func (ss *servers) refusing() (int, error) {
	_, port, err := ss.rawSocket()
	return port, err
}

// blackhole is a port whose SYNs the kernel drops: a listening socket
// with a backlog of 0 that never accepts, its accept queue filled by a
// connection of the engine's own (with tcp_abort_on_overflow at 0, a
// full queue drops SYNs instead of resetting).
func (ss *servers) blackhole() (int, error) {
	fd, port, err := ss.rawSocket()
	if err != nil {
		return 0, err
	}
	if err := syscall.Listen(fd, 0); err != nil {
		return 0, err
	}
	c, err := net.DialTimeout("tcp4", "127.0.0.1:"+strconv.Itoa(port), time.Second)
	if err != nil {
		return 0, fmt.Errorf("filling the blackhole's accept queue: %w", err)
	}
	ss.mu.Lock()
	ss.conns[c] = true
	ss.mu.Unlock()
	return port, nil
}

// abortOnOverflow reads net.ipv4.tcp_abort_on_overflow: with it set, a
// full accept queue answers with a reset and a blackhole cannot be built.
func abortOnOverflow() bool {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_abort_on_overflow")
	return err == nil && strings.TrimSpace(string(b)) != "0"
}

// close stops every server and waits for their goroutines.
func (ss *servers) close() {
	ss.mu.Lock()
	select {
	case <-ss.done:
		ss.mu.Unlock()
		return
	default:
	}
	close(ss.done)
	for c := range ss.conns {
		c.Close()
	}
	ss.mu.Unlock()
	for _, srv := range ss.list {
		if srv.ln != nil {
			srv.ln.Close()
		}
	}
	for _, fd := range ss.fds {
		syscall.Close(fd)
	}
	ss.wg.Wait()
}
