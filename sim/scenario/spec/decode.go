package spec

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/expirylab/expiry/sim"
)

// Error is a problem with a scenario file. Its text is one line:
// "file:line:col: message", or "file: message" when the problem has no
// single place.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

// Error is the one-line text: "file:line:col: message".
func (e *Error) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// decoder turns go-toml's generic tree into a File, collecting errors
// with their places; Parse reports the first in file order.
type decoder struct {
	file string
	ix   *index
	errs []*Error
}

func (d *decoder) errAt(p pos, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: p.line, Col: p.col, Msg: fmt.Sprintf(format, args...)})
}

// first is the earliest error in the file, or nil. Errors without a place
// come last.
func (d *decoder) first() error {
	if len(d.errs) == 0 {
		return nil
	}
	order := func(e *Error) (int, int) {
		if e.Line == 0 {
			return math.MaxInt, 0
		}
		return e.Line, e.Col
	}
	sort.SliceStable(d.errs, func(i, j int) bool {
		li, ci := order(d.errs[i])
		lj, cj := order(d.errs[j])
		return li < lj || li == lj && ci < cj
	})
	return d.errs[0]
}

// table is one TOML table being decoded. Every key the schema reads is
// recorded as known; finish reports the others.
type table struct {
	d      *decoder
	path   []string
	what   string // "at the top level", "in [[transfers]]"
	m      map[string]any
	known  []string
	absent [][2]string // required keys missing: key, what it wants
}

// sub is the path of key under t.
func (t *table) sub(key string) []string {
	return append(append([]string(nil), t.path...), key)
}

// here is the table's own place: its header, or the file's start.
func (t *table) here() pos {
	if p := t.d.ix.lookup(t.path).key; p.line > 0 {
		return p
	}
	return pos{1, 1}
}

// field returns key's value, marking key as part of the schema.
func (t *table) field(key string) (field, bool) {
	t.known = append(t.known, key)
	v, ok := t.m[key]
	return field{d: t.d, label: key, path: t.sub(key), l: t.d.ix.lookup(t.sub(key)), v: v}, ok
}

// missing records that a required key is absent. finish reports it,
// unless an unknown key looks like a typo of it: that key's message says
// more.
func (t *table) missing(key, want string) {
	t.absent = append(t.absent, [2]string{key, want})
}

// need records key as missing when it is absent.
func (t *table) need(key, want string) {
	if _, ok := t.m[key]; !ok {
		t.missing(key, want)
	}
}

