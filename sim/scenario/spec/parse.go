package spec

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/netsim"
)

// Parse reads a scenario file. name is the file's name, used in messages
// and as the scenario's default name (its base, without ".toml"). Any
// error is an *Error naming the place of the first problem in the file.
//
// Parse checks everything a scenario needs to run: each combination of
// the file's profiles, drivers and poll caps builds a valid scenario.
func Parse(name string, data []byte) (File, error) {
	var tree map[string]any
	if err := toml.Unmarshal(data, &tree); err != nil {
		return File{}, tomlError(name, err)
	}
	d := &decoder{file: name, ix: buildIndex(data)}
	f := d.top(&table{d: d, what: "at the top level", m: tree})
	if err := d.first(); err != nil {
		return File{}, err
	}
	// References between tables are checked once every table decoded, so
	// that a broken entry does not also show up as a dangling reference.
	d.check(&f)
	if err := d.first(); err != nil {
		return File{}, err
	}
	if err := validate(f); err != nil {
		return File{}, &Error{File: name, Msg: err.Error()}
	}
	return f, nil
}

// tomlError converts go-toml's error: a syntax or TOML-semantics problem
// (duplicate key, redefined table), with its place.
func tomlError(name string, err error) error {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		return &Error{File: name, Line: line, Col: col, Msg: "invalid TOML: " + strings.TrimPrefix(de.Error(), "toml: ")}
	}
	return &Error{File: name, Msg: "invalid TOML: " + strings.TrimPrefix(err.Error(), "toml: ")}
}

// validate builds every combination with the sweep's first seed and
// checks it as scenario.Run will. Parse's own checks should leave nothing
// for it to find: it is the last line of defence, and its errors have no
// place in the file. Copies of a transfer are alike, so each entry is
// checked once (a count of a million stays cheap to parse).
func validate(f File) error {
	f = collapse(f)
	for _, g := range f.Expand() {
		if _, err := g.Scenario(f.Sweep.At(0)); err != nil {
			return err
		}
	}
	return nil
}

// collapse is f with one copy of each transfer entry, its stops pointing
// at the entries of their transfers.
func collapse(f File) File {
	entry := []int{0} // transfer ID -> entry ID (both from 1)
	f.Transfers = slices.Clone(f.Transfers)
	for i := range f.Transfers {
		for range f.Transfers[i].copies() {
			entry = append(entry, i+1)
		}
		f.Transfers[i].Count = 1
	}
	f.Stops = slices.Clone(f.Stops)
	for i, s := range f.Stops {
		if s.Transfer >= 1 && s.Transfer < len(entry) {
			f.Stops[i].Transfer = entry[s.Transfer]
		}
	}
	return f
}

// scriptLine matches model.ParseScript's and Script.Validate's errors.
var scriptLine = regexp.MustCompile(`^model: script line (\d+): (.*)$`)

// script reads a transfer's script text.
func (d *decoder) script(f field) *model.Script {
	s, ok := f.str()
	if !ok {
		return nil
	}
	sc, err := model.ParseScript(s)
	if err != nil {
		d.scriptErr(f, err)
		return nil
	}
	return sc
}

// scriptErr records a script error at the script's line in the file when
// the script is a multi-line string, else at the string.
func (d *decoder) scriptErr(f field, err error) {
	m := scriptLine.FindStringSubmatch(err.Error())
	if m == nil {
		f.fail("%s", bare(err))
		return
	}
	n, _ := strconv.Atoi(m[1])
	raw := f.l.raw
	if f.l.val.line == 0 || !strings.HasPrefix(raw, `"""`) && !strings.HasPrefix(raw, `'''`) {
		f.fail("line %d: %s", n, m[2])
		return
	}
	line := f.l.val.line + n - 1
	if rest := raw[3:]; strings.HasPrefix(rest, "\n") || strings.HasPrefix(rest, "\r\n") {
		line++ // TOML drops a newline right after the opening quotes
	}
	d.errAt(pos{line: line, col: 1}, "%s: %s", f.label, m[2])
}

// behavior checks a server behaviour's text form.
func (d *decoder) behavior(f field, s string) bool {
	if _, err := netsim.ParseBehavior(s); err != nil {
		f.textErr("behavior", s, err)
		return false
	}
	return true
}

// fault checks a fault's text form.
func (d *decoder) fault(f field, s string) bool {
	if _, err := netsim.ParseFault(s); err != nil {
		f.textErr("fault", s, err)
		return false
	}
	return true
}

// quote is a Go-quoted string, for messages.
func quote(s string) string { return strconv.Quote(s) }
