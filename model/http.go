package model

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
)

// This file is the HTTP/1.1 side of a Transfer: the request, the receive
// loop of curl's Curl_sendrecv (8.x) / Curl_readwrite (7.88), and a small
// response parser (status line, headers, Content-Length, body). No
// chunked encoding, no redirects, no connection reuse.

// recvBufSize is curl's default receive buffer (CURL_MAX_WRITE_SIZE).
const recvBufSize = 16384

// buildRequest is the GET request; the Host header carries the port when
// it is not 80, as curl's does.
func buildRequest(o *Options) []byte {
	host := o.Host
	if isLiteral(host) && strings.IndexByte(host, ':') >= 0 {
		host = "[" + host + "]"
	}
	if o.port() != 80 {
		host += ":" + strconv.Itoa(o.port())
	}
	return []byte("GET " + o.path() + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
}

// sendRequest sends what the socket takes of the rest of the request;
// EAGAIN leaves the rest for later (the transfer then wants OUT).
func (t *Transfer) sendRequest() Result {
	for len(t.req) > 0 {
		n, err := t.socks.Send(t.fd, t.req)
		if errors.Is(err, EAGAIN) {
			return OK
		}
		n = min(max(n, 0), len(t.req)) // a socket layer's bad count must not crash the model
		t.e.Trace(EvNet).Text("op", "send").Num("fd", int64(t.fd)).Num("n", int64(n)).Text("err", errText(err)).Emit()
		if err != nil {
			return SendError
		}
		t.req = t.req[n:]
	}
	t.req, t.keepSnd = nil, false
	return OK
}

// sendrecv is one PERFORMING pass: read, send the rest of the request,
// then the progress call, the speed check, and either the time-left check
// (still transferring) or the end checks (PARTIAL_FILE, a second progress
// call).
func (t *Transfer) sendrecv() Result {
	if r := t.flushHeld(); r != OK {
		return r
	}
	if t.keepRcv && !t.paused {
		if r := t.receive(); r != OK {
			return r
		}
	}
	if t.keepSnd {
		if r := t.sendRequest(); r != OK {
			return r
		}
	}
	now := t.now
	if t.knobs().FreshNowInPerform {
		now = t.e.Now()
	}
	if r := t.xferinfo(); r != OK {
		return r
	}
	if r := t.speedcheck(now); r != OK {
		return r
	}
	if t.keepRcv || t.keepSnd || t.paused {
		if left := t.timeLeft(now, false); left < 0 {
			t.note("timeout").Text("check", "transfer").Num("left", left).Emit()
			return OperationTimedout
		}
		return OK
	}
	if t.resp.size >= 0 && t.resp.bytecount != t.resp.size {
		t.note("partial").Num("got", t.resp.bytecount).Num("size", t.resp.size).Emit()
		return PartialFile
	}
	return t.xferinfo()
}

// receive reads until the socket would block, the response ends or the
// profile's loop limit; with a receive limit 8.x reads one chunk of at most
// MaxRecvSpeed bytes. Data left behind makes the transfer run again at
// once.
func (t *Transfer) receive() Result {
	buf := t.e.multi.recvBuf()
	k := t.knobs()
	capped := k.RateCapsRead && t.opts.MaxRecvSpeed > 0
	loops := max(k.RecvLoops, 1)
	for i := 0; i < loops; i++ {
		n := t.resp.readSize(len(buf))
		if capped {
			if i > 0 {
				t.selectAgain = t.socks.Ready(t.fd)&EvIn != 0
				return OK
			}
			n = int(min(int64(n), t.opts.MaxRecvSpeed))
		}
		got, err := t.socks.Recv(t.fd, buf[:n])
		if errors.Is(err, EAGAIN) {
			return OK
		}
		got = min(max(got, 0), n)
		t.e.Trace(EvNet).Text("op", "recv").Num("fd", int64(t.fd)).Num("n", int64(got)).Text("err", errText(err)).Emit()
		if err != nil {
			return RecvError
		}
		if r := t.resp.feed(t, buf[:got]); r != OK {
			return r
		}
		if got == 0 || t.resp.downloadDone {
			t.keepRcv = false
			return OK
		}
		if t.paused {
			// What is still on the socket is read after the resume.
			t.selectAgain = t.socks.Ready(t.fd)&EvIn != 0
			return OK
		}
	}
	t.selectAgain = true
	return OK
}

// response is what has been parsed of the response.
type response struct {
	inHeaders    bool
	line         []byte // a header line not complete yet
	status       int
	size         int64 // Content-Length, −1 unknown
	headerBytes  int64 // bytes of complete header lines (curl's headerbytecount)
	bytecount    int64 // body bytes
	downloadDone bool
}

func (r *response) reset() {
	*r = response{inHeaders: true, size: -1}
}

// total is the announced size for the progress callback (0 unknown).
func (r *response) total() int64 { return max(r.size, 0) }

// readSize limits a read to the body bytes still announced, as curl does
// for a connection without reliable end-of-stream.
func (r *response) readSize(buf int) int {
	if r.inHeaders || r.size < 0 {
		return buf
	}
	return int(min(int64(buf), max(r.size-r.bytecount, 0)))
}

// feed parses a chunk: header lines until the empty one, then body bytes
// to the write callback. An empty chunk is the end of the stream, which
// needs nothing here: the end checks look at the counts.
func (r *response) feed(t *Transfer, p []byte) Result {
	for len(p) > 0 && r.inHeaders {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			r.line = append(r.line, p...)
			return OK
		}
		r.line = append(r.line, p[:i+1]...)
		p = p[i+1:]
		if res := r.header(t); res != OK {
			return res
		}
	}
	if len(p) == 0 || r.inHeaders {
		return OK
	}
	if r.size >= 0 {
		p = p[:min(int64(len(p)), max(r.size-r.bytecount, 0))]
	}
	return r.body(t, p)
}