// finish reports the keys the schema did not ask for, with a guess at
// the key that was meant, and the required keys that are missing.
func (t *table) finish() {
	known := map[string]bool{}
	for _, k := range t.known {
		known[k] = true
	}
	var unknown []string
	for k := range t.m {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	// Only the earliest error of the file is shown: the few earliest
	// unknown keys of a table are all it can need, and guessing costs a
	// quadratic comparison per key.
	sortByPlace(unknown, func(k string) pos { return t.d.ix.lookup(t.sub(k)).key })
	guessed := map[string]bool{}
	for _, k := range unknown[:min(len(unknown), maxUnknown)] {
		msg := fmt.Sprintf("unknown key %q %s", k, t.what)
		if s := suggest(k, t.known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
			guessed[s] = true
		}
		t.d.errAt(t.d.ix.lookup(t.sub(k)).key, "%s", msg)
	}
	for _, a := range t.absent {
		if !guessed[a[0]] {
			t.d.errAt(t.here(), "missing key %q %s (want %s)", a[0], t.what, a[1])
		}
	}
}

// maxUnknown is how many unknown keys of a table are reported.
const maxUnknown = 8

// sortByPlace sorts keys by their place in the file (map order must not
// reach the messages).
func sortByPlace(keys []string, place func(string) pos) {
	slices.SortFunc(keys, func(a, b string) int {
		pa, pb := place(a), place(b)
		if pa.line != pb.line {
			return pa.line - pb.line
		}
		if pa.col != pb.col {
			return pa.col - pb.col
		}
		return strings.Compare(a, b)
	})
}

// subTable is key's table, nil when absent or not a table.
func (t *table) subTable(key, what string) *table {
	f, ok := t.field(key)
	if !ok {
		return nil
	}
	m, isMap := f.v.(map[string]any)
	if !isMap {
		f.wrong("a table (" + what + ")")
		return nil
	}
	return &table{d: t.d, path: f.path, what: "in " + what, m: m}
}

// tables is key's array of tables.
func (t *table) tables(key, what string) []*table {
	f, ok := t.field(key)
	if !ok {
		return nil
	}
	list, isList := f.v.([]any)
	if !isList {
		f.wrong("an array of tables (" + what + ")")
		return nil
	}
	var out []*table
	for i, v := range list {
		e := f.elem(i, v)
		if m, isMap := v.(map[string]any); isMap {
			out = append(out, &table{d: t.d, path: e.path, what: "in " + what, m: m})
		} else {
			e.wrong("a table")
		}
	}
	return out
}

// str sets *dst to key's string, if present and a string.
func (t *table) str(key string, dst *string) {
	if f, ok := t.field(key); ok {
		if s, ok := f.str(); ok {
			*dst = s
		}
	}
}

// boolean sets *dst to key's boolean.
func (t *table) boolean(key string, dst *bool) {
	if f, ok := t.field(key); ok {
		if b, isBool := f.v.(bool); isBool {
			*dst = b
		} else {
			f.wrong("a boolean (true or false)")
		}
	}
}

// duration sets *dst to key's duration.
func (t *table) duration(key string, dst *time.Duration) {
	if f, ok := t.field(key); ok {
		if v, ok := f.duration(); ok {
			*dst = v
		}
	}
}

// dist sets *dst to key's distribution.
func (t *table) dist(key string, dst *sim.Dist) {
	if f, ok := t.field(key); ok {
		if v, ok := f.dist(); ok {
			*dst = v
		}
	}
}

// integer sets *dst to key's integer, which must lie in [lo, hi].
func integer[T ~int | ~int64 | ~uint64](t *table, key string, lo, hi int64, dst *T) {
	if f, ok := t.field(key); ok {
		if v, ok := f.integer(lo, hi); ok {
			*dst = T(v)
		}
	}
}

// enum sets *dst to key's string as parse reads it.
func enum[T any](t *table, key string, parse func(string) (T, error), dst *T) {
	if f, ok := t.field(key); ok {
		if v, ok := parseField(f, parse); ok {
			*dst = v
		}
	}
}

// parseField reads f's string with parse; the parser's error, without its
// package prefix, is the message.
func parseField[T any](f field, parse func(string) (T, error)) (T, bool) {
	var zero T
	s, ok := f.str()
	if !ok {
		return zero, false
	}
	v, err := parse(s)
	if err != nil {
		f.fail("%s", bare(err))
		return zero, false
	}
	return v, true
}

// field is one value of the document: its label for messages
// ("timeout_ms", "hosts[2]"), its path and place, and what it holds.
type field struct {
	d     *decoder
	label string
	path  []string
	l     loc
	v     any
}

// fail records a problem with the value.
func (f field) fail(format string, args ...any) {
	f.d.errAt(f.l.val, "%s: %s", f.label, fmt.Sprintf(format, args...))
}

// wrong records a value of the wrong type.
func (f field) wrong(want string) { f.fail("want %s, have %s", want, kindOf(f.v)) }

// elem is element i (holding v) of f, an array.
func (f field) elem(i int, v any) field {
	p := append(append([]string(nil), f.path...), elem(i))
	return field{d: f.d, label: fmt.Sprintf("%s[%d]", f.label, i), path: p, l: f.d.ix.lookup(p), v: v}
}

func (f field) str() (string, bool) {
	s, ok := f.v.(string)
	if !ok {
		f.wrong("a string")
	}
	return s, ok
}

// integer is f's integer, which must lie in [lo, hi].
func (f field) integer(lo, hi int64) (int64, bool) {
	n, ok := f.v.(int64)
	switch {
	case !ok:
		f.wrong("an integer")
	case n < lo || n > hi:
		f.fail("%d is out of range (want %s)", n, span(lo, hi))
		ok = false
	}
	return n, ok
}

// span describes [lo, hi] for messages.
func span(lo, hi int64) string {
	if hi == math.MaxInt64 {
		return fmt.Sprintf("at least %d", lo)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

// duration is f's duration text ("1500ms"), which must not be negative.
func (f field) duration() (time.Duration, bool) {
	s, ok := f.v.(string)
	if !ok {
		f.wrong(`a duration string like "500ms" or "1.5s"`)
		return 0, false
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		f.fail(`bad duration %q (want a number and a unit: "500ms", "1.5s", "250us")`, s)
		return 0, false
	case d < 0:
		f.fail("negative duration %q", s)
		return 0, false
	}
	return d, true
}

// dist is f's distribution text.
func (f field) dist() (sim.Dist, bool) {
	s, ok := f.v.(string)
	if !ok {
		f.wrong(`a distribution string like "const(500ms)" or "uniform(1s,2s)"`)
		return nil, false
	}
	d, err := sim.ParseDist(s)
	if err != nil {
		f.textErr("distribution", s, err)
		return nil, false
	}
	return d, true
}

// list is f's array.
func (f field) list(want string) ([]field, bool) {
	vs, ok := f.v.([]any)
	if !ok {
		f.wrong(want)
		return nil, false
	}
	out := make([]field, len(vs))
	for i, v := range vs {
		out[i] = f.elem(i, v)
	}
	return out, true
}

// oneOrList is f as a list: an array's elements, or f itself.
func (f field) oneOrList() []field {
	vs, ok := f.v.([]any)
	if !ok {
		return []field{f}
	}
	out := make([]field, len(vs))
	for i, v := range vs {
		out[i] = f.elem(i, v)
	}
	return out
}

// colErr matches the text parsers' errors (sim.ParseDist,
// netsim.ParseBehavior, netsim.ParseFault): `pkg: what "text": col N: why`.
var colErr = regexp.MustCompile(`^[a-z]+: [a-z ]+ "(?:[^"\\]|\\.)*": col (\d+): (.*)$`)

// textErr records a bad text form. When the parser names a column and the
// string is written plainly (no escapes), the place is that character's;
// otherwise it is the string's.
func (f field) textErr(what, s string, err error) {
	msg := err.Error()
	p := f.l.val
	if m := colErr.FindStringSubmatch(msg); m != nil {
		col, _ := strconv.Atoi(m[1])
		msg = m[2]
		if plain(f.l.raw, s) && p.line > 0 {
			p.col += col
		} else {
			msg = fmt.Sprintf("col %d: %s", col, msg)
		}
	} else if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	f.d.errAt(p, "%s: bad %s %q: %s", f.label, what, s, msg)
}

// plain reports whether raw is s written in one line between quotes,
// byte for byte.
func plain(raw, s string) bool {
	return len(raw) == len(s)+2 && (raw[0] == '"' || raw[0] == '\'') && raw[1:len(raw)-1] == s
}

// bare drops the package prefix ("model: ") of another package's error:
// the message gets the file position as its prefix instead.
func bare(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); i > 0 && !strings.ContainsAny(msg[:i], " \"") {
		return msg[i+2:]
	}
	return msg
}

// kindOf names a decoded TOML value's type for messages.
func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return "a date or time"
}

// suggest is the known key closest to an unknown one, or "" when none is
// close. Keys compare without case, with '-' as '_', and also without a
// unit suffix, so that "tiemout" finds "timeout_ms".
func suggest(key string, known []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	k := norm(key)
	best, bestD := "", math.MaxInt
	for _, c := range known {
		n := norm(c)
		d := min(editDistance(k, n), editDistance(k, strings.TrimSuffix(strings.TrimSuffix(n, "_ms"), "_s")))
		if d < bestD {
			best, bestD = c, d
		}
	}
	if bestD > max(1, len(k)/3) {
		return ""
	}
	return best
}

// editDistance is the optimal-string-alignment distance: insertions,
// deletions, substitutions and swaps of neighbours each cost 1 (a typo
// is often a swap).
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return math.MaxInt / 2 // no key is that long; spare the quadratic table
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
