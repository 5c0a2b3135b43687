package properties

import (
	"strings"

	"github.com/expirylab/expiry/model"
)

// Spec is what a profile promises, its documented allowances included:
// the reference the checkers hold a trace to. It is read from the bug-free
// profile, so a profile with a historical bug switched on is held to the
// promises of the release it was switched on in.
type Spec struct {
	// Profile names the promises: the profile's name without "+bugN".
	Profile string
	// Rounding turns the gap to the earliest key into the timeout the
	// application is told (SPEC §1, §5).
	Rounding model.Rounding
	// RunNow is how a transfer asks to run at once: an EXPIRE_RUN_NOW
	// deadline of now (7.88) or the dirty flag (8.16 on).
	RunNow model.RunNow
	// Compare orders a transfer's timer list; Purge decides which of its
	// entries a pop discards as due (curl's ms difference up to 8.3).
	Compare, Purge model.Resolution
	// EarlyKey allows an index key earlier than the list head: a later
	// re-arm of the head leaves the key early and the transfer wakes once
	// for nothing (SPEC §0, 7.88 to 8.21).
	EarlyKey bool
	// StaleNode allows a node to stay at its old key when its head or last
	// entry is cleared (curl up to 8.21, SPEC §9 bug 11, fixed in 8.22).
	StaleNode bool
	// ForgetOnAdd allows the first announcement after add_handle to repeat
	// the last one (7.88 forgets the last key there, SPEC §0).
	ForgetOnAdd bool
	// ForgetOnAction allows the first announcement after a timeout action
	// to repeat the last one: the application's timer may have fired early
	// and must be re-armed (SPEC §5, the fix of bug 7).
	ForgetOnAction bool
	// MsTimeLeft says the time-left check (Curl_timeleft) measures the
	// elapsed time with curl's ms difference on split (s, µs) fields,
	// which reads a gap as the ceiling of its ms when the µs field wraps
	// (SPEC §1, unit test 1323). A transfer may then time out up to 1 ms
	// before its limit, on any path, whenever a run happens in that last
	// millisecond: a socket event, another timer, or 7.88's perform loop,
	// which wakes up to 1 ms early. Only an early end that this reading
	// explains is allowed.
	MsTimeLeft bool
	// PendingExempt exempts transfers that waited in PENDING from their
	// limits: 7.88 never times a pending transfer out (it runs it with no
	// time-left check). PendingExemptSocket does so on the socket_action
	// path only: curl 8 times pending transfers out in multi_perform's
	// purge alone, so an event-driven application's pending transfer waits
	// for a slot whatever its limit.
	PendingExempt, PendingExemptSocket bool
}

// SpecOf returns the promises of p's release: the knobs of the bug-free
// profile of the same name (p's own knobs when that name is unknown, as
// for a variant of one's own).
func SpecOf(p model.Profile) Spec {
	base := p
	if p.Bug != model.BugNone {
		name, _, _ := strings.Cut(p.Name, "+")
		if b, err := model.ByName(name); err == nil {
			base = b
		}
	}
	name, _, _ := strings.Cut(base.Name, "+")
	s := Spec{
		Profile:             name,
		Rounding:            base.Rounding,
		RunNow:              base.RunNow,
		Compare:             base.Compare,
		Purge:               base.Purge,
		EarlyKey:            base.Rearm == model.RearmKeepEarly,
		StaleNode:           !base.ClearFixesIndex,
		ForgetOnAdd:         base.AddForgetsLast,
		ForgetOnAction:      base.ActionForgetsLast,
		PendingExempt:       !base.Transfer.PendingParked,
		PendingExemptSocket: base.Transfer.PendingParked,
		MsTimeLeft:          true, // every release up to 8.21 (lib/multi.c, Curl_timeleft)
	}
	return s
}
