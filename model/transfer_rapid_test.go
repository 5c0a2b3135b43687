package model_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/model/modeltest"
)

// TestTransferRandom drives random transfers (random options, random
// servers: slow, refusing, black holes, trickles, resets, short bodies;
// random names and resolver kinds, an optional connection limit) with a
// random application (socket actions on ready sockets, timer fires early,
// on time or late, Perform, clock jumps, Remove and re-Add) under every
// profile. Checked: nothing panics; Multi.Check stays clean after every
// step; and at the end, once the clock is past every TIMEOUT and Perform
// has run everything twice, no transfer with a TIMEOUT is left unfinished
// outside PENDING (a pending transfer is not run: 7.88 never times it out
// while it waits, and curl 8 only when Perform's purge pops one of its
// timers, which a SocketAction may have popped before).
// Reproduce a failure with the -rapid.seed it prints.
func TestTransferRandom(t *testing.T) {
	for _, p := range model.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) { newXMachine(rt, p).run(rt) })
		})
	}
}

type xmachine struct {
	prof   model.Profile
	clock  *modeltest.Clock
	net    *modeltest.Net
	m      *model.Multi
	easies []*model.Easy
	xfers  []*model.Transfer
	added  []bool
	app    app
}

func newXMachine(rt *rapid.T, p model.Profile) *xmachine {
	x := &xmachine{prof: p, app: app{watched: map[int]model.PollAction{}}}
	x.clock = modeltest.NewClock(model.Micros(rapid.Int64Range(1_000_000, 3_000_000).Draw(rt, "start")))
	x.net = modeltest.NewNet(x.clock)
	var err error
	x.m, err = model.NewMulti(model.Config{Clock: x.clock, Profile: p,
		Busy: func(_ *model.Easy, d time.Duration) { x.clock.Add(d) }})
	if err != nil {
		rt.Fatal(err)
	}
	x.m.SetTimerFunc(func(_ *model.Multi, ms int64) int {
		x.app.timerSet, x.app.timerAt = ms >= 0, x.clock.Micros()+model.Micros(max(ms, 0)*1000)
		return 0
	})
	x.m.SetSocketFunc(func(_ *model.Easy, fd int, what model.PollAction) int {
		if what == model.PollRemove {
			delete(x.app.watched, fd)
		} else {
			x.app.watched[fd] = what
		}
		return 0
	})
	x.world(rt)
	return x
}

var msDur = func(lo, hi int64) *rapid.Generator[time.Duration] {
	return rapid.Map(rapid.Int64Range(lo, hi), func(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond })
}

// world draws servers, names and transfers.
func (x *xmachine) world(rt *rapid.T) {
	nsrv := rapid.IntRange(1, 3).Draw(rt, "servers")
	var addrs []model.Addr
	for i := range nsrv {
		a := model.Addr{Host: fmt.Sprintf("10.0.0.%d", i+1), Port: 80, Family: model.IPv4}
		if rapid.Bool().Draw(rt, "v6") {
			a = model.Addr{Host: fmt.Sprintf("2001:db8::%d", i+1), Port: 80, Family: model.IPv6}
		}
		addrs = append(addrs, a)
		x.net.Servers[a.String()] = drawServer(rt)
	}
	x.net.Names["a.example"] = modeltest.Lookup{Addrs: addrs, Delay: msDur(0, 1500).Draw(rt, "dns-delay")}
	x.net.Names["b.example"] = modeltest.Lookup{Err: model.EAI_NONAME, Delay: msDur(0, 200).Draw(rt, "nx-delay")}
	var lim *model.ConnLimit
	if rapid.Bool().Draw(rt, "limited") {
		lim = &model.ConnLimit{Max: rapid.IntRange(1, 2).Draw(rt, "max")}
	}
	for i := range rapid.IntRange(1, 4).Draw(rt, "transfers") {
		tr, err := model.NewTransfer(model.TransferConfig{Options: drawOptions(rt), Sockets: x.net, Resolver: x.net, Limit: lim})
		if err != nil {
			rt.Fatal(err)
		}
		x.xfers = append(x.xfers, tr)
		x.easies = append(x.easies, model.NewEasy(i+1, tr))
		x.added = append(x.added, false)
	}
}

