//go:build libcurl

package realcurl

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// TestMeasure measures stop latencies and timeout overshoots over a few
// runs each and logs their spread: a measurement, not a check, and slow
// (about a minute), so it runs only with REALCURL_MEASURE=1:
//
//	REALCURL_MEASURE=1 go test -tags libcurl -run TestMeasure -v ./realcurl/
func TestMeasure(t *testing.T) {
	if os.Getenv("REALCURL_MEASURE") == "" {
		t.Skip("set REALCURL_MEASURE=1 to measure")
	}
	const runs = 10
	stop := func(d scenario.Driver, m scenario.Mechanism, pollCap time.Duration, i int) scenario.Scenario {
		s := stalledStop(d, m, pollCap)
		s.Stops[0].At = sim.Const{D: 300*time.Millisecond + time.Duration(i)*137*time.Millisecond}
		return s
	}
	for _, c := range []struct {
		name string
		s    func(i int) scenario.Scenario
	}{
		{"xferinfo stop, easy", func(i int) scenario.Scenario { return stop(scenario.DriverEasy, scenario.MechXferinfo, 0, i) }},
		{"xferinfo stop, multi-poll 1s", func(i int) scenario.Scenario {
			return stop(scenario.DriverMultiPoll, scenario.MechXferinfo, 0, i)
		}},
		{"xferinfo stop, multi-poll 100ms", func(i int) scenario.Scenario {
			return stop(scenario.DriverMultiPoll, scenario.MechXferinfo, 100*time.Millisecond, i)
		}},
		{"wakeup stop, multi-poll", func(i int) scenario.Scenario {
			return stop(scenario.DriverMultiPoll, scenario.MechWakeup, 0, i)
		}},
	} {
		var lat, notice []time.Duration
		for i := range runs {
			r := mustRun(t, c.s(i))
			st := r.Stops[0]
			lat, notice = append(lat, st.Latency()), append(notice, st.NoticeLatency())
		}
		t.Logf("%-32s latency %s; noticed %s", c.name, spread(lat), spread(notice))
	}
	for _, d := range scenario.Drivers() {
		for _, c := range []struct {
			behavior string
			opts     model.Options
			limit    time.Duration
		}{
			{"stalled", model.Options{TimeoutMs: 300}, 300 * time.Millisecond},
			{"blackhole", model.Options{ConnectTimeoutMs: 300}, 300 * time.Millisecond},
		} {
			var over []time.Duration
			for range runs {
				o := mustRun(t, get(d, c.behavior, c.opts)).Transfers[0]
				over = append(over, elapsed(o)-c.limit)
			}
			t.Logf("%-12s %-10s overshoot %s", d, c.behavior, spread(over))
		}
	}
}

// spread is min / median / max of ds.
func spread(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	r := func(d time.Duration) string { return d.Round(10 * time.Microsecond).String() }
	return "min " + r(s[0]) + " median " + r(s[len(s)/2]) + " max " + r(s[len(s)-1])
}
