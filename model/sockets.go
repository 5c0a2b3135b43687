package model

import "strconv"

// Interest is one socket and what is wanted on it. Sockets are abstract fd
// numbers here; the socket layer of a later issue gives them meaning.
type Interest struct {
	FD   int
	What PollAction
}

// sockEntry is the multi's record of one socket (curl's Curl_sh_entry): how
// many transfers use it, how many want to read or write, and what the
// socket callback was last told.
type sockEntry struct {
	users, readers, writers int
	action                  PollAction
	easies                  []*Easy // in registration order: SocketAction's run order
}

func (s *sockEntry) combined() PollAction {
	var a PollAction
	if s.readers > 0 {
		a |= PollIn
	}
	if s.writers > 0 {
		a |= PollOut
	}
	return a
}

func (s *sockEntry) count(what PollAction, delta int) {
	if what&PollIn != 0 {
		s.readers += delta
	}
	if what&PollOut != 0 {
		s.writers += delta
	}
}

// reportSockets is curl's singlesocket: compare what e wants now with what
// was registered for it, update the per-socket counts and call the socket
// callback only where a socket's combined wish changed; a socket no
// transfer uses any more gets PollRemove. A callback returning −1 kills the
// multi; curl stops right there, the model completes the bookkeeping (so
// the counts stay true) but makes no further call in this diff.
func (m *Multi) reportSockets(e *Easy) MCode {
	code := MOK
	tell := func(fd int, what PollAction) {
		if code == MOK {
			code = m.callSocket(e, fd, what)
		}
	}
	for _, w := range e.want {
		if what, changed := m.registerWish(e, w); changed {
			tell(w.FD, what)
		}
	}
	for _, l := range e.last {
		if !hasFD(e.want, l.FD) && m.unregister(e, l) {
			tell(l.FD, PollRemove)
		}
	}
	e.last = append(e.last[:0], e.want...)
	return code
}

// registerWish records one current wish of e and reports the socket's
// combined wish and whether the callback must hear about it.
func (m *Multi) registerWish(e *Easy, w Interest) (PollAction, bool) {
	s := m.socks[w.FD]
	if s == nil {
		s = &sockEntry{}
		m.socks[w.FD] = s
	}
	prev, known := findFD(e.last, w.FD)
	switch {
	case !known:
		s.users++
		s.easies = append(s.easies, e)
		s.count(w.What, 1)
	case prev != w.What:
		s.count(prev, -1)
		s.count(w.What, 1)
	}
	combo := s.combined()
	if known && s.action == combo {
		return combo, false
	}
	s.action = combo
	return combo, true
}

// unregister drops e's use of a socket it no longer wants and reports
// whether that was the socket's last user (the callback hears REMOVE).
func (m *Multi) unregister(e *Easy, l Interest) bool {
	s := m.socks[l.FD]
	if s == nil {
		return false
	}
	s.users--
	s.count(l.What, -1)
	for i, x := range s.easies {
		if x == e {
			s.easies = append(s.easies[:i], s.easies[i+1:]...)
			break
		}
	}
	if s.users > 0 {
		return false
	}
	delete(m.socks, l.FD)
	return true
}

// closed is Curl_multi_closed: a registered fd that was closed is
// announced REMOVE and dropped from the socket table and from what every
// user last registered, so the next diff starts afresh.
func (m *Multi) closed(e *Easy, fd int) {
	s := m.socks[fd]
	if s == nil {
		return
	}
	delete(m.socks, fd)
	for _, u := range s.easies {
		for i := range u.last {
			if u.last[i].FD == fd {
				u.last = append(u.last[:i], u.last[i+1:]...)
				break
			}
		}
	}
	m.callSocket(e, fd, PollRemove)
}

// releaseSockets withdraws every wish of e (completion, removal).
func (m *Multi) releaseSockets(e *Easy) MCode {
	e.want = e.want[:0]
	return m.reportSockets(e)
}

func (m *Multi) callSocket(e *Easy, fd int, what PollAction) MCode {
	if m.sockCB == nil {
		return MOK
	}
	m.inCallback = true
	rc := m.sockCB(e, fd, what)
	m.inCallback = false
	if m.tracing() {
		m.event(e.id, EvSocketCB).num("fd", int64(fd)).text("what", what.String()).num("rc", int64(rc)).emit()
	}
	if rc == -1 {
		m.kill()
		return MAbortedByCallback
	}
	return MOK
}

// Sockets appends every socket the multi has registered, in fd order, with
// the action the socket callback was last told.
func (m *Multi) Sockets(buf []Interest) []Interest {
	start := len(buf)
	for fd, s := range m.socks {
		buf = append(buf, Interest{FD: fd, What: s.action})
	}
	sortByFD(buf[start:])
	return buf
}

func sortByFD(xs []Interest) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j].FD < xs[j-1].FD; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}

func findFD(xs []Interest, fd int) (PollAction, bool) {
	for _, x := range xs {
		if x.FD == fd {
			return x.What, true
		}
	}
	return PollNone, false
}

func hasFD(xs []Interest, fd int) bool {
	_, ok := findFD(xs, fd)
	return ok
}

func itoa(n int) string { return strconv.Itoa(n) }
