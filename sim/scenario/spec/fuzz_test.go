package spec

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse: Parse never panics; every error is an *Error of one line
// with a place in the file (a placeless error means a check of
// scenario.Validate that Parse does not make itself); and every file it
// accepts formats and parses back to itself. The seed corpus is the
// catalogue and the error table.
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 60s ./sim/scenario/spec/
func FuzzParse(f *testing.F) {
	err := fs.WalkDir(catalogFS, "catalog", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := catalogFS.ReadFile(name)
		f.Add(data)
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range errorCases {
		f.Add([]byte(c.text))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.toml", data)
		if err != nil {
			checkParseError(t, err)
			return
		}
		text, err := Format(file)
		if err != nil {
			t.Fatalf("Format of a parsed file: %v", err)
		}
		back, err := Parse("fuzz.toml", text)
		if err != nil {
			t.Fatalf("Parse(Format(f)): %v\n%s", err, text)
		}
		if diff := cmp.Diff(file, back, sameFile); diff != "" {
			t.Fatalf("Parse(Format(f)) differs (-f +back):\n%s", diff)
		}
	})
}

// checkParseError checks the shape of an error Parse returned.
func checkParseError(t *testing.T, err error) {
	var pe *Error
	switch {
	case !errors.As(err, &pe):
		t.Fatalf("error %T is not an *Error: %v", err, err)
	case pe.Line < 1 || pe.Col < 1:
		t.Fatalf("error without a place: %v", err)
	case strings.Contains(err.Error(), "\n"):
		t.Fatalf("error of several lines: %q", err)
	}
}
