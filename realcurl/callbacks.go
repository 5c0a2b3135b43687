//go:build libcurl

package realcurl

// The callbacks from libcurl into Go. Each user pointer is a cgo.Handle
// (of an *xfer for the easy handle's callbacks, of an *app for the
// multi's), passed as an integer by the C trampolines of curl.go. This
// file's preamble may only declare (cgo's rule for //export).

/*
#include <stdint.h>
#include <curl/curl.h>
*/
import "C"

import "runtime/cgo"

//export realcurlXferinfo
func realcurlXferinfo(h C.uintptr_t, dltotal, dlnow C.curl_off_t) C.int {
	x := cgo.Handle(h).Value().(*xfer)
	return C.int(x.onXferinfo(int64(dltotal), int64(dlnow)))
}

//export realcurlWrite
func realcurlWrite(h C.uintptr_t, n C.size_t) C.int {
	if cgo.Handle(h).Value().(*xfer).onWrite(int64(n)) {
		return 1
	}
	return 0
}

//export realcurlHeaderOut
func realcurlHeaderOut(h C.uintptr_t) {
	cgo.Handle(h).Value().(*xfer).enter("PERFORMING")
}

//export realcurlSockopt
func realcurlSockopt(h C.uintptr_t) {
	cgo.Handle(h).Value().(*xfer).enter("CONNECTING")
}

//export realcurlSocket
func realcurlSocket(h C.uintptr_t, id C.long, fd, what C.int) C.int {
	return C.int(cgo.Handle(h).Value().(*app).onSocket(int(id), int(fd), int(what)))
}

//export realcurlTimer
func realcurlTimer(h C.uintptr_t, ms C.long) C.int {
	return C.int(cgo.Handle(h).Value().(*app).onTimer(int64(ms)))
}