// header takes one complete line.
func (r *response) header(t *Transfer) Result {
	line := r.line
	r.line = r.line[:0]
	r.headerBytes += int64(len(line))
	text := string(bytes.TrimRight(line, "\r\n"))
	switch {
	case r.status == 0:
		return r.statusLine(text)
	case text == "":
		return r.endOfHeaders(t)
	}
	name, value, ok := cutHeader(text)
	if ok && strings.EqualFold(name, "content-length") {
		if n, err := strconv.ParseInt(value, 10, 64); err == nil && n >= 0 {
			r.size = n
		}
	}
	return OK
}

// statusLine reads "HTTP/1.x NNN reason". Anything else is HTTP/0.9, which
// curl refuses by default.
func (r *response) statusLine(s string) Result {
	if len(s) < 12 || s[:7] != "HTTP/1." || s[8] != ' ' {
		return UnsupportedProtocol
	}
	code, err := strconv.Atoi(s[9:12])
	if err != nil || code < 100 {
		return UnsupportedProtocol
	}
	r.status = code
	return OK
}

// endOfHeaders ends a header block: an informational (1xx) response is
// followed by the real one; a Content-Length of 0 ends the transfer.
func (r *response) endOfHeaders(t *Transfer) Result {
	if r.status >= 100 && r.status < 200 && r.status != 101 {
		r.status, r.size = 0, -1
		return OK
	}
	r.inHeaders = false
	r.line = nil
	t.note("headers").Num("status", int64(r.status)).Num("size", r.size).Emit()
	if r.size == 0 {
		r.downloadDone = true
	}
	return OK
}

// body hands body bytes to the write callback, which may take time and may
// refuse them (WRITE_ERROR).
func (r *response) body(t *Transfer, p []byte) Result {
	if len(p) == 0 {
		return OK
	}
	r.bytecount += int64(len(p))
	t.prog.dlNow = r.bytecount
	if r.size >= 0 && r.bytecount >= r.size {
		r.downloadDone = true
	}
	return t.write(p)
}

// write runs the write callback and claims its time; a stop noticed after
// it returned (after-callback-returns variant) ends the transfer.
func (t *Transfer) write(p []byte) Result {
	if t.pauseWrite(p) {
		return OK
	}
	rc := len(p)
	if f := t.opts.Write; f != nil {
		m := t.e.multi
		m.inCallback = true
		rc = f(t, p)
		m.inCallback = false
	}
	var d int64
	if t.opts.WriteDelay != nil {
		dur := t.opts.WriteDelay(len(p))
		d = dur.Microseconds()
		t.e.Trace(EvWrite).Num("n", int64(len(p))).Num("rc", int64(rc)).Num("us", d).Emit()
		t.busy(dur)
	} else {
		t.e.Trace(EvWrite).Num("n", int64(len(p))).Num("rc", int64(rc)).Emit()
	}
	switch {
	case rc != len(p):
		return WriteError
	case t.opts.Write != nil:
		return t.stopAfterCallback()
	}
	return OK
}

// cutHeader splits "Name: value".
func cutHeader(s string) (string, string, bool) {
	name, value, ok := strings.Cut(s, ":")
	return name, strings.TrimSpace(value), ok
}
