package model_test

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/model/modeltest"
)

// TestTransferScripts runs the transfer scenarios in
// testdata/transfer-*.txt. A `setup` block describes servers, names and
// transfers; each `run profile=P` builds a fresh world from it, adds every
// transfer, drives the multi with an application loop and prints the
// trace plus a summary per transfer. Regenerate with
// go test ./model -run TestTransferScripts -rewrite
func TestTransferScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/transfer-*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transfer scripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			var setup string
			datadriven.RunTest(t, f, func(t *testing.T, d *datadriven.TestData) string {
				switch d.Cmd {
				case "setup":
					setup = d.Input
					if _, err := parseSetup(setup); err != nil {
						t.Fatalf("%s: %v", d.Pos, err)
					}
					return ""
				case "run":
					return runScenario(t, d, setup)
				}
				t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
				return ""
			})
		})
	}
}

// scenario is a parsed setup block.
type scenario struct {
	servers   map[string]*modeltest.Server
	names     map[string]modeltest.Lookup
	transfers []xferSpec
}

// xferSpec is one transfer line.
type xferSpec struct {
	id         int
	opts       model.Options
	xferinfo   bool
	abortAt    int  // the xferinfo call that returns 1 (0: never)
	refuse     bool // the write callback refuses
	writeDelay time.Duration
	limit      int // shared ConnLimit max; 0: none
	addAt      time.Duration
	// For TestStopScripts: the share (none, stop, nolock, nostop) and the
	// callback call (1-based) that calls EasyStop on its own transfer;
	// stop-in-xferinfo=done is any call in DONE (-1), =complete any call
	// in PERFORMING once the whole body is in (-2).
	share          string
	stopInXferinfo int
	stopInWrite    int
}

func parseSetup(text string) (*scenario, error) {
	sc := &scenario{servers: map[string]*modeltest.Server{}, names: map[string]modeltest.Lookup{}}
	var cur *modeltest.Server
	for i, line := range strings.Split(text, "\n") {
		toks, err := tokenize(line)
		if err != nil {
			return nil, fmt.Errorf("setup line %d: %v", i+1, err)
		}
		if len(toks) == 0 {
			continue
		}
		err = sc.parseLine(toks, &cur)
		if err != nil {
			return nil, fmt.Errorf("setup line %d: %v", i+1, err)
		}
	}
	return sc, nil
}

func (sc *scenario) parseLine(toks []string, cur **modeltest.Server) error {
	switch {
	case toks[0] == "server":
		s, err := parseServer(toks[1:])
		if err != nil {
			return err
		}
		a, err := parseAddr(toks[1])
		if err != nil {
			return err
		}
		sc.servers[a.String()], *cur = s, s
	case strings.HasPrefix(toks[0], "+"):
		if *cur == nil {
			return fmt.Errorf("response line before any server")
		}
		chunks, err := parseChunk(toks)
		(*cur).Response = append((*cur).Response, chunks...)
		return err
	case toks[0] == "dns":
		return sc.parseDNS(toks[1:])
	case toks[0] == "transfer":
		x, err := parseTransfer(toks[1:])
		sc.transfers = append(sc.transfers, x)
		return err
	default:
		return fmt.Errorf("unknown line %q", toks[0])
	}
	return nil
}

// tokenize splits on spaces, keeping Go-quoted strings (also as key="..."
// values) whole and unquoted.
func tokenize(line string) ([]string, error) {
	if i := strings.Index(line, " #"); i >= 0 {
		line = line[:i]
	}
	var toks []string
	for line = strings.TrimSpace(line); line != ""; line = strings.TrimSpace(line) {
		q := strings.IndexByte(line, '"')
		sp := strings.IndexByte(line, ' ')
		if q < 0 || (sp >= 0 && sp < q) {
			if sp < 0 {
				sp = len(line)
			}
			toks = append(toks, line[:sp])
			line = line[sp:]
			continue
		}
		prefix := line[:q]
		rest := line[q:]
		end := 1
		for end < len(rest) && (rest[end] != '"' || rest[end-1] == '\\') {
			end++
		}
		s, err := strconv.Unquote(rest[:end+1])
		if err != nil {
			return nil, fmt.Errorf("bad quoted string %s", rest[:min(end+1, len(rest))])
		}
		toks = append(toks, prefix+s)
		line = rest[end+1:]
	}
	return toks, nil
}

