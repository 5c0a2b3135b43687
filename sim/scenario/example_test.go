package scenario_test

import (
	"fmt"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim/scenario"
)

// Run one built-in family under curl 8 with an event-driven application
// (socket_action with an exact timer) and read what each transfer did.
// Transfer 1 ends 1 ms late: curl 8's rounding up of the exposed timeout
// works on split (seconds, µs) fields and adds a millisecond when the gap
// crosses a second boundary with a smaller µs field.
func Example() {
	fam, _ := scenario.FamilyByName("three")
	res, err := scenario.Run(fam.Build(model.Curl8(), scenario.DriverSocketExact, 0))
	if err != nil {
		panic(err)
	}
	for _, o := range res.Transfers {
		fmt.Printf("transfer %d: TIMEOUT_MS=%d -> %v after %d ms\n",
			o.ID, o.Options.TimeoutMs, o.Result, o.Elapsed()/1000)
	}
	fmt.Println("timer callback calls:", res.Counters.TimerCalls())
	// Output:
	// transfer 1: TIMEOUT_MS=1300 -> OPERATION_TIMEDOUT after 1301 ms
	// transfer 2: TIMEOUT_MS=500 -> OPERATION_TIMEDOUT after 500 ms
	// transfer 3: TIMEOUT_MS=900 -> OPERATION_TIMEDOUT after 900 ms
	// timer callback calls: 6
}
