package netsim_test

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/expirylab/expiry/netsim"
	"github.com/expirylab/expiry/netsim/netsimtest"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/netpoll"
)

// TestScripts runs the scenarios in testdata/*.txt on sim's kernel through
// sim/netpoll. Each command prints the trace records it caused (kernel
// canonical lines: µs, level, thread, transfer, kind, fields) and then its
// own results. Regenerate the golden output with
//
//	go test ./netsim -run TestScripts -rewrite
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			w := &world{}
			datadriven.RunTest(t, f, func(t *testing.T, d *datadriven.TestData) string {
				w.t, w.d = t, d
				h, ok := handlers[d.Cmd]
				if !ok {
					t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
				}
				if d.Cmd != "new" && !strings.HasPrefix(d.Cmd, "parse-") && w.k == nil {
					t.Fatalf("%s: %s before new", d.Pos, d.Cmd)
				}
				extra := h(w)
				return w.take() + extra
			})
		})
	}
}

// world is one scenario: a kernel that keeps every trace record, a
// network on it, and the scripts' clients, fetches and resolver.
type world struct {
	t        *testing.T
	d        *datadriven.TestData
	k        *sim.Kernel
	rec      *sim.Recorder
	net      *netpoll.Net
	shown    int
	clients  map[string]*netsimtest.Client
	fetches  []*netsimtest.Fetch
	resolver *netsim.Resolver
}

var handlers = map[string]func(*world) string{
	"new":           (*world).cmdNew,
	"host":          (*world).cmdHost,
	"link":          (*world).cmdLink,
	"fault":         (*world).cmdFault,
	"serve":         (*world).cmdServe,
	"socket":        (*world).cmdSocket,
	"connect":       (*world).cmdConnect,
	"listen":        (*world).cmdListen,
	"accept":        (*world).cmdAccept,
	"write":         (*world).cmdWrite,
	"read":          (*world).cmdRead,
	"shutdown":      (*world).cmdShutdown,
	"close":         (*world).cmdClose,
	"abort":         (*world).cmdAbort,
	"sockerror":     (*world).cmdSockError,
	"ready":         (*world).cmdReady,
	"wakepair":      (*world).cmdWakePair,
	"fetch":         (*world).cmdFetch,
	"fetches":       (*world).cmdFetches,
	"run":           (*world).cmdRun,
	"poll":          (*world).cmdPoll,
	"resolver":      (*world).cmdResolver,
	"lookup":        (*world).cmdLookup,
	"lookup-result": (*world).cmdLookupResult,
	"cancel-lookup": (*world).cmdCancelLookup,
	"resolve":       (*world).cmdResolve,
	"counters":      (*world).cmdCounters,
	"parse-fault":   (*world).cmdParseFault,
	"parse-server":  (*world).cmdParseServer,
}

func (w *world) fatalf(format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf("%s: %s", w.d.Pos, fmt.Sprintf(format, args...))
}

// take returns the trace records since the last command.
func (w *world) take() string {
	if w.rec == nil {
		return ""
	}
	var b strings.Builder
	recs := w.rec.Records()
	if err := sim.WriteText(&b, recs[w.shown:]); err != nil {
		w.fatalf("%v", err)
	}
	w.shown = len(recs)
	return b.String()
}

func (w *world) arg(key string) (string, bool) {
	a, ok := w.d.Arg(key)
	if !ok {
		return "", false
	}
	if len(a.Vals) != 1 {
		w.fatalf("%s takes one value", key)
	}
	return a.Vals[0], true
}

func (w *world) need(key string) string {
	v, ok := w.arg(key)
	if !ok {
		w.fatalf("missing %s=", key)
	}
	return v
}

func (w *world) intArg(key string, def int) int {
	s, ok := w.arg(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		w.fatalf("%s=%q: %v", key, s, err)
	}
	return n
}

func (w *world) durArg(key string) (time.Duration, bool) {
	s, ok := w.arg(key)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		w.fatalf("%s=%q: %v", key, s, err)
	}
	return d, true
}

func (w *world) distArg(key string) netsim.Dist {
	s, ok := w.arg(key)
	if !ok {
		return nil
	}
	d, err := sim.ParseDist(s)
	if err != nil {
		w.fatalf("%v", err)
	}
	return d
}

func (w *world) host() *netsim.Host {
	name := w.need("host")
	h := w.net.Host(name)
	if h == nil {
		w.fatalf("no host %q", name)
	}
	return h
}