func drawServer(rt *rapid.T) *modeltest.Server {
	s := &modeltest.Server{ConnectDelay: msDur(0, 300).Draw(rt, "connect")}
	switch rapid.IntRange(0, 5).Draw(rt, "kind") {
	case 0:
		s.Refuse = true
	case 1:
		s.BlackHole, s.GiveUp = true, msDur(0, 4000).Draw(rt, "giveup")
	case 2:
		s.ResetAfter = msDur(1, 2000).Draw(rt, "reset")
	}
	if rapid.Bool().Draw(rt, "partial-send") {
		s.SendChunk, s.SendPause = rapid.IntRange(1, 20).Draw(rt, "chunk"), msDur(0, 50).Draw(rt, "pause")
	}
	size := rapid.IntRange(0, 30).Draw(rt, "size")
	head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", size)
	headAt := msDur(0, 800).Draw(rt, "head-at")
	s.Response = append(s.Response, modeltest.Chunk{At: headAt, Data: head})
	every := msDur(0, 700).Draw(rt, "every")
	sent := rapid.IntRange(0, size+2).Draw(rt, "sent")
	for i := range sent {
		s.Response = append(s.Response, modeltest.Chunk{At: headAt + time.Duration(i+1)*every, Data: "x"})
	}
	if rapid.Bool().Draw(rt, "eof") {
		s.Response = append(s.Response, modeltest.Chunk{At: headAt + time.Duration(sent+1)*every, EOF: true})
	}
	return s
}

func drawOptions(rt *rapid.T) model.Options {
	o := model.Options{Host: rapid.SampledFrom([]string{"a.example", "b.example", "10.0.0.1"}).Draw(rt, "host")}
	o.TimeoutMs = rapid.SampledFrom([]int64{0, 300, 1000, 2500}).Draw(rt, "timeout")
	o.ConnectTimeoutMs = rapid.SampledFrom([]int64{0, 200, 700}).Draw(rt, "connecttimeout")
	if rapid.Bool().Draw(rt, "lowspeed") {
		o.LowSpeedLimit, o.LowSpeedTime = rapid.Int64Range(1, 20).Draw(rt, "lsl"), rapid.Int64Range(0, 3).Draw(rt, "lst")
	}
	o.MaxRecvSpeed = rapid.SampledFrom([]int64{0, 0, 5, 100}).Draw(rt, "maxrecv")
	o.HappyEyeballsTimeoutMs = rapid.SampledFrom([]int64{0, 50}).Draw(rt, "he")
	if rapid.Bool().Draw(rt, "sync") {
		o.Resolver = model.ResolveSync
		o.NoSignal = rapid.Bool().Draw(rt, "nosignal")
	}
	abortAt := rapid.IntRange(0, 300).Draw(rt, "abort-at")
	o.Xferinfo = func(t *model.Transfer, _, _, _, _ int64) int {
		if t.XferinfoCalls() == abortAt {
			return 1
		}
		return 0
	}
	if rapid.Bool().Draw(rt, "slow-write") {
		d := msDur(0, 300).Draw(rt, "write-delay")
		o.WriteDelay = func(int) time.Duration { return d }
	}
	return o
}

func (x *xmachine) run(rt *rapid.T) {
	rt.Repeat(map[string]func(*rapid.T){
		"add":     x.add,
		"remove":  x.remove,
		"advance": x.advance,
		"ready":   x.ready,
		"fire":    x.fire,
		"perform": x.perform,
		"":        x.check,
	})
	x.finish(rt)
}

func (x *xmachine) pick(rt *rapid.T, added bool) int {
	var ids []int
	for i, a := range x.added {
		if a == added {
			ids = append(ids, i)
		}
	}
	if len(ids) == 0 {
		rt.Skip("no candidate")
	}
	return rapid.SampledFrom(ids).Draw(rt, "easy")
}

func (x *xmachine) add(rt *rapid.T) {
	i := x.pick(rt, false)
	if code := x.m.Add(x.easies[i]); code != model.MOK {
		rt.Fatalf("Add: %v", code)
	}
	x.added[i] = true
}

