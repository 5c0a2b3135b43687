package model

import (
	"fmt"
	"strings"
)

// This file is curl's share interface (lib/share.c, CURLSHOPT_*) as far as
// the stop proposal needs it: which data a share shares, and the lock and
// unlock callbacks. The model has no DNS cache, cookie jar, TLS session
// cache, connection pool, PSL or HSTS cache of its own, so those bits are
// accepted and kept (a share is configured as in curl) but nothing locks
// them; the model locks SHARE (Easy.SetShare) and STOP (EasyStop and the
// performing side's checks). See Share for exactly when.

// LockData is curl_lock_data: what a lock protects, with curl's numbers.
// LockStop is the proposal's new CURL_LOCK_DATA_STOP, numbered where curl
// would add it (CURL_LOCK_DATA_LAST in curl 8.11).
type LockData uint8

// The lock data.
const (
	LockNone       LockData = iota // CURL_LOCK_DATA_NONE
	LockShare                      // the share's own state: always shared
	LockCookie                     // CURL_LOCK_DATA_COOKIE
	LockDNS                        // CURL_LOCK_DATA_DNS
	LockSSLSession                 // CURL_LOCK_DATA_SSL_SESSION
	LockConnect                    // CURL_LOCK_DATA_CONNECT
	LockPSL                        // CURL_LOCK_DATA_PSL
	LockHSTS                       // CURL_LOCK_DATA_HSTS
	LockStop                       // the proposal's CURL_LOCK_DATA_STOP: handles may be stopped
	numLockData
)

var lockDataNames = [numLockData]string{"NONE", "SHARE", "COOKIE", "DNS", "SSL_SESSION", "CONNECT", "PSL", "HSTS", "STOP"}

// String is curl's name without the CURL_LOCK_DATA_ prefix.
func (d LockData) String() string { return enumName(lockDataNames[:], uint8(d)) }

// LockSet is a set of LockData, one bit each (curl's share "specifier").
type LockSet uint16

// LockSetOf makes a set of the given data.
func LockSetOf(ds ...LockData) LockSet {
	var s LockSet
	for _, d := range ds {
		s |= 1 << d
	}
	return s
}

// Has reports whether d is in the set.
func (s LockSet) Has(d LockData) bool { return d < numLockData && s&(1<<d) != 0 }

// String lists the members as SHARE|STOP, unknown bits as bitN, and the
// empty set as "-".
func (s LockSet) String() string {
	if s == 0 {
		return "-"
	}
	var parts []string
	for b := 0; b < 16; b++ {
		switch {
		case s&(1<<b) == 0:
		case b < int(numLockData):
			parts = append(parts, LockData(b).String())
		default:
			parts = append(parts, fmt.Sprintf("bit%d", b))
		}
	}
	return strings.Join(parts, "|")
}

// LockAccess is curl_lock_access, with curl's numbers.
type LockAccess uint8

// The access kinds.
const (
	AccessNone   LockAccess = iota // CURL_LOCK_ACCESS_NONE
	AccessShared                   // CURL_LOCK_ACCESS_SHARED: a read
	AccessSingle                   // CURL_LOCK_ACCESS_SINGLE: a write
	numLockAccess
)

var lockAccessNames = [numLockAccess]string{"NONE", "SHARED", "SINGLE"}

// String is curl's name without the CURL_LOCK_ACCESS_ prefix.
func (a LockAccess) String() string { return enumName(lockAccessNames[:], uint8(a)) }

// LockFunc is CURLSHOPT_LOCKFUNC. The model calls it synchronously, inside
// the API call that needs the lock, on the calling thread; it must not
// call into the model. curl also passes the easy handle and a user
// pointer; a closure carries the latter, and the handle is left out
// because the callback must not act on it.
type LockFunc func(data LockData, access LockAccess)

// UnlockFunc is CURLSHOPT_UNLOCKFUNC, called like LockFunc.
type UnlockFunc func(data LockData)

// ShCode is a share-interface return code with curl's CURLSHcode number.
type ShCode uint8

// The CURLSHcode values the model returns.
const (
	ShOK        ShCode = 0 // CURLSHE_OK
	ShBadOption ShCode = 1 // CURLSHE_BAD_OPTION: an unknown bit, NONE or SHARE
	ShInUse     ShCode = 2 // CURLSHE_IN_USE: a handle uses the share
	ShInvalid   ShCode = 3 // CURLSHE_INVALID: a nil share
	numShCodes  ShCode = 4
)

var shCodeNames = [numShCodes]string{"OK", "BAD_OPTION", "IN_USE", "INVALID"}

// String is curl's name without the CURLSHE_ prefix.
func (c ShCode) String() string { return enumName(shCodeNames[:], uint8(c)) }

