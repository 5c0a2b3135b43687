package sim

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// fnv64aOffset and fnv64aPrime are FNV-1a's 64-bit parameters. The trace
// hash is FNV-1a over the canonical lines, each followed by "\n": a fixed,
// documented function, so a hash printed today can be checked by any tool.
const (
	fnv64aOffset = 14695981039346656037
	fnv64aPrime  = 1099511628211
)

// Recorder collects trace records. A nil *Recorder records nothing, so
// tracing costs one nil check when it is switched off. Records at levels
// outside the recorder's set are dropped; the others update a running
// hash and, when the recorder keeps records, are stored.
//
// The recorder copies each record's fields into its own storage, so
// callers may reuse their field slices.
type Recorder struct {
	levels Levels
	keep   bool
	recs   []Record
	arena  []Field // fields of stored records, appended; never rewritten
	buf    []byte
	hash   uint64
	n      int
	err    error
}

// NewRecorder returns a recorder for the given levels. With keep false it
// only counts and hashes, which is enough for determinism checks over
// long runs.
func NewRecorder(levels Levels, keep bool) *Recorder {
	return &Recorder{levels: levels, keep: keep, hash: fnv64aOffset}
}

// Enabled reports whether a record at level l would be recorded. Check it
// before building fields, so that a disabled trace allocates nothing.
func (r *Recorder) Enabled(l Level) bool { return r != nil && r.levels.Has(l) }

// Add records rec if its level is enabled. A record that fails Validate is
// still recorded, and the first such failure is kept for Err, so that
// emitters need no error handling on the hot path and a bad emitter is
// still caught.
func (r *Recorder) Add(rec Record) {
	r.add(rec.At, rec.Level, rec.Thread, rec.Transfer, rec.Kind, rec.Fields)
}

// add is Add on a record's parts; see appendLine for why.
func (r *Recorder) add(at Time, l Level, thread ThreadID, transfer int64, kind string, fields []Field) {
	if !r.Enabled(l) {
		return
	}
	if r.err == nil {
		if err := validate(at, l, thread, transfer, kind, fields); err != nil {
			r.err = fmt.Errorf("record %d: %w", r.n, err)
		}
	}
	r.n++
	r.buf = appendLine(r.buf[:0], at, l, thread, transfer, kind, fields)
	r.buf = append(r.buf, '\n')
	r.hash = fnv64a(r.hash, r.buf)
	if r.keep {
		start := len(r.arena)
		r.arena = append(r.arena, fields...)
		r.recs = append(r.recs, Record{
			At: at, Level: l, Thread: thread, Transfer: transfer, Kind: kind,
			Fields: r.arena[start:len(r.arena):len(r.arena)],
		})
	}
}

func fnv64a(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnv64aPrime
	}
	return h
}

// Len returns the number of records recorded (stored or not).
func (r *Recorder) Len() int {
	if r == nil {
		return 0
	}
	return r.n
}

// Records returns the stored records, in recording order. The slice is the
// recorder's own; do not modify it.
func (r *Recorder) Records() []Record {
	if r == nil {
		return nil
	}
	return r.recs
}

// Hash returns the FNV-1a hash of the canonical lines recorded so far; it
// equals HashRecords of the same records.
func (r *Recorder) Hash() uint64 {
	if r == nil {
		return fnv64aOffset
	}
	return r.hash
}

// Err returns the first validation failure among the recorded records.
func (r *Recorder) Err() error {
	if r == nil {
		return nil
	}
	return r.err
}

// HashRecords returns the FNV-1a hash of the records' canonical lines,
// each followed by a newline: the trace's determinism fingerprint.
func HashRecords(recs []Record) uint64 {
	h := uint64(fnv64aOffset)
	var buf []byte
	for _, rec := range recs {
		buf = append(rec.AppendText(buf[:0]), '\n')
		h = fnv64a(h, buf)
	}
	return h
}

// FormatHash writes a trace hash as 16 hex digits, the form reports print.
func FormatHash(h uint64) string { return fmt.Sprintf("%016x", h) }

