package sim

import (
	"fmt"
	"math/bits"
)

// radixQueue is a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan) on the
// key (time, seq), read as one 128-bit number. Every pushed key is above
// last, the key of the last event taken, which the kernel guarantees:
// nothing is scheduled before now, and seq only grows. Bucket i holds the
// keys whose highest bit differing from last is bit i-1 (bucket 0: equal to
// last), so the minimum lives in the first non-empty bucket. Taking it
// means scanning that bucket and redistributing its keys, relative to the
// new last, into strictly lower buckets; a key therefore moves at most 128
// times in its life, and in practice a few. Pushes are O(1).
//
// Cancellation is lazy, as in heapQueue: a stale entry is dropped when a
// scan meets it or at a compaction.
type radixQueue struct {
	b     [129][]heapEntry
	mask  [3]uint64 // bit i set: bucket i is non-empty
	last  heapEntry // only at and seq are used
	live  int
	stale int
}

// bucketOf returns the bucket of x relative to last.
func (q *radixQueue) bucketOf(x *heapEntry) int {
	if d := uint64(x.at ^ q.last.at); d != 0 {
		return 64 + bits.Len64(d)
	}
	return bits.Len64(x.seq ^ q.last.seq)
}

func (q *radixQueue) put(x heapEntry) {
	i := q.bucketOf(&x)
	q.b[i] = append(q.b[i], x)
	q.mask[i>>6] |= 1 << (i & 63)
}

func (q *radixQueue) push(e *Event) {
	if q.stale > 64 && q.stale > q.live {
		q.compact()
	}
	x := heapEntry{e.at, e.seq, e}
	if x.before(&q.last) {
		panic(fmt.Sprintf("sim: radix queue: push of (%d, %d) below the last taken (%d, %d)",
			x.at, x.seq, q.last.at, q.last.seq))
	}
	q.put(x)
	q.live++
}

func (a *heapEntry) before(b *heapEntry) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// first returns the first non-empty bucket and the index of its minimum
// live entry, dropping buckets that hold only stale entries; -1 if empty.
func (q *radixQueue) first() (int, int) {
	for w := 0; w < len(q.mask); w++ {
		for q.mask[w] != 0 {
			i := w<<6 + bits.TrailingZeros64(q.mask[w])
			if m := q.minIn(q.b[i]); m >= 0 {
				return i, m
			}
			q.stale -= len(q.b[i])
			q.clearBucket(i)
		}
	}
	return -1, -1
}

// minIn returns the index of the least live entry of bucket, or -1.
func (q *radixQueue) minIn(bucket []heapEntry) int {
	m := -1
	for j := range bucket {
		if bucket[j].valid() && (m < 0 || bucket[j].before(&bucket[m])) {
			m = j
		}
	}
	return m
}

func (q *radixQueue) clearBucket(i int) {
	clear(q.b[i])
	q.b[i] = q.b[i][:0]
	q.mask[i>>6] &^= 1 << (i & 63)
}

func (q *radixQueue) popDue(limit Time) *Event {
	i, m := q.first()
	if i < 0 || q.b[i][m].at > limit {
		return nil
	}
	x := q.b[i][m]
	q.last = x
	for _, y := range q.b[i] {
		switch {
		case y.seq == x.seq:
		case y.valid():
			q.put(y) // lands in a lower bucket: it shares more bits with x
		default:
			q.stale--
		}
	}
	q.clearBucket(i)
	q.live--
	return x.e
}

// remove only counts; see heapQueue.remove.
func (q *radixQueue) remove(*Event) {
	q.live--
	q.stale++
}

func (q *radixQueue) min() *Event {
	if i, m := q.first(); i >= 0 {
		return q.b[i][m].e
	}
	return nil
}

func (q *radixQueue) len() int { return q.live }

// compact drops every stale entry.
func (q *radixQueue) compact() {
	for i := range q.b {
		kept := q.b[i][:0]
		for _, x := range q.b[i] {
			if x.valid() {
				kept = append(kept, x)
			}
		}
		clear(q.b[i][len(kept):])
		q.b[i] = kept
		if len(kept) == 0 {
			q.mask[i>>6] &^= 1 << (i & 63)
		}
	}
	q.stale = 0
}
