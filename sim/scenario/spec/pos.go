package spec

import (
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// pos is a place in a file: 1-based line and 1-based byte column (the
// columns go-toml's own errors use). The zero pos means "unknown".
type pos struct{ line, col int }

// loc is where one key of the document and its value are. For a table
// given by a header, both are the header's key; for an array element,
// both are the element.
type loc struct {
	key, val pos
	raw      string // the value's bytes as written (scalars only)
}

// index maps every key path of a decoded document to its place. A path is
// the key parts joined by pathSep; an array element or array-of-tables
// entry adds the part "#i". go-toml's decoder keeps no positions, so
// semantic errors found after decoding (an unknown server, a bad
// distribution) look their key up here, found by walking the same
// document with go-toml's parser.
type index struct {
	lines []int // byte offsets of line starts
	at    map[string]loc
}

const pathSep = "\x00"

// join makes a path key from its parts.
func join(parts []string) string { return strings.Join(parts, pathSep) }

// elem is the path part of array element i.
func elem(i int) string { return "#" + strconv.Itoa(i) }

// buildIndex walks a document that go-toml already accepted.
func buildIndex(data []byte) *index {
	ix := &index{lines: []int{0}, at: map[string]loc{}}
	for i, c := range data {
		if c == '\n' {
			ix.lines = append(ix.lines, i+1)
		}
	}
	var p unstable.Parser
	p.Reset(data)
	var table []string
	arrays := map[string]int{} // array-of-tables path -> entries so far
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table:
			parts, at := ix.keyParts(e)
			table = ix.resolve(parts, at, arrays)
		case unstable.ArrayTable:
			table = ix.arrayTable(e, arrays)
		case unstable.KeyValue:
			ix.keyValue(&p, table, e)
		}
	}
	return ix
}

// arrayTable records a [[header]]: a new entry of its array, which is
// the table the next keys go to.
func (ix *index) arrayTable(e *unstable.Node, arrays map[string]int) []string {
	parts, at := ix.keyParts(e)
	n := len(parts) - 1
	arr := append(ix.resolve(parts[:n], at, arrays), parts[n])
	i := arrays[join(arr)]
	arrays[join(arr)] = i + 1
	ix.put(arr, loc{key: at[n], val: at[n]})
	entry := append(arr, elem(i))
	ix.put(entry, loc{key: at[n], val: at[n]})
	return entry
}

// keyParts returns the parts of e's key and the place of each.
func (ix *index) keyParts(e *unstable.Node) ([]string, []pos) {
	var parts []string
	var at []pos
	for it := e.Key(); it.Next(); {
		k := it.Node()
		parts = append(parts, string(k.Data))
		at = append(at, ix.posOf(k.Raw))
	}
	return parts, at
}

// resolve turns a header's key into a path: a part naming an array of
// tables means its latest entry, as TOML says. Each table the header
// names, implicitly or not, is recorded at its key part unless it is
// known already.
func (ix *index) resolve(parts []string, at []pos, arrays map[string]int) []string {
	var out []string
	for i, part := range parts {
		out = append(out, part)
		if n, ok := arrays[join(out)]; ok {
			out = append(out, elem(n-1))
		}
		ix.put(out, loc{key: at[i], val: at[i]})
	}
	return out
}

// keyValue records a key = value line under table (and, for arrays and
// inline tables, everything inside the value).
func (ix *index) keyValue(p *unstable.Parser, table []string, e *unstable.Node) {
	path := append([]string(nil), table...)
	var kp pos
	for it := e.Key(); it.Next(); {
		k := it.Node()
		path = append(path, string(k.Data))
		kp = ix.posOf(k.Raw)
		ix.put(path, loc{key: kp, val: kp}) // dotted parts define tables
	}
	ix.value(p, path, kp, e.Value())
}

// value records a value at path (replacing what the key's own line
// recorded); key is its key's place.
func (ix *index) value(p *unstable.Parser, path []string, key pos, v *unstable.Node) {
	l := loc{key: key, val: ix.valuePos(v, key)}
	if v.Raw.Length > 0 && v.Kind != unstable.InlineTable {
		l.raw = string(p.Raw(v.Raw))
	}
	ix.at[join(path)] = l
	switch v.Kind {
	case unstable.Array:
		i := 0
		for it := v.Children(); it.Next(); {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
			ep := append(append([]string(nil), path...), elem(i))
			ix.value(p, ep, ix.valuePos(c, l.val), c)
			i++
		}
	case unstable.InlineTable:
		for it := v.Children(); it.Next(); {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				ix.keyValue(p, path, c)
			}
		}
	}
}

// valuePos is where value v starts; arrays carry no range of their own,
// so an array is where its first element is, or else at its key.
func (ix *index) valuePos(v *unstable.Node, key pos) pos {
	if v.Raw.Length > 0 {
		return ix.posOf(v.Raw)
	}
	if v.Kind == unstable.Array {
		for it := v.Children(); it.Next(); {
			if c := it.Node(); c.Kind != unstable.Comment {
				return ix.valuePos(c, key)
			}
		}
	}
	return key
}

// put records l at path unless the path is already known: the first
// mention of a table is where it is defined.
func (ix *index) put(path []string, l loc) {
	k := join(path)
	if _, ok := ix.at[k]; !ok {
		ix.at[k] = l
	}
}

// posOf is the place of a range's first byte.
func (ix *index) posOf(r unstable.Range) pos { return ix.offsetPos(int(r.Offset)) }

// offsetPos is the place of a byte offset.
func (ix *index) offsetPos(off int) pos {
	line := sort.Search(len(ix.lines), func(i int) bool { return ix.lines[i] > off }) - 1
	return pos{line: line + 1, col: off - ix.lines[line] + 1}
}

// lookup is the place of path; the zero loc when unknown.
func (ix *index) lookup(path []string) loc { return ix.at[join(path)] }
