package model_test

import (
	"testing"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/expirylab/expiry/model"
)

// TestMockClockDrivesModel shows that *clock.Mock from
// github.com/benbjohnson/clock is a model.Clock: advanced step by step, it
// moves the exposed timeout, truncated to whole microseconds, and fires the
// transfer's deadline. clock.Mock sleeps briefly on every Add, so this test
// takes a few steps only.
func TestMockClockDrivesModel(t *testing.T) {
	mock := clock.NewMock()
	mock.Set(time.Unix(100, 0))
	m, err := model.NewMulti(model.Config{Clock: mock, Profile: model.Curl8()})
	if err != nil {
		t.Fatal(err)
	}
	var announced []int64
	m.SetTimerFunc(func(_ *model.Multi, ms int64) int { announced = append(announced, ms); return 0 })
	s, err := model.ParseScript("0s expire TIMEOUT 50\n50ms finish OPERATION_TIMEDOUT")
	if err != nil {
		t.Fatal(err)
	}
	e := model.NewEasy(1, s)
	if code := m.Add(e); code != model.MOK {
		t.Fatalf("Add: %v", code)
	}
	m.SocketAction(model.SocketTimeout, 0)
	for step, want := range []int64{40, 30, 20, 10} {
		mock.Add(10 * time.Millisecond)
		if got, _ := m.Timeout(); got != want {
			t.Fatalf("step %d at %v: Timeout() = %d, want %d", step, mock.Now(), got, want)
		}
	}
	mock.Add(9*time.Millisecond + 999*time.Microsecond + 999*time.Nanosecond)
	if got := e.Now(); got != model.Micros(100*1000000+49999) {
		t.Fatalf("Now() = %d: not truncated to the microsecond", got)
	}
	if got, _ := m.Timeout(); got != 1 {
		t.Fatalf("1 us before the deadline: Timeout() = %d, want 1", got)
	}
	mock.Add(time.Nanosecond)
	if got, _ := m.Timeout(); got != 0 {
		t.Fatalf("at the deadline: Timeout() = %d, want 0", got)
	}
	m.SocketAction(model.SocketTimeout, 0)
	msg, _, ok := m.InfoRead()
	if !ok || msg.Easy != e || msg.Result != model.OperationTimedout {
		t.Fatalf("InfoRead = %+v, %v", msg, ok)
	}
	if want := []int64{0, 50, -1}; len(announced) != len(want) || announced[0] != 0 || announced[1] != 50 || announced[2] != -1 {
		t.Fatalf("timer callback heard %v, want %v", announced, want)
	}
}