func (x *xmachine) remove(rt *rapid.T) {
	i := x.pick(rt, true)
	if code := x.m.Remove(x.easies[i]); code != model.MOK {
		rt.Fatalf("Remove: %v", code)
	}
	x.added[i] = false
}

// advance moves the clock to the next network event or timer, or by a
// random amount.
func (x *xmachine) advance(rt *rapid.T) {
	if rapid.Bool().Draw(rt, "to-next") {
		if next, ok := x.net.NextEvent(); ok && (!x.app.timerSet || next < x.app.timerAt) {
			x.clock.Set(next)
			return
		}
		if x.app.timerSet && x.app.timerAt > x.clock.Micros() {
			x.clock.Set(x.app.timerAt)
			return
		}
	}
	x.clock.Add(msDur(0, 1200).Draw(rt, "by"))
}

func (x *xmachine) ready(rt *rapid.T) {
	var fds []int
	for fd, what := range x.app.watched {
		if readyFor(x.net.Ready(fd), what) != 0 {
			fds = append(fds, fd)
		}
	}
	if len(fds) == 0 {
		rt.Skip("nothing ready")
	}
	sortInts(fds)
	fd := rapid.SampledFrom(fds).Draw(rt, "fd")
	x.m.SocketAction(fd, readyFor(x.net.Ready(fd), x.app.watched[fd]))
	x.drain()
}

func (x *xmachine) fire(rt *rapid.T) {
	if !x.app.timerSet {
		rt.Skip("no timer")
	}
	at := x.app.timerAt + model.Micros(rapid.Int64Range(-2000, 5000).Draw(rt, "skew-us"))
	if at > x.clock.Micros() {
		x.clock.Set(at)
	}
	x.app.timerSet = false
	x.m.SocketAction(model.SocketTimeout, 0)
	x.drain()
}

func (x *xmachine) perform(*rapid.T) {
	x.m.Perform()
	x.drain()
}

func (x *xmachine) drain() {
	for {
		if _, _, ok := x.m.InfoRead(); !ok {
			return
		}
	}
}

func (x *xmachine) check(rt *rapid.T) {
	if err := x.m.Check(); err != nil {
		rt.Fatal(err)
	}
	for i, tr := range x.xfers {
		if x.added[i] && tr.State() == model.XferMsgSent && x.easies[i].State() != model.StateCompleted {
			rt.Fatalf("transfer %d: MSGSENT but the easy is %v", i+1, x.easies[i].State())
		}
	}
}

// finish adds what is left, moves past every TIMEOUT, runs everything
// until no state changes and checks that no timed transfer is left
// unfinished.
func (x *xmachine) finish(rt *rapid.T) {
	for i := range x.easies {
		if !x.added[i] {
			x.m.Add(x.easies[i])
			x.added[i] = true
		}
	}
	x.m.Perform()
	x.clock.Add(2600 * time.Millisecond)
	// Each perform may end a transfer whose freed slot moves a PENDING one
	// back to CONNECT, to be run at the next perform: go on until nothing
	// changes (one round per transfer at most, plus one).
	for range len(x.xfers) + 2 {
		before := x.states()
		x.m.Perform()
		if slices.Equal(before, x.states()) {
			break
		}
	}
	x.check(rt)
	var stuck []string
	for i, tr := range x.xfers {
		if tr.Options().TimeoutMs == 0 || tr.State().Terminal() {
			continue
		}
		if tr.State() == model.XferPending {
			continue // waits for a slot: Perform does not time it out in 7.88, nor run it in curl 8
		}
		start, _ := tr.Start()
		stuck = append(stuck, fmt.Sprintf("transfer %d in %v (TIMEOUT %d, started %d, now %d)",
			i+1, tr.State(), tr.Options().TimeoutMs, start, x.clock.Micros()))
	}
	if len(stuck) > 0 {
		rt.Fatalf("past TIMEOUT and run: %s", strings.Join(stuck, "; "))
	}
}

// states is every transfer's state, in order.
func (x *xmachine) states() []model.TransferState {
	out := make([]model.TransferState, len(x.xfers))
	for i, tr := range x.xfers {
		out[i] = tr.State()
	}
	return out
}

func sortInts(xs []int) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}
