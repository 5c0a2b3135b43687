package netsim

// wakeChan is a wake channel: the socket pair libcurl's multi_wakeup and
// the stop proposal write a token to, so that a thread blocked in poll
// wakes. Writes never block: once the channel holds WakeBuf bytes, further
// writes are absorbed (coalesced), since a pending token already wakes the
// reader. A read drains every pending token at once.
//
// A kernel socketpair would return EAGAIN when full; libcurl treats that
// as success, so absorbing the write is the same outcome without making
// every caller handle it.
type wakeChan struct {
	r, w    *socket
	pending int
	rOpen   bool
	wOpen   bool
}

// WakePair opens a wake channel and returns its read and write ends. The
// read end is readable while a token is pending or after the write end
// closed.
func (h *Host) WakePair() (r, w FD, err error) {
	h.n.call()
	ch := &wakeChan{rOpen: true, wOpen: true}
	ch.r = &socket{h: h, kind: KindWakeRead, wake: ch}
	ch.w = &socket{h: h, kind: KindWakeWrite, wake: ch}
	r, w = h.alloc(ch.r), h.alloc(ch.w)
	if h.n.tracing() {
		h.n.emit("net.wakepair", F("host", h.name), Int("r", int64(r)), Int("w", int64(w)))
	}
	return r, w, nil
}

func (ch *wakeChan) readReady() Ready {
	if ch.pending > 0 || !ch.wOpen {
		return PollIn
	}
	return 0
}

func (ch *wakeChan) writeReady() Ready {
	if !ch.rOpen {
		return PollOut | PollErr
	}
	return PollOut
}

// read drains the channel: it returns up to len(p) token bytes and
// discards the rest.
func (ch *wakeChan) read(p []byte) (int, error) {
	if ch.pending == 0 {
		if !ch.wOpen {
			return 0, nil
		}
		return 0, EAGAIN
	}
	m := min(len(p), ch.pending)
	for i := range p[:m] {
		p[i] = 1
	}
	ch.pending = 0
	ch.r.h.n.markDirty(ch.r)
	return m, nil
}

// write adds tokens; a full channel absorbs them.
func (ch *wakeChan) write(p []byte) (int, error) {
	if !ch.rOpen {
		return 0, EPIPE
	}
	n := ch.w.h.n
	room := n.cfg.WakeBuf - ch.pending
	if len(p) > room {
		n.ctr.Coalesced++
	}
	ch.pending += min(len(p), room)
	n.markDirty(ch.r)
	return len(p), nil
}

func (ch *wakeChan) close(s *socket) {
	if s == ch.r {
		ch.rOpen = false
		ch.w.h.n.markDirty(ch.w)
		return
	}
	ch.wOpen = false
	ch.r.h.n.markDirty(ch.r)
}
