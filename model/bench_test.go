package model_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/model/modeltest"
)

// idle is a transfer kind that does nothing when run.
type idle struct{}

func (idle) Run(*model.Easy)        {}
func (idle) Done(*model.Easy, bool) {}

// steady builds a multi with n idle transfers, each with a TIMEOUT and an
// earlier CONNECTTIMEOUT at pseudo-random deadlines within a minute, and
// nothing dirty: the state the benchmarks measure in.
func steady(tb testing.TB, p model.Profile, n int) (*model.Multi, []*model.Easy, []int64) {
	clk := modeltest.NewClock(1_000_000)
	m, err := model.NewMulti(model.Config{Clock: clk, Profile: p})
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ms := make([]int64, 4096)
	for i := range ms {
		ms[i] = 1 + rng.Int64N(60000)
	}
	easies := make([]*model.Easy, n)
	for i := range easies {
		easies[i] = model.NewEasy(i, idle{})
		m.Add(easies[i])
	}
	m.Perform() // runs the new transfers: nothing is dirty or due any more
	for i, e := range easies {
		_ = e.Expire(model.TimerTimeout, 60000+ms[i%len(ms)])
		_ = e.Expire(model.TimerConnectTimeout, ms[(i*7)%len(ms)])
	}
	return m, easies, ms
}

var sizes = []int{1_000, 100_000}

func forEach(b *testing.B, f func(b *testing.B, p model.Profile, n int)) {
	for _, p := range []model.Profile{model.Curl788(), model.Curl8()} {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("%s/n=%d", p.Name, n), func(b *testing.B) { f(b, p, n) })
		}
	}
}

// BenchmarkExpire re-arms the head timer (CONNECTTIMEOUT) of transfer
// i mod n with a pseudo-random delay: a re-key in the splay index.
func BenchmarkExpire(b *testing.B) {
	forEach(b, func(b *testing.B, p model.Profile, n int) {
		_, easies, ms := steady(b, p, n)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			_ = easies[i%n].Expire(model.TimerConnectTimeout, ms[i%len(ms)])
		}
	})
}

// BenchmarkExpireClear clears the head timer (CONNECTTIMEOUT) of transfer
// i mod n, which moves its node to the TIMEOUT deadline (curl-8) or leaves
// it (curl-7.88). Every n clears the timers are re-armed, off the clock.
func BenchmarkExpireClear(b *testing.B) {
	forEach(b, func(b *testing.B, p model.Profile, n int) {
		_, easies, ms := steady(b, p, n)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			if i%n == 0 && i > 0 {
				b.StopTimer()
				for j, e := range easies {
					_ = e.Expire(model.TimerConnectTimeout, ms[(i+j)%len(ms)])
				}
				b.StartTimer()
			}
			_ = easies[i%n].ExpireClear(model.TimerConnectTimeout)
		}
	})
}

// BenchmarkTimeout is curl_multi_timeout on n pending transfers.
func BenchmarkTimeout(b *testing.B) {
	forEach(b, func(b *testing.B, p model.Profile, n int) {
		m, _, _ := steady(b, p, n)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if ms, _ := m.Timeout(); ms < 0 {
				b.Fatal("empty")
			}
		}
	})
}

// TestSteadyStateAllocs enforces the benchmarks' claim in plain go test:
// Expire, ExpireClear and Timeout allocate nothing in steady state.
func TestSteadyStateAllocs(t *testing.T) {
	for _, p := range []model.Profile{model.Curl788(), model.Curl8()} {
		_, easies, ms := steady(t, p, 1000)
		m := easies[0].Multi()
		i := 0
		for name, f := range map[string]func(){
			"Expire":      func() { _ = easies[i%1000].Expire(model.TimerConnectTimeout, ms[i%len(ms)]); i++ },
			"ExpireClear": func() { _ = easies[i%1000].ExpireClear(model.TimerConnectTimeout); i++ },
			"Timeout":     func() { m.Timeout() },
		} {
			if a := testing.AllocsPerRun(500, f); a != 0 {
				t.Errorf("%s %s: %v allocs per call", p.Name, name, a)
			}
		}
	}
}
