package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Level is the category of a trace record. Levels are categories, not
// severities: a recorder keeps any subset.
type Level uint8

const (
	// LevelAPI is a call into the library under test or its return.
	LevelAPI Level = iota
	// LevelCallback is a callback from the library into the application.
	LevelCallback
	// LevelNet is a network event: connect, readiness, bytes, faults.
	LevelNet
	// LevelInternal is the engine's own bookkeeping: threads, waits, locks.
	LevelInternal
	numLevels
)

var levelNames = [numLevels]string{"api", "callback", "net", "internal"}

// String returns the level's name as it appears in trace lines.
func (l Level) String() string {
	if l < numLevels {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", uint8(l))
}

// ParseLevel is the inverse of Level.String.
func ParseLevel(s string) (Level, error) {
	for i, name := range levelNames {
		if s == name {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("sim: unknown trace level %q", s)
}

// Levels is a set of levels.
type Levels uint8

// AllLevels keeps every record.
const AllLevels Levels = 1<<numLevels - 1

// LevelsOf returns the set holding ls.
func LevelsOf(ls ...Level) Levels {
	var s Levels
	for _, l := range ls {
		s |= 1 << l
	}
	return s
}

// Has reports whether l is in the set.
func (s Levels) Has(l Level) bool { return s&(1<<l) != 0 }

// String lists the set's levels, comma separated, in level order.
func (s Levels) String() string {
	var names []string
	for l := range numLevels {
		if s.Has(l) {
			names = append(names, l.String())
		}
	}
	return strings.Join(names, ",")
}

// ThreadID identifies a simulated thread within one run. IDs start at 1
// in spawn order; NoThread marks records and events of the kernel or the
// world rather than of a thread.
type ThreadID int32

// NoThread is the zero ThreadID.
const NoThread ThreadID = 0

// Field is one key=value pair of a trace record. Records hold fields in a
// slice, never a map, so their order is the emitter's and is stable.
type Field struct {
	Key, Value string
}

// F returns a string field.
func F(key, value string) Field { return Field{key, value} }

// Int returns an integer field.
func Int(key string, v int64) Field { return Field{key, strconv.FormatInt(v, 10)} }

// Dur returns a duration field in FormatDuration's canonical form.
func Dur(key string, d time.Duration) Field { return Field{key, FormatDuration(d)} }

// FormatDuration writes d as an integer count of the largest unit among
// s, ms, us and ns that represents it exactly ("2300ms", "50us", "0s"), so
// that the text is canonical and time.ParseDuration reads it back exactly.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	units := [...]struct {
		size time.Duration
		name string
	}{{time.Second, "s"}, {time.Millisecond, "ms"}, {time.Microsecond, "us"}}
	for _, u := range units {
		if d%u.size == 0 {
			return strconv.FormatInt(int64(d/u.size), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(d), 10) + "ns"
}

// Record is one trace event: the unit of the contract between engines
// (which emit records) and checkers and reports (which parse them).
//
// Its canonical line is
//
//	<µs> <level> <thread> <transfer> <kind> [key=value ...]
//
// with the virtual time in whole microseconds, followed by ".nnn" only
// when there are nanoseconds left over; thread as "t<id>" or "-";
// transfer as "x<id>" or "-"; then the kind and the fields in the
// record's order. A value is written bare when it is non-empty and made
// only of letters, digits and "_.:/+@%,-"; otherwise it is Go-quoted.
// Kinds and keys are non-empty and made of letters, digits and "_.:/-".
// Each kind should always carry the same keys in the same order; keys are
// unique within a record.
type Record struct {
	At       Time
	Level    Level
	Thread   ThreadID
	Transfer int64 // 0 when the record concerns no transfer
	Kind     string
	Fields   []Field
}

// Get returns the value of the first field named key.
func (r Record) Get(key string) (string, bool) {
	for _, f := range r.Fields {
		if f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}

// String returns the canonical line, without a newline.
func (r Record) String() string { return string(r.AppendText(nil)) }

// AppendText appends the canonical line, without a newline, to b.
func (r Record) AppendText(b []byte) []byte {
	return appendLine(b, r.At, r.Level, r.Thread, r.Transfer, r.Kind, r.Fields)
}

// appendLine is AppendText on a record's parts. Kernel.Emit goes through it
// (and validate) with the parts as separate arguments, which keeps the
// caller's variadic fields from escaping to the heap.
func appendLine(b []byte, at Time, l Level, thread ThreadID, transfer int64, kind string, fields []Field) []byte {
	b = appendMicros(b, at)
	b = append(b, ' ')
	b = append(b, l.String()...)
	b = appendID(b, 't', int64(thread))
	b = appendID(b, 'x', transfer)
	b = append(b, ' ')
	b = append(b, kind...)
	for _, f := range fields {
		b = append(b, ' ')
		b = append(b, f.Key...)
		b = append(b, '=')
		if isBare(f.Value) {
			b = append(b, f.Value...)
		} else {
			b = strconv.AppendQuote(b, f.Value)
		}
	}
	return b
}

func appendMicros(b []byte, t Time) []byte {
	b = strconv.AppendInt(b, int64(t)/1e3, 10)
	if ns := int64(t) % 1e3; ns != 0 {
		b = append(b, '.', byte('0'+ns/100), byte('0'+ns/10%10), byte('0'+ns%10))
	}
	return b
}

func appendID(b []byte, prefix byte, id int64) []byte {
	if id == 0 {
		return append(b, ' ', '-')
	}
	b = append(b, ' ', prefix)
	return strconv.AppendInt(b, id, 10)
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '.' || c == ':' || c == '/' || c == '-'
}

func isBareByte(c byte) bool {
	return isNameByte(c) || c == '+' || c == '@' || c == '%' || c == ','
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return true
}

func isBare(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBareByte(s[i]) {
			return false
		}
	}
	return true
}

// Validate reports why r has no canonical line that parses back to it:
// a negative time or ID, a level out of range, a malformed kind or key,
// or a repeated key.
func (r Record) Validate() error {
	return validate(r.At, r.Level, r.Thread, r.Transfer, r.Kind, r.Fields)
}

func validate(at Time, l Level, thread ThreadID, transfer int64, kind string, fields []Field) error {
	switch {
	case at < 0:
		return fmt.Errorf("sim: trace record at negative time %d", at)
	case l >= numLevels:
		return fmt.Errorf("sim: trace record with %v", l)
	case thread < 0 || transfer < 0:
		return fmt.Errorf("sim: trace record with negative thread %d or transfer %d", thread, transfer)
	case !isName(kind):
		return fmt.Errorf("sim: trace record kind %q is not a name", kind)
	}
	for i, f := range fields {
		if !isName(f.Key) {
			return fmt.Errorf("sim: trace record %s: key %q is not a name", kind, f.Key)
		}
		for _, g := range fields[:i] {
			if g.Key == f.Key {
				return fmt.Errorf("sim: trace record %s: key %q repeated", kind, f.Key)
			}
		}
	}
	return nil
}

// lineScanner walks a canonical line token by token, remembering the
// column for error messages.
type lineScanner struct {
	line string
	pos  int
}

func (s *lineScanner) errorf(col int, format string, args ...any) error {
	return fmt.Errorf("sim: trace line %q: col %d: %s", s.line, col+1, fmt.Sprintf(format, args...))
}

// token returns the text up to the next space (or the end) and its start.
// Separators are exactly one space: a canonical line has no other.
func (s *lineScanner) token(what string) (string, int, error) {
	start := s.pos
	if start > 0 {
		if start >= len(s.line) || s.line[start] != ' ' {
			return "", start, s.errorf(start, "want a space before %s", what)
		}
		start++
	}
	end := start
	for end < len(s.line) && s.line[end] != ' ' {
		end++
	}
	if end == start {
		return "", start, s.errorf(start, "missing %s", what)
	}
	s.pos = end
	return s.line[start:end], start, nil
}

// ParseRecord parses one canonical line (without its newline). It accepts
// exactly the lines Record.String produces for valid records, so
// ParseRecord(r.String()) equals r.
func ParseRecord(line string) (Record, error) {
	s := &lineScanner{line: line}
	var r Record
	var err error
	if r.At, err = s.parseTime(); err != nil {
		return Record{}, err
	}
	if r.Level, err = s.parseLevel(); err != nil {
		return Record{}, err
	}
	thread, err := s.parseID("thread", 't', 1<<31-1)
	if err != nil {
		return Record{}, err
	}
	r.Thread = ThreadID(thread)
	if r.Transfer, err = s.parseID("transfer", 'x', 1<<63-1); err != nil {
		return Record{}, err
	}
	if r.Kind, err = s.parseName("kind"); err != nil {
		return Record{}, err
	}
	for s.pos < len(line) {
		f, err := s.parseField()
		if err != nil {
			return Record{}, err
		}
		r.Fields = append(r.Fields, f)
	}
	if err := r.Validate(); err != nil {
		return Record{}, s.errorf(0, "%s", strings.TrimPrefix(err.Error(), "sim: "))
	}
	return r, nil
}

func (s *lineScanner) parseTime() (Time, error) {
	tok, col, err := s.token("time")
	if err != nil {
		return 0, err
	}
	us, frac, hasFrac := strings.Cut(tok, ".")
	if !isDecimal(us) || (len(us) > 1 && us[0] == '0') {
		return 0, s.errorf(col, "bad time %q", tok)
	}
	u, err := strconv.ParseInt(us, 10, 64)
	if err != nil || u > int64(MaxTime)/1e3 {
		return 0, s.errorf(col, "time %q out of range", tok)
	}
	var ns int64
	if hasFrac {
		if len(frac) != 3 || !isDecimal(frac) || frac == "000" {
			return 0, s.errorf(col, "bad time %q: the fraction is three digits of ns, not 000", tok)
		}
		ns, _ = strconv.ParseInt(frac, 10, 64)
	}
	if u == int64(MaxTime)/1e3 && ns > int64(MaxTime)%1e3 {
		return 0, s.errorf(col, "time %q out of range", tok)
	}
	return Time(u*1e3 + ns), nil
}

func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (s *lineScanner) parseLevel() (Level, error) {
	tok, col, err := s.token("level")
	if err != nil {
		return 0, err
	}
	l, err := ParseLevel(tok)
	if err != nil {
		return 0, s.errorf(col, "unknown level %q", tok)
	}
	return l, nil
}

func (s *lineScanner) parseID(what string, prefix byte, max int64) (int64, error) {
	tok, col, err := s.token(what)
	if err != nil || tok == "-" {
		return 0, err
	}
	if tok[0] != prefix || len(tok) < 2 || tok[1] < '1' || tok[1] > '9' {
		return 0, s.errorf(col, "bad %s %q: want - or %c<n>", what, tok, prefix)
	}
	id, err := strconv.ParseInt(tok[1:], 10, 64)
	if err != nil || id > max {
		return 0, s.errorf(col, "bad %s %q", what, tok)
	}
	return id, nil
}

func (s *lineScanner) parseName(what string) (string, error) {
	tok, col, err := s.token(what)
	if err != nil {
		return "", err
	}
	if !isName(tok) {
		return "", s.errorf(col, "bad %s %q", what, tok)
	}
	return tok, nil
}

func (s *lineScanner) parseField() (Field, error) {
	start := s.pos + 1
	eq := strings.IndexByte(s.line[start:], '=')
	sp := strings.IndexByte(s.line[start:], ' ')
	if eq < 0 || (sp >= 0 && sp < eq) {
		return Field{}, s.errorf(start, "want key=value")
	}
	key := s.line[start : start+eq]
	if !isName(key) {
		return Field{}, s.errorf(start, "bad key %q", key)
	}
	s.pos = start + eq + 1
	v, err := s.parseValue()
	return Field{key, v}, err
}

func (s *lineScanner) parseValue() (string, error) {
	start := s.pos
	rest := s.line[start:]
	if strings.HasPrefix(rest, `"`) {
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return "", s.errorf(start, "bad quoted value")
		}
		v, _ := strconv.Unquote(q) // QuotedPrefix accepted it
		if isBare(v) || strconv.Quote(v) != q {
			return "", s.errorf(start, "value %s is not in canonical form", q)
		}
		s.pos += len(q)
		return v, s.wantBoundary()
	}
	end := strings.IndexByte(rest, ' ')
	if end < 0 {
		end = len(rest)
	}
	if !isBare(rest[:end]) {
		return "", s.errorf(start, "bad bare value %q (quote it)", rest[:end])
	}
	s.pos += end
	return rest[:end], nil
}

func (s *lineScanner) wantBoundary() error {
	if s.pos < len(s.line) && s.line[s.pos] != ' ' {
		return s.errorf(s.pos, "want a space after the value")
	}
	return nil
}
