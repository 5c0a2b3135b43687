package netsim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Fault policies and server behaviours share one text grammar:
//
//	name
//	name(arg,...,key=value,...)
//
// Arguments fill the form's parameters in order; key=value sets one by
// name. Parameters are durations ("2s", "1500ms") or non-negative
// integers. The canonical form (String) writes the positional parameters
// the form requires, then the keyed ones that differ from zero, with no
// spaces; the parser also accepts spaces around arguments.

// maxCount bounds integer parameters (bytes, rates) so arithmetic on them
// cannot overflow: a terabyte is far beyond any simulated transfer.
const maxCount = 1 << 40

// param is one parameter of a text form.
type param struct {
	key   string
	dur   bool // a duration; otherwise an integer
	opt   bool // may be omitted, meaning zero
	keyed bool // printed as key=value
	pos   bool // must be positive when given
}

// form is the grammar of one named text form.
type form struct {
	name   string
	params []param
}

// textArg is one argument as written, with its 0-based column.
type textArg struct {
	key, val string
	col      int
}

// textErr is a parse error naming the 1-based column.
func textErr(what, s string, col int, format string, args ...any) error {
	return fmt.Errorf("netsim: %s %q: col %d: %s", what, s, col+1, fmt.Sprintf(format, args...))
}

// parseForm reads s as one of forms and returns its index and parameter
// values (durations in nanoseconds).
func parseForm(what, s string, forms []form) (int, []int64, error) {
	name, nameCol, args, err := splitForm(what, s)
	if err != nil {
		return 0, nil, err
	}
	for i, f := range forms {
		if f.name == name {
			vals, err := bindArgs(what, s, f, args)
			return i, vals, err
		}
	}
	names := make([]string, len(forms))
	for i, f := range forms {
		names[i] = f.name
	}
	return 0, nil, textErr(what, s, nameCol, "unknown name %q (want %s)", name, strings.Join(names, ", "))
}

// splitForm splits s into its name and arguments.
func splitForm(what, s string) (string, int, []textArg, error) {
	start := skipSpace(s, 0)
	end := start
	for end < len(s) && isFormNameByte(s[end]) {
		end++
	}
	if end == start {
		return "", 0, nil, textErr(what, s, start, "want a name")
	}
	name := s[start:end]
	rest := skipSpace(s, end)
	if rest == len(s) {
		return name, start, nil, nil
	}
	if s[rest] != '(' {
		return "", 0, nil, textErr(what, s, rest, "unexpected %q after the name", s[rest])
	}
	closing := strings.IndexByte(s[rest:], ')')
	if closing < 0 {
		return "", 0, nil, textErr(what, s, len(s), "missing )")
	}
	closing += rest
	if tail := skipSpace(s, closing+1); tail != len(s) {
		return "", 0, nil, textErr(what, s, tail, "unexpected text after )")
	}
	args, err := splitArgs(what, s, rest+1, closing)
	return name, start, args, err
}

