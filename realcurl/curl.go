//go:build libcurl

package realcurl

/*
#cgo LDFLAGS: -lcurl
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <sys/eventfd.h>
#include <curl/curl.h>

// The Go side of the callbacks (callbacks.go). Every user pointer is a
// cgo.Handle, carried as an integer: no Go pointer reaches C.
extern int realcurlXferinfo(uintptr_t h, curl_off_t dltotal, curl_off_t dlnow);
extern int realcurlWrite(uintptr_t h, size_t n);
extern void realcurlHeaderOut(uintptr_t h);
extern void realcurlSockopt(uintptr_t h);
extern int realcurlSocket(uintptr_t h, long id, int fd, int what);
extern int realcurlTimer(uintptr_t h, long ms);

static int rc_xferinfo(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
	(void)ultotal; (void)ulnow;
	return realcurlXferinfo((uintptr_t)p, dltotal, dlnow);
}

// rc_write takes every byte, or pauses the transfer when the Go side
// says so (model.Options.PauseAt): curl then keeps the chunk.
static size_t rc_write(char *ptr, size_t size, size_t nmemb, void *p) {
	(void)ptr;
	if(realcurlWrite((uintptr_t)p, size * nmemb))
		return CURL_WRITEFUNC_PAUSE;
	return size * nmemb;
}

// rc_debug reports only the request going out (the transfer enters
// PERFORMING): the other verbose texts stay in C.
static int rc_debug(CURL *e, curl_infotype type, char *data, size_t size, void *p) {
	(void)e; (void)data; (void)size;
	if(type == CURLINFO_HEADER_OUT)
		realcurlHeaderOut((uintptr_t)p);
	return 0;
}

static int rc_sockopt(void *p, curl_socket_t fd, curlsocktype purpose) {
	(void)fd; (void)purpose;
	realcurlSockopt((uintptr_t)p);
	return CURL_SOCKOPT_OK;
}

static int rc_socket(CURL *e, curl_socket_t s, int what, void *clientp, void *socketp) {
	char *priv = NULL;
	(void)socketp;
	curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
	return realcurlSocket((uintptr_t)clientp, (long)(intptr_t)priv, (int)s, what);
}

static int rc_timer(CURLM *m, long ms, void *clientp) {
	(void)m;
	return realcurlTimer((uintptr_t)clientp, ms);
}

static CURLcode rc_set_long(CURL *e, CURLoption o, long v) { return curl_easy_setopt(e, o, v); }
static CURLcode rc_set_str(CURL *e, CURLoption o, const char *v) { return curl_easy_setopt(e, o, v); }
static CURLcode rc_set_off(CURL *e, CURLoption o, curl_off_t v) { return curl_easy_setopt(e, o, v); }
static CURLcode rc_set_slist(CURL *e, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(e, o, v); }

// rc_set_observers installs what the engine observes a transfer with:
// its ID, the write, progress, debug and socket-option callbacks, and the
// options every run shares (no signals, no proxy).
static CURLcode rc_set_observers(CURL *e, uintptr_t h, long id) {
	CURLcode rc = curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)(intptr_t)id);
	if(!rc) rc = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, rc_write);
	if(!rc) rc = curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)h);
	if(!rc) rc = curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	if(!rc) rc = curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, rc_xferinfo);
	if(!rc) rc = curl_easy_setopt(e, CURLOPT_XFERINFODATA, (void *)h);
	if(!rc) rc = curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
	if(!rc) rc = curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, rc_debug);
	if(!rc) rc = curl_easy_setopt(e, CURLOPT_DEBUGDATA, (void *)h);
	if(!rc) rc = curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, rc_sockopt);
	if(!rc) rc = curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, (void *)h);
	if(!rc) rc = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	if(!rc) rc = curl_easy_setopt(e, CURLOPT_PROXY, "");
	return rc;
}

static CURLMcode rc_multi_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }

static CURLMcode rc_multi_callbacks(CURLM *m, uintptr_t h) {
	CURLMcode rc = curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, rc_socket);
	if(!rc) rc = curl_multi_setopt(m, CURLMOPT_SOCKETDATA, (void *)h);
	if(!rc) rc = curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, rc_timer);
	if(!rc) rc = curl_multi_setopt(m, CURLMOPT_TIMERDATA, (void *)h);
	return rc;
}

static void rc_multi_nocallbacks(CURLM *m) {
	curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, (curl_socket_callback)NULL);
	curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, (curl_multi_timer_callback)NULL);
}

// rc_poll is curl_multi_poll with up to two extra descriptors (< 0:
// none) watched for reading.
static CURLMcode rc_poll(CURLM *m, int fd1, int fd2, int timeout_ms, int *numfds) {
	struct curl_waitfd w[2];
	unsigned int n = 0;
	int fds[2] = {fd1, fd2};
	for(int i = 0; i < 2; i++) {
		if(fds[i] < 0)
			continue;
		w[n].fd = fds[i];
		w[n].events = CURL_WAIT_POLLIN;
		w[n].revents = 0;
		n++;
	}
	return curl_multi_poll(m, n ? w : NULL, n, timeout_ms, numfds);
}

// rc_sockets counts the descriptors the multi's transfers wait on.
static int rc_sockets(CURLM *m) {
	fd_set r, w, x;
	int maxfd = -1, n = 0;
	FD_ZERO(&r); FD_ZERO(&w); FD_ZERO(&x);
	if(curl_multi_fdset(m, &r, &w, &x, &maxfd) != CURLM_OK)
		return 0;
	for(int fd = 0; fd <= maxfd; fd++)
		if(FD_ISSET(fd, &r) || FD_ISSET(fd, &w))
			n++;
	return n;
}

// rc_next_done reads the next DONE message: the transfer's ID and result,
// and how many messages remain; 0 when there is none.
static int rc_next_done(CURLM *m, long *id, int *result, int *remaining) {
	CURLMsg *msg;
	while((msg = curl_multi_info_read(m, remaining)) != NULL) {
		char *priv = NULL;
		if(msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		*id = (long)(intptr_t)priv;
		*result = (int)msg->data.result;
		return 1;
	}
	return 0;
}

static int64_t rc_mono(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int rc_timerfd(void) { return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC); }

// rc_timerfd_at arms fd to expire at the absolute monotonic time ns, or
// disarms it when ns <= 0.
static int rc_timerfd_at(int fd, int64_t ns) {
	struct itimerspec its;
	memset(&its, 0, sizeof its);
	if(ns <= 0)
		return timerfd_settime(fd, 0, &its, NULL);
	its.it_value.tv_sec = ns / 1000000000;
	its.it_value.tv_nsec = ns % 1000000000;
	return timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int rc_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

static const char *rc_version(void) { return curl_version_info(CURLVERSION_NOW)->version; }
static int rc_async_dns(void) { return (curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_ASYNCHDNS) != 0; }
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime/cgo"
	"sync"
	"unsafe"
)

var (
	globalOnce sync.Once
	globalErr  error
)

// initGlobal calls curl_global_init once per process: it is not safe to
// call while other threads use libcurl.
func initGlobal() error {
	globalOnce.Do(func() {
		if rc := C.curl_global_init(C.CURL_GLOBAL_DEFAULT); rc != C.CURLE_OK {
			globalErr = fmt.Errorf("realcurl: curl_global_init: %s", C.GoString(C.curl_easy_strerror(rc)))
		}
	})
	return globalErr
}

// Version is the runtime libcurl's version string (curl_version_info),
// e.g. "7.88.1".
func Version() string {
	if err := initGlobal(); err != nil {
		return ""
	}
	return C.GoString(C.rc_version())
}

// asyncDNS reports whether the runtime libcurl resolves names on its own
// thread (the threaded resolver), which is what model.ResolveAsync is.
func asyncDNS() bool { return C.rc_async_dns() != 0 }

// monoNow reads CLOCK_MONOTONIC in nanoseconds, the clock libcurl reads.
func monoNow() int64 { return int64(C.rc_mono()) }

// easy is one easy handle and what must outlive it.
type easy struct {
	p       unsafe.Pointer       // CURL is void in curl.h
	resolve *C.struct_curl_slist // CURLOPT_RESOLVE is not copied by libcurl
}

var errSetopt = errors.New("realcurl: curl_easy_setopt failed")

func newEasy() (*easy, error) {
	p := C.curl_easy_init()
	if p == nil {
		return nil, errors.New("realcurl: curl_easy_init failed")
	}
	return &easy{p: p}, nil
}

func (e *easy) setLong(o C.CURLoption, v int64) error {
	if C.rc_set_long(e.p, o, C.long(v)) != C.CURLE_OK {
		return fmt.Errorf("%w (option %d = %d)", errSetopt, int(o), v)
	}
	return nil
}

func (e *easy) setOff(o C.CURLoption, v int64) error {
	if C.rc_set_off(e.p, o, C.curl_off_t(v)) != C.CURLE_OK {
		return fmt.Errorf("%w (option %d = %d)", errSetopt, int(o), v)
	}
	return nil
}

func (e *easy) setStr(o C.CURLoption, v string) error {
	cs := C.CString(v) // libcurl copies string options
	defer C.free(unsafe.Pointer(cs))
	if C.rc_set_str(e.p, o, cs) != C.CURLE_OK {
		return fmt.Errorf("%w (option %d = %q)", errSetopt, int(o), v)
	}
	return nil
}

// setResolve sets CURLOPT_RESOLVE to one entry.
func (e *easy) setResolve(entry string) error {
	cs := C.CString(entry)
	defer C.free(unsafe.Pointer(cs))
	e.resolve = C.curl_slist_append(e.resolve, cs)
	if e.resolve == nil || C.rc_set_slist(e.p, C.CURLOPT_RESOLVE, e.resolve) != C.CURLE_OK {
		return fmt.Errorf("%w (resolve %q)", errSetopt, entry)
	}
	return nil
}

// observe installs the engine's callbacks with handle h and the
// transfer's ID.
func (e *easy) observe(h cgo.Handle, id int) error {
	if C.rc_set_observers(e.p, C.uintptr_t(h), C.long(id)) != C.CURLE_OK {
		return fmt.Errorf("%w (callbacks)", errSetopt)
	}
	return nil
}

func (e *easy) perform() int { return int(C.curl_easy_perform(e.p)) }

// resume is curl_easy_pause(CURLPAUSE_CONT).
func (e *easy) resume() int { return int(C.curl_easy_pause(e.p, C.CURLPAUSE_CONT)) }

func (e *easy) cleanup() {
	if e.p != nil {
		C.curl_easy_cleanup(e.p)
		e.p = nil
	}
	if e.resolve != nil {
		C.curl_slist_free_all(e.resolve)
		e.resolve = nil
	}
}

// multi is one multi handle.
type multi struct{ p unsafe.Pointer } // CURLM is void in curl.h

func newMulti(maxConns int) (*multi, error) {
	p := C.curl_multi_init()
	if p == nil {
		return nil, errors.New("realcurl: curl_multi_init failed")
	}
	m := &multi{p: p}
	if maxConns > 0 && C.rc_multi_long(p, C.CURLMOPT_MAX_TOTAL_CONNECTIONS, C.long(maxConns)) != C.CURLM_OK {
		m.cleanup(nil)
		return nil, errors.New("realcurl: CURLMOPT_MAX_TOTAL_CONNECTIONS failed")
	}
	return m, nil
}

// callbacks installs the socket and timer callbacks with handle h.
func (m *multi) callbacks(h cgo.Handle) error {
	if C.rc_multi_callbacks(m.p, C.uintptr_t(h)) != C.CURLM_OK {
		return errors.New("realcurl: CURLMOPT_SOCKETFUNCTION/TIMERFUNCTION failed")
	}
	return nil
}

func (m *multi) add(e *easy) int    { return int(C.curl_multi_add_handle(m.p, e.p)) }
func (m *multi) remove(e *easy) int { return int(C.curl_multi_remove_handle(m.p, e.p)) }

func (m *multi) perform() (code, running int) {
	var n C.int
	code = int(C.curl_multi_perform(m.p, &n))
	return code, int(n)
}

func (m *multi) socketAction(fd int, ev int) (code, running int) {
	var n C.int
	code = int(C.curl_multi_socket_action(m.p, C.curl_socket_t(fd), C.int(ev), &n))
	return code, int(n)
}

// timeout is curl_multi_timeout.
func (m *multi) timeout() int64 {
	var ms C.long
	if C.curl_multi_timeout(m.p, &ms) != C.CURLM_OK {
		return -1
	}
	return int64(ms)
}

func (m *multi) sockets() int { return int(C.rc_sockets(m.p)) }

// poll is curl_multi_poll with up to two extra descriptors (< 0: none).
func (m *multi) poll(fd1, fd2 int, timeoutMs int64) int {
	var n C.int
	return int(C.rc_poll(m.p, C.int(fd1), C.int(fd2), C.int(timeoutMs), &n))
}

func (m *multi) wakeup() int { return int(C.curl_multi_wakeup(m.p)) }

// nextDone reads the next DONE message.
func (m *multi) nextDone() (id, result, remaining int, ok bool) {
	var cid C.long
	var res, rem C.int
	if C.rc_next_done(m.p, &cid, &res, &rem) == 0 {
		return 0, 0, 0, false
	}
	return int(cid), int(res), int(rem), true
}

// cleanup removes the easies (with the callbacks off, so nothing is
// traced or registered any more) and frees the multi.
func (m *multi) cleanup(easies []*easy) {
	if m.p == nil {
		return
	}
	C.rc_multi_nocallbacks(m.p)
	for _, e := range easies {
		if e != nil && e.p != nil {
			C.curl_multi_remove_handle(m.p, e.p)
		}
	}
	C.curl_multi_cleanup(m.p)
	m.p = nil
}

func newTimerFD() (int, error) {
	fd := int(C.rc_timerfd())
	if fd < 0 {
		return -1, errors.New("realcurl: timerfd_create failed")
	}
	return fd, nil
}

// armTimerFD arms fd for the absolute monotonic time ns (≤ 0: disarm).
func armTimerFD(fd int, ns int64) { C.rc_timerfd_at(C.int(fd), C.int64_t(ns)) }

func newEventFD() (int, error) {
	fd := int(C.rc_eventfd())
	if fd < 0 {
		return -1, errors.New("realcurl: eventfd failed")
	}
	return fd, nil
}
