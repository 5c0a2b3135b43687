package netsim_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/expirylab/expiry/netsim"
	"github.com/expirylab/expiry/netsim/netsimtest"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/netpoll"
)

// BenchmarkTrickle runs many concurrent trickle connections to the end:
// each client connects, sends a request and reads a response whose 1000
// body bytes come 10 every 100 ms (10 s of virtual time), over a link
// with a 10–30 ms latency. One op is the whole scenario. It reports
// socket events (calls, segment arrivals and readiness notifications; see
// netsim.Counters) per wall-clock second, with sim's kernel and with
// netsimtest's heap as the scheduler, tracing off.
//
//	go test ./netsim -run '^$' -bench Trickle -benchtime 3x
func BenchmarkTrickle(b *testing.B) {
	for _, conns := range []int{1_000, 10_000} {
		for _, sched := range []string{"kernel", "heap"} {
			b.Run(fmt.Sprintf("conns=%d/sched=%s", conns, sched), func(b *testing.B) {
				benchTrickle(b, conns, sched)
			})
		}
	}
}

func benchTrickle(b *testing.B, conns int, sched string) {
	b.ReportAllocs()
	var events, virtual uint64
	for b.Loop() {
		n, run := trickleWorld(b, conns, sched)
		c := netsimtest.NewClient(n.Host("client"), "client")
		complete := 0
		c.OnDone = func(f *netsimtest.Fetch) {
			if f.Complete() {
				complete++
			}
		}
		for range conns {
			if _, err := c.Get(netsim.Addr{Host: "server", Port: 80}, "/"); err != nil {
				b.Fatal(err)
			}
		}
		virtual += uint64(run())
		if complete != conns {
			b.Fatalf("%d of %d fetches complete", complete, conns)
		}
		ctr := n.Counters()
		events += ctr.SocketEvents
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(events)/secs, "socket-events/s")
	b.ReportMetric(float64(events)/float64(b.N), "socket-events/op")
	b.ReportMetric(float64(virtual)/1e9/secs, "virtual-s/s")
}

// trickleWorld builds the network on the chosen scheduler and returns a
// function that runs it to the end and says how far virtual time went.
func trickleWorld(b *testing.B, conns int, sched string) (*netsim.Network, func() time.Duration) {
	cfg := netsim.Config{}
	var n *netsim.Network
	var run func() time.Duration
	switch sched {
	case "kernel":
		k, err := sim.New(sim.Config{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		nt, err := netpoll.New(k, cfg)
		if err != nil {
			b.Fatal(err)
		}
		n = nt.Network
		run = func() time.Duration { return time.Duration(k.Run().Now) }
	default:
		s := netsimtest.NewSched()
		cfg.Sched, cfg.Streams = s, netsimtest.Streams(1)
		var err error
		if n, err = netsim.New(cfg); err != nil {
			b.Fatal(err)
		}
		run = func() time.Duration {
			if err := s.Run(); err != nil {
				b.Fatal(err)
			}
			return s.Now()
		}
	}
	n.AddHost("client")
	n.AddHost("server")
	if err := n.Link("client", "server", netsim.LinkConfig{Latency: sim.Uniform{Lo: 10 * time.Millisecond, Hi: 30 * time.Millisecond}}); err != nil {
		b.Fatal(err)
	}
	if _, err := n.Serve("server", 80, netsim.Behavior{Kind: netsim.ServeTrickle, Period: 100 * time.Millisecond, Bytes: 10, Size: 1000}); err != nil {
		b.Fatal(err)
	}
	return n, run
}