func isFormNameByte(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' }

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// splitArgs splits s[from:to] at commas into arguments.
func splitArgs(what, s string, from, to int) ([]textArg, error) {
	if skipSpace(s, from) == to {
		return nil, nil
	}
	var args []textArg
	for from <= to {
		end := strings.IndexByte(s[from:to], ',')
		if end < 0 {
			end = to
		} else {
			end += from
		}
		a, err := parseArg(what, s, from, end)
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		from = end + 1
	}
	return args, nil
}

// parseArg reads one "value" or "key=value" from s[from:to].
func parseArg(what, s string, from, to int) (textArg, error) {
	start := skipSpace(s, from)
	end := to
	for end > start && (s[end-1] == ' ' || s[end-1] == '\t') {
		end--
	}
	text := s[start:end]
	if text == "" {
		return textArg{}, textErr(what, s, start, "empty argument")
	}
	if strings.ContainsAny(text, " \t(") {
		return textArg{}, textErr(what, s, start, "bad argument %q", text)
	}
	key, val, keyed := strings.Cut(text, "=")
	if !keyed {
		return textArg{val: text, col: start}, nil
	}
	if key == "" || val == "" || strings.Contains(val, "=") {
		return textArg{}, textErr(what, s, start, "bad key=value %q", text)
	}
	return textArg{key: key, val: val, col: start}, nil
}

// bindArgs assigns arguments to f's parameters and parses their values.
func bindArgs(what, s string, f form, args []textArg) ([]int64, error) {
	vals := make([]int64, len(f.params))
	set := make([]bool, len(f.params))
	for i, a := range args {
		p, err := argParam(what, s, f, args, i)
		if err != nil {
			return nil, err
		}
		if set[p] {
			return nil, textErr(what, s, a.col, "%s given twice", f.params[p].key)
		}
		set[p] = true
		if vals[p], err = parseValue(what, s, f.params[p], a); err != nil {
			return nil, err
		}
	}
	for i, p := range f.params {
		if !set[i] && !p.opt {
			return nil, textErr(what, s, len(strings.TrimRight(s, " \t"))-1, "%s needs %s", f.name, p.key)
		}
	}
	return vals, nil
}

// argParam finds the parameter argument i sets.
func argParam(what, s string, f form, args []textArg, i int) (int, error) {
	a := args[i]
	if a.key == "" {
		if i > 0 && args[i-1].key != "" {
			return 0, textErr(what, s, a.col, "positional argument after key=value")
		}
		if i >= len(f.params) {
			return 0, textErr(what, s, a.col, "%s takes %d argument(s)", f.name, len(f.params))
		}
		return i, nil
	}
	for j, p := range f.params {
		if p.key == a.key {
			return j, nil
		}
	}
	return 0, textErr(what, s, a.col, "%s has no parameter %q", f.name, a.key)
}

// parseValue reads one parameter's value.
func parseValue(what, s string, p param, a textArg) (int64, error) {
	col := a.col + len(a.key)
	if a.key != "" {
		col++
	}
	var v int64
	if p.dur {
		d, err := time.ParseDuration(a.val)
		if err != nil || d < 0 {
			return 0, textErr(what, s, col, "%s: bad duration %q", p.key, a.val)
		}
		v = int64(d)
	} else {
		n, err := strconv.ParseInt(a.val, 10, 64)
		if err != nil || n < 0 || n > maxCount {
			return 0, textErr(what, s, col, "%s: want an integer in [0, %d], have %q", p.key, int64(maxCount), a.val)
		}
		v = n
	}
	if p.pos && v == 0 {
		return 0, textErr(what, s, col, "%s must be positive", p.key)
	}
	return v, nil
}

// formatForm writes the canonical text of f with the given values.
func formatForm(f form, vals []int64) string {
	last := -1 // the last positional parameter that must be written
	for i, p := range f.params {
		if !p.keyed && (!p.opt || vals[i] != 0) {
			last = i
		}
	}
	var parts []string
	for i, p := range f.params {
		switch {
		case !p.keyed && i <= last:
			parts = append(parts, formatValue(p, vals[i]))
		case p.keyed && vals[i] != 0:
			parts = append(parts, p.key+"="+formatValue(p, vals[i]))
		}
	}
	if len(parts) == 0 {
		return f.name
	}
	return f.name + "(" + strings.Join(parts, ",") + ")"
}

func formatValue(p param, v int64) string {
	if p.dur {
		return FormatDuration(time.Duration(v))
	}
	return strconv.FormatInt(v, 10)
}

// checkValues reports the first value out of range for f, for structures
// built by hand rather than parsed.
func checkValues(what string, f form, vals []int64) error {
	for i, p := range f.params {
		v := vals[i]
		switch {
		case v < 0:
			return errorf("%s %s: negative %s", what, f.name, p.key)
		case !p.dur && v > maxCount:
			return errorf("%s %s: %s %d above %d", what, f.name, p.key, v, int64(maxCount))
		case v == 0 && p.pos && !p.opt:
			return errorf("%s %s: %s must be positive", what, f.name, p.key)
		}
	}
	return nil
}
