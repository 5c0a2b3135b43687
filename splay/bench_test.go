package splay

import (
	"container/heap"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// Workloads (BENCHMARKS.md): W1 random reschedule, W2 expire sweep, W3
// peek-min, W4 reschedule onto 8 distinct ms keys, W6 monotone sweep. Each
// runs on the splay tree and on a container/heap baseline with index
// tracking and a sequence number for FIFO ties, doing the cheapest thing a
// heap can do for each step (heap.Fix in place of remove + push).

const (
	second = int64(1_000_000) // keys are µs
	span   = 30 * second      // reschedule horizon
)

// benchSizes is 1e3, 1e4, 1e5, plus 1e6 when -benchtime is a duration of
// at least 5s.
func benchSizes() []int {
	sizes := []int{1e3, 1e4, 1e5}
	if f := flag.Lookup("test.benchtime"); f != nil {
		if d, err := time.ParseDuration(f.Value.String()); err == nil && d >= 5*time.Second {
			sizes = append(sizes, 1e6)
		}
	}
	return sizes
}

// item is a heap entry; idx is its position, kept by Swap.
type item struct {
	key int64
	seq uint64
	idx int
}

type timerHeap []*item

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	return h[i].key < h[j].key || (h[i].key == h[j].key && h[i].seq < h[j].seq)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *timerHeap) Push(x any) { it := x.(*item); it.idx = len(*h); *h = append(*h, it) }
func (h *timerHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// heapBench holds n heap timers with random initial keys in [0, span).
type heapBench struct {
	h     timerHeap
	items []item
	seq   uint64
}

func newHeapBench(n int, rng *rand.Rand) *heapBench {
	hb := &heapBench{items: make([]item, n), h: make(timerHeap, 0, n)}
	for i := range hb.items {
		hb.items[i].key = rng.Int64N(span)
		hb.push(&hb.items[i])
	}
	return hb
}

func (hb *heapBench) push(it *item) { hb.seq++; it.seq = hb.seq; heap.Push(&hb.h, it) }

// rearm moves it to key as a fresh insert (new sequence number).
func (hb *heapBench) rearm(it *item, key int64) {
	hb.seq++
	it.key, it.seq = key, hb.seq
	heap.Fix(&hb.h, it.idx)
}

// splayBench holds n splay timers with random initial keys in [0, span).
type splayBench struct {
	t     Tree[int32]
	nodes []Node[int32]
}

func newSplayBench(n int, rng *rand.Rand) *splayBench {
	sb := &splayBench{nodes: make([]Node[int32], n)}
	for i := range sb.nodes {
		sb.nodes[i].Value = int32(i)
		sb.t.Insert(&sb.nodes[i], rng.Int64N(span))
	}
	return sb
}

func (sb *splayBench) rearm(n *Node[int32], key int64) {
	if err := sb.t.Remove(n); err != nil {
		panic(err)
	}
	sb.t.Insert(n, key)
}

func runSizes(b *testing.B, fn func(b *testing.B, n int)) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			fn(b, n)
		})
	}
}

func BenchmarkW1RandomReschedule(b *testing.B) {
	b.Run("splay", func(b *testing.B) {
		runSizes(b, func(b *testing.B, n int) {
			rng := rand.New(rand.NewPCG(1, 1))
			sb := newSplayBench(n, rng)
			b.ResetTimer()
			for i := range b.N {
				now := int64(i) * 10
				sb.rearm(&sb.nodes[rng.IntN(n)], now+rng.Int64N(span))
			}
		})
	})
	b.Run("heap", func(b *testing.B) {
		runSizes(b, func(b *testing.B, n int) {
			rng := rand.New(rand.NewPCG(1, 1))
			hb := newHeapBench(n, rng)
			b.ResetTimer()
			for i := range b.N {
				now := int64(i) * 10
				hb.rearm(&hb.items[rng.IntN(n)], now+rng.Int64N(span))
			}
		})
	})
	// The literal remove + reinsert on the heap, for comparison with Fix.
	b.Run("heap-remove-push", func(b *testing.B) {
		runSizes(b, func(b *testing.B, n int) {
			rng := rand.New(rand.NewPCG(1, 1))
			hb := newHeapBench(n, rng)
			b.ResetTimer()
			for i := range b.N {
				now := int64(i) * 10
				it := &hb.items[rng.IntN(n)]
				heap.Remove(&hb.h, it.idx)
				it.key = now + rng.Int64N(span)
				hb.push(it)
			}
		})
	})
}

