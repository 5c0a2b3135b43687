package model

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ResolverKind is how a Transfer looks its host name up.
type ResolverKind uint8

// The resolver kinds.
const (
	// ResolveAsync is curl's threaded resolver (the default build on
	// Linux): the lookup runs elsewhere, the transfer waits in RESOLVING
	// for the resolver's descriptor and polls it on the ASYNC_NAME timer.
	ResolveAsync ResolverKind = iota
	// ResolveSync is a CURLRES_SYNCH build: the lookup blocks the
	// performing thread inside CONNECT. With signals allowed (NoSignal
	// false) it is cut by alarm() after the time left in whole seconds.
	ResolveSync
	numResolverKinds
)

var resolverKindNames = [numResolverKinds]string{"async", "sync"}

// String is the name used in traces and scenarios.
func (k ResolverKind) String() string { return enumName(resolverKindNames[:], uint8(k)) }

// ParseResolverKind accepts "async" or "sync".
func ParseResolverKind(s string) (ResolverKind, error) {
	for i, n := range resolverKindNames {
		if n == s {
			return ResolverKind(i), nil
		}
	}
	return 0, fmt.Errorf("model: unknown resolver kind %q (want async or sync)", s)
}

// XferinfoFunc is CURLOPT_XFERINFOFUNCTION: dltotal is the announced body
// size (0 when unknown), dlnow the body bytes received; the upload pair is
// always 0 for a GET. Returning 0 or XferinfoContinue lets the transfer go
// on; anything else ends it with ABORTED_BY_CALLBACK. It runs inside the
// multi's call and must not call the Multi's API.
type XferinfoFunc func(t *Transfer, dltotal, dlnow, ultotal, ulnow int64) int

// XferinfoContinue is CURL_PROGRESSFUNC_CONTINUE: "go on" without the
// built-in meter, which the model does not draw anyway.
const XferinfoContinue = 0x10000001

// WriteFunc is CURLOPT_WRITEFUNCTION for body bytes: it returns how many it
// took; anything but len(p) ends the transfer with WRITE_ERROR. p is only
// valid during the call. It runs inside the multi's call and must not call
// the Multi's API.
type WriteFunc func(t *Transfer, p []byte) int

// Options are a Transfer's easy options. The zero value of a field is
// curl's default unless its comment says otherwise; Validate rejects
// negative values and unusable URL parts.
type Options struct {
	// Host is the URL's host name (CURLOPT_URL): a name for the Resolver or
	// an IPv4/IPv6 literal, which curl converts without a lookup.
	Host string
	// Port is the URL's port; 0 means 80.
	Port int
	// Path is the URL's path; "" means "/".
	Path string

	// TimeoutMs is CURLOPT_TIMEOUT_MS: the whole transfer; 0 is none.
	TimeoutMs int64
	// ConnectTimeoutMs is CURLOPT_CONNECTTIMEOUT_MS: name lookup and
	// connect; 0 means curl's 300000 ms default (checked, never armed).
	ConnectTimeoutMs int64
	// LowSpeedLimit is CURLOPT_LOW_SPEED_LIMIT in bytes per second; with
	// LowSpeedTime it aborts a transfer slower than this for that long.
	LowSpeedLimit int64
	// LowSpeedTime is CURLOPT_LOW_SPEED_TIME in seconds.
	LowSpeedTime int64
	// MaxRecvSpeed is CURLOPT_MAX_RECV_SPEED_LARGE in bytes per second;
	// over it the transfer waits in RATELIMITING on the TOOFAST timer.
	MaxRecvSpeed int64
	// HappyEyeballsTimeoutMs is CURLOPT_HAPPY_EYEBALLS_TIMEOUT_MS: the head
	// start of the first address family; 0 means the profile's
	// HappyEyeballsMs (curl's 200).
	HappyEyeballsTimeoutMs int64

	// NoProgress is CURLOPT_NOPROGRESS. curl's default is 1; here the zero
	// value false lets Xferinfo run, which is what setting Xferinfo asks
	// for (the built-in meter is not modelled, so without Xferinfo the two
	// are the same).
	NoProgress bool
	// Xferinfo is CURLOPT_XFERINFOFUNCTION; nil is none.
	Xferinfo XferinfoFunc
	// Write is CURLOPT_WRITEFUNCTION; nil takes every byte.
	Write WriteFunc
	// WriteDelay is how long each write callback call keeps the thread
	// busy, given the byte count (the transfer claims it with Easy.Busy);
	// nil is no time.
	WriteDelay func(n int) time.Duration

	// PauseAt makes the write callback return CURL_WRITEFUNC_PAUSE on the
	// body write that brings the byte count to PauseAt or more (once per
	// transfer): curl keeps that chunk, stops reading and watching the
	// socket, skips the speed check and holds the transfer in PERFORMING
	// until the application resumes it (Multi.Pause); 0 never pauses.
	PauseAt int64
	// ResumeAfter is the application's side of PauseAt: how long after the
	// pause it calls curl_easy_pause(CURLPAUSE_CONT). The model does not
	// act on it; the scenario drivers do.
	ResumeAfter time.Duration

	// Resolver is the resolver build: ResolveAsync (threaded) or
	// ResolveSync.
	Resolver ResolverKind
	// NoSignal is CURLOPT_NOSIGNAL: with ResolveSync, true lets the lookup
	// block for as long as it takes; false cuts it with alarm().
	NoSignal bool
}