// WriteText writes one canonical line per record.
func WriteText(w io.Writer, recs []Record) error {
	bw := bufio.NewWriter(w)
	var buf []byte
	for _, rec := range recs {
		buf = append(rec.AppendText(buf[:0]), '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadText parses canonical lines, one record per line, as WriteText
// writes them. Errors name the line.
func ReadText(r io.Reader) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	var recs []Record
	for n := 1; sc.Scan(); n++ {
		rec, err := ParseRecord(sc.Text())
		if err != nil {
			return recs, fmt.Errorf("line %d: %w", n, err)
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		return recs, fmt.Errorf("sim: reading trace: %w", err)
	}
	return recs, nil
}

// WriteJSONLines writes one JSON object per record:
//
//	{"ns":1001000250,"level":"api","thread":3,"transfer":7,"kind":"poll","fields":{"rc":"0"}}
//
// Keys of "fields" appear in the record's order. Thread and transfer are 0
// when absent.
func WriteJSONLines(w io.Writer, recs []Record) error {
	bw := bufio.NewWriter(w)
	var buf []byte
	for _, rec := range recs {
		buf = append(buf[:0], `{"ns":`...)
		buf = strconv.AppendInt(buf, int64(rec.At), 10)
		buf = append(buf, `,"level":"`...)
		buf = append(buf, rec.Level.String()...)
		buf = append(buf, `","thread":`...)
		buf = strconv.AppendInt(buf, int64(rec.Thread), 10)
		buf = append(buf, `,"transfer":`...)
		buf = strconv.AppendInt(buf, rec.Transfer, 10)
		buf = append(buf, `,"kind":`...)
		buf = appendJSONString(buf, rec.Kind)
		buf = append(buf, `,"fields":`...)
		buf = appendJSONFields(buf, rec.Fields, nil)
		buf = append(buf, "}\n"...)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// appendJSONFields writes fields as a JSON object in their order, after
// any extra leading pairs.
func appendJSONFields(b []byte, fields []Field, extra []Field) []byte {
	b = append(b, '{')
	for i, f := range append(extra, fields...) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.Key)
		b = append(b, ':')
		b = appendJSONString(b, f.Value)
	}
	return append(b, '}')
}

// WriteChromeTrace writes the records in the Chrome trace-event JSON
// format, which Perfetto (ui.perfetto.dev) and chrome://tracing open: one
// instant event per record on the track of its thread (track 0 for the
// kernel and the world), with the level as category, the kind as name and
// the transfer and fields as arguments. Records of kind "thread.spawn"
// with a "name" field name their thread's track.
func WriteChromeTrace(w io.Writer, recs []Record) error {
	bw := bufio.NewWriter(w)
	buf := []byte(`{"displayTimeUnit":"ns","traceEvents":[` + "\n")
	buf = append(buf, `{"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"expiry sim"}}`...)
	for _, rec := range recs {
		buf = append(buf, ",\n"...)
		buf = appendChromeEvent(buf, rec)
		if name, ok := rec.Get("name"); ok && rec.Kind == KindThreadSpawn {
			buf = append(buf, ",\n"...)
			buf = appendChromeThreadName(buf, rec.Thread, name)
		}
		if len(buf) > 1<<16 {
			if _, err := bw.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	buf = append(buf, "\n]}\n"...)
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	return bw.Flush()
}

func appendChromeEvent(b []byte, rec Record) []byte {
	b = append(b, `{"name":`...)
	b = appendJSONString(b, rec.Kind)
	b = append(b, `,"cat":"`...)
	b = append(b, rec.Level.String()...)
	b = append(b, `","ph":"i","s":"t","pid":1,"tid":`...)
	b = strconv.AppendInt(b, int64(rec.Thread), 10)
	b = append(b, `,"ts":`...)
	b = appendMicros(b, rec.At) // JSON number: µs with ns as a fraction
	b = append(b, `,"args":`...)
	var extra []Field
	if rec.Transfer != 0 {
		extra = []Field{Int("transfer", rec.Transfer)}
	}
	b = appendJSONFields(b, rec.Fields, extra)
	return append(b, '}')
}

func appendChromeThreadName(b []byte, id ThreadID, name string) []byte {
	b = append(b, `{"name":"thread_name","ph":"M","pid":1,"tid":`...)
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, `,"args":{"name":`...)
	b = appendJSONString(b, fmt.Sprintf("%s (t%d)", name, id))
	return append(b, `}}`...)
}

// WriteText writes the stored records as canonical lines.
func (r *Recorder) WriteText(w io.Writer) error { return WriteText(w, r.Records()) }

// WriteJSONLines writes the stored records as JSON lines.
func (r *Recorder) WriteJSONLines(w io.Writer) error { return WriteJSONLines(w, r.Records()) }

// WriteChromeTrace writes the stored records as Chrome trace-event JSON.
func (r *Recorder) WriteChromeTrace(w io.Writer) error { return WriteChromeTrace(w, r.Records()) }
