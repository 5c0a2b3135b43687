package model

import (
	"fmt"
	"strings"
)

// TimerID names one of a transfer's timers (curl's expire_id). A transfer
// holds at most one deadline per ID. The set of IDs a profile knows is part
// of the profile (Profile.Timers).
type TimerID uint8

// The timer IDs of curl 7.88 to 8.21. RunNow exists only up to 8.15 (later
// curls mark a transfer dirty instead); Shutdown exists from 8.x on.
const (
	Timer100Timeout       TimerID = iota // waiting for "100 Continue"
	TimerAsyncName                       // asynchronous resolver
	TimerConnectTimeout                  // CURLOPT_CONNECTTIMEOUT, armed in SETUP
	TimerDNSPerName                      // c-ares per-name timer, first family
	TimerDNSPerName2                     // c-ares per-name timer, second family
	TimerHappyEyeballsDNS                // c-ares happy-eyeballs DNS
	TimerHappyEyeballs                   // next connect attempt (200 ms)
	TimerMultiPending                    // waiting for a connection slot
	TimerRunNow                          // "run me at once" (EXPIRE_RUN_NOW)
	TimerSpeedcheck                      // low-speed check, re-armed each second
	TimerTimeout                         // CURLOPT_TIMEOUT, armed in SETUP
	TimerTooFast                         // rate limiting
	TimerQUIC                            // QUIC protocol timers
	TimerFTPAccept                       // FTP active-mode accept
	TimerALPNEyeballs                    // HTTPS-connect ALPN racing
	TimerShutdown                        // connection shutdown
	numTimers
)

var timerNames = [numTimers]string{
	"100_TIMEOUT", "ASYNC_NAME", "CONNECTTIMEOUT", "DNS_PER_NAME", "DNS_PER_NAME2",
	"HAPPY_EYEBALLS_DNS", "HAPPY_EYEBALLS", "MULTI_PENDING", "RUN_NOW", "SPEEDCHECK",
	"TIMEOUT", "TOOFAST", "QUIC", "FTP_ACCEPT", "ALPN_EYEBALLS", "SHUTDOWN",
}

// String is curl's name without the EXPIRE_ prefix.
func (id TimerID) String() string {
	if id < numTimers {
		return timerNames[id]
	}
	return fmt.Sprintf("TIMER(%d)", uint8(id))
}

// ParseTimerID accepts a name as String prints it, any case, with or without
// EXPIRE_.
func ParseTimerID(s string) (TimerID, error) {
	u := strings.TrimPrefix(strings.ToUpper(s), "EXPIRE_")
	for i, n := range timerNames {
		if n == u {
			return TimerID(i), nil
		}
	}
	return 0, fmt.Errorf("model: unknown timer %q", s)
}

// TimerSet is a set of timer IDs.
type TimerSet uint32

// TimersOf builds a set.
func TimersOf(ids ...TimerID) TimerSet {
	var s TimerSet
	for _, id := range ids {
		s |= 1 << id
	}
	return s
}

// AllTimers holds every ID the model knows.
const AllTimers = TimerSet(1<<numTimers - 1)

// Has reports whether id is in s.
func (s TimerSet) Has(id TimerID) bool { return id < numTimers && s&(1<<id) != 0 }

// String lists the names in ID order, joined by commas.
func (s TimerSet) String() string {
	var names []string
	for id := TimerID(0); id < numTimers; id++ {
		if s.Has(id) {
			names = append(names, id.String())
		}
	}
	return strings.Join(names, ",")
}

// end marks the end of a timer list (no ID).
const end = numTimers

// timerList is one transfer's pending deadlines, at most one per ID, kept as
// a singly linked list through a fixed array so that no operation
// allocates. Order: by deadline as the profile compares them, a new entry
// after entries it compares equal to (FIFO). Every operation is O(number of
// IDs).
type timerList struct {
	at   [numTimers]Micros
	next [numTimers]TimerID
	head TimerID
	has  TimerSet
	n    uint8
}

func (l *timerList) reset() { l.head, l.has, l.n = end, 0, 0 }

// empty reports whether no deadline is pending.
func (l *timerList) empty() bool { return l.head == end }

// headAt is the first entry's deadline; call only when not empty.
func (l *timerList) headAt() Micros { return l.at[l.head] }

// remove drops id's entry and reports whether there was one.
func (l *timerList) remove(id TimerID) bool {
	if !l.has.Has(id) {
		return false
	}
	for p := &l.head; *p != end; p = &l.next[*p] {
		if *p == id {
			*p = l.next[id]
			l.has &^= 1 << id
			l.n--
			return true
		}
	}
	panic(fmt.Sprintf("model: timer list lost %v", id))
}

// insert adds id at deadline at after every entry that does not compare
// later than it; the caller has removed any previous entry for id.
func (l *timerList) insert(id TimerID, at Micros, res Resolution) {
	p := &l.head
	for *p != end && res.diff(l.at[*p], at) <= 0 {
		p = &l.next[*p]
	}
	l.at[id] = at
	l.next[id] = *p
	*p = id
	l.has |= 1 << id
	l.n++
}

// dropDue removes entries from the head while they are due at now as res
// compares (curl's add_next_timeout) and returns how many went.
func (l *timerList) dropDue(now Micros, res Resolution) int {
	n := 0
	for l.head != end && res.diff(l.at[l.head], now) <= 0 {
		id := l.head
		l.head = l.next[id]
		l.has &^= 1 << id
		l.n--
		n++
	}
	return n
}

// Deadline is one pending entry of a transfer's timer list.
type Deadline struct {
	ID TimerID
	At Micros
}

// appendTo appends the entries in list order.
func (l *timerList) appendTo(buf []Deadline) []Deadline {
	for id := l.head; id != end; id = l.next[id] {
		buf = append(buf, Deadline{ID: id, At: l.at[id]})
	}
	return buf
}