func (w *world) fd() netsim.FD { return netsim.FD(w.intArg("fd", -1)) }

func (w *world) addr(key string) netsim.Addr {
	s := w.need(key)
	host, port, ok := strings.Cut(s, ":")
	p, err := strconv.Atoi(port)
	if !ok || err != nil {
		w.fatalf("%s=%q: want host:port", key, s)
	}
	return netsim.Addr{Host: host, Port: p}
}

// result formats a call's outcome.
func result(n int, err error) string {
	if err != nil {
		return "err=" + err.(netsim.Errno).String() + "\n"
	}
	return fmt.Sprintf("n=%d\n", n)
}

// cmdNew: new [seed=N] [sendbuf=N] [recvbuf=N] [mss=N] [syn-retries=N] [wakebuf=N]
func (w *world) cmdNew() string {
	w.rec = sim.NewRecorder(sim.AllLevels, true)
	k, err := sim.New(sim.Config{Seed: uint64(w.intArg("seed", 1)), Trace: w.rec})
	if err != nil {
		w.fatalf("%v", err)
	}
	w.k, w.shown = k, 0
	w.net, err = netpoll.New(k, netsim.Config{SendBuf: w.intArg("sendbuf", 0), RecvBuf: w.intArg("recvbuf", 0),
		MSS: w.intArg("mss", 0), SynRetries: w.intArg("syn-retries", 0), WakeBuf: w.intArg("wakebuf", 0)})
	if err != nil {
		w.fatalf("%v", err)
	}
	w.clients, w.fetches, w.resolver = map[string]*netsimtest.Client{}, nil, nil
	return ""
}

// cmdHost: host name=(a,b,...)
func (w *world) cmdHost() string {
	a, _ := w.d.Arg("name")
	for _, name := range a.Vals {
		if _, err := w.net.AddHost(name); err != nil {
			w.fatalf("%v", err)
		}
	}
	return ""
}

// cmdLink: link a=HOST b=HOST [latency=DIST] [jitter=DIST] [bandwidth=N]
func (w *world) cmdLink() string {
	cfg := netsim.LinkConfig{Latency: w.distArg("latency"), Jitter: w.distArg("jitter"),
		Bandwidth: int64(w.intArg("bandwidth", 0))}
	if err := w.net.Link(w.need("a"), w.need("b"), cfg); err != nil {
		w.fatalf("%v", err)
	}
	return ""
}

// cmdFault: fault a=HOST b=HOST, one fault per input line.
func (w *world) cmdFault() string {
	var out strings.Builder
	for _, line := range lines(w.d.Input) {
		f, err := netsim.ParseFault(line)
		if err == nil {
			err = w.net.AddFault(w.need("a"), w.need("b"), f)
		}
		if err != nil {
			fmt.Fprintf(&out, "error: %v\n", err)
		}
	}
	return out.String()
}

// cmdServe: serve host=HOST port=N, the behaviour as input.
func (w *world) cmdServe() string {
	b, err := netsim.ParseBehavior(strings.TrimSpace(w.d.Input))
	if err != nil {
		return fmt.Sprintf("error: %v\n", err)
	}
	if _, err := w.net.Serve(w.need("host"), w.intArg("port", 80), b); err != nil {
		return fmt.Sprintf("error: %v\n", err)
	}
	return ""
}

// cmdSocket: socket host=HOST
func (w *world) cmdSocket() string {
	fd, _ := w.host().Socket()
	return fmt.Sprintf("fd=%d\n", fd)
}

// cmdConnect: connect host=HOST fd=N to=HOST:PORT
func (w *world) cmdConnect() string {
	return result(0, w.host().Connect(w.fd(), w.addr("to")))
}

// cmdListen: listen host=HOST port=N [backlog=N]
func (w *world) cmdListen() string {
	fd, err := w.host().Listen(w.intArg("port", 80), w.intArg("backlog", 0))
	if err != nil {
		return result(0, err)
	}
	return fmt.Sprintf("fd=%d\n", fd)
}

// cmdAccept: accept host=HOST fd=N
func (w *world) cmdAccept() string {
	fd, from, err := w.host().Accept(w.fd())
	if err != nil {
		return result(0, err)
	}
	return fmt.Sprintf("fd=%d from=%v\n", fd, from)
}

