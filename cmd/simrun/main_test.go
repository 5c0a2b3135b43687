package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/reports"
)

// simrun runs the command in-process and returns its exit code and output.
func simrun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"run", "-bogus"}, 2, "flag provided but not defined"},
		{[]string{"run", "-only", "no-such-scenario"}, 2, "no scenario matches"},
		{[]string{"run", "-shard", "2/2"}, 2, "-shard"},
		{[]string{"compare"}, 2, "-baseline"},
		{[]string{"replay"}, 2, "one scenario"},
		{[]string{"replay", "nope/curl-8"}, 2, "nope/curl-8"},
		{[]string{"trace", "-format", "xml", "quick/curl-8/easy"}, 2, "-format"},
		{[]string{"report"}, 2, "results.json"},
		{[]string{"missing.toml"}, 2, "missing.toml"},
		{[]string{"list", "-search"}, 2, "-search needs -bugs"},
	} {
		code, _, stderr := simrun(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.err) {
			t.Errorf("simrun %v: exit %d stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.err)
		}
	}
}

// TestBadScenarioFiles: each kind of mistake in a scenario file gives one
// line naming file, line and column, and exit code 2.
func TestBadScenarioFiles(t *testing.T) {
	good := "profile = \"curl-8\"\n[[servers]]\nhost = \"srv\"\nbehavior = \"stalled\"\n" +
		"[[names]]\nname = \"example.com\"\nhosts = [\"srv\"]\n[[transfers]]\nhost = \"example.com\"\ntimeout_ms = 500\n"
	dir := t.TempDir()
	for _, tc := range []struct {
		name, text, want string
	}{
		{"typo.toml", strings.Replace(good, "timeout_ms", "tiemout_ms", 1), `typo.toml:10:1: unknown key "tiemout_ms"`},
		{"type.toml", strings.Replace(good, "500", `"500"`, 1), "type.toml:10:14: timeout_ms: want an integer"},
		{"dist.toml", good + "[[stops]]\ntransfer = 1\nmechanism = \"timeout\"\nat = \"unifrom(1s,2s)\"\n", `dist.toml:14:7: at: bad distribution "unifrom(1s,2s)"`},
		{"server.toml", strings.Replace(good, `hosts = ["srv"]`, `hosts = ["srv2"]`, 1), `server.toml:7:10: server "srv2"`},
	} {
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := simrun(t, "run", "-quiet", "-out", t.TempDir(), path)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 2 || len(lines) != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and one line with %q", tc.name, code, stderr, tc.want)
		}
	}
	// The good file runs.
	path := filepath.Join(dir, "good.toml")
	if err := os.WriteFile(path, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := simrun(t, "run", "-out", t.TempDir(), path); code != 0 || !strings.Contains(out, "OPERATION_TIMEDOUT×1") {
		t.Errorf("good.toml: exit %d\n%s\n%s", code, out, stderr)
	}
}

// TestShardsMerge: a sweep split into shards and merged gives the same
// results, byte for byte, as the sweep in one go, whatever the
// parallelism.
func TestShardsMerge(t *testing.T) {
	whole := t.TempDir()
	if code, _, stderr := simrun(t, "run", "-quiet", "-only", "pollcap", "-runs", "20", "-parallel", "1", "-out", whole); code != 0 {
		t.Fatalf("whole run: exit %d: %s", code, stderr)
	}
	var parts []string
	for _, shard := range []string{"0/3", "1/3", "2/3"} {
		dir := t.TempDir()
		if code, _, stderr := simrun(t, "run", "-quiet", "-only", "pollcap", "-runs", "20", "-parallel", "4", "-shard", shard, "-out", dir); code != 0 {
			t.Fatalf("shard %s: exit %d: %s", shard, code, stderr)
		}
		parts = append(parts, filepath.Join(dir, "results.json"))
	}
	merged := t.TempDir()
	args := append([]string{"report", "-out", merged}, parts[2], parts[0], parts[1])
	if code, _, stderr := simrun(t, args...); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	a, _ := os.ReadFile(filepath.Join(whole, "results.json"))
	b, _ := os.ReadFile(filepath.Join(merged, "results.json"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("merged shards differ from the whole sweep (%d vs %d bytes)", len(a), len(b))
	}
}

func TestReplayAndTrace(t *testing.T) {
	code, out, stderr := simrun(t, "replay", "refused/curl-7.88/easy")
	if code != 0 || !strings.Contains(out, "COULDNT_CONNECT") || !strings.HasPrefix(out, "# refused/curl-7.88/easy seed=1 hash=") {
		t.Errorf("replay: exit %d\n%.300s\n%s", code, out, stderr)
	}
	code, out, _ = simrun(t, "trace", "-format", "chrome", "quick/curl-8/easy")
	if code != 0 || !strings.Contains(out, `"traceEvents"`) {
		t.Errorf("trace chrome: exit %d\n%.300s", code, out)
	}
}

// TestCheckAndCompare: check passes on the stalled situations; a baseline
// written from a run compares clean against the same run; a baseline whose
// stops were ten times faster makes the comparison report a regression
// and exit 1.
func TestCheckAndCompare(t *testing.T) {
	if code, out, stderr := simrun(t, "check", "-quiet", "-only", "stalled", "-out", t.TempDir()); code != 0 {
		t.Fatalf("check: exit %d\n%s\n%s", code, out, stderr)
	}
	base := filepath.Join(t.TempDir(), "base.json")
	if code, _, stderr := simrun(t, "compare", "-quiet", "-only", "stalled", "-baseline", base, "-write-baseline", "-out", t.TempDir()); code != 0 {
		t.Fatalf("write baseline: exit %d: %s", code, stderr)
	}
	if code, out, _ := simrun(t, "compare", "-quiet", "-only", "stalled", "-baseline", base, "-out", t.TempDir()); code != 0 {
		t.Fatalf("compare with itself: exit %d\n%s", code, out)
	}
	res, err := readResults(base)
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Runs {
		for j := range res.Runs[i].Stops {
			if l := res.Runs[i].Stops[j].LatencyUs; l != nil {
				faster := *l / 10
				res.Runs[i].Stops[j].LatencyUs = &faster
			}
		}
	}
	better := filepath.Join(t.TempDir(), "better.json")
	if err := writeResults(better, reports.New(res.Runs)); err != nil {
		t.Fatal(err)
	}
	code, out, _ := simrun(t, "compare", "-quiet", "-only", "stalled", "-baseline", better, "-out", t.TempDir())
	if code != 1 || !strings.Contains(out, "stop_latency_us") {
		t.Fatalf("compare with a faster baseline: exit %d, want 1 and the latency named\n%s", code, out)
	}
}

// TestListBugs: the bug catalogue lists every switchable bug with its
// committed scenario file, and each file replays to a violation (exit 1)
// under simrun check.
func TestListBugs(t *testing.T) {
	code, out, stderr := simrun(t, "list", "-bugs")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, b := range model.Bugs() {
		file := "properties/bugs/" + b.String() + ".toml"
		if !strings.Contains(out, file) {
			t.Errorf("list -bugs has no %s:\n%s", file, out)
		}
		dir := t.TempDir()
		code, _, stderr := simrun(t, "check", "-quiet", "-out", dir, filepath.Join("..", "..", filepath.FromSlash(file)))
		if code != exitFinding {
			t.Errorf("simrun check %s: exit %d, want 1 (the bug's violation): %s", file, code, stderr)
		}
	}
}
