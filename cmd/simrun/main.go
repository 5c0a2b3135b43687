// Command simrun runs expiry's simulations: the built-in catalogue or
// scenario files, over many seeds on all cores, and writes a report.
//
//	simrun [run] [flags] [file.toml ...]  # the catalogue (or the files), report in simrun-report/
//	simrun check [flags] [file.toml ...]  # the same, judged by the property checkers; exit 1 on a violation
//	simrun replay [flags] NAME|FILE       # one run's canonical trace
//	simrun trace -format json|chrome NAME|FILE  # the same as JSON lines or a Perfetto trace
//	simrun report -in results.json        # rebuild a report from saved results
//	simrun compare -baseline base.json    # run, then compare with a baseline; exit 1 on a regression
//	simrun list                           # the catalogue
//	simrun list -bugs [-search]           # the historical-bug catalogue (and live searches)
//	simrun fidelity [flags] [file.toml ...]  # the fidelity set on the simulator and on libcurl (-tags libcurl)
//	simrun calibrate [-runs N]            # measure this machine's host model on libcurl (-tags libcurl)
//
// Exit codes: 0 fine, 1 a violation, an unexpected result or a
// regression, 2 bad usage or input, 130 interrupted (the previous report
// is left as it was: reports are written to temporary files and renamed).
//
// simrun is flags and wiring only: runs are sim/scenario's, scenario files
// and the catalogue sim/scenario/spec's, verdicts properties', reports and
// comparisons reports'.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// exit codes
const (
	exitOK          = 0
	exitFinding     = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// commands maps each subcommand to its implementation.
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"run":       func(a []string, o, e io.Writer) int { return sweepCmd("run", a, o, e) },
	"check":     func(a []string, o, e io.Writer) int { return sweepCmd("check", a, o, e) },
	"compare":   func(a []string, o, e io.Writer) int { return sweepCmd("compare", a, o, e) },
	"replay":    func(a []string, o, e io.Writer) int { return traceCmd("replay", a, o, e) },
	"trace":     func(a []string, o, e io.Writer) int { return traceCmd("trace", a, o, e) },
	"report":    reportCmd,
	"list":      listCmd,
	"fidelity":  fidelityCmd,
	"calibrate": calibrateCmd,
}

// run is main without the process: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	name := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") && !strings.HasSuffix(args[0], ".toml") {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		fmt.Fprintln(stdout, usage)
		return exitOK
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "simrun: unknown command %q\n%s\n", name, usage)
		return exitUsage
	}
	return cmd(args, stdout, stderr)
}

const usage = `usage: simrun [run|check|replay|trace|report|compare|list|fidelity|calibrate|help] [flags] [args]
  run      run the catalogue (or scenario files) over their seeds; write a report
  check    the same, with the property checkers; exit 1 on a violation
  replay   print one run's canonical trace
  trace    print one run's trace as JSON lines (-format json) or a Perfetto trace (-format chrome)
  report   rebuild a report from saved results (-in results.json)
  compare  run, then compare with a baseline (-baseline file); exit 1 on a regression
  list     list the catalogue (-bugs: the historical-bug catalogue)
  fidelity run the fidelity set on the simulator and on the system's libcurl; compare them
           (needs a simrun built with -tags libcurl; -in results.json rebuilds a report)
  calibrate measure this machine's host model on libcurl; print it as a [host] table
Run "simrun CMD -h" for a command's flags.`

// usageError is bad usage: reported with exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// fail prints err and returns its exit code: 0 for -h, 2 for usage and
// input errors.
func fail(stderr io.Writer, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintln(stderr, "simrun:", err)
	return exitUsage
}