// cmdWrite: write host=HOST fd=N (data=TEXT | data="GO-QUOTED" | n=N);
// n=N writes N bytes of the servers' body pattern.
func (w *world) cmdWrite() string {
	data, ok := w.arg("data")
	if ok && strings.HasPrefix(data, `"`) {
		var err error
		if data, err = strconv.Unquote(data); err != nil {
			w.fatalf("data=%s: %v", data, err)
		}
	}
	if !ok {
		b := make([]byte, w.intArg("n", 0))
		for i := range b {
			b[i] = netsim.BodyByte(int64(i))
		}
		data = string(b)
	}
	return result(w.host().Write(w.fd(), []byte(data)))
}

// cmdRead: read host=HOST fd=N [max=N]
func (w *world) cmdRead() string {
	buf := make([]byte, w.intArg("max", 4096))
	m, err := w.host().Read(w.fd(), buf)
	if err != nil || m == 0 || m > 100 {
		return result(m, err)
	}
	return fmt.Sprintf("n=%d data=%q\n", m, buf[:m])
}

// ok formats the outcome of a call that returns only an error.
func ok(err error) string {
	if err != nil {
		return result(0, err)
	}
	return "ok\n"
}

func (w *world) cmdShutdown() string  { return ok(w.host().Shutdown(w.fd())) }
func (w *world) cmdClose() string     { return ok(w.host().Close(w.fd())) }
func (w *world) cmdAbort() string     { return ok(w.host().Abort(w.fd())) }
func (w *world) cmdSockError() string { return ok(w.host().SockError(w.fd())) }

// cmdReady: ready host=HOST fd=N prints readiness and state.
func (w *world) cmdReady() string {
	h, fd := w.host(), w.fd()
	r, err := h.Readiness(fd)
	if err != nil {
		return result(0, err)
	}
	in, _ := h.Info(fd)
	pending := "-"
	if in.Pending != 0 {
		pending = in.Pending.String()
	}
	kind := in.Kind.String()
	if in.Kind == netsim.KindTCP {
		kind += " state=" + in.State.String()
	}
	return fmt.Sprintf("ready=%v kind=%s unread=%d in-flight=%d pending=%s\n",
		r, kind, in.Unread, in.InFlight, pending)
}

// cmdWakePair: wakepair host=HOST
func (w *world) cmdWakePair() string {
	r, wr, _ := w.host().WakePair()
	return fmt.Sprintf("r=%d w=%d\n", r, wr)
}

// cmdFetch: fetch host=HOST to=HOST:PORT [target=PATH]
func (w *world) cmdFetch() string {
	h := w.host()
	c := w.clients[h.Name()]
	if c == nil {
		c = netsimtest.NewClient(h, "fetch@"+h.Name())
		w.clients[h.Name()] = c
	}
	target, ok := w.arg("target")
	if !ok {
		target = "/"
	}
	f, err := c.Get(w.addr("to"), target)
	if err != nil {
		w.fatalf("%v", err)
	}
	w.fetches = append(w.fetches, f)
	return fmt.Sprintf("fetch %d: fd=%d\n", len(w.fetches), f.FD)
}

// cmdFetches prints every fetch's state.
func (w *world) cmdFetches() string {
	var b strings.Builder
	for i, f := range w.fetches {
		fmt.Fprintf(&b, "fetch %d: %v complete=%v\n", i+1, f, f.Complete())
	}
	return b.String()
}

// cmdRun: run [for=DUR | until=DUR]; without either, until no event is left.
func (w *world) cmdRun() string {
	var out sim.Outcome
	if d, ok := w.durArg("for"); ok {
		out = w.k.RunUntil(w.k.Now().Add(d))
	} else if t, ok := w.durArg("until"); ok {
		out = w.k.RunUntil(sim.Time(t))
	} else {
		out = w.k.Run()
	}
	return w.take() + fmt.Sprintf("run: %v at %s\n", out.Reason, sim.FormatDuration(time.Duration(out.Now)))
}

