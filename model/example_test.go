package model_test

import (
	"fmt"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/model/modeltest"
)

// A scripted transfer with a 2 s total limit, driven the event-driven way:
// the application keeps the one timer the callback gives it and calls
// SocketAction(SocketTimeout) when it fires.
func Example() {
	clk := modeltest.NewClock(0)
	m, err := model.NewMulti(model.Config{Clock: clk, Profile: model.Curl8()})
	if err != nil {
		panic(err)
	}
	m.SetTimerFunc(func(_ *model.Multi, ms int64) int {
		fmt.Println("timer callback:", ms)
		return 0
	})
	script, err := model.ParseScript("timeout 2000\n0s socket 3 out")
	if err != nil {
		panic(err)
	}
	e := model.NewEasy(1, script)
	m.Add(e)                               // dirty: run at once
	m.SocketAction(model.SocketTimeout, 0) // first run arms TIMEOUT
	clk.Add(2 * time.Second)               // the application's timer fires
	m.SocketAction(model.SocketTimeout, 0)
	msg, _, _ := m.InfoRead()
	fmt.Println("transfer", msg.Easy.ID(), "ended with", msg.Result)
	// Output:
	// timer callback: 0
	// timer callback: 2000
	// timer callback: -1
	// transfer 1 ended with OPERATION_TIMEDOUT
}

// Profiles are data: a bug is a switch on a profile.
func ExampleProfile_WithBug() {
	p, _ := model.Curl8().WithBug(model.Bug7NoReannounce)
	fmt.Println(p.Name, p.ActionForgetsLast)
	// Output: curl-8+bug7 false
}
