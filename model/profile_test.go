package model

import (
	"strings"
	"testing"
)

// TestProfileStringListsKnobs: a profile prints its name and every knob.
func TestProfileStringListsKnobs(t *testing.T) {
	for _, p := range Profiles() {
		s := p.String()
		for _, k := range []string{"rounding=", "dedup=", "add-forgets-last=", "action-forgets-last=",
			"call-on-empty=", "run-now=", "rearm=", "compare=", "purge=", "second-pass=",
			"clear-fixes-index=", "reinsert-after-pop=", "clear-after-done=", "purge-at=", "best=",
			"zero-clears-all=", "timers=", "easy-poll-cap-ms=1000", "happy-eyeballs-ms=200", "bug=none"} {
			if !strings.Contains(s, k) {
				t.Errorf("%s: String() lacks %q: %s", p.Name, k, s)
			}
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
	if got := Curl788().String(); !strings.HasPrefix(got, "curl-7.88{rounding=trunc-min1 dedup=key") {
		t.Errorf("curl-7.88 = %s", got)
	}
}

// TestProfileTimers: both profiles know every timer ID SPEC §3 lists.
func TestProfileTimers(t *testing.T) {
	current := []string{"100_TIMEOUT", "ASYNC_NAME", "CONNECTTIMEOUT", "HAPPY_EYEBALLS", "MULTI_PENDING",
		"SPEEDCHECK", "TIMEOUT", "TOOFAST", "QUIC", "FTP_ACCEPT", "ALPN_EYEBALLS"}
	for _, c := range []struct {
		p    Profile
		also []string
		not  string
	}{
		{Curl788(), []string{"DNS_PER_NAME", "DNS_PER_NAME2", "HAPPY_EYEBALLS_DNS", "RUN_NOW"}, "SHUTDOWN"},
		{Curl8(), []string{"SHUTDOWN"}, "RUN_NOW"},
	} {
		for _, name := range append(current, c.also...) {
			id, err := ParseTimerID(name)
			if err != nil || !c.p.Timers.Has(id) {
				t.Errorf("%s lacks %s (%v)", c.p.Name, name, err)
			}
		}
		if id, _ := ParseTimerID(c.not); c.p.Timers.Has(id) {
			t.Errorf("%s has %s", c.p.Name, c.not)
		}
	}
}

// TestBugSwitches: every bug parses, changes a knob on curl-8 (except the
// ones curl-8 cannot show) and names itself.
func TestBugSwitches(t *testing.T) {
	if len(Bugs()) < 9 {
		t.Fatalf("only %d bugs", len(Bugs()))
	}
	for _, b := range Bugs() {
		p, err := ByName("curl-8+" + b.String())
		if err != nil {
			t.Fatalf("%v: %v", b, err)
		}
		if p.Bug != b || !strings.HasSuffix(p.Name, "+"+b.String()) {
			t.Errorf("%v: got %s", b, p.Name)
		}
		base := Curl8()
		base.Name, base.Bug = p.Name, p.Bug
		if base == p {
			t.Errorf("%v changes no knob of curl-8", b)
		}
		if _, err := p.WithBug(b); err == nil {
			t.Errorf("%v: a second bug was accepted", b)
		}
	}
	for _, bad := range []string{"curl-9", "curl-8+bug99", "curl-8+bugx", "curl-8+bug0"} {
		if _, err := ByName(bad); err == nil || !strings.HasPrefix(err.Error(), "model: ") {
			t.Errorf("ByName(%q) = %v", bad, err)
		}
	}
}

func TestCodeNames(t *testing.T) {
	for r, want := range map[Result]string{OK: "OK", 1: "UNSUPPORTED_PROTOCOL", 6: "COULDNT_RESOLVE_HOST",
		7: "COULDNT_CONNECT", 23: "WRITE_ERROR", 28: "OPERATION_TIMEDOUT", 42: "ABORTED_BY_CALLBACK",
		52: "GOT_NOTHING", 55: "SEND_ERROR", 56: "RECV_ERROR", Stopped: "STOPPED", 99: "RESULT(99)"} {
		if r.String() != want {
			t.Errorf("Result(%d) = %s, want %s", int(r), r, want)
		}
		if r != 99 {
			if back, err := ParseResult(want); err != nil || back != r {
				t.Errorf("ParseResult(%s) = %v, %v", want, back, err)
			}
		}
	}
	for c, want := range map[MCode]string{-1: "CALL_MULTI_PERFORM", 0: "OK", 7: "ADDED_ALREADY",
		8: "RECURSIVE_API_CALL", 10: "BAD_FUNCTION_ARGUMENT", 11: "ABORTED_BY_CALLBACK", 12: "UNRECOVERABLE_POLL"} {
		if c.String() != want {
			t.Errorf("MCode(%d) = %s, want %s", int(c), c, want)
		}
	}
}