func kv(tok string) (string, string) {
	k, v, _ := strings.Cut(tok, "=")
	return k, v
}

func parseAddr(s string) (model.Addr, error) {
	hp, fam, _ := strings.Cut(s, "/")
	i := strings.LastIndexByte(hp, ':')
	if i < 0 {
		return model.Addr{}, fmt.Errorf("address %q: want host:port/family", s)
	}
	port, err := strconv.Atoi(hp[i+1:])
	if err != nil {
		return model.Addr{}, fmt.Errorf("address %q: %v", s, err)
	}
	a := model.Addr{Host: hp[:i], Port: port, Family: model.IPv4}
	if fam == "ipv6" {
		a.Family = model.IPv6
	}
	return a, nil
}

func parseServer(toks []string) (*modeltest.Server, error) {
	s := &modeltest.Server{}
	for _, tok := range toks[1:] {
		k, v := kv(tok)
		var err error
		switch k {
		case "connect":
			s.ConnectDelay, err = time.ParseDuration(v)
		case "refuse":
			s.Refuse = true
		case "blackhole":
			s.BlackHole = true
		case "giveup":
			s.GiveUp, err = time.ParseDuration(v)
		case "sendchunk":
			s.SendChunk, err = strconv.Atoi(v)
		case "sendpause":
			s.SendPause, err = time.ParseDuration(v)
		case "senderr":
			s.SendErr, err = model.ParseErrno(v)
		case "resetafter":
			s.ResetAfter, err = time.ParseDuration(v)
		default:
			err = fmt.Errorf("unknown server key %q", k)
		}
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// parseChunk reads "+DUR data STRING", "+DUR eof", "+DUR reset" or
// "+DUR trickle STRING every=DUR count=N".
func parseChunk(toks []string) ([]modeltest.Chunk, error) {
	at, err := time.ParseDuration(toks[0][1:])
	if err != nil || len(toks) < 2 {
		return nil, fmt.Errorf("response line %q: want +DUR data|eof|reset|trickle", strings.Join(toks, " "))
	}
	switch toks[1] {
	case "eof":
		return []modeltest.Chunk{{At: at, EOF: true}}, nil
	case "reset":
		return []modeltest.Chunk{{At: at, Reset: true}}, nil
	case "data":
		if len(toks) != 3 {
			return nil, fmt.Errorf("data takes one quoted string")
		}
		return []modeltest.Chunk{{At: at, Data: toks[2]}}, nil
	case "trickle":
		return parseTrickle(at, toks[2:])
	}
	return nil, fmt.Errorf("unknown response action %q", toks[1])
}

func parseTrickle(at time.Duration, toks []string) ([]modeltest.Chunk, error) {
	if len(toks) != 3 {
		return nil, fmt.Errorf("trickle STRING every=DUR count=N")
	}
	_, ev := kv(toks[1])
	_, cv := kv(toks[2])
	every, err := time.ParseDuration(ev)
	if err != nil {
		return nil, err
	}
	count, err := strconv.Atoi(cv)
	if err != nil {
		return nil, err
	}
	var out []modeltest.Chunk
	for i := range count {
		out = append(out, modeltest.Chunk{At: at + time.Duration(i)*every, Data: toks[0]})
	}
	return out, nil
}

func (sc *scenario) parseDNS(toks []string) error {
	if len(toks) == 0 {
		return fmt.Errorf("dns NAME ADDR... [delay=DUR] [err=ERRNO]")
	}
	l := modeltest.Lookup{}
	for _, tok := range toks[1:] {
		k, v := kv(tok)
		var err error
		switch {
		case k == "delay":
			l.Delay, err = time.ParseDuration(v)
		case k == "err":
			l.Err, err = model.ParseErrno(v)
		default:
			var a model.Addr
			a, err = parseAddr(tok)
			l.Addrs = append(l.Addrs, a)
		}
		if err != nil {
			return err
		}
	}
	sc.names[toks[0]] = l
	return nil
}

func parseTransfer(toks []string) (xferSpec, error) {
	x := xferSpec{}
	for _, tok := range toks {
		if err := x.set(tok); err != nil {
			return x, err
		}
	}
	return x, x.opts.Validate()
}

func (x *xferSpec) set(tok string) error {
	k, v := kv(tok)
	n, nerr := strconv.ParseInt(v, 10, 64)
	num := func(p *int64) error { *p = n; return nerr }
	o := &x.opts
	var err error
	switch k {
	case "id":
		x.id, err = int(n), nerr
	case "host":
		o.Host = v
	case "port":
		o.Port, err = int(n), nerr
	case "path":
		o.Path = v
	case "timeout":
		err = num(&o.TimeoutMs)
	case "connecttimeout":
		err = num(&o.ConnectTimeoutMs)
	case "lowspeedlimit":
		err = num(&o.LowSpeedLimit)
	case "lowspeedtime":
		err = num(&o.LowSpeedTime)
	case "maxrecvspeed":
		err = num(&o.MaxRecvSpeed)
	case "he":
		err = num(&o.HappyEyeballsTimeoutMs)
	case "resolver":
		o.Resolver, err = model.ParseResolverKind(v)
	case "nosignal":
		o.NoSignal = true
	case "noprogress":
		o.NoProgress = true
	case "xferinfo":
		x.xferinfo = true
	case "abort-at":
		x.xferinfo, x.abortAt, err = true, int(n), nerr
	case "refuse-write":
		x.refuse = true
	case "write-delay":
		x.writeDelay, err = time.ParseDuration(v)
	case "limit":
		x.limit, err = int(n), nerr
	case "add-at":
		x.addAt, err = time.ParseDuration(v)
	case "share":
		x.share = v
	case "stop-in-xferinfo":
		x.xferinfo, x.stopInXferinfo, err = true, int(n), nerr
		switch v {
		case "done":
			x.stopInXferinfo, err = -1, nil
		case "complete":
			x.stopInXferinfo, err = -2, nil
		}
	case "stop-in-write":
		x.stopInWrite, err = int(n), nerr
	case "pause-at":
		err = num(&o.PauseAt)
	case "resume-after":
		o.ResumeAfter, err = time.ParseDuration(v)
	default:
		err = fmt.Errorf("unknown transfer key %q", k)
	}
	return err
}

// app is the application side of a run: the one timer, the watched
// sockets, the finished messages.
type app struct {
	timerSet bool
	timerAt  model.Micros
	watched  map[int]model.PollAction
}

// run is one scenario under one profile.
type run struct {
	t       *testing.T
	clock   *modeltest.Clock
	net     *modeltest.Net
	rec     *modeltest.Recorder
	m       *model.Multi
	app     app
	easies  []*model.Easy
	xfers   []*model.Transfer
	specs   []xferSpec
	startAt model.Micros
	resumes map[int]model.Micros // transfer index -> when the app resumes it
	// maxSteps bounds the application's loop iterations (a busy loop
	// never gets past one instant).
	maxSteps int
}

func runScenario(t *testing.T, d *datadriven.TestData, setup string) string {
	sc, err := parseSetup(setup)
	if err != nil {
		t.Fatalf("%s: %v", d.Pos, err)
	}
	r := newRun(t, d, sc)
	until := durArgOr(t, d, "until", 10*time.Second)
	driver := "socket"
	if d.HasArg("driver") {
		d.ScanArgs(t, "driver", &driver)
	}
	end := r.clock.Micros() + model.Micros(until.Microseconds())
	if d.HasArg("steps") {
		d.ScanArgs(t, "steps", &r.maxSteps)
	}
	switch driver {
	case "socket":
		r.socketLoop(end)
	case "perform":
		r.m.SetTimerFunc(nil) // easy_perform's private multi has no callbacks
		r.m.SetSocketFunc(nil)
		r.performLoop(end, durArgOr(t, d, "cap", time.Second))
	default:
		t.Fatalf("%s: unknown driver %q", d.Pos, driver)
	}
	out := filterTrace(r.rec.Take(), d)
	return out + r.summary()
}

func durArgOr(t *testing.T, d *datadriven.TestData, key string, def time.Duration) time.Duration {
	if !d.HasArg(key) {
		return def
	}
	var s string
	d.ScanArgs(t, key, &s)
	v, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("%s: %s=%q: %v", d.Pos, key, s, err)
	}
	return v
}

// filterTrace drops event kinds listed in hide=(...).
func filterTrace(s string, d *datadriven.TestData) string {
	a, ok := d.Arg("hide")
	if !ok {
		return s
	}
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && contains(a.Vals, f[2]) {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func newRun(t *testing.T, d *datadriven.TestData, sc *scenario) *run {
	var name string
	d.ScanArgs(t, "profile", &name)
	p, err := model.ByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return newRunAt(t, p, sc, durArgOr(t, d, "start", time.Second))
}

// newRunFor is a run at 1 s under p, for Go tests.
func newRunFor(t *testing.T, p model.Profile, sc *scenario) *run {
	return newRunAt(t, p, sc, time.Second)
}

func newRunAt(t *testing.T, p model.Profile, sc *scenario, start time.Duration) *run {
	var err error
	r := &run{t: t, clock: modeltest.NewClock(model.Micros(start.Microseconds())), rec: &modeltest.Recorder{}}
	r.app.watched = map[int]model.PollAction{}
	r.resumes = map[int]model.Micros{}
	r.maxSteps = 20000
	r.net = modeltest.NewNet(r.clock)
	r.net.Servers, r.net.Names = sc.servers, sc.names
	r.m, err = model.NewMulti(model.Config{Clock: r.clock, Profile: p, Tracer: r.rec,
		Busy: func(_ *model.Easy, d time.Duration) { r.clock.Add(d) }})
	if err != nil {
		t.Fatal(err)
	}
	r.m.SetTimerFunc(r.onTimer)
	r.m.SetSocketFunc(r.onSocket)
	r.build(sc)
	return r
}

// build makes the transfers; one ConnLimit is shared by all that set limit.
func (r *run) build(sc *scenario) {
	var lim *model.ConnLimit
	for _, x := range sc.transfers {
		cfg := model.TransferConfig{Options: x.opts, Sockets: r.net, Resolver: r.net}
		idx := len(r.xfers)
		cfg.OnPause = func(t *model.Transfer) {
			r.resumes[idx] = r.clock.Micros() + model.Micros(t.Options().ResumeAfter.Microseconds())
		}
		if x.limit > 0 {
			if lim == nil {
				lim = &model.ConnLimit{Max: x.limit}
			}
			cfg.Limit = lim
		}
		x := x
		if x.xferinfo {
			cfg.Options.Xferinfo = func(t *model.Transfer, _, _, _, _ int64) int {
				if t.XferinfoCalls() == x.abortAt {
					return 1
				}
				return 0
			}
		}
		if x.refuse {
			cfg.Options.Write = func(*model.Transfer, []byte) int { return 0 }
		}
		if x.writeDelay > 0 {
			cfg.Options.WriteDelay = func(int) time.Duration { return x.writeDelay }
		}
		tr, err := model.NewTransfer(cfg)
		if err != nil {
			r.t.Fatal(err)
		}
		r.xfers = append(r.xfers, tr)
		r.easies = append(r.easies, model.NewEasy(x.id, tr))
		r.specs = append(r.specs, x)
	}
}

func (r *run) onTimer(_ *model.Multi, ms int64) int {
	if ms < 0 {
		r.app.timerSet = false
	} else {
		r.app.timerSet, r.app.timerAt = true, r.clock.Micros()+model.Micros(ms*1000)
	}
	return 0
}

func (r *run) onSocket(_ *model.Easy, fd int, what model.PollAction) int {
	if what == model.PollRemove {
		delete(r.app.watched, fd)
	} else {
		r.app.watched[fd] = what
	}
	return 0
}

// addDue adds the transfers whose add time has come.
func (r *run) addDue() {
	for i, e := range r.easies {
		if r.waiting(i) && r.clock.Micros() >= r.addTime(i) {
			r.m.Add(e)
		}
	}
}

// resumeDue resumes, in transfer order, every paused transfer whose
// resume time has come (curl_easy_pause(CURLPAUSE_CONT)).
func (r *run) resumeDue() {
	for i, e := range r.easies {
		if at, ok := r.resumes[i]; ok && at <= r.clock.Micros() {
			delete(r.resumes, i)
			r.m.Pause(e, model.PauseCont)
		}
	}
}

// waiting reports a transfer not added yet.
func (r *run) waiting(i int) bool {
	_, ended := r.xfers[i].End()
	return r.easies[i].State() == model.StateDetached && !ended
}

func (r *run) addTime(i int) model.Micros {
	return r.startAt + model.Micros(r.specs[i].addAt.Microseconds())
}

// socketLoop is an event-driven application with an exact timer: it moves
// the clock to the next socket readiness change or timer expiry, calls
// SocketAction for every watched socket that is ready for its wish, then
// for the timer when due.
func (r *run) socketLoop(end model.Micros) {
	r.startAt = r.clock.Micros()
	r.addDue()
	for step := 0; step < r.maxSteps && !r.allDone(); step++ {
		next, ok := r.nextTime()
		if !ok || next > end {
			break
		}
		if next > r.clock.Micros() {
			r.clock.Set(next)
		}
		r.addDue()
		r.resumeDue()
		r.signalReady()
		if r.app.timerSet && r.app.timerAt <= r.clock.Micros() {
			r.app.timerSet = false
			r.m.SocketAction(model.SocketTimeout, 0)
		}
		r.drain()
	}
}

// nextTime is the earliest of the app timer, a readiness change and a
// pending add.
func (r *run) nextTime() (model.Micros, bool) {
	best, ok := r.net.NextEvent()
	if r.app.timerSet && (!ok || r.app.timerAt < best) {
		best, ok = r.app.timerAt, true
	}
	for _, at := range r.resumes {
		if !ok || at < best {
			best, ok = at, true
		}
	}
	for i := range r.easies {
		at := r.addTime(i)
		if r.waiting(i) && at > r.clock.Micros() && (!ok || at < best) {
			best, ok = at, true
		}
	}
	return best, ok
}

func (r *run) signalReady() {
	fds := make([]int, 0, len(r.app.watched))
	for fd := range r.app.watched {
		fds = append(fds, fd)
	}
	sort.Ints(fds)
	for _, fd := range fds {
		what, ok := r.app.watched[fd]
		if !ok {
			continue
		}
		if ev := readyFor(r.net.Ready(fd), what); ev != 0 {
			r.m.SocketAction(fd, ev)
		}
	}
}

// readyFor is the part of a readiness the wish cares about (errors always).
func readyFor(rdy model.Events, what model.PollAction) model.Events {
	var ev model.Events
	if what&model.PollIn != 0 {
		ev |= rdy & model.EvIn
	}
	if what&model.PollOut != 0 {
		ev |= rdy & model.EvOut
	}
	if ev != 0 || rdy&model.EvErr != 0 {
		ev |= rdy & model.EvErr
	}
	return ev
}

// performLoop is easy_perform: poll (capped, and at most the exposed
// timeout) until a watched socket is ready or the time is up, then
// perform, until every transfer is done.
func (r *run) performLoop(end model.Micros, capDur time.Duration) {
	r.startAt = r.clock.Micros()
	r.addDue()
	for step := 0; step < r.maxSteps && !r.allDone() && r.clock.Micros() <= end; step++ {
		spec, _ := r.m.Poll(capDur.Milliseconds())
		r.waitFor(spec)
		r.m.EndWait(false)
		r.addDue()
		r.resumeDue()
		r.m.Perform()
		r.drain()
	}
}

// waitFor moves the clock to the end of a poll.
func (r *run) waitFor(spec model.WaitSpec) {
	deadline := r.clock.Micros() + model.Micros(spec.TimeoutMs*1000)
	for !r.anyReady(spec.Sockets) {
		next, ok := r.net.NextEvent()
		if !ok || next > deadline {
			r.clock.Set(deadline)
			return
		}
		r.clock.Set(next)
	}
}

func (r *run) anyReady(ws []model.Interest) bool {
	for _, w := range ws {
		if readyFor(r.net.Ready(w.FD), w.What) != 0 {
			return true
		}
	}
	return false
}

func (r *run) drain() {
	for {
		if _, _, ok := r.m.InfoRead(); !ok {
			return
		}
	}
}

func (r *run) allDone() bool {
	for _, x := range r.xfers {
		if !x.State().Terminal() {
			return false
		}
	}
	return true
}

// summary prints each transfer's outcome and the application's view.
func (r *run) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- now=%d running=%d index=%d\n", r.clock.Micros(), r.m.Running(), r.m.IndexLen())
	for i, x := range r.xfers {
		start, _ := x.Start()
		fmt.Fprintf(&b, "transfer %d: %v result=%v start=%d elapsed=%d bytes=%d status=%d xferinfo=%d\n",
			r.specs[i].id, x.State(), x.Result(), start, x.ElapsedUs(), x.BytesReceived(), x.ResponseCode(), x.XferinfoCalls())
	}
	if r.app.timerSet {
		fmt.Fprintf(&b, "app timer at %d\n", r.app.timerAt)
	}
	if len(r.app.watched) > 0 {
		fmt.Fprintf(&b, "app watches %v\n", r.app.watched)
	}
	fmt.Fprintf(&b, "open fds=%d\n", r.net.OpenFDs())
	if err := r.m.Check(); err != nil {
		fmt.Fprintf(&b, "check: %v\n", err)
	}
	return b.String()
}

// TestTransferOptionErrors: bad options and a missing socket layer are Go
// errors prefixed "model: " that name the option; good ones pass.
func TestTransferOptionErrors(t *testing.T) {
	net := modeltest.NewNet(modeltest.NewClock(0))
	for _, c := range []struct {
		cfg  model.TransferConfig
		want string
	}{
		{model.TransferConfig{Options: model.Options{Host: "h", TimeoutMs: -1}, Sockets: net, Resolver: net}, "TimeoutMs is negative"},
		{model.TransferConfig{Options: model.Options{Host: "h", LowSpeedTime: -2}, Sockets: net, Resolver: net}, "LowSpeedTime is negative"},
		{model.TransferConfig{Options: model.Options{Host: "h", MaxRecvSpeed: -2}, Sockets: net, Resolver: net}, "MaxRecvSpeed is negative"},
		{model.TransferConfig{Options: model.Options{Host: "h", HappyEyeballsTimeoutMs: -2}, Sockets: net, Resolver: net}, "HappyEyeballsTimeoutMs"},
		{model.TransferConfig{Options: model.Options{}, Sockets: net, Resolver: net}, "Host is empty"},
		{model.TransferConfig{Options: model.Options{Host: "a b"}, Sockets: net, Resolver: net}, "Host"},
		{model.TransferConfig{Options: model.Options{Host: "h", Port: 70000}, Sockets: net, Resolver: net}, "Port"},
		{model.TransferConfig{Options: model.Options{Host: "h", Path: "x"}, Sockets: net, Resolver: net}, "Path"},
		{model.TransferConfig{Options: model.Options{Host: "h", Resolver: 9}, Sockets: net, Resolver: net}, "Resolver"},
		{model.TransferConfig{Options: model.Options{Host: "h"}, Resolver: net}, "Sockets is nil"},
		{model.TransferConfig{Options: model.Options{Host: "h"}, Sockets: net}, "Resolver is nil"},
	} {
		_, err := model.NewTransfer(c.cfg)
		if err == nil || !strings.HasPrefix(err.Error(), "model: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one about %q", c.cfg.Options, err, c.want)
		}
	}
	if _, err := model.NewTransfer(model.TransferConfig{Options: model.Options{Host: "10.0.0.1"}, Sockets: net}); err != nil {
		t.Errorf("an IP literal needs no resolver: %v", err)
	}
	if _, err := model.NewConnLimit(-1); err == nil {
		t.Error("a negative connection limit was accepted")
	}
	if _, err := model.ParseResolverKind("threaded"); err == nil {
		t.Error("unknown resolver kind accepted")
	}
}

// TestTransferRemoveWhileRunning: removing a transfer mid-way runs its
// done-processing (sockets closed with REMOVE, the slot freed, the next
// pending transfer woken), leaves it COMPLETED with no message, and a
// re-Add starts it over from INIT.
func TestTransferRemoveWhileRunning(t *testing.T) {
	sc, err := parseSetup(`server 10.0.0.1:80/ipv4 blackhole
dns example.org 10.0.0.1:80/ipv4
transfer id=1 host=example.org limit=1
transfer id=2 host=example.org limit=1`)
	if err != nil {
		t.Fatal(err)
	}
	r := newRunFor(t, model.Curl8(), sc)
	r.startAt = r.clock.Micros()
	r.addDue()
	r.m.SocketAction(model.SocketTimeout, 0)
	if s1, s2 := r.xfers[0].State(), r.xfers[1].State(); s1 != model.XferConnecting || s2 != model.XferPending {
		t.Fatalf("states %v %v, want CONNECTING PENDING", s1, s2)
	}
	r.m.Remove(r.easies[0])
	if s := r.xfers[0].State(); s != model.XferCompleted || len(r.app.watched) != 0 || r.net.OpenFDs() != 0 {
		t.Fatalf("after remove: %v, watched %v, %d open", s, r.app.watched, r.net.OpenFDs())
	}
	if s := r.xfers[1].State(); s != model.XferConnect || !r.easies[1].Dirty() {
		t.Fatalf("pending transfer not woken: %v dirty=%v", s, r.easies[1].Dirty())
	}
	if _, _, ok := r.m.InfoRead(); ok {
		t.Fatal("a removed transfer left a message")
	}
	r.m.Add(r.easies[0])
	if s := r.xfers[0].State(); s != model.XferInit {
		t.Fatalf("re-added transfer in %v", s)
	}
	if err := r.m.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestRecvLoops: one PERFORMING run reads at most the profile's RecvLoops
// times (curl 8: 11) before asking to run again with data still waiting.
// (7.88's 101 reads of 16 KiB would need more data than this test moves.)
func TestRecvLoops(t *testing.T) {
	setup := `server 10.0.0.1:80/ipv4 connect=2ms
+0s data "HTTP/1.1 200 OK\r\nContent-Length: 400000\r\n\r\n"
+0s trickle "` + strings.Repeat("x", 4000) + `" every=0s count=100
dns example.org 10.0.0.1:80/ipv4 delay=0s
transfer id=1 host=example.org`
	p := model.Curl8()
	sc, err := parseSetup(setup)
	if err != nil {
		t.Fatal(err)
	}
	r := newRunFor(t, p, sc)
	r.socketLoop(r.clock.Micros() + 5_000_000)
	most, n := 0, 0
	for _, line := range strings.Split(r.rec.Take(), "\n") {
		switch {
		case strings.HasSuffix(line, " run"):
			n = 0
		case strings.Contains(line, " net op=recv "):
			n++
			most = max(most, n)
		}
	}
	if most != p.Transfer.RecvLoops {
		t.Errorf("%s: at most %d reads in a run, want %d", p.Name, most, p.Transfer.RecvLoops)
	}
}
