package netsim_test

import (
	"fmt"
	"time"

	"github.com/expirylab/expiry/netsim"
	"github.com/expirylab/expiry/netsim/netsimtest"
)

// A client fetches from a trickle server over a link with a 10 ms one-way
// latency: the connect completes after one round trip, the response head
// arrives one round trip after the request, and the body comes 10 bytes a
// second, followed by the end of the stream.
func Example() {
	sched := netsimtest.NewSched()
	n, err := netsim.New(netsim.Config{Sched: sched, Streams: netsimtest.Streams(1)})
	if err != nil {
		panic(err)
	}
	client, _ := n.AddHost("client")
	n.AddHost("server")
	n.Link("client", "server", netsim.LinkConfig{Latency: netsim.Fixed(10 * time.Millisecond)})
	trickle, _ := netsim.ParseBehavior("trickle(1s,10,20)")
	n.Serve("server", 80, trickle)

	fd, _ := client.Socket()
	err = client.Connect(fd, netsim.Addr{Host: "server", Port: 80})
	fmt.Println("connect:", err.(netsim.Errno).String())
	sched.RunUntil(20 * time.Millisecond)
	ready, _ := client.Readiness(fd)
	fmt.Println("at", sched.Now(), "ready", ready, "error", client.SockError(fd))

	client.Write(fd, []byte("GET / HTTP/1.1\r\nHost: server\r\n\r\n"))
	buf := make([]byte, 1024)
	client.Subscribe(fd, netsim.PollIn, "app", func(netsim.Ready) {
		for {
			m, err := client.Read(fd, buf)
			switch {
			case m > 0:
				fmt.Printf("at %v read %d bytes\n", sched.Now(), m)
			case err == nil:
				fmt.Println("at", sched.Now(), "end of stream")
				client.Close(fd)
				return
			default: // EAGAIN
				return
			}
		}
	})
	sched.Run()
	// Output:
	// connect: EINPROGRESS
	// at 20ms ready out error <nil>
	// at 40ms read 58 bytes
	// at 1.04s read 10 bytes
	// at 2.04s read 10 bytes
	// at 2.04s end of stream
}

// Fault policies print canonically and parse back; bad text names the
// column.
func ExampleParseFault() {
	for _, s := range []string{"stall(for=5s,at=2s)", "reset-after(1000)", "delay-accept(1.5s)", "stall(at=2x)"} {
		f, err := netsim.ParseFault(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(f)
	}
	// Output:
	// stall(at=2s,for=5s)
	// reset-after(1000)
	// delay-accept(1500ms)
	// netsim: fault "stall(at=2x)": col 10: at: bad duration "2x"
}
