package model

import (
	"errors"
	"fmt"
	"strings"
)

// The stop proposal (SPEC §6) leaves five questions open. Each is a knob
// of StopVariant; the zero value of every knob is the proposal's plain
// reading, so the zero StopVariant is the preset "proposal".

// StopIdle is what EasyStop does to a handle with no transfer: one in no
// multi, between performs.
type StopIdle uint8

// The idle answers.
const (
	// IdleReject returns STOP_NOT_RUNNING and records nothing.
	IdleReject StopIdle = iota
	// IdleLatch records the request for the handle's next perform, whose
	// first run ends it with STOPPED; it reaches that perform only. A stop
	// that loses a race with completion (the perform already returned)
	// therefore stops the next perform: the variant's cost.
	IdleLatch
	numStopIdle
)

// StopRace is who wins when the stop and the transfer's own end meet.
type StopRace uint8

// The race answers.
const (
	// RaceCompletionWins keeps a result the transfer already has: a stop
	// requested after the result was fixed (in the run that fixed it, or
	// with the DONE message queued) changes nothing.
	RaceCompletionWins StopRace = iota
	// RaceStopWins is a non-default, lossy variant: a stop requested before
	// the application has the result replaces it with STOPPED, in the run
	// that fixed it or in the queued DONE message. The real result is lost.
	RaceStopWins
	numStopRace
)

// StopInCallback is when a stop requested from inside a callback on the
// performing thread takes effect.
type StopInCallback uint8

// The in-callback answers.
const (
	// InCallbackNextCheck: the run goes on; the token makes the next poll
	// return at once and the next run's top check ends the transfer.
	InCallbackNextCheck StopInCallback = iota
	// InCallbackAfterReturn: a Transfer also checks (under the lock) after
	// each xferinfo and write callback returns and, while it has no result
	// yet, ends at once with STOPPED, as a callback abort would.
	InCallbackAfterReturn
	numStopInCallback
)

// StopRepeat is what a stop does when one is already pending for the same
// transfer.
type StopRepeat uint8

// The repeat answers.
const (
	// RepeatOK returns STOP_OK and writes the token again (it coalesces).
	RepeatOK StopRepeat = iota
	// RepeatAlready returns STOP_ALREADY and does nothing.
	RepeatAlready
	numStopRepeat
)

// StopInMulti is how a stop reaches the multi that drives the transfer
// (easy_perform's private multi or an application's own).
type StopInMulti uint8

// The in-multi answers.
const (
	// InMultiWakePoll writes one token to the multi's wakeup pair (what
	// multi_poll watches: the proposal's socketpair); the loop's next
	// Perform runs the transfer, which ends with STOPPED, delivered by
	// InfoRead. A socket_action application does not watch the pair: there
	// the stop waits for the transfer's next run (a socket event or timer).
	InMultiWakePoll StopInMulti = iota
	// InMultiNoWake is an ablation, not a proposal: the request is only
	// recorded and waits for the transfer's next run, as a flag checked in
	// a callback would. It shows what the wake-up buys.
	InMultiNoWake
	numStopInMulti
)

// StopVariant answers the proposal's open questions. The zero value is
// the preset "proposal".
type StopVariant struct {
	Idle       StopIdle
	Race       StopRace
	InCallback StopInCallback
	Repeat     StopRepeat
	InMulti    StopInMulti
}

var (
	stopIdleNames       = [numStopIdle]string{"reject", "latch"}
	stopRaceNames       = [numStopRace]string{"completion-wins", "stop-wins"}
	stopInCallbackNames = [numStopInCallback]string{"at-next-check", "after-callback-returns"}
	stopRepeatNames     = [numStopRepeat]string{"ok", "already"}
	stopInMultiNames    = [numStopInMulti]string{"wake-poll", "no-wake"}
)

// String is the value's name in variant strings.
func (x StopIdle) String() string { return enumName(stopIdleNames[:], uint8(x)) }

// String is the value's name in variant strings.
func (x StopRace) String() string { return enumName(stopRaceNames[:], uint8(x)) }

// String is the value's name in variant strings.
func (x StopInCallback) String() string { return enumName(stopInCallbackNames[:], uint8(x)) }

// String is the value's name in variant strings.
func (x StopRepeat) String() string { return enumName(stopRepeatNames[:], uint8(x)) }