// port is the connect port.
func (o *Options) port() int {
	if o.Port == 0 {
		return 80
	}
	return o.Port
}

// path is the request target.
func (o *Options) path() string {
	if o.Path == "" {
		return "/"
	}
	return o.Path
}

// Validate reports options the model cannot run; each error names the
// option.
func (o *Options) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("model: "+format, args...)) }
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"TimeoutMs", o.TimeoutMs}, {"ConnectTimeoutMs", o.ConnectTimeoutMs},
		{"LowSpeedLimit", o.LowSpeedLimit}, {"LowSpeedTime", o.LowSpeedTime},
		{"MaxRecvSpeed", o.MaxRecvSpeed}, {"HappyEyeballsTimeoutMs", o.HappyEyeballsTimeoutMs},
		{"PauseAt", o.PauseAt}, {"ResumeAfter", int64(o.ResumeAfter)},
	} {
		if f.v < 0 {
			bad("option %s is negative (%d)", f.name, f.v)
		}
	}
	if o.LowSpeedTime > maxTimeoutMs/1000 {
		bad("option LowSpeedTime %d s is too large", o.LowSpeedTime)
	}
	switch {
	case o.Host == "":
		bad("option Host is empty")
	case strings.ContainsAny(o.Host, " \t\r\n/"):
		bad("option Host %q has a space, a line break or a slash", o.Host)
	}
	if o.Port < 0 || o.Port > 65535 {
		bad("option Port %d is out of range", o.Port)
	}
	if o.Path != "" && (o.Path[0] != '/' || strings.ContainsAny(o.Path, " \t\r\n")) {
		bad("option Path %q must start with / and have no space or line break", o.Path)
	}
	if o.Resolver >= numResolverKinds {
		bad("option Resolver %d is unknown", uint8(o.Resolver))
	}
	return errors.Join(errs...)
}

// ConnLimit is CURLMOPT_MAX_TOTAL_CONNECTIONS: a limit shared by the
// transfers of one multi, and the queue of those waiting in PENDING for a
// slot. A transfer holds a slot from CONNECT until its done-processing
// (the model does not keep connections for reuse). When a slot may have
// come free, the oldest pending transfer goes back to CONNECT and asks to
// run at once (Easy.RunNow: a RUN_NOW timer or the dirty flag, per
// profile), as curl's process_pending_handles does; if the limit is still
// reached it queues again at the tail. The zero Max means no limit.
type ConnLimit struct {
	Max     int
	inUse   int
	pending []*Transfer
}

// NewConnLimit makes a limit of max connections (0: none).
func NewConnLimit(max int) (*ConnLimit, error) {
	if max < 0 {
		return nil, fmt.Errorf("model: connection limit %d is negative", max)
	}
	return &ConnLimit{Max: max}, nil
}

// InUse is the number of slots held. A nil *ConnLimit is no limit.
func (c *ConnLimit) InUse() int {
	if c == nil {
		return 0
	}
	return c.inUse
}

// Pending is the number of transfers waiting for a slot.
func (c *ConnLimit) Pending() int {
	if c == nil {
		return 0
	}
	return len(c.pending)
}

// acquire takes a slot if one is free.
func (c *ConnLimit) acquire() bool {
	if c == nil {
		return true
	}
	if c.Max > 0 && c.inUse >= c.Max {
		return false
	}
	c.inUse++
	return true
}

func (c *ConnLimit) release() {
	if c != nil && c.inUse > 0 {
		c.inUse--
	}
}

// enqueue is only reached when acquire failed, so c is not nil.
func (c *ConnLimit) enqueue(t *Transfer) { c.pending = append(c.pending, t) }

// dequeue drops t from the queue, if it is there.
func (c *ConnLimit) dequeue(t *Transfer) {
	if c == nil {
		return
	}
	for i, p := range c.pending {
		if p == t {
			c.pending = append(c.pending[:i], c.pending[i+1:]...)
			return
		}
	}
}

// wakeOne moves the oldest pending transfer back to CONNECT (curl's
// process_pending_handles: one at a time, to keep the cost bounded).
func (c *ConnLimit) wakeOne() {
	if c == nil || len(c.pending) == 0 {
		return
	}
	t := c.pending[0]
	c.pending = append(c.pending[:0], c.pending[1:]...)
	t.unpend()
}
