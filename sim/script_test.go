package sim

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
)

// TestScripts runs the datadriven scripts in testdata/: each builds a
// kernel, spawns threads from one-operation-per-line scripts and prints
// the trace of each run. Regenerate the expected output with -rewrite.
//
//	new [seed=N] [races] [livelock=N]
//	                       host lines in the input: latency <dist>,
//	                       cpu <dist>, fire <end|uniform|start>, quiet
//	thread name=X [niced]  input: sleep <d> | wait <d|forever> [src...] |
//	                       lock <m> | unlock <m> | signal <src> | busy <d> |
//	                       spin (poll(0) forever)
//	run [until=<d>]        prints the outcome and the new trace lines
func TestScripts(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		s := &script{}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			out, err := s.do(d)
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			return out
		})
	})
}

type script struct {
	k       *Kernel
	rec     *Recorder
	printed int
	mutexes map[string]*Mutex
	sources map[string]*WakeSource
}

func (s *script) do(d *datadriven.TestData) (string, error) {
	switch d.Cmd {
	case "new":
		return "", s.newKernel(d)
	case "thread":
		return s.thread(d)
	case "run":
		return s.run(d)
	}
	return "", fmt.Errorf("unknown command %q", d.Cmd)
}

func (s *script) newKernel(d *datadriven.TestData) error {
	cfg := Config{Races: d.HasArg("races")}
	host := DefaultHost()
	cfg.Host = &host
	if arg, ok := argVal(d, "seed"); ok {
		seed, err := strconv.ParseUint(arg, 10, 64)
		if err != nil {
			return err
		}
		cfg.Seed = seed
	}
	if arg, ok := argVal(d, "livelock"); ok {
		n, err := strconv.Atoi(arg)
		if err != nil {
			return err
		}
		cfg.LivelockWakes = n
	}
	for _, line := range lines(d.Input) {
		if err := setHost(&host, line); err != nil {
			return err
		}
	}
	s.rec = NewRecorder(AllLevels, true)
	cfg.Trace = s.rec
	k, err := New(cfg)
	s.k, s.printed = k, 0
	s.mutexes, s.sources = map[string]*Mutex{}, map[string]*WakeSource{}
	return err
}

// argVal returns the single value of the command argument key.
func argVal(d *datadriven.TestData, key string) (string, bool) {
	arg, ok := d.Arg(key)
	if !ok || len(arg.Vals) != 1 {
		return "", false
	}
	return arg.Vals[0], true
}

func setHost(h *Host, line []string) error {
	var err error
	switch line[0] {
	case "quiet":
		*h = Host{}
	case "latency":
		h.WakeLatency, err = ParseDist(strings.Join(line[1:], " "))
	case "cpu":
		h.StepCPU, err = ParseDist(strings.Join(line[1:], " "))
	case "fire":
		h.Fire, err = ParseSlackFire(line[1])
	default:
		err = fmt.Errorf("unknown host setting %q", line[0])
	}
	return err
}

func lines(input string) [][]string {
	var out [][]string
	for _, l := range strings.Split(input, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			out = append(out, f)
		}
	}
	return out
}

func (s *script) thread(d *datadriven.TestData) (string, error) {
	name, ok := argVal(d, "name")
	if !ok || s.k == nil {
		return "", fmt.Errorf("thread needs name= and a kernel")
	}
	ops, niced := lines(d.Input), d.HasArg("niced") // d is reused by later commands
	var errs []string
	s.k.Spawn(name, func(t *Thread) {
		t.SetNiced(niced)
		var step func(i int)
		step = func(i int) {
			for ; i < len(ops); i++ {
				blocked, err := s.op(t, ops[i], func() { step(i + 1) })
				if err != nil {
					errs = append(errs, err.Error())
				}
				if blocked {
					return
				}
			}
		}
		step(0)
	})
	return strings.Join(errs, "\n"), nil
}

// op runs one script line; it reports whether the line blocked the thread
// (with next as the continuation).
func (s *script) op(t *Thread, op []string, next func()) (bool, error) {
	arg := func(i int) string {
		if i < len(op) {
			return op[i]
		}
		return ""
	}
	switch op[0] {
	case "sleep", "busy":
		d, err := time.ParseDuration(arg(1))
		if err != nil {
			return false, err
		}
		if op[0] == "busy" {
			return true, t.Busy(d, next)
		}
		return true, t.Sleep(d, next)
	case "wait":
		d := Forever
		if arg(1) != "forever" {
			var err error
			if d, err = time.ParseDuration(arg(1)); err != nil {
				return false, err
			}
		}
		var srcs []*WakeSource
		for _, name := range op[2:] {
			srcs = append(srcs, s.source(name))
		}
		return true, t.Wait(d, func(*WakeSource) { next() }, srcs...)
	case "lock":
		return true, t.Lock(s.mutex(arg(1)), next)
	case "unlock":
		return false, t.Unlock(s.mutex(arg(1)))
	case "signal":
		s.source(arg(1)).Signal()
		return false, nil
	case "spin": // poll(0) forever
		var loop func(*WakeSource)
		loop = func(*WakeSource) { t.Wait(0, loop) }
		return true, t.Wait(0, loop)
	}
	return false, fmt.Errorf("unknown operation %q", op[0])
}

func (s *script) mutex(name string) *Mutex {
	if s.mutexes[name] == nil {
		s.mutexes[name] = s.k.NewMutex(name)
	}
	return s.mutexes[name]
}

func (s *script) source(name string) *WakeSource {
	if s.sources[name] == nil {
		s.sources[name] = s.k.NewWakeSource(name)
	}
	return s.sources[name]
}

func (s *script) run(d *datadriven.TestData) (string, error) {
	var out Outcome
	if arg, ok := argVal(d, "until"); ok {
		until, err := time.ParseDuration(arg)
		if err != nil {
			return "", err
		}
		out = s.k.RunUntil(Time(until))
	} else {
		out = s.k.Run()
	}
	var b strings.Builder
	for _, r := range s.rec.Records()[s.printed:] {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	s.printed = s.rec.Len()
	fmt.Fprintf(&b, "=> %v at %v: %d events, %d pending, %d blocked\n", out.Reason, out.Now, out.Events, out.Pending, out.Blocked)
	if out.Violation != nil {
		fmt.Fprintf(&b, "=> %v\n", out.Violation)
	}
	return b.String(), nil
}
