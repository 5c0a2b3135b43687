package spec

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// catalogFS holds the built-in scenario files: catalog/families (every
// scenario.Families() family under both profiles and every driver),
// catalog/situations (every scenario.Situations() situation with every
// mechanism that applies, under both profiles), catalog/pollcap (the
// xferinfo poll-cap sweep and easy-stop as its reference) and
// catalog/fidelity (the scenarios simrun fidelity holds the simulator's
// curl-7.88 profile to the system's libcurl 7.88.1 with).
//
//go:embed catalog
var catalogFS embed.FS

// catalogDirs are the catalogue's folders, in the order Catalog lists
// them (files within a folder go in name order).
var catalogDirs = []string{"catalog/families", "catalog/situations", "catalog/pollcap", "catalog/fidelity"}

// Entry is one concrete scenario of the catalogue.
type Entry struct {
	// Name is unique in the catalogue: the file's scenario name plus
	// "/<profile>", "/<driver>", "/<poll cap>" for each axis the file
	// varies ("stall/curl-8/socket-exact").
	Name string
	// File is the catalogue file it comes from ("catalog/families/stall.toml").
	File string
	// Spec is the entry's File: one profile, driver and poll cap.
	Spec File
}

// catalog parses the embedded files (a few milliseconds). Each call
// parses afresh, so that what a caller changes never reaches the next.
// The files are part of the source and tested: a broken one is a bug in
// this package, and it panics.
func catalog() []Entry {
	var out []Entry
	for _, dir := range catalogDirs {
		names, err := fs.Glob(catalogFS, dir+"/*.toml")
		if err != nil {
			panic(err)
		}
		for _, name := range names { // Glob sorts them
			out = append(out, catalogFile(name)...)
		}
	}
	return out
}

// catalogFile parses one embedded file into its entries.
func catalogFile(name string) []Entry {
	data, err := catalogFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	f, err := Parse(name, data)
	if err != nil {
		panic(fmt.Sprintf("spec: built-in catalogue: %v", err))
	}
	var out []Entry
	for _, g := range f.Expand() {
		out = append(out, Entry{Name: g.Name, File: name, Spec: g})
	}
	return out
}

// Catalog returns the built-in scenarios, in a fixed order: families,
// situations, the poll-cap sweep.
func Catalog() []Entry { return catalog() }

// Lookup returns the catalogue entry called name.
func Lookup(name string) (Entry, bool) {
	for _, e := range catalog() {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// List prints the catalogue for `simrun list`: each file with its doc,
// then its entries with their default runs, then the totals.
func List(w io.Writer) error {
	entries := catalog()
	width := 0
	for _, e := range entries {
		width = max(width, len(e.Name))
	}
	var b strings.Builder
	file, files, runs := "", 0, 0
	for _, e := range entries {
		if e.File != file {
			file, files = e.File, files+1
			fmt.Fprintf(&b, "%s: %s\n", strings.TrimPrefix(file, "catalog/"), e.Spec.Doc)
		}
		n := e.Spec.Sweep.Len()
		runs += n
		fmt.Fprintf(&b, "  %-*s  %s\n", width, e.Name, plural(n, "run"))
	}
	fmt.Fprintf(&b, "%s in %s, %s at the default runs\n", plural(len(entries), "scenario"),
		plural(files, "file"), plural(runs, "run"))
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
