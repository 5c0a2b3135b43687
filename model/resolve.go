package model

import (
	"errors"
	"net/netip"
	"time"
)

// resolveState is a running asynchronous lookup (curl's threaded resolver
// with its socketpair) and its ASYNC_NAME polling back-off.
type resolveState struct {
	fd       int
	active   bool
	interval int64 // ms; 0 before the first check
	end      int64 // ms since the connect clock started when the interval ends
	addrs    []Addr
}

// asyncPollCapMs caps the ASYNC_NAME back-off (lib/asyn-thread.c).
const asyncPollCapMs = 250

// isLiteral reports an IPv4 or IPv6 address literal, which curl converts
// without asking a resolver.
func isLiteral(host string) bool {
	_, err := netip.ParseAddr(host)
	return err == nil
}

// resolveStart is the lookup inside CONNECT (Curl_resolv): a literal is
// converted at once, a cached name answered at once (ResolveCacher); the
// synchronous resolver blocks the thread; the
// threaded one starts and is checked once right away. It reports the
// result and whether the answer is still to come.
func (t *Transfer) resolveStart() (Result, bool) {
	host := t.opts.Host
	if ip, err := netip.ParseAddr(host); err == nil {
		fam := IPv6
		if ip.Unmap().Is4() {
			fam = IPv4
		}
		t.rs.addrs = []Addr{{Host: host, Family: fam, Port: t.opts.port()}}
		return OK, false
	}
	if c, ok := t.res.(ResolveCacher); ok {
		if addrs, hit := c.Cached(host); hit && len(addrs) > 0 {
			t.e.Trace(EvNet).Text("op", "resolve-cached").Text("name", host).Num("addrs", int64(len(addrs))).Emit()
			t.rs.addrs = t.withPort(addrs)
			return OK, false
		}
	}
	if t.opts.Resolver == ResolveSync {
		return t.resolveSync(), false
	}
	fd, err := t.res.StartResolve(t.e.id, host)
	t.e.Trace(EvNet).Text("op", "resolve-start").Text("name", host).Num("fd", int64(fd)).Text("err", errText(err)).Emit()
	if err == nil && fd < 0 {
		err = EBADF
	}
	if err != nil {
		return CouldntResolveHost, false
	}
	t.rs.fd, t.rs.active, t.rs.interval = fd, true, 0
	done, r := t.resolveCheck()
	return r, !done && r == OK
}

// resolveCheck is Curl_resolver_is_resolved: the answer, a failure
// (COULDNT_RESOLVE_HOST), or not yet: then ASYNC_NAME is armed with a
// back-off of 1 ms doubling, once the previous interval has passed, up to
// 250 ms.
func (t *Transfer) resolveCheck() (bool, Result) {
	addrs, err := t.res.ResolveResult(t.rs.fd)
	if errors.Is(err, EAGAIN) {
		t.asyncBackoff()
		return false, OK
	}
	fd := t.rs.fd
	t.rs.active, t.rs.fd = false, -1
	t.e.Trace(EvNet).Text("op", "resolved").Num("fd", int64(fd)).Num("addrs", int64(len(addrs))).Text("err", errText(err)).Emit()
	t.e.Closed(fd)
	if err != nil || len(addrs) == 0 {
		return false, CouldntResolveHost
	}
	t.rs.addrs = t.withPort(addrs)
	return true, OK
}

// withPort copies the resolver's addresses with the URL's port, as curl
// asks getaddrinfo for that port (a resolver may not know it).
func (t *Transfer) withPort(addrs []Addr) []Addr {
	out := make([]Addr, len(addrs))
	for i, a := range addrs {
		a.Port = t.opts.port()
		out[i] = a
	}
	return out
}

// asyncBackoff arms the next ASYNC_NAME poll.
func (t *Transfer) asyncBackoff() {
	elapsed := max(TimeDiffMs(t.e.Now(), t.startOne), 0)
	switch {
	case t.rs.interval == 0:
		t.rs.interval = 1
	case elapsed >= t.rs.end:
		t.rs.interval *= 2
	}
	t.rs.interval = min(t.rs.interval, asyncPollCapMs)
	t.rs.end = elapsed + t.rs.interval
	t.expire(TimerAsyncName, t.rs.interval)
}

// resolveSync is Curl_resolv_timeout with a synchronous resolver: the
// connect time left is the budget; with signals allowed it must be at
// least 1 s (else OPERATION_TIMEDOUT without a lookup) and alarm() cuts
// the lookup after its whole seconds, which curl reports as
// COULDNT_RESOLVE_HOST; with NoSignal the lookup blocks as long as it
// takes. The blocked time is claimed with Easy.Busy.
func (t *Transfer) resolveSync() Result {
	left := t.timeLeft(t.e.Now(), true)
	if left < 0 {
		t.note("resolve-timeout").Num("left", left).Emit()
		return OperationTimedout
	}
	var alarm time.Duration
	if !t.opts.NoSignal {
		if left < 1000 {
			t.note("alarm-too-short").Num("left", left).Emit()
			return OperationTimedout
		}
		alarm = time.Duration(left/1000) * time.Second
	}
	addrs, blocked, err := t.res.ResolveSync(t.e.id, t.opts.Host)
	if alarm > 0 && blocked > alarm {
		t.note("alarm").Num("s", int64(alarm/time.Second)).Num("lookup-us", blocked.Microseconds()).Emit()
		t.busy(alarm)
		return CouldntResolveHost
	}
	t.e.Trace(EvNet).Text("op", "resolve-sync").Text("name", t.opts.Host).Num("us", blocked.Microseconds()).
		Num("addrs", int64(len(addrs))).Text("err", errText(err)).Emit()
	t.busy(blocked)
	if err != nil || len(addrs) == 0 {
		return CouldntResolveHost
	}
	t.rs.addrs = t.withPort(addrs)
	return OK
}

// cancelResolve ends a lookup still running when the transfer ends
// (Curl_resolver_kill): joined through ResolveCanceler when the resolver
// offers it, else abandoned.
func (t *Transfer) cancelResolve() {
	if !t.rs.active {
		return
	}
	fd := t.rs.fd
	t.rs.active, t.rs.fd = false, -1
	var d time.Duration
	if c, ok := t.res.(ResolveCanceler); ok {
		d = c.CancelResolve(fd)
	}
	t.e.Trace(EvNet).Text("op", "resolve-cancel").Num("fd", int64(fd)).Num("us", d.Microseconds()).Emit()
	t.busy(d)
	t.e.Closed(fd)
}
