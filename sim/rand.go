package sim

import "math/rand/v2"

// Streams hands out a run's named random streams. Every stream is its own
// PCG (math/rand/v2), seeded from the run's seed and a fixed hash of the
// stream's name, so the draws of one stream depend on the seed and on its
// name only: adding a stream, or drawing more from another, shifts
// nothing else. The empty name is the run's main stream.
//
// Streams is not safe for concurrent use; one run owns it.
type Streams struct {
	seed   uint64
	byName map[string]*rand.Rand // looked up, never iterated
}

// NewStreams returns the streams of a run with the given seed.
func NewStreams(seed uint64) *Streams {
	return &Streams{seed: seed, byName: map[string]*rand.Rand{}}
}

// Seed returns the run's seed.
func (s *Streams) Seed() uint64 { return s.seed }

// Get returns the stream with the given name, creating it on first use.
// Later calls with the same name return the same, advancing, stream.
func (s *Streams) Get(name string) *rand.Rand {
	r, ok := s.byName[name]
	if !ok {
		r = rand.New(rand.NewPCG(StreamSeed(s.seed, name)))
		s.byName[name] = r
	}
	return r
}

// StreamSeed returns the two PCG seed words of the named stream of a run:
// FNV-1a (64-bit) of the name, mixed with the run seed through SplitMix64's
// finalizer so that nearby seeds and similar names give unrelated streams.
// It is part of the determinism contract: changing it changes every trace.
func StreamSeed(seed uint64, name string) (uint64, uint64) {
	h := fnv64a(fnv64aOffset, []byte(name))
	return mix64(seed ^ h), mix64(seed + mix64(h))
}

// mix64 is SplitMix64's output function, a bijection with good avalanche.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
