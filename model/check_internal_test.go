package model

import (
	"strings"
	"testing"
	"time"
)

// fixedClock is a clock that stays where it is put.
type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

// checkedMulti is a curl-8 multi with two added scripted transfers, each
// with a TIMEOUT and a CONNECTTIMEOUT deadline, which Check accepts.
func checkedMulti(t *testing.T) (*Multi, []*Easy) {
	t.Helper()
	m, err := NewMulti(Config{Clock: &fixedClock{time.Unix(1000, 0)}, Profile: Curl8()})
	if err != nil {
		t.Fatal(err)
	}
	var es []*Easy
	for id := 1; id <= 2; id++ {
		e := NewEasy(id, nil)
		if code := m.Add(e); code != MOK {
			t.Fatal(code)
		}
		for _, d := range []struct {
			id TimerID
			ms int64
		}{{TimerTimeout, 500 * int64(id)}, {TimerConnectTimeout, 300}} {
			if err := e.Expire(d.id, d.ms); err != nil {
				t.Fatal(err)
			}
		}
		es = append(es, e)
	}
	if err := m.Check(); err != nil {
		t.Fatalf("a sound multi: %v", err)
	}
	return m, es
}

// TestCheckFindsCorruption: Check, the invariant check the property suites
// and rapid tests lean on, names each kind of corruption. (A sound model
// never shows them; here they are made by hand.)
func TestCheckFindsCorruption(t *testing.T) {
	for _, tc := range []struct {
		name    string
		corrupt func(m *Multi, es []*Easy)
		want    string
	}{
		{"dirty count", func(m *Multi, _ []*Easy) { m.ndirty++ }, "dirty transfers"},
		{"running count", func(m *Multi, _ []*Easy) { m.alive++ }, "running transfers"},
		{"timer list order", func(_ *Multi, es []*Easy) {
			l := &es[0].timers
			l.at[l.next[l.head]] = l.at[l.head] - 1
		}, "out of order"},
		{"timer list loop", func(_ *Multi, es []*Easy) {
			l := &es[0].timers
			l.next[l.head] = l.head
		}, "loops"},
		{"indexed without deadlines", func(_ *Multi, es []*Easy) { es[1].timers.reset() }, "no deadline pending"},
		{"not indexed with deadlines", func(m *Multi, es []*Easy) {
			m.index.remove(es[0])
			es[0].indexed = nil
		}, "not in the index"},
		{"index flag", func(_ *Multi, es []*Easy) { es[0].indexed = nil }, "index says"},
		{"stop on a handle that cannot stop", func(_ *Multi, es []*Easy) {
			es[0].stop.req, es[0].stop.reqGen = true, es[0].stop.gen
		}, "not stoppable"},
		{"dirty when completed", func(_ *Multi, es []*Easy) {
			es[1].state = StateCompleted
			es[1].dirty = true
		}, "dirty in state"},
	} {
		m, es := checkedMulti(t)
		tc.corrupt(m, es)
		err := m.Check()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Check() = %v, want an error about %q", tc.name, err, tc.want)
		}
	}
}

// TestCodeNamesOutOfRange: names of codes inside and outside their tables, and
// parsing by number.
func TestCodeNamesOutOfRange(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{MCallMultiPerform.String(), "CALL_MULTI_PERFORM"},
		{MOK.String(), "OK"},
		{MCode(-2).String(), "MCODE(-2)"},
		{MCode(len(mcodeNames) - 1).String(), "MCODE(" + itoa(len(mcodeNames)-1) + ")"},
		{MCode(len(mcodeNames) - 2).String(), mcodeNames[len(mcodeNames)-1]},
		{PollRemove.String(), "REMOVE"},
		{PollAction(len(pollNames)).String(), "POLL(" + itoa(len(pollNames)) + ")"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for s, want := range map[string]Result{"28": OperationTimedout, "OPERATION_TIMEDOUT": OperationTimedout, "curle_ok": OK} {
		if r, err := ParseResult(s); err != nil || r != want {
			t.Errorf("ParseResult(%q) = %v, %v; want %v", s, r, err, want)
		}
	}
	for _, s := range []string{"028", "+28", "28x", "x", ""} {
		if r, err := ParseResult(s); err == nil {
			t.Errorf("ParseResult(%q) = %v, want an error", s, r)
		}
	}
}

// TestParseBugBounds: bug numbers outside 1..14 are refused, not looked up.
func TestParseBugBounds(t *testing.T) {
	for _, s := range []string{"0", "bug0", "-1", "bug15", itoa(int(numBugs)), itoa(int(numBugs) + 1)} {
		if b, err := ParseBug(s); err == nil {
			t.Errorf("ParseBug(%q) = %v, want an error", s, b)
		}
	}
	if b, err := ParseBug("bug14"); err != nil || b != Bug14UnpauseNoTimer {
		t.Errorf("ParseBug(bug14) = %v, %v", b, err)
	}
	if (Bug(numBugs)).Facts() != (BugFacts{}) || BugNone.Facts() != (BugFacts{}) {
		t.Error("facts for an unknown bug")
	}
}
