package model

// This file is the per-transfer timer list and its one node in the index:
// curl's Curl_expire, Curl_expire_done, Curl_expire_clear and
// add_next_timeout. Invariant (bug-free knobs): a transfer's node is in the
// index iff its list is not empty, and its key is the list head's deadline
// (RearmMove) or not later than it (RearmKeepEarly with µs comparisons).

// expire sets id's deadline to now + ms and re-keys per profile.
func (m *Multi) expire(e *Easy, id TimerID, ms int64) {
	if ms == 0 && m.prof.ZeroClearsAll {
		m.clearAll(e) // bug 6: the old Curl_expire(data, 0) meant "stop all"
		return
	}
	ms = min(ms, maxTimeoutMs)
	at := m.now() + Micros(ms*1000)
	prevHead := e.timers.head
	e.timers.remove(id)
	e.timers.insert(id, at, m.prof.Compare)
	if m.tracing() {
		m.event(e.id, EvExpire).text("id", id.String()).num("ms", ms).num("at", int64(at)).emit()
	}
	if m.prof.Rearm == RearmKeepEarly {
		m.rekeyIfEarlier(e, at)
	} else {
		m.rekeyOnHeadChange(e, id, prevHead)
	}
}

// rekeyIfEarlier is the keep-early rule: a node already in the index moves
// only when the new deadline does not compare later than its key.
func (m *Multi) rekeyIfEarlier(e *Easy, at Micros) {
	if e.indexed == m {
		if m.prof.Compare.diff(at, Micros(e.node.Key())) > 0 {
			return
		}
		m.indexRemove(e)
	}
	m.indexInsert(e, at)
}

// rekeyOnHeadChange is the move rule: nothing to do when another ID was and
// still is the head; otherwise the node goes to the new head's deadline.
func (m *Multi) rekeyOnHeadChange(e *Easy, id, prevHead TimerID) {
	if e.indexed == m {
		if prevHead != id && prevHead == e.timers.head {
			return
		}
		m.indexRemove(e)
	}
	m.indexInsert(e, e.timers.headAt())
}

// clearOne removes id's deadline; with ClearFixesIndex a changed head
// re-keys the node and an emptied list takes it out.
func (m *Multi) clearOne(e *Easy, id TimerID) {
	prevHead := e.timers.head
	had := e.timers.remove(id)
	if m.tracing() {
		m.event(e.id, EvClear).text("id", id.String()).flag("had", had).emit()
	}
	if !m.prof.ClearFixesIndex || e.indexed != m || e.timers.head == prevHead {
		return
	}
	m.indexRemove(e)
	if !e.timers.empty() {
		m.indexInsert(e, e.timers.headAt())
	}
}

// clearAll empties the list and takes the node out of the index.
func (m *Multi) clearAll(e *Easy) {
	if e.timers.empty() && e.indexed != m {
		return
	}
	e.timers.reset()
	if m.tracing() {
		m.event(e.id, EvClearAll).emit()
	}
	if e.indexed == m {
		m.indexRemove(e)
	}
}

// pop is add_next_timeout for a node that just left the index at now:
// every entry that is past goes, and the node returns at the next deadline.
// With bug 10 the node may be back in the index already (the transfer
// armed a timer between the pop and this): it is inserted a second time,
// or, with nothing left to re-insert, stays where it is unknown to the
// transfer.
func (m *Multi) pop(e *Easy, now Micros) {
	stillIn := m.index.contains(e)
	e.indexed = nil
	key := m.index.popped
	dropped := e.timers.dropDue(now, m.prof.Purge)
	if m.tracing() {
		m.event(e.id, EvPop).num("key", int64(key)).num("dropped", int64(dropped)).emit()
	}
	if !e.timers.empty() && m.prof.ReinsertAfterPop {
		m.indexInsert(e, e.timers.headAt())
	} else if stillIn {
		m.index.orphan(e)
		if m.tracing() {
			m.event(e.id, EvIndex).text("op", "orphan").num("key", e.node.Key()).emit()
		}
	}
}

func (m *Multi) indexInsert(e *Easy, key Micros) {
	twice := m.index.contains(e) // bug 10 only
	m.index.insert(e, key)
	e.indexed = m
	if m.tracing() {
		ev := m.event(e.id, EvIndex).text("op", "insert").num("key", int64(key))
		if twice {
			ev = ev.flag("twice", true)
		}
		ev.emit()
	}
}

func (m *Multi) indexRemove(e *Easy) {
	if !m.index.remove(e) {
		if !m.prof.PurgeWakesFirst {
			panic("model: index lost a node it was told it holds")
		}
		// Bug 10: the transfer still believes in a node getBest took out
		// (curl's expiretime is left set until add_next_timeout); curl logs
		// the failed splay remove and goes on.
		e.indexed = nil
		if m.tracing() {
			m.event(e.id, EvIndex).text("op", "remove-missing").num("key", e.node.Key()).emit()
		}
		return
	}
	e.indexed = nil
	if m.tracing() {
		m.event(e.id, EvIndex).text("op", "remove").num("key", e.node.Key()).emit()
	}
}

// runNow asks for e to run at once: a RUN_NOW deadline of now or the dirty
// flag.
func (m *Multi) runNow(e *Easy) {
	if m.prof.RunNow == RunNowTimer {
		m.expire(e, TimerRunNow, 0)
		return
	}
	m.setDirty(e, true)
}

// setDirty maintains the dirty bitset over mids and its count.
func (m *Multi) setDirty(e *Easy, on bool) {
	if e.dirty == on {
		return
	}
	e.dirty = on
	w, bit := e.mid/64, uint64(1)<<(e.mid%64)
	for len(m.dirty) <= w {
		m.dirty = append(m.dirty, 0)
	}
	if on {
		m.dirty[w] |= bit
		m.ndirty++
		if m.tracing() {
			m.event(e.id, EvDirty).emit()
		}
		return
	}
	m.dirty[w] &^= bit
	m.ndirty--
}
