package netsim

import (
	"bytes"
	"strconv"
	"strings"
)

// Just enough HTTP/1.1 for the servers: a request head in (request line
// and header lines up to the blank line), a status line, Content-Length
// and a body out. Bodies are a fixed pattern so a client can check every
// byte without the server storing any.

// maxRequestHead bounds a request head; a longer one is a bad request.
const maxRequestHead = 8 << 10

// request is a parsed request head.
type request struct {
	method, target string
}

// headEnd returns the length of the request head in b (through the blank
// line), or -1 if it is not complete.
func headEnd(b []byte) int {
	i := bytes.Index(b, []byte("\r\n\r\n"))
	if i < 0 {
		return -1
	}
	return i + 4
}

// parseRequest reads a complete request head. ok is false for anything
// that is not "METHOD target HTTP/1.x" followed by "Name: value" lines.
func parseRequest(head []byte) (request, bool) {
	lines := strings.Split(strings.TrimSuffix(string(head), "\r\n\r\n"), "\r\n")
	parts := strings.Split(lines[0], " ")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || !strings.HasPrefix(parts[2], "HTTP/1.") {
		return request{}, false
	}
	for _, l := range lines[1:] {
		if name, _, ok := strings.Cut(l, ":"); !ok || name == "" || strings.ContainsAny(name, " \t") {
			return request{}, false
		}
	}
	return request{method: parts[0], target: parts[1]}, true
}

// responseHead is the status line and headers of a response whose body
// has length bytes. Connection: close, because every server here closes
// after one response.
func responseHead(status int, reason string, length int64) string {
	return "HTTP/1.1 " + strconv.Itoa(status) + " " + reason + "\r\nContent-Length: " +
		strconv.FormatInt(length, 10) + "\r\nConnection: close\r\n\r\n"
}

// BodyByte is byte i of every response body the servers send: the
// alphabet, repeated.
func BodyByte(i int64) byte { return 'a' + byte(i%26) }
