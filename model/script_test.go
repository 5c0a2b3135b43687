package model_test

import (
	"testing"
	"time"

	"github.com/expirylab/expiry/model"
)

// TestScriptRoundTrip: a script prints in its text form and parses back to
// the same steps, so a failing scenario can be written out and replayed.
func TestScriptRoundTrip(t *testing.T) {
	const text = `timeout 5000
connecttimeout 1000
0s expire TIMEOUT 5000
0s socket 7 out
250us busy 300us
10ms connected
10ms socket 7 in
1s clear SPEEDCHECK
1s runnow
5s finish OPERATION_TIMEDOUT
ondone expire SPEEDCHECK 1000
`
	s, err := model.ParseScript(text)
	if err != nil {
		t.Fatal(err)
	}
	back, err := model.ParseScript(s.String())
	if err != nil {
		t.Fatalf("%v in\n%s", err, s)
	}
	if s.String() != back.String() || len(back.Steps) != 8 || len(back.OnDone) != 1 ||
		back.Limits != (model.Limits{TimeoutMs: 5000, ConnectTimeoutMs: 1000}) {
		t.Fatalf("round trip changed the script:\n%s\nvs\n%s", s, back)
	}
	if err := s.Validate(model.Curl788()); err != nil {
		t.Errorf("curl-7.88: %v", err)
	}
}

// TestNilBehavior: a transfer without a behaviour is an empty script, not a
// crash.
func TestNilBehavior(t *testing.T) {
	m, err := model.NewMulti(model.Config{Clock: nilClock{}, Profile: model.Curl8()})
	if err != nil {
		t.Fatal(err)
	}
	e := model.NewEasy(1, nil)
	m.Add(e)
	m.Perform()
	if code := m.Remove(e); code != model.MOK {
		t.Fatal(code)
	}
	if _, err := model.NewMulti(model.Config{Profile: model.Curl8()}); err == nil {
		t.Error("NewMulti without a clock succeeded")
	}
	if _, err := model.NewMulti(model.Config{Clock: nilClock{}}); err == nil {
		t.Error("NewMulti without a profile succeeded")
	}
}

type nilClock struct{}

func (nilClock) Now() time.Time { return time.Unix(5, 0) }
