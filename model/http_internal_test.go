package model

import (
	"strings"
	"testing"
)

// TestBuildRequest: the request line and Host header curl sends: the port
// only when it is not 80, an IPv6 literal in brackets, "/" by default.
func TestBuildRequest(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Host: "example.com"}, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"},
		{Options{Host: "example.com", Port: 80, Path: "/a?b"}, "GET /a?b HTTP/1.1\r\nHost: example.com\r\n\r\n"},
		{Options{Host: "example.com", Port: 8080}, "GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"},
		{Options{Host: "10.0.0.1"}, "GET / HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n"},
		{Options{Host: "::1", Port: 81}, "GET / HTTP/1.1\r\nHost: [::1]:81\r\n\r\n"},
		{Options{Host: "fe80::1"}, "GET / HTTP/1.1\r\nHost: [fe80::1]\r\n\r\n"},
	} {
		if got := string(buildRequest(&tc.o)); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.o, got, tc.want)
		}
	}
}

// TestReadSize: a read asks for at most the announced body bytes still
// missing, never a negative count, and the whole buffer while the headers
// or the size are unknown.
func TestReadSize(t *testing.T) {
	for _, tc := range []struct {
		inHeaders   bool
		size, count int64
		buf, want   int
	}{
		{true, 100, 0, 16384, 16384},
		{false, -1, 0, 16384, 16384},
		{false, 100, 40, 16384, 60},
		{false, 100, 40, 10, 10},
		{false, 100, 40, 60, 60},
		{false, 100, 100, 16384, 0},
		{false, 100, 120, 16384, 0},
		{false, 0, 0, 16384, 0},
	} {
		r := response{inHeaders: tc.inHeaders, size: tc.size, bytecount: tc.count}
		if got := r.readSize(tc.buf); got != tc.want {
			t.Errorf("%+v: readSize = %d, want %d", tc, got, tc.want)
		}
	}
}

// feedAll parses the stream in chunks of n bytes and reports the parse.
func feedAll(t *testing.T, stream string, n int) (*response, Result) {
	t.Helper()
	tr := &Transfer{}
	tr.e = NewEasy(1, tr)
	tr.resp.reset()
	for len(stream) > 0 {
		k := min(n, len(stream))
		if res := tr.resp.feed(tr, []byte(stream[:k])); res != OK {
			return &tr.resp, res
		}
		stream = stream[k:]
	}
	return &tr.resp, OK
}

// TestResponseFeed: the header parser, whatever the chunking: status line,
// Content-Length, informational responses, the empty line, and the body
// cut at the announced size.
func TestResponseFeed(t *testing.T) {
	const ok5 = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
	for _, tc := range []struct {
		name, stream string
		res          Result
		status       int
		size, body   int64
		inHeaders    bool
		done         bool
	}{
		{"sized", ok5 + "hello", OK, 200, 5, 5, false, true},
		{"extra bytes cut", ok5 + "helloEXTRA", OK, 200, 5, 5, false, true},
		{"short body", ok5 + "hel", OK, 200, 5, 3, false, false},
		{"no length", "HTTP/1.1 200 OK\r\n\r\nabc", OK, 200, -1, 3, false, false},
		{"zero length", "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", OK, 204, 0, 0, false, true},
		{"zero length, bytes after", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nextra", OK, 200, 0, 0, false, true},
		{"100 then 200 without length", "HTTP/1.1 100 Continue\r\nContent-Length: 7\r\n\r\nHTTP/1.1 200 OK\r\n\r\nab", OK, 200, -1, 2, false, false},
		{"bad length ignored", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nab", OK, 200, -1, 2, false, false},
		{"case-insensitive name", "HTTP/1.1 200 OK\r\ncontent-LENGTH: 2\r\n\r\nab", OK, 200, 2, 2, false, true},
		{"headers only so far", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", OK, 200, 5, 0, true, false},
		{"100 then 200", "HTTP/1.1 100 Continue\r\n\r\n" + ok5 + "hello", OK, 200, 5, 5, false, true},
		{"199 is informational", "HTTP/1.1 199 X\r\n\r\n" + ok5 + "hello", OK, 200, 5, 5, false, true},
		{"101 ends the headers", "HTTP/1.1 101 Switching\r\nContent-Length: 1\r\n\r\nx", OK, 101, 1, 1, false, true},
		{"200 with bare LF", "HTTP/1.1 200 OK\nContent-Length: 1\n\nx", OK, 200, 1, 1, false, true},
		{"status 100 is valid", "HTTP/1.1 100 Continue\r\n", OK, 100, -1, 0, true, false},
		{"status 099", "HTTP/1.1 099 X\r\n", UnsupportedProtocol, 0, -1, 0, true, false},
		{"HTTP/2", "HTTP/2 200 OK\r\n", UnsupportedProtocol, 0, -1, 0, true, false},
		{"HTTP/0.9", "hello world\n", UnsupportedProtocol, 0, -1, 0, true, false},
		{"no reason phrase", "HTTP/1.1 200\r\n", OK, 200, -1, 0, true, false},
		{"short status line", "HTTP/1.1 20\r\n", UnsupportedProtocol, 0, -1, 0, true, false},
		{"no space after version", "HTTP/1.1-200 OK\r\n", UnsupportedProtocol, 0, -1, 0, true, false},
	} {
		for _, n := range []int{1, 3, 7, 1 << 20} {
			r, res := feedAll(t, tc.stream, n)
			got := []any{res, r.status, r.size, r.bytecount, r.inHeaders, r.downloadDone}
			want := []any{tc.res, tc.status, tc.size, tc.body, tc.inHeaders, tc.done}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s in chunks of %d: (result, status, size, body, in headers, done) = %v, want %v", tc.name, n, got, want)
					break
				}
			}
		}
	}
}

// TestResponseHeaderBytes counts the bytes of complete header lines, the
// informational response's included.
func TestResponseHeaderBytes(t *testing.T) {
	head := "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
	r, res := feedAll(t, head+"hi", 4)
	if res != OK || r.headerBytes != int64(len(head)) || !strings.HasSuffix(head, "\r\n\r\n") {
		t.Errorf("header bytes %d (result %v), want %d", r.headerBytes, res, len(head))
	}
}