// String is the value's name in variant strings.
func (x StopInMulti) String() string { return enumName(stopInMultiNames[:], uint8(x)) }

// knob is one StopVariant field for String and ParseStopVariant.
type knob struct {
	name   string
	values []string
	get    func(*StopVariant) *uint8
}

var stopKnobs = []knob{
	{"idle", stopIdleNames[:], func(v *StopVariant) *uint8 { return (*uint8)(&v.Idle) }},
	{"race", stopRaceNames[:], func(v *StopVariant) *uint8 { return (*uint8)(&v.Race) }},
	{"in-callback", stopInCallbackNames[:], func(v *StopVariant) *uint8 { return (*uint8)(&v.InCallback) }},
	{"repeat", stopRepeatNames[:], func(v *StopVariant) *uint8 { return (*uint8)(&v.Repeat) }},
	{"in-multi", stopInMultiNames[:], func(v *StopVariant) *uint8 { return (*uint8)(&v.InMulti) }},
}

// stopPresets are the named variants, the proposal first.
var stopPresets = []struct {
	name string
	v    StopVariant
}{
	{"proposal", StopVariant{}},
	{"latch", StopVariant{Idle: IdleLatch}},
	{"after-callback", StopVariant{InCallback: InCallbackAfterReturn}},
	{"already", StopVariant{Repeat: RepeatAlready}},
	{"stop-wins", StopVariant{Race: RaceStopWins}},
	{"no-wake", StopVariant{InMulti: InMultiNoWake}},
}

// StopPresets lists the preset names ParseStopVariant knows: proposal (the
// zero variant), latch, after-callback, already, stop-wins (lossy) and
// no-wake (an ablation). Each changes one knob of proposal.
func StopPresets() []string {
	names := make([]string, len(stopPresets))
	for i, p := range stopPresets {
		names[i] = p.name
	}
	return names
}

// String lists every knob as idle=reject,race=completion-wins,... in a
// form ParseStopVariant reads back.
func (v StopVariant) String() string {
	parts := make([]string, len(stopKnobs))
	for i, k := range stopKnobs {
		parts[i] = k.name + "=" + enumName(k.values, *k.get(&v))
	}
	return strings.Join(parts, ",")
}

// Name is the preset's name when v is one, else String.
func (v StopVariant) Name() string {
	for _, p := range stopPresets {
		if p.v == v {
			return p.name
		}
	}
	return v.String()
}

// ParseStopVariant reads a preset name, knob=value pairs, or a preset
// followed by pairs that change it, separated by commas:
// "latch", "idle=latch,repeat=already", "latch,race=stop-wins". Pairs
// alone start from proposal; "" is proposal.
func ParseStopVariant(s string) (StopVariant, error) {
	var v StopVariant
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" && s == "" {
			break
		}
		if err := v.apply(part, i == 0); err != nil {
			return StopVariant{}, fmt.Errorf("model: stop variant %q: %w", s, err)
		}
	}
	return v, nil
}

// apply sets one knob=value pair, or the preset (only first).
func (v *StopVariant) apply(part string, first bool) error {
	name, val, isPair := strings.Cut(part, "=")
	if !isPair {
		if !first {
			return fmt.Errorf("%q is not knob=value (a preset comes first)", part)
		}
		return v.preset(part)
	}
	for _, k := range stopKnobs {
		if k.name != name {
			continue
		}
		for j, n := range k.values {
			if n == val {
				*k.get(v) = uint8(j)
				return nil
			}
		}
		return fmt.Errorf("knob %s has no value %q (want %s)", name, val, strings.Join(k.values, " or "))
	}
	return fmt.Errorf("unknown knob %q", name)
}

func (v *StopVariant) preset(name string) error {
	for _, p := range stopPresets {
		if p.name == name {
			*v = p.v
			return nil
		}
	}
	return fmt.Errorf("unknown preset %q (want one of %s)", name, strings.Join(StopPresets(), ", "))
}

// validate rejects knob values out of range.
func (v StopVariant) validate() error {
	for _, k := range stopKnobs {
		if int(*k.get(&v)) >= len(k.values) {
			return errors.New("model: stop variant knob " + k.name + " out of range")
		}
	}
	return nil
}
