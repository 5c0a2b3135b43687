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

// A GET over a scripted network: the server answers 10 ms after the
// request; the application calls SocketAction on the socket the socket
// callback names once it is ready (here: when the test moves the clock to
// the network's next event).
func ExampleNewTransfer() {
	clk := modeltest.NewClock(1_000_000)
	net := modeltest.NewNet(clk)
	net.Servers["10.0.0.1:80/ipv4"] = &modeltest.Server{ConnectDelay: 5 * time.Millisecond,
		Response: []modeltest.Chunk{{At: 10 * time.Millisecond, Data: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"}}}
	net.Names["example.org"] = modeltest.Lookup{Addrs: []model.Addr{{Host: "10.0.0.1", Port: 80, Family: model.IPv4}}}

	m, _ := model.NewMulti(model.Config{Clock: clk, Profile: model.Curl8()})
	watched := map[int]model.PollAction{}
	m.SetSocketFunc(func(_ *model.Easy, fd int, what model.PollAction) int {
		fmt.Println("socket callback:", fd, what)
		watched[fd] = what
		return 0
	})
	tr, err := model.NewTransfer(model.TransferConfig{
		Options: model.Options{Host: "example.org", TimeoutMs: 1500},
		Sockets: net, Resolver: net,
		OnState: func(_ *model.Transfer, from, to model.TransferState) { fmt.Println(from, "->", to) },
	})
	if err != nil {
		panic(err)
	}
	m.Add(model.NewEasy(1, tr))
	m.SocketAction(model.SocketTimeout, 0) // the timer callback said 0: run at once
	for m.Running() > 0 {
		next, _ := net.NextEvent()
		clk.Set(next)
		for fd, what := range watched {
			if what != model.PollRemove && net.Ready(fd) != 0 {
				m.SocketAction(fd, net.Ready(fd))
			}
		}
	}
	fmt.Println(tr.Result(), tr.ResponseCode(), tr.BytesReceived(), tr.ElapsedUs(), "µs")
	// Output:
	// INIT -> CONNECT
	// CONNECT -> CONNECTING
	// socket callback: 3 OUT
	// CONNECTING -> DO
	// DO -> PERFORMING
	// socket callback: 3 IN
	// PERFORMING -> DONE
	// socket callback: 3 REMOVE
	// DONE -> COMPLETED
	// COMPLETED -> MSGSENT
	// OK 200 2 15000 µs
}

// A stoppable transfer: the handle's share has STOP and a lock function.
// Another thread calls EasyStop while the performing thread waits in
// easy_perform's poll; the token ends the poll, the next Perform ends the
// transfer with STOPPED and InfoRead delivers it.
func ExampleEasyStop() {
	clk := modeltest.NewClock(0)
	m, _ := model.NewMulti(model.Config{Clock: clk, Profile: model.Curl8(),
		OnWakeup: func(_ *model.Multi, eff model.WakeupEffect) { fmt.Println("wakeup:", eff) }})
	share := model.NewShare()
	share.Set(model.LockSetOf(model.LockStop))
	share.SetLockFunc(func(d model.LockData, a model.LockAccess) { fmt.Println("lock", d, a) })
	share.SetUnlockFunc(func(d model.LockData) { fmt.Println("unlock", d) })

	script, _ := model.ParseScript("0s socket 3 in") // waits for data forever
	e := model.NewEasy(1, script)
	if err := e.SetShare(share); err != nil {
		panic(err)
	}
	m.Add(e)
	m.Perform()
	m.Poll(1000) // easy_perform's loop now waits (the model returns what to wait on)
	clk.Add(250 * time.Millisecond)
	fmt.Println("stop:", model.EasyStop(e)) // from the stopper thread
	woken, _ := m.EndWait(true)
	fmt.Println("poll woken:", woken)
	m.Perform()
	msg, _, _ := m.InfoRead()
	fmt.Println("easy_perform returns", msg.Result)
	// Output:
	// lock SHARE SINGLE
	// unlock SHARE
	// lock STOP SHARED
	// unlock STOP
	// lock STOP SINGLE
	// wakeup: interrupts-poll
	// unlock STOP
	// stop: STOP_OK
	// poll woken: true
	// lock STOP SHARED
	// unlock STOP
	// easy_perform returns STOPPED
}