// Share is a share object (CURLSH): the data it shares, its lock and
// unlock callbacks, and the stop variant of the handles that use it. Its
// options are frozen while a handle uses it (IN_USE), as in curl. The
// zero Share is ready to use; NewShare is its curl-style spelling.
//
// When the model calls the lock callbacks, and with which data (the lock
// function only if set, the unlock function only if set, each exactly
// once per lock, never nested, always on the thread making the call):
//
//   - Easy.SetShare: lock(SHARE, SINGLE) ... unlock(SHARE) on the share
//     the handle leaves, then the same on the share it joins (curl's
//     CURLOPT_SHARE). SHARE is always shared, so this happens with or
//     without STOP.
//   - EasyStop on a stoppable handle (STOP set and a lock function):
//     lock(STOP, SINGLE) before it reads or records anything, unlock(STOP)
//     just before it returns; the wakeup token is written in between. On a
//     handle that is not stoppable it calls neither.
//   - The performing side, for a stoppable handle only, inside the Multi
//     call that drives it (Perform, SocketAction): lock(STOP, SHARED) ...
//     unlock(STOP) at the top of every run of the transfer, to read the
//     request; with InCallback after-callback-returns, the same after each
//     call of a Transfer's Options.Xferinfo and Options.Write while it has
//     no result yet; with Race stop-wins, the same when the transfer
//     completes.
//
// Nothing else locks. A simulator whose lock is a mutex that may be held
// cannot block inside the callback: it acquires its mutex before calling
// EasyStop (Easy.Stoppable says whether EasyStop will lock) and releases
// it after, and treats the callbacks as the points where the model holds
// the lock.
type Share struct {
	bits    LockSet
	lockFn  LockFunc
	unlock  UnlockFunc
	variant StopVariant
	users   int // handles whose share this is (curl's dirty count)
}

// NewShare is curl_share_init: a share that shares nothing but itself.
func NewShare() *Share { return &Share{} }

// Set is CURLSHOPT_SHARE for every datum in bits. NONE and SHARE (always
// shared) and unknown bits are BAD_OPTION, and then nothing changes.
func (s *Share) Set(bits LockSet) ShCode {
	if code := s.settable(); code != ShOK {
		return code
	}
	if bits.Has(LockNone) || bits.Has(LockShare) || bits >= 1<<numLockData {
		return ShBadOption
	}
	s.bits |= bits
	return ShOK
}

// SetLockFunc is CURLSHOPT_LOCKFUNC; nil removes it.
func (s *Share) SetLockFunc(f LockFunc) ShCode {
	code := s.settable()
	if code == ShOK {
		s.lockFn = f
	}
	return code
}

// SetUnlockFunc is CURLSHOPT_UNLOCKFUNC; nil removes it.
func (s *Share) SetUnlockFunc(f UnlockFunc) ShCode {
	code := s.settable()
	if code == ShOK {
		s.unlock = f
	}
	return code
}

// SetStopVariant chooses how the proposal's open questions are answered
// for the handles of this share (the zero StopVariant is the proposal).
// An unknown knob value is BAD_OPTION.
func (s *Share) SetStopVariant(v StopVariant) ShCode {
	if code := s.settable(); code != ShOK {
		return code
	}
	if v.validate() != nil {
		return ShBadOption
	}
	s.variant = v
	return ShOK
}

func (s *Share) settable() ShCode {
	switch {
	case s == nil:
		return ShInvalid
	case s.users > 0:
		return ShInUse
	}
	return ShOK
}

// Bits is what the share shares; SHARE is always in it.
func (s *Share) Bits() LockSet { return s.bits | LockSetOf(LockShare) }

// StopVariant is the variant set with SetStopVariant.
func (s *Share) StopVariant() StopVariant { return s.variant }

// Stoppable reports whether handles using the share can be stopped: STOP
// is shared and a lock function is set (the proposal needs the lock to
// hand the request to the performing thread).
func (s *Share) Stoppable() bool { return s != nil && s.bits.Has(LockStop) && s.lockFn != nil }

// Users is how many handles use the share.
func (s *Share) Users() int { return s.users }

// SetShare is CURLOPT_SHARE: the handle leaves its old share (if any) and
// joins s (nil: none), each under the share's SHARE lock, and forgets any
// stop request. Changing the share of a handle in a multi is misuse.
func (e *Easy) SetShare(s *Share) error {
	if e.multi != nil {
		return fmt.Errorf("model: easy %d: SetShare while in a multi", e.id)
	}
	if old := e.share; old != nil {
		e.withLock(old, LockShare, AccessSingle, func() { old.users-- })
	}
	e.share = s
	if s != nil {
		e.withLock(s, LockShare, AccessSingle, func() { s.users++ })
	}
	e.stop.req = false
	return nil
}

// Share is the handle's share, or nil.
func (e *Easy) Share() *Share { return e.share }

// Stoppable reports whether EasyStop acts on the handle (and so calls the
// lock function): its share has STOP and a lock function.
func (e *Easy) Stoppable() bool { return e.share.Stoppable() }

// withLock runs f under s's lock for d, as curl's Curl_share_lock and
// Curl_share_unlock do: the callbacks only for shared data and only when
// set. The lock events are traced when the handle can be traced.
func (e *Easy) withLock(s *Share, d LockData, a LockAccess, f func()) {
	held := s.Bits().Has(d)
	if held && s.lockFn != nil {
		s.lockFn(d, a)
		e.traceLock(EvLock, d, a)
	}
	f()
	if held && s.unlock != nil {
		s.unlock(d)
		e.traceLock(EvUnlock, d, AccessNone)
	}
}

func (e *Easy) traceLock(k EventKind, d LockData, a LockAccess) {
	m := e.traceMulti()
	if m == nil || !m.tracing() {
		return
	}
	t := m.event(e.id, k).text("data", d.String())
	if k == EvLock {
		t.text("access", a.String())
	}
	t.emit()
}

// traceMulti is where e's events go: its multi, or the one it last left
// (a stop between performs), or none.
func (e *Easy) traceMulti() *Multi {
	if e.multi != nil {
		return e.multi
	}
	return e.stop.home
}
