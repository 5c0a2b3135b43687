package reports

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTimelineOf(t *testing.T) {
	run := Run{Scenario: "three", Profile: "curl-8", Driver: "easy", Seed: 4, Params: map[string]string{"k": "v"}}
	got := TimelineOf(run, goldenTrace(t))
	want := Timeline{
		Scenario: "three", Profile: "curl-8", Driver: "easy", Seed: 4, Params: map[string]string{"k": "v"}, EndUs: 1400500,
		Lanes: []Lane{
			{Transfer: 1, Result: "OPERATION_TIMEDOUT",
				States: []Span{{"CONNECT", 0, 1050}, {"CONNECTING", 1050, 3100}, {"PERFORMING", 3100, 1400500}, {"MSGSENT", 1400500, 1400500}},
				Timers: []Timer{
					{ID: "TIMEOUT", ArmedUs: 0, DeadlineUs: 1300000, EndUs: 1300000},       // replaced as it came due
					{ID: "HAPPY_EYEBALLS", ArmedUs: 1050, DeadlineUs: 201050, EndUs: 3100}, // cleared
					{ID: "TIMEOUT", ArmedUs: 1300000, DeadlineUs: 1400000, EndUs: 1400000}, // popped
				},
				FiredUs: []int64{1400000}},
			{Transfer: 2, Result: "STOPPED",
				States:  []Span{{"CONNECT", 0, 200050}, {"COMPLETED", 200050, 200050}, {"MSGSENT", 200050, 200050}},
				Timers:  []Timer{{ID: "TIMEOUT", ArmedUs: 0, DeadlineUs: 500000, EndUs: 200050}}, // clearall
				StopsUs: []int64{200000}},
			{Transfer: 3, Result: "OPERATION_TIMEDOUT",
				States:  []Span{{"CONNECT", 100000, 1400500}}, // never left CONNECT: open to the end
				Timers:  []Timer{{ID: "TIMEOUT", ArmedUs: 100000, DeadlineUs: 1000000, EndUs: 1000000}},
				FiredUs: []int64{1000000}},
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("TimelineOf (-want +got):\n%s", d)
	}
}

func TestTimelineLaneLimit(t *testing.T) {
	var lines []string
	for x := MaxLanes + 3; x >= 1; x-- { // in reverse: lanes come out by transfer number
		lines = append(lines, fmt.Sprintf("%d internal t1 x%d state from=INIT to=CONNECT", 100-x, x))
	}
	tl := TimelineOf(Run{}, parseTrace(t, strings.Join(lines, "\n")))
	if len(tl.Lanes) != MaxLanes || tl.Omitted != 3 {
		t.Fatalf("%d lanes, %d omitted; want %d and 3", len(tl.Lanes), tl.Omitted, MaxLanes)
	}
	for i, ln := range tl.Lanes {
		if ln.Transfer != int64(i+1) {
			t.Errorf("lane %d is transfer %d, want %d", i, ln.Transfer, i+1)
		}
	}
}
