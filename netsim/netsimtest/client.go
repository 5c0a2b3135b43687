package netsimtest

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/expirylab/expiry/netsim"
)

// FetchState is where a Fetch is.
type FetchState uint8

// The states, in order.
const (
	FetchConnecting FetchState = iota
	FetchSending
	FetchReceiving
	FetchDone
	numFetchStates
)

var fetchStateNames = [numFetchStates]string{"connecting", "sending", "receiving", "done"}

// String names the state.
func (s FetchState) String() string {
	if s < numFetchStates {
		return fetchStateNames[s]
	}
	return fmt.Sprintf("FetchState(%d)", uint8(s))
}

// Client makes event-driven HTTP/1.1 GET requests from one host: each
// Fetch connects, sends its request, and reads the response to the end,
// driven by readiness notifications alone (no thread). It checks every
// body byte against netsim.BodyByte.
type Client struct {
	h      *netsim.Host
	owner  string
	buf    []byte // shared read buffer: the network is single-threaded
	OnDone func(*Fetch)
	Done   int // fetches finished
}

// NewClient returns a client on h whose notifications count for owner.
func NewClient(h *netsim.Host, owner string) *Client {
	return &Client{h: h, owner: owner, buf: make([]byte, 4096)}
}

// Fetch is one request in progress or done.
type Fetch struct {
	c      *Client
	FD     netsim.FD
	State  FetchState
	Status int   // the response's status code, once read
	Length int64 // its Content-Length, -1 until read
	Body   int64 // body bytes read
	Bad    int64 // body bytes that were not the expected pattern
	Err    error // the error that ended the fetch; nil at a clean end of stream
	req    []byte
	head   []byte
	sub    *netsim.Subscription
}

// Complete reports whether the whole announced body arrived and the
// stream ended cleanly.
func (f *Fetch) Complete() bool {
	return f.State == FetchDone && f.Err == nil && f.Length >= 0 && f.Body == f.Length && f.Bad == 0
}

func (f *Fetch) String() string {
	return fmt.Sprintf("fd=%d state=%v status=%d length=%d body=%d bad=%d err=%v",
		f.FD, f.State, f.Status, f.Length, f.Body, f.Bad, errText(f.Err))
}

func errText(err error) string {
	if e, ok := err.(netsim.Errno); ok {
		return e.String()
	}
	if err == nil {
		return "none"
	}
	return err.Error()
}

// Get starts fetching target from to.
func (c *Client) Get(to netsim.Addr, target string) (*Fetch, error) {
	fd, err := c.h.Socket()
	if err != nil {
		return nil, err
	}
	f := &Fetch{c: c, FD: fd, Length: -1,
		req: []byte("GET " + target + " HTTP/1.1\r\nHost: " + to.Host + "\r\n\r\n")}
	if f.sub, err = c.h.Subscribe(fd, netsim.PollIn|netsim.PollOut, c.owner, f.onReady); err != nil {
		return nil, err
	}
	if err := c.h.Connect(fd, to); err != netsim.EINPROGRESS {
		f.finish(err)
	}
	return f, nil
}

func (f *Fetch) onReady(netsim.Ready) { f.step() }

// step does what the state allows.
func (f *Fetch) step() {
	switch f.State {
	case FetchConnecting:
		f.connected()
	case FetchSending:
		f.send()
	case FetchReceiving:
		f.receive()
	}
}

func (f *Fetch) connected() {
	r, _ := f.c.h.Readiness(f.FD)
	if r&(netsim.PollOut|netsim.PollErr) == 0 {
		return
	}
	if err := f.c.h.SockError(f.FD); err != nil {
		f.finish(err)
		return
	}
	f.State = FetchSending
	f.send()
}

func (f *Fetch) send() {
	for len(f.req) > 0 {
		m, err := f.c.h.Write(f.FD, f.req)
		f.req = f.req[m:]
		if err == netsim.EAGAIN {
			return
		}
		if err != nil {
			f.finish(err)
			return
		}
	}
	f.State = FetchReceiving
	f.receive()
}

func (f *Fetch) receive() {
	for f.State == FetchReceiving {
		m, err := f.c.h.Read(f.FD, f.c.buf)
		switch {
		case m > 0:
			f.consume(f.c.buf[:m])
		case err == netsim.EAGAIN:
			return
		default:
			f.finish(err) // nil at the end of the stream
		}
	}
}

// consume takes response bytes: head first, then body.
func (f *Fetch) consume(p []byte) {
	if f.Length < 0 {
		f.head = append(f.head, p...)
		end := bytes.Index(f.head, []byte("\r\n\r\n"))
		if end < 0 {
			return
		}
		p = f.head[end+4:]
		f.parseHead(f.head[:end])
	}
	for _, b := range p {
		if b != netsim.BodyByte(f.Body) {
			f.Bad++
		}
		f.Body++
	}
}

func (f *Fetch) parseHead(head []byte) {
	lines := strings.Split(string(head), "\r\n")
	if parts := strings.SplitN(lines[0], " ", 3); len(parts) >= 2 {
		f.Status, _ = strconv.Atoi(parts[1])
	}
	f.Length = 0
	for _, l := range lines[1:] {
		if name, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(name, "Content-Length") {
			f.Length, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
}

func (f *Fetch) finish(err error) {
	f.Err = err
	f.State = FetchDone
	f.c.h.Close(f.FD)
	f.c.Done++
	if f.c.OnDone != nil {
		f.c.OnDone(f)
	}
}
