package sim_test

import (
	"fmt"
	"os"
	"time"

	"github.com/expirylab/expiry/sim"
)

// A poller waits up to one second for data; a producer signals it after
// 300 ms. The poller wakes 50 µs (the default wake-up latency) after the
// signal; its second wait times out at 1001 ms after it began, the
// 0.1 % slack of Linux's poll.
func Example() {
	rec := sim.NewRecorder(sim.AllLevels, true)
	k, err := sim.New(sim.Config{Seed: 1, Trace: rec})
	if err != nil {
		panic(err)
	}
	data := k.NewWakeSource("data")
	k.Spawn("poller", func(t *sim.Thread) {
		t.Wait(time.Second, func(woke *sim.WakeSource) {
			fmt.Println("woken by", woke.Name(), "at", k.Now())
			t.Wait(time.Second, func(woke *sim.WakeSource) {
				fmt.Println("timed out:", woke == nil, "at", k.Now())
			}, data)
		}, data)
	})
	k.Spawn("producer", func(t *sim.Thread) {
		t.Sleep(300*time.Millisecond-50*time.Microsecond, func() { data.Signal() })
	})
	out := k.Run()
	fmt.Println(out.Reason, "at", out.Now)
	sim.WriteText(os.Stdout, rec.Records())
	// Output:
	// woken by data at 300.05ms
	// timed out: true at 1.30105s
	// idle at 1.30105s
	// 0 internal t1 - thread.spawn name=poller
	// 0 internal t2 - thread.spawn name=producer
	// 0 internal t1 - wake cause=start
	// 0 internal t1 - wait timeout=1s slack=1ms sources=data
	// 0 internal t2 - wake cause=start
	// 0 internal t2 - sleep dur=299950us slack=50us
	// 300000 internal t2 - wake cause=sleep
	// 300000 internal t2 - signal source=data woken=1
	// 300000 internal t2 - thread.exit
	// 300050 internal t1 - wake cause=signal source=data
	// 300050 internal t1 - wait timeout=1s slack=1ms sources=data
	// 1301050 internal t1 - wake cause=timeout
	// 1301050 internal t1 - thread.exit
}

// The clock reads virtual time as wall-clock time: the epoch, whose
// sub-second phase is a run parameter, plus Now.
func ExampleClock() {
	k, err := sim.New(sim.Config{EpochPhase: 250 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	k.RunUntil(sim.Time(1500 * time.Millisecond))
	now := k.Clock().Now()
	fmt.Println(now.Sub(k.Epoch()), now.Nanosecond()/1e6, "ms into the second")
	// Output: 1.5s 750 ms into the second
}

// Distributions print as text that parses back.
func ExampleParseDist() {
	d, err := sim.ParseDist("uniform(300ms, 2.3s)")
	if err != nil {
		panic(err)
	}
	fmt.Println(d)
	_, err = sim.ParseDist("uniform(300ms,soon)")
	fmt.Println(err)
	// Output:
	// uniform(300ms,2300ms)
	// sim: dist "uniform(300ms,soon)": col 15: bad duration "soon"
}
