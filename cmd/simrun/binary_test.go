package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinary builds simrun and checks the exit codes and the one-line
// positioned error of the real binary on bad scenario files.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "simrun")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("profile = \"curl-8\"\ndriver = \"select\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{bad}, 2, "bad.toml:2:"},
		{[]string{"run", "-nope"}, 2, "flag provided but not defined"},
		{[]string{"list"}, 0, ""},
		{[]string{"-quiet", "-only", "quick/curl-8/easy", "-out", filepath.Join(dir, "rep")}, 0, ""},
	} {
		cmd := exec.Command(bin, tc.args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		lines := strings.Count(strings.TrimSpace(stderr.String()), "\n") + 1
		if code != tc.code || !strings.Contains(stderr.String(), tc.err) || (tc.code == 2 && tc.err != "flag provided but not defined" && lines != 1) {
			t.Errorf("simrun %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr.String(), tc.code, tc.err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "rep", "index.html")); err != nil {
		t.Errorf("the run wrote no report: %v", err)
	}
}
