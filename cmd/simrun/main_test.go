package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{args: []string{"-family", "quick", "-profile", "curl-8"}, code: 0, out: "8 runs, 0 unexpected"},
		{args: []string{"-family", "nope"}, code: 2, err: `unknown family "nope"`},
		{args: []string{"-stops", "-profile", "curl-8"}, code: 0, out: "lock-held"},
		{args: []string{"-driver", "select"}, code: 2, err: `unknown driver "select"`},
		{args: []string{"-profile", "curl-6"}, code: 2, err: "curl-6"},
		{args: []string{"-format", "xml"}, code: 2, err: "-format"},
		{args: []string{"-bogus"}, code: 2, err: "flag provided but not defined"},
		{args: []string{"stray.toml"}, code: 2, err: "unexpected argument"},
		{args: []string{"-family", "refused", "-driver", "easy", "-profile", "curl-7.88", "-phase", "0", "-trace"}, code: 0,
			out: "COULDNT_CONNECT"},
		{args: []string{"-family", "quick", "-driver", "easy", "-profile", "curl-8", "-phase", "0", "-trace", "-format", "json"}, code: 0,
			out: `"kind":"state"`},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stdout.String(), tc.out) || !strings.Contains(stderr.String(), tc.err) {
			t.Errorf("simrun %v: exit %d, want %d\nstdout: %.300s\nstderr: %s", tc.args, code, tc.code, stdout.String(), stderr.String())
		}
	}
}
