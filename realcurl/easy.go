//go:build libcurl

package realcurl

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/scenario"
)

// startEasy starts one thread per transfer; those starting at once get
// their IDs now, in scenario order, the others when they start.
func (r *run) startEasy() {
	for _, i := range startOrder(r.s) {
		x := r.xfers[i]
		a := &app{r: r}
		if x.start <= 0 {
			r.mu.Lock()
			a.tid = r.spawnLocked(fmt.Sprintf("easy-%d", x.id))
			r.mu.Unlock()
		}
		r.threads.Go(func() { a.runEasy(x) })
	}
}

// startOrder is the transfers' indexes by start time, stably.
func startOrder(s *scenario.Scenario) []int {
	order := make([]int, len(s.Transfers))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmpDur(s.Transfers[a].Start, s.Transfers[b].Start)
	})
	return order
}

func cmpDur(a, b time.Duration) int { return cmpTime(sim.Time(a), sim.Time(b)) }

// runEasy is one curl_easy_perform. libcurl's own add, poll and perform
// loop, info_read and remove happen inside it; the trace shows the add at
// the call and the rest at its return.
func (a *app) runEasy(x *xfer) {
	r := a.r
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if x.start > 0 {
		if !r.sleepUntil(x.start) {
			return
		}
		r.mu.Lock()
		a.tid = r.spawnLocked(fmt.Sprintf("easy-%d", x.id))
		r.mu.Unlock()
	}
	tid := syscall.Gettid()
	csw := voluntarySwitches(tid)
	r.mu.Lock()
	a.ostid, a.csw0 = tid, csw
	r.mu.Unlock()
	a.attach(x)
	r.emit(sim.LevelAPI, a.tid, x.id, "return", sim.F("fn", "add"), sim.F("code", model.MOK.String()))
	res := model.Result(x.e.perform())
	r.mu.Lock()
	a.csw, a.performed = voluntarySwitches(tid)-csw, true
	r.counters.PollWakeups += int(a.csw)
	r.mu.Unlock()
	r.delivered(a, x, res, 0)
	r.emit(sim.LevelAPI, a.tid, x.id, "call", sim.F("fn", "remove"))
	r.emit(sim.LevelAPI, a.tid, x.id, "return", sim.F("fn", "remove"), sim.F("code", model.MOK.String()))
	r.exit(a.tid)
}

// voluntarySwitches reads an OS thread's voluntary context switches: each
// is one blocking wait that slept.
func voluntarySwitches(tid int) int64 {
	b, err := os.ReadFile("/proc/self/task/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "voluntary_ctxt_switches:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}
