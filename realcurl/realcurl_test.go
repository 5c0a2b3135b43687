//go:build libcurl

package realcurl

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// The tests run real transfers in real time on a shared machine: they
// assert results, orders and orders of magnitude, never tight timings.
// Each failure names the scenario and the command that runs the test
// again; a real run has no seed that replays it exactly.

// get is a scenario of one GET of example.com, served by srv with the
// given behaviour.
func get(d scenario.Driver, behavior string, o model.Options) scenario.Scenario {
	o.Host = "example.com"
	return scenario.Scenario{
		Name: behavior, Profile: model.Curl788(), Driver: d, Seed: 1,
		Network: scenario.Network{
			Servers: []scenario.Server{{Host: "srv", Behavior: behavior}},
			Names:   []scenario.Name{{Name: "example.com", Hosts: []string{"srv"}}},
		},
		Transfers: []scenario.Transfer{{Options: &o}},
	}
}

// mustRun runs s on libcurl and fails the test on an error.
func mustRun(t *testing.T, s scenario.Scenario) scenario.Result {
	t.Helper()
	r, err := Run(context.Background(), s)
	if err != nil {
		t.Fatalf("%s/%v: %v (rerun: go test -tags libcurl -run '%s' ./realcurl/)", s.Name, s.Driver, err, t.Name())
	}
	if err := checkTrace(r.Trace); err != nil {
		t.Errorf("%s/%v: %v", s.Name, s.Driver, err)
	}
	return r
}

