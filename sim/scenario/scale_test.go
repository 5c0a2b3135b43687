package scenario

import (
	"flag"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
)

var scaleN = flag.Int("scenario.scale", 100_000, "transfers in BenchmarkScale")

// scaleScenario is n concurrent transfers to a stalled server, each with a
// TIMEOUT_MS drawn uniformly from 1 s to 60 s, all started at once, driven
// by the socket-action loop with an exact timer; no trace is kept.
func scaleScenario(n int) Scenario {
	s := Scenario{Name: "scale", Profile: model.Curl8(), Driver: DriverSocketExact, Seed: 1, Trace: TraceOff,
		TimeLimit: 2 * time.Minute, EventBudget: 1 << 40}
	oneServer(&s, "stalled")
	rng := rand.New(rand.NewPCG(7, 7))
	s.Transfers = make([]Transfer, n)
	for i := range s.Transfers {
		s.Transfers[i].Options = &model.Options{Host: familyName, TimeoutMs: 1000 + rng.Int64N(59_000)}
	}
	return s
}

// BenchmarkScale runs 100 000 concurrent stalled transfers over 60
// simulated seconds (DESIGN's scenario target) and reports the kernel's
// events per wall second, the live heap per transfer at the end of the
// run (everything still allocated), and the time compression (virtual
// seconds per wall second).
func BenchmarkScale(b *testing.B) {
	n := *scaleN
	s := scaleScenario(n)
	if err := s.Validate(); err != nil {
		b.Fatal(err)
	}
	var events uint64
	var virtual time.Duration
	var heapPer float64
	b.ResetTimer()
	for range b.N {
		w, err := newWorld(&s)
		if err != nil {
			b.Fatal(err)
		}
		w.start()
		out := w.k.Run()
		b.StopTimer()
		heapPer = liveHeapPer(n)
		checkScale(b, w, out)
		events += out.Events
		virtual += time.Duration(out.Now)
		runtime.KeepAlive(w)
		b.StartTimer()
	}
	wall := b.Elapsed().Seconds()
	b.ReportMetric(float64(events)/wall, "events/s")
	b.ReportMetric(heapPer, "B/transfer")
	b.ReportMetric(virtual.Seconds()/wall, "x-realtime")
}

// liveHeapPer is the heap in use after a GC, per transfer.
func liveHeapPer(n int) float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / float64(n)
}

// checkScale fails the benchmark unless every transfer timed out.
func checkScale(b *testing.B, w *world, out sim.Outcome) {
	if out.Reason != sim.StopIdle {
		b.Fatalf("run ended %v at %v", out.Reason, out.Now)
	}
	for _, o := range w.outcomes {
		if !o.Done || o.Result != model.OperationTimedout {
			b.Fatalf("transfer %d: %v done=%v", o.ID, o.Result, o.Done)
		}
	}
}
