package rules

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRepository applies the rules to this module.
func TestRepository(t *testing.T) {
	vs, err := Check("../..", Layers)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Error(v)
	}
}

// TestBrokenModule shows the checker failing on a module built to break
// each rule once, and accepting what is allowed there (a documented
// package, an xtest helper importing its package, a command importing
// anything, a test-only third-party import where tests may have it).
func TestBrokenModule(t *testing.T) {
	vs, err := Check("testdata/broken", Layers)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.String())
	}
	want := []string{
		`sim/sim.go: import "example.com/broken/properties" breaks the layer rules`,
		`sim/sim.go: import "github.com/benbjohnson/clock" breaks the layer rules`,
		`splay/splay.go: import "example.com/broken/sim" breaks the layer rules`,
		`splay/splay.go: package splay has no doc comment`,
		`util/util.go: package util is in no layer of the import rules (internal/rules)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("violations (-want +got):\n%s", diff)
	}
}

func TestMissingGoMod(t *testing.T) {
	_, err := Check("testdata", Layers)
	if err == nil || !strings.Contains(err.Error(), "go.mod") {
		t.Fatalf("want a go.mod error, got %v", err)
	}
}

// TestRepositoryDeterminism applies DESIGN decision 3 to the pure packages.
func TestRepositoryDeterminism(t *testing.T) {
	vs, err := CheckDeterminism("../..", Pure)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Error(v)
	}
}

func TestBrokenDeterminism(t *testing.T) {
	vs, err := CheckDeterminism("testdata/broken", Pure)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.String())
	}
	want := []string{
		"netsim/netsim.go:5: imports math/rand: use math/rand/v2 with an explicit source",
		"netsim/netsim.go:11: starts a goroutine",
		"netsim/netsim.go:12: uses time.Now: the wall clock",
		"netsim/netsim.go:13: uses rand.IntN: the global random source",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("violations (-want +got):\n%s", diff)
	}
}