// simRun runs s in the simulator, the oracle for result codes.
func simRun(t *testing.T, s scenario.Scenario) scenario.Result {
	t.Helper()
	r, err := scenario.Run(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkTrace holds a real trace to the contract: canonical lines that
// parse back, in time order.
func checkTrace(trace []sim.Record) error {
	for i, rec := range trace {
		if err := rec.Validate(); err != nil {
			return fmt.Errorf("record %d: %w", i, err)
		}
		back, err := sim.ParseRecord(rec.String())
		if err != nil || back.String() != rec.String() {
			return fmt.Errorf("record %d %q does not parse back: %v", i, rec, err)
		}
		if i > 0 && rec.At < trace[i-1].At {
			return fmt.Errorf("record %d %q is before the one it follows", i, rec)
		}
	}
	return nil
}

func elapsed(o scenario.Outcome) time.Duration { return time.Duration(o.Elapsed()) * time.Microsecond }

// TestServerBehaviors runs each server behaviour under each driver and
// holds the result to the simulator's, the bytes to the body's size and
// the elapsed time to a window around what the behaviour takes.
func TestServerBehaviors(t *testing.T) {
	cases := []struct {
		behavior string
		opts     model.Options
		want     model.Result // also the simulator's
		bytes    int64
		lo, hi   time.Duration
	}{
		// 7.88 counts its limits in whole milliseconds, truncated: it may
		// end a transfer up to 1 ms before the limit (SPEC §8, 4).
		{"stalled", model.Options{TimeoutMs: 300}, model.OperationTimedout, 0, 299 * time.Millisecond, 600 * time.Millisecond},
		{"quick(5000)", model.Options{TimeoutMs: 3000}, model.OK, 5000, 0, 300 * time.Millisecond},
		{"refused", model.Options{TimeoutMs: 3000}, model.CouldntConnect, 0, 0, 300 * time.Millisecond},
		{"blackhole", model.Options{ConnectTimeoutMs: 300}, model.OperationTimedout, 0, 299 * time.Millisecond, 600 * time.Millisecond},
		{"trickle(50ms,10,50)", model.Options{TimeoutMs: 3000}, model.OK, 50, 250 * time.Millisecond, 800 * time.Millisecond},
		{"slow-headers(100ms,10)", model.Options{TimeoutMs: 3000}, model.OK, 10, 100 * time.Millisecond, 500 * time.Millisecond},
		{"rate(2000,200)", model.Options{TimeoutMs: 3000}, model.OK, 200, 90 * time.Millisecond, 600 * time.Millisecond},
		{"reset-after(10)", model.Options{TimeoutMs: 3000}, model.RecvError, 10, 0, 300 * time.Millisecond},
	}
	for _, c := range cases {
		for _, d := range scenario.Drivers() {
			t.Run(c.behavior+"/"+d.String(), func(t *testing.T) {
				t.Parallel()
				s := get(d, c.behavior, c.opts)
				if sr := simRun(t, s); sr.Transfers[0].Result != c.want {
					t.Errorf("the simulator gives %v, the table %v", sr.Transfers[0].Result, c.want)
				}
				o := mustRun(t, s).Transfers[0]
				if !o.Done || o.Result != c.want || o.Bytes != c.bytes {
					t.Errorf("got %v done=%v with %d bytes, want %v with %d", o.Result, o.Done, o.Bytes, c.want, c.bytes)
				}
				if el := elapsed(o); el < c.lo || el > c.hi {
					t.Errorf("took %v, want within [%v, %v]", el, c.lo, c.hi)
				}
			})
		}
	}
}

// TestBlackholeHangs checks the kernel behaviour the blackhole server
// relies on: with the accept queue full, a connect neither completes nor
// fails.
func TestBlackholeHangs(t *testing.T) {
	if abortOnOverflow() {
		t.Skip("net.ipv4.tcp_abort_on_overflow is set: blackholes are not expressible here")
	}
	ss, err := startServers(&run{}, []scenario.Server{{Host: "srv", Behavior: "blackhole"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ss.close()
	port := ss.ports["srv:80"]
	start := time.Now()
	c, err := dialTimeout(port, 200*time.Millisecond)
	if err == nil {
		c.Close()
		t.Fatalf("a connect to the blackhole completed after %v", time.Since(start))
	}
	if !strings.Contains(err.Error(), "timeout") || time.Since(start) < 200*time.Millisecond {
		t.Fatalf("a connect to the blackhole ended with %v after %v, want a timeout after 200ms", err, time.Since(start))
	}
}

// TestPause: the write callback pauses the transfer on its last chunk and
// the application resumes it 300 ms later; the transfer then completes
// with every byte. easy_perform resumes from its progress callback, up to
// its 1 s poll cap late.
func TestPause(t *testing.T) {
	for _, d := range scenario.Drivers() {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			s := get(d, "quick(100)", model.Options{TimeoutMs: 3000, PauseAt: 100, ResumeAfter: 300 * time.Millisecond})
			r := mustRun(t, s)
			o := r.Transfers[0]
			hi := 700 * time.Millisecond
			if d == scenario.DriverEasy {
				hi = 1600 * time.Millisecond
			}
			if el := elapsed(o); o.Result != model.OK || o.Bytes != 100 || el < 300*time.Millisecond || el > hi {
				t.Errorf("%v with %d bytes after %v, want OK with 100 after 300ms to %v", o.Result, o.Bytes, el, hi)
			}
			if n := count(r.Trace, "call", "fn", "pause"); n != 1 {
				t.Errorf("%d pause calls, want 1", n)
			}
		})
	}
}

func dialTimeout(port int, d time.Duration) (net.Conn, error) {
	return net.DialTimeout("tcp4", "127.0.0.1:"+strconv.Itoa(port), d)
}

// count is the number of records of kind whose field key is value.
func count(trace []sim.Record, kind, key, value string) int {
	n := 0
	for _, rec := range trace {
		if v, ok := rec.Get(key); rec.Kind == kind && ok && v == value {
			n++
		}
	}
	return n
}

// TestTimeLimit: a transfer with no timeout on a stalled server is cut by
// the scenario's time limit; nothing is recorded after it.
func TestTimeLimit(t *testing.T) {
	for _, d := range []scenario.Driver{scenario.DriverEasy, scenario.DriverSocketExact} {
		s := get(d, "stalled", model.Options{})
		s.TimeLimit = 300 * time.Millisecond
		start := time.Now()
		r := mustRun(t, s)
		if r.Outcome.Reason != sim.StopTimeLimit || r.Outcome.Now != sim.Time(s.TimeLimit) || r.Transfers[0].Done {
			t.Errorf("%v: outcome %v at %v, done=%v; want the time limit at 300ms, not done", d, r.Outcome.Reason, r.Outcome.Now, r.Transfers[0].Done)
		}
		if last := r.Trace[len(r.Trace)-1]; last.At > sim.Time(s.TimeLimit) {
			t.Errorf("%v: record %q after the time limit", d, last)
		}
		// easy_perform notices the end at its next progress callback,
		// within its 1 s poll cap.
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%v: Run took %v after a 300ms limit", d, took)
		}
	}
}

// TestCancel: cancelling the context ends the run with its error.
func TestCancel(t *testing.T) {
	for _, d := range []scenario.Driver{scenario.DriverMultiPoll, scenario.DriverSocketPoll} {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		start := time.Now()
		_, err := Run(ctx, get(d, "stalled", model.Options{}))
		cancel()
		if err != context.DeadlineExceeded {
			t.Errorf("%v: Run returned %v, want the context's error", d, err)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("%v: Run took %v to notice the cancellation", d, took)
		}
	}
}

// TestVersion: the runtime library names itself, and the profile that
// describes it is expressible.
func TestVersion(t *testing.T) {
	v := Version()
	if strings.Count(v, ".") != 2 {
		t.Fatalf("Version() = %q, want major.minor.patch", v)
	}
	t.Logf("libcurl %s (async DNS %v), profile %q", v, asyncDNS(), runtimeProfile())
}

// TestStartsAndLimit: a second transfer starts 50 ms in; with one
// connection allowed per multi it waits for the first to end (except
// under easy_perform, whose private multis have no shared limit), as in
// the simulator.
func TestStartsAndLimit(t *testing.T) {
	for _, d := range scenario.Drivers() {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			s := get(d, "trickle(100ms,10,30)", model.Options{TimeoutMs: 1000})
			s.MaxConnections = 1
			o := *s.Transfers[0].Options
			s.Transfers = append(s.Transfers, scenario.Transfer{Start: 50 * time.Millisecond, Options: &o})
			want, got := simRun(t, s), mustRun(t, s)
			for i, o := range got.Transfers {
				w := want.Transfers[i]
				if o.Result != w.Result || o.Bytes != w.Bytes {
					t.Errorf("x%d: %v with %d bytes, simulated %v with %d", o.ID, o.Result, o.Bytes, w.Result, w.Bytes)
				}
				if d := time.Duration(o.End - w.End); d < -20*time.Millisecond || d > 100*time.Millisecond {
					t.Errorf("x%d ended at %v, simulated at %v", o.ID, o.End, w.End)
				}
			}
			if start := time.Duration(got.Transfers[1].Start); start < 50*time.Millisecond || start > 100*time.Millisecond {
				t.Errorf("x2 started at %v, want 50ms", start)
			}
		})
	}
}