// cmdPoll: poll host=HOST thread=NAME fds=(FD:EVENTS,...) timeout=DUR [then=read]
// spawns a thread that polls once; with then=read it then reads every ready
// descriptor until EAGAIN or the end of the stream.
func (w *world) cmdPoll() string {
	h := w.host()
	var fds []netpoll.PollFD
	a, _ := w.d.Arg("fds")
	for _, v := range a.Vals {
		fdText, ev, _ := strings.Cut(v, ":")
		fd, err := strconv.Atoi(fdText)
		r, err2 := netsim.ParseReady(ev)
		if err != nil || err2 != nil {
			w.fatalf("fds: bad entry %q", v)
		}
		fds = append(fds, netpoll.PollFD{FD: netsim.FD(fd), Events: r})
	}
	timeout, ok := w.durArg("timeout")
	if !ok {
		timeout = sim.Forever
	}
	then, _ := w.arg("then")
	w.k.Spawn(w.need("thread"), func(t *sim.Thread) {
		err := w.net.Poll(t, h, fds, timeout, func(int) {
			if then == "read" {
				readReady(h, fds)
			}
		})
		if err != nil {
			w.fatalf("%v", err)
		}
	})
	return ""
}

func readReady(h *netsim.Host, fds []netpoll.PollFD) {
	buf := make([]byte, 4096)
	for _, f := range fds {
		for f.Revents&netsim.PollIn != 0 {
			if m, err := h.Read(f.FD, buf); m == 0 || err != nil {
				break
			}
		}
	}
}

// cmdResolver: resolver [delay=DIST] [no-answer=DUR], one record per input
// line: "NAME HOST...", or "NAME EAI_NONAME|EAI_AGAIN".
func (w *world) cmdResolver() string {
	na, _ := w.durArg("no-answer")
	r, err := w.net.NewResolver(netsim.ResolverConfig{Delay: w.distArg("delay"), NoAnswerAfter: na})
	if err != nil {
		w.fatalf("%v", err)
	}
	for _, line := range lines(w.d.Input) {
		name, v, _ := strings.Cut(line, " ")
		switch v {
		case "EAI_NONAME":
			err = r.Fail(name, netsim.EAI_NONAME)
		case "EAI_AGAIN":
			err = r.Fail(name, netsim.EAI_AGAIN)
		default:
			err = r.Add(name, strings.Fields(v)...)
		}
		if err != nil {
			w.fatalf("%v", err)
		}
	}
	w.resolver = r
	return ""
}

// cmdLookup: lookup host=HOST name=NAME (asynchronous)
func (w *world) cmdLookup() string {
	fd, err := w.resolver.Start(w.host(), w.need("name"))
	if err != nil {
		w.fatalf("%v", err)
	}
	return fmt.Sprintf("fd=%d\n", fd)
}

// cmdLookupResult: lookup-result host=HOST fd=N
func (w *world) cmdLookupResult() string {
	hosts, err := w.host().LookupResult(w.fd())
	if err != nil {
		return result(0, err)
	}
	return "hosts=" + strings.Join(hosts, ",") + "\n"
}

// cmdCancelLookup: cancel-lookup host=HOST fd=N
func (w *world) cmdCancelLookup() string {
	left, err := w.host().CancelLookup(w.fd())
	if err != nil {
		return result(0, err)
	}
	return "left=" + sim.FormatDuration(left) + "\n"
}

// cmdResolve: resolve host=HOST thread=NAME name=NAME spawns a thread that
// resolves synchronously and then exits.
func (w *world) cmdResolve() string {
	h, name := w.host(), w.need("name")
	w.k.Spawn(w.need("thread"), func(t *sim.Thread) {
		err := w.net.Resolve(t, w.resolver, h, name, func(hosts []string, err error) {
			t.Emit(sim.LevelAPI, 0, "resolved", sim.F("hosts", strings.Join(hosts, ",")), sim.F("result", strings.TrimSuffix(ok(err), "\n")))
		})
		if err != nil {
			w.fatalf("%v", err)
		}
	})
	return ""
}

func (w *world) cmdCounters() string {
	c := w.net.Counters()
	return c.String()
}

// cmdParseFault prints each input line's canonical form or error.
func (w *world) cmdParseFault() string {
	return parseEach(w.d.Input, func(s string) (fmt.Stringer, error) { return netsim.ParseFault(s) })
}

// cmdParseServer is cmdParseFault for server behaviours.
func (w *world) cmdParseServer() string {
	return parseEach(w.d.Input, func(s string) (fmt.Stringer, error) { return netsim.ParseBehavior(s) })
}

func parseEach(input string, parse func(string) (fmt.Stringer, error)) string {
	var b strings.Builder
	for _, line := range strings.Split(input, "\n") {
		v, err := parse(line)
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n", err)
			continue
		}
		fmt.Fprintf(&b, "%v\n", v)
	}
	return b.String()
}

func lines(input string) []string {
	var out []string
	for _, l := range strings.Split(input, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
