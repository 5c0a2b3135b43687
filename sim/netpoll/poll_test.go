package netpoll_test

import (
	"testing"
	"time"

	"github.com/expirylab/expiry/netsim"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/netpoll"
)

// world is a kernel with a two-host network and a wake channel on "a".
type world struct {
	k    *sim.Kernel
	net  *netpoll.Net
	a    *netsim.Host
	r, w netsim.FD
}

func newWorld(t *testing.T, host *sim.Host) *world {
	t.Helper()
	k, err := sim.New(sim.Config{Seed: 7, Host: host, Trace: sim.NewRecorder(sim.AllLevels, true)})
	if err != nil {
		t.Fatal(err)
	}
	nt, err := netpoll.New(k, netsim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := nt.AddHost("a")
	r, w, _ := a.WakePair()
	return &world{k: k, net: nt, a: a, r: r, w: w}
}

// poll spawns a thread that polls fds once and records when it returned
// and with how many ready entries.
func (w *world) poll(t *testing.T, fds []netpoll.PollFD, timeout time.Duration) (*sim.Thread, *sim.Time, *int) {
	var at sim.Time
	n := -1
	th := w.k.Spawn("poller", func(th *sim.Thread) {
		if err := w.net.Poll(th, w.a, fds, timeout, func(k int) { at, n = w.k.Now(), k }); err != nil {
			t.Error(err)
		}
	})
	return th, &at, &n
}

// TestPollTimeoutSlack: a poll that nothing wakes returns after its
// timeout plus the host's slack (SPEC §7): 1000 ms -> 1001 ms, 10 ms ->
// 10.05 ms (the 50 µs floor), 300 s -> 300.1 s (the 100 ms cap); niced
// threads get 0.5 %.
func TestPollTimeoutSlack(t *testing.T) {
	for _, tc := range []struct {
		timeout, want time.Duration
		niced         bool
	}{
		{time.Second, 1001 * time.Millisecond, false},
		{10 * time.Millisecond, 10*time.Millisecond + 50*time.Microsecond, false},
		{300 * time.Second, 300*time.Second + 100*time.Millisecond, false},
		{time.Second, 1005 * time.Millisecond, true},
	} {
		w := newWorld(t, nil)
		th, at, n := w.poll(t, []netpoll.PollFD{{FD: w.r, Events: netsim.PollIn}}, tc.timeout)
		th.SetNiced(tc.niced)
		w.k.Run()
		if time.Duration(*at) != tc.want || *n != 0 {
			t.Errorf("poll(%v, niced %v) returned %d at %v, want 0 at %v", tc.timeout, tc.niced, *n, time.Duration(*at), tc.want)
		}
		if s := w.net.Stats(th); s != (netpoll.PollStats{Polls: 1, TimedOut: 1}) {
			t.Errorf("stats %+v", s)
		}
	}
}

// TestPollWokenByWakeChannel: a token written at 300 ms wakes the poller
// one wake-up latency later, with the read end ready; the host model's
// latency is what decides "later".
func TestPollWokenByWakeChannel(t *testing.T) {
	host := sim.DefaultHost()
	host.WakeLatency = sim.Const{D: 200 * time.Microsecond}
	w := newWorld(t, &host)
	fds := []netpoll.PollFD{{FD: w.r, Events: netsim.PollIn}}
	th, at, n := w.poll(t, fds, sim.Forever)
	w.k.After(300*time.Millisecond, sim.NoThread, func() { w.a.Write(w.w, []byte{1}) })
	w.k.Run()
	if want := 300*time.Millisecond + 200*time.Microsecond; time.Duration(*at) != want || *n != 1 || fds[0].Revents != netsim.PollIn {
		t.Errorf("returned %d (%v) at %v, want 1 (in) at %v", *n, fds[0].Revents, time.Duration(*at), want)
	}
	if s := w.net.Stats(th); s != (netpoll.PollStats{Polls: 1, Woken: 1}) {
		t.Errorf("stats %+v", s)
	}
	ctr := w.net.Counters()
	if got := ctr.Wakeups(); len(got) != 1 || got[0] != (netsim.OwnerWakeups{Owner: "poller", Wakes: 1}) {
		t.Errorf("wakeups %+v", got)
	}
}

// TestPollImmediate: a poll with something ready, or a closed descriptor
// (reported as an error, like POLLNVAL), returns at once.
func TestPollImmediate(t *testing.T) {
	w := newWorld(t, nil)
	w.a.Write(w.w, []byte{1})
	fds := []netpoll.PollFD{{FD: w.r, Events: netsim.PollIn}, {FD: 42, Events: netsim.PollIn}, {FD: w.w, Events: netsim.PollIn}}
	th, at, n := w.poll(t, fds, time.Second)
	w.k.Run()
	if *at != 0 || *n != 2 || fds[0].Revents != netsim.PollIn || fds[1].Revents != netsim.PollErr || fds[2].Revents != 0 {
		t.Errorf("returned %d at %v with %v", *n, *at, fds)
	}
	if s := w.net.Stats(th); s != (netpoll.PollStats{Polls: 1, Immediate: 1}) {
		t.Errorf("stats %+v", s)
	}
}

// TestResolveBlocksThread: a synchronous lookup keeps the thread busy for
// the whole resolve time, and a signal meanwhile cannot shorten it.
func TestResolveBlocksThread(t *testing.T) {
	w := newWorld(t, nil)
	res, _ := w.net.NewResolver(netsim.ResolverConfig{Delay: sim.Const{D: 2 * time.Second}})
	res.Add("www.example", "a")
	var at sim.Time
	var hosts []string
	w.k.Spawn("app", func(th *sim.Thread) {
		w.net.Resolve(th, res, w.a, "www.example", func(h []string, err error) {
			if err != nil {
				t.Error(err)
			}
			at, hosts = w.k.Now(), h
		})
	})
	w.k.After(time.Second, sim.NoThread, func() { w.a.Write(w.w, []byte{1}) })
	w.k.Run()
	if at != sim.Time(2*time.Second) || len(hosts) != 1 || hosts[0] != "a" {
		t.Errorf("resolved %q at %v, want [a] at 2s", hosts, at)
	}
}

// TestSchedulerAdapter: netsim timers on the kernel fire in time order,
// equal times in arming order, and Stop cancels.
func TestSchedulerAdapter(t *testing.T) {
	k, _ := sim.New(sim.Config{})
	s := netpoll.Scheduler(k)
	var got []int
	add := func(i int, at time.Duration) netsim.Timer {
		tm := s.NewTimer(func() { got = append(got, i) })
		tm.Reset(at)
		return tm
	}
	add(1, 2*time.Second)
	add(2, time.Second)
	add(3, time.Second)
	stop := add(4, time.Second)
	moved := add(5, 3*time.Second)
	moved.Reset(time.Second)
	if !stop.Stop() || stop.Stop() {
		t.Error("Stop: want true, then false")
	}
	k.Run()
	want := []int{2, 3, 5, 1}
	if len(got) != len(want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("fired %v, want %v", got, want)
		}
	}
	if s.Now() != 2*time.Second {
		t.Errorf("Now = %v", s.Now())
	}
}

// TestPollOutsideStep: Poll on a thread that is not running fails, as
// every blocking call does, and leaves no subscription behind.
func TestPollOutsideStep(t *testing.T) {
	w := newWorld(t, nil)
	th := w.k.Spawn("idle", nil)
	err := w.net.Poll(th, w.a, []netpoll.PollFD{{FD: w.r, Events: netsim.PollIn}}, time.Second, func(int) {})
	if err == nil {
		t.Fatal("Poll outside the thread's step: want an error")
	}
	w.a.Write(w.w, []byte{1})
	ctr := w.net.Counters()
	if ctr.Notifications != 0 {
		t.Errorf("a subscription survived: %d notifications", ctr.Notifications)
	}
}
