package spec_test

import (
	"fmt"

	"github.com/expirylab/expiry/sim/scenario"
	"github.com/expirylab/expiry/sim/scenario/spec"
)

// Parse a small scenario file, build its scenario for each seed of its
// sweep and run it: a stalled server, a 1500 ms TIMEOUT_MS, and an
// xferinfo stop drawn between 200 and 800 ms after the request went out.
// The stop lands at the next progress callback, which the idle
// easy_perform loop runs once per poll cap: all three end just after the
// first 1000 ms poll returns.
func Example() {
	text := `
name = "stall-and-stop"
profile = "curl-8"
driver = "easy"
seeds = [1, 2, 3]

[[servers]]
host = "srv"
behavior = "stalled"

[[names]]
name = "example.com"
hosts = ["srv"]

[[transfers]]
host = "example.com"
timeout_ms = 1500

[[stops]]
transfer = 1
mechanism = "xferinfo"
at = "uniform(200ms,800ms)"
on_state = "PERFORMING"
`
	f, err := spec.Parse("stall-and-stop.toml", []byte(text))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, seed := range f.Sweep.List() {
		s, err := f.Scenario(seed)
		if err != nil {
			fmt.Println(err)
			return
		}
		r, err := scenario.Run(s)
		if err != nil {
			fmt.Println(err)
			return
		}
		st := r.Stops[0]
		fmt.Printf("seed %d: stop at %v, %v later: %v\n", seed, st.Requested, st.Latency(), st.Result)
	}
	// Output:
	// seed 1: stop at 687.139919ms, 316.960081ms later: ABORTED_BY_CALLBACK
	// seed 2: stop at 729.646973ms, 274.453027ms later: ABORTED_BY_CALLBACK
	// seed 3: stop at 485.254577ms, 518.845423ms later: ABORTED_BY_CALLBACK
}