// sweepStep advances virtual time so that about 16 timers fall due per step.
func sweepStep(n int) int64 { return max(1, span*16/int64(n)) }

func BenchmarkW2ExpireSweep(b *testing.B) {
	b.Run("splay", func(b *testing.B) {
		runSizes(b, func(b *testing.B, n int) {
			rng := rand.New(rand.NewPCG(2, 2))
			sb := newSplayBench(n, rng)
			now, step := int64(0), sweepStep(n)
			b.ResetTimer()
			for done := 0; done < b.N; {
				now += step
				for nd := sb.t.GetBest(now); nd != nil && done < b.N; nd = sb.t.GetBest(now) {
					sb.t.Insert(nd, now+1+rng.Int64N(span))
					done++
				}
			}
		})
	})
	b.Run("heap", func(b *testing.B) {
		runSizes(b, func(b *testing.B, n int) {
			rng := rand.New(rand.NewPCG(2, 2))
			hb := newHeapBench(n, rng)
			now, step := int64(0), sweepStep(n)
			b.ResetTimer()
			for done := 0; done < b.N; {
				now += step
				for hb.h[0].key <= now && done < b.N {
					hb.rearm(hb.h[0], now+1+rng.Int64N(span))
					done++
				}
			}
		})
	})
}

var sinkKey int64

func BenchmarkW3PeekMin(b *testing.B) {
	b.Run("splay", func(b *testing.B) {
		runSizes(b, func(b *testing.B, n int) {
			sb := newSplayBench(n, rand.New(rand.NewPCG(3, 3)))
			b.ResetTimer()
			for range b.N {
				sinkKey += sb.t.Min().Key()
			}
		})
	})
	b.Run("heap", func(b *testing.B) {
		runSizes(b, func(b *testing.B, n int) {
			hb := newHeapBench(n, rand.New(rand.NewPCG(3, 3)))
			b.ResetTimer()
			for range b.N {
				sinkKey += hb.h[0].key
			}
		})
	})
}

// eightKeys draws one of 8 distinct whole-millisecond keys.
func eightKeys(rng *rand.Rand) int64 { return span + int64(rng.IntN(8))*1000 }

func BenchmarkW4EightKeys(b *testing.B) {
	b.Run("splay", func(b *testing.B) {
		runSizes(b, func(b *testing.B, n int) {
			rng := rand.New(rand.NewPCG(4, 4))
			sb := newSplayBench(n, rng)
			for i := range sb.nodes {
				sb.rearm(&sb.nodes[i], eightKeys(rng))
			}
			b.ResetTimer()
			for range b.N {
				sb.rearm(&sb.nodes[rng.IntN(n)], eightKeys(rng))
			}
		})
	})
	b.Run("heap", func(b *testing.B) {
		runSizes(b, func(b *testing.B, n int) {
			rng := rand.New(rand.NewPCG(4, 4))
			hb := newHeapBench(n, rng)
			for i := range hb.items {
				hb.rearm(&hb.items[i], eightKeys(rng))
			}
			b.ResetTimer()
			for range b.N {
				hb.rearm(&hb.items[rng.IntN(n)], eightKeys(rng))
			}
		})
	})
}

// W6: every timer is re-armed at now+30s in deadline order, the way a
// periodic check re-arms every transfer: the earliest timer is always the
// one re-armed, and it becomes the latest.
func BenchmarkW6MonotoneSweep(b *testing.B) {
	b.Run("splay", func(b *testing.B) {
		runSizes(b, func(b *testing.B, n int) {
			sb := &splayBench{nodes: make([]Node[int32], n)}
			step := span / int64(n)
			for i := range sb.nodes {
				sb.t.Insert(&sb.nodes[i], int64(i)*step)
			}
			b.ResetTimer()
			for i := range b.N {
				now := int64(i) * step
				sb.rearm(&sb.nodes[i%n], now+span)
			}
		})
	})
	b.Run("heap", func(b *testing.B) {
		runSizes(b, func(b *testing.B, n int) {
			hb := &heapBench{items: make([]item, n), h: make(timerHeap, 0, n)}
			step := span / int64(n)
			for i := range hb.items {
				hb.items[i].key = int64(i) * step
				hb.push(&hb.items[i])
			}
			b.ResetTimer()
			for i := range b.N {
				now := int64(i) * step
				hb.rearm(&hb.items[i%n], now+span)
			}
		})
	})
}
