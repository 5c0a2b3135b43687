package sim

import (
	"hash/fnv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestStreamRegression pins the first draws of a named stream for seed 1,
// like math/rand/v2's own regression test: any change to StreamSeed, to
// the PCG or to how Dists draw changes every trace, and must be
// deliberate.
func TestStreamRegression(t *testing.T) {
	s1, s2 := StreamSeed(1, "net.latency")
	if s1 != 0x41d60c26733ea510 || s2 != 0xd36fc5d7be3c7857 {
		t.Errorf("StreamSeed(1, net.latency) = %#x, %#x", s1, s2)
	}
	r := NewStreams(1).Get("net.latency")
	var got []uint64
	for range 4 {
		got = append(got, r.Uint64())
	}
	want := []uint64{0x4930e54982b55f62, 0x6b9f5b753b34a840, 0x2c62d28584f0e6fe, 0x2d80b0f7b7bec86c}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first Uint64 draws (-want +got):\n%s", diff)
	}
	u := Uniform{300 * time.Millisecond, 2300 * time.Millisecond}
	var draws []time.Duration
	for range 3 {
		draws = append(draws, u.Draw(r))
	}
	wantDraws := []time.Duration{743662469, 1606477800, 657495068}
	if diff := cmp.Diff(wantDraws, draws); diff != "" {
		t.Errorf("next uniform(300ms,2300ms) draws (-want +got):\n%s", diff)
	}
}

// TestStreamIndependence: a stream's draws depend only on the seed and its
// name, not on which other streams exist or how much they drew.
func TestStreamIndependence(t *testing.T) {
	first := func(s *Streams, name string) [3]uint64 {
		r := s.Get(name)
		return [3]uint64{r.Uint64(), r.Uint64(), r.Uint64()}
	}
	alone := first(NewStreams(42), "faults")
	busy := NewStreams(42)
	for range 1000 {
		busy.Get("latency").Uint64()
	}
	busy.Get("new.stream").Uint64()
	if got := first(busy, "faults"); got != alone {
		t.Errorf("other streams shifted faults: %x vs %x", got, alone)
	}
	if first(NewStreams(42), "fault") == alone || first(NewStreams(43), "faults") == alone {
		t.Error("a different name or seed gave the same stream")
	}
	s := NewStreams(42)
	if x1, x2 := s.Get("x"), s.Get("x"); x1 != x2 {
		t.Error("Get returned a new stream for a known name")
	}
	if s.Seed() != 42 {
		t.Errorf("Seed() = %d", s.Seed())
	}
}

// TestTraceHashIsFNV1a: the hash function is FNV-1a 64, as documented.
func TestTraceHashIsFNV1a(t *testing.T) {
	h := fnv.New64a()
	h.Write([]byte("net.latency"))
	if got := fnv64a(fnv64aOffset, []byte("net.latency")); got != h.Sum64() {
		t.Errorf("fnv64a = %#x, hash/fnv says %#x", got, h.Sum64())
	}
}
