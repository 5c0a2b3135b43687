// Package rules checks the repository's structural rules: every package has
// a doc comment, and imports only point down the layers of DESIGN.md. It is
// run as a test (rules_test.go) so a broken rule fails CI; it is not a
// general linter and knows only this module's layout.
package rules

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Layer says what one package may import. Paths are relative to the module
// root ("splay", "sim/scenario"); an entry ending in "/..." matches a
// package and everything below it.
type Layer struct {
	Pkg string
	// Internal lists the module's packages that non-test code may import.
	Internal []string
	// ThirdParty lists module path prefixes non-test code may import
	// (the standard library is always allowed).
	ThirdParty []string
	// TestInternal and TestThirdParty are additionally allowed in _test.go
	// files.
	TestInternal   []string
	TestThirdParty []string
}

// testLibs are the libraries any package's tests may use.
var testLibs = []string{"pgregory.net/rapid", "github.com/google/go-cmp", "github.com/cockroachdb/datadriven"}

// Layers is the import policy of DESIGN.md. A package of the module that
// matches no entry is itself a violation, so a new package must be placed
// in the layers before it can land. A package named "<x>test" under x (like
// httptest) may import what x may, plus x.
var Layers = []Layer{
	{Pkg: "splay", TestThirdParty: testLibs},
	{Pkg: "netsim", TestThirdParty: testLibs, TestInternal: []string{"sim/..."}},
	{Pkg: "model", Internal: []string{"splay"},
		TestThirdParty: append([]string{"github.com/benbjohnson/clock"}, testLibs...)},
	{Pkg: "sim", Internal: []string{"splay"},
		TestThirdParty: append([]string{"github.com/benbjohnson/clock"}, testLibs...)},
	{Pkg: "sim/netpoll", Internal: []string{"sim", "netsim"}, TestThirdParty: testLibs},
	{Pkg: "sim/scenario", Internal: []string{"sim", "sim/netpoll", "model", "netsim", "splay"}, TestThirdParty: testLibs},
	{Pkg: "sim/scenario/spec", Internal: []string{"sim", "sim/scenario", "model", "netsim"},
		ThirdParty: []string{"github.com/pelletier/go-toml/v2"}, TestThirdParty: testLibs},
	{Pkg: "properties", Internal: []string{"sim/...", "model", "netsim", "splay"},
		ThirdParty: []string{"pgregory.net/rapid", "github.com/google/go-cmp"}, TestThirdParty: testLibs},
	{Pkg: "reports", Internal: []string{"properties/...", "sim/...", "model", "netsim", "splay"},
		ThirdParty: []string{"gonum.org/v1/"}, TestThirdParty: append([]string{"github.com/chromedp/"}, testLibs...)},
	// realcurl is the second engine: real libcurl through cgo, in real
	// time. It reads scenarios and writes the same results, so it sits
	// beside sim/scenario; it is not pure (real clock, goroutines).
	{Pkg: "realcurl", Internal: []string{"sim/...", "model", "properties"}, TestThirdParty: testLibs},
	{Pkg: "cmd/...", Internal: []string{"..."}, ThirdParty: []string{""}, TestThirdParty: []string{""}},
	{Pkg: "internal/rules", TestThirdParty: testLibs},
}

// Violation is one broken rule, located at a file.
type Violation struct {
	File string // relative to the root
	Msg  string
}

func (v Violation) String() string { return v.File + ": " + v.Msg }

// pkgFiles is what Check learns about one directory's Go files.
type pkgFiles struct {
	rel     string
	files   []string
	hasDoc  bool
	imports map[string][]string // import path -> files importing it
	tests   map[string][]string // the same, for _test.go files
}

// Check walks the module rooted at root (a directory with go.mod) and
// returns every violation, sorted by file. testdata, hidden and vendor
// directories are skipped.
func Check(root string, layers []Layer) ([]Violation, error) {
	module, err := modulePath(root)
	if err != nil {
		return nil, err
	}
	pkgs, err := scan(root)
	if err != nil {
		return nil, err
	}
	var out []Violation
	for _, p := range pkgs {
		out = append(out, checkPkg(p, module, layers)...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}

func modulePath(root string) (string, error) {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("rules: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return f[1], nil
		}
	}
	return "", fmt.Errorf("rules: %s: no module line", filepath.Join(root, "go.mod"))
}

// scan parses the imports and doc comments of every Go file under root.
func scan(root string) ([]*pkgFiles, error) {
	byDir := map[string]*pkgFiles{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		return addFile(fset, root, p, byDir)
	})
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	var pkgs []*pkgFiles
	for _, p := range byDir {
		pkgs = append(pkgs, p)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].rel < pkgs[j].rel })
	return pkgs, nil
}

func addFile(fset *token.FileSet, root, p string, byDir map[string]*pkgFiles) error {
	f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		return err
	}
	rel, _ := filepath.Rel(root, filepath.Dir(p))
	rel = filepath.ToSlash(rel)
	pf := byDir[rel]
	if pf == nil {
		pf = &pkgFiles{rel: rel, imports: map[string][]string{}, tests: map[string][]string{}}
		byDir[rel] = pf
	}
	file := path.Join(rel, filepath.Base(p))
	isTest := strings.HasSuffix(p, "_test.go")
	if !isTest {
		pf.files = append(pf.files, file)
		pf.hasDoc = pf.hasDoc || (f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "")
	}
	for _, imp := range f.Imports {
		ip, _ := strconv.Unquote(imp.Path.Value)
		if isTest {
			pf.tests[ip] = append(pf.tests[ip], file)
		} else {
			pf.imports[ip] = append(pf.imports[ip], file)
		}
	}
	return nil
}

func checkPkg(p *pkgFiles, module string, layers []Layer) []Violation {
	if len(p.files) == 0 {
		return nil // tests only (an external test package lives with its package)
	}
	var out []Violation
	if !p.hasDoc && p.rel != "." {
		out = append(out, Violation{p.files[0], fmt.Sprintf("package %s has no doc comment", p.rel)})
	}
	layer, ok := layerFor(p.rel, layers)
	if !ok {
		return append(out, Violation{p.files[0], fmt.Sprintf("package %s is in no layer of the import rules (internal/rules)", p.rel)})
	}
	out = append(out, checkImports(p.imports, module, layer.Internal, layer.ThirdParty, "")...)
	out = append(out, checkImports(p.tests, module,
		concat(layer.Internal, layer.TestInternal, []string{p.rel, p.rel + "/" + path.Base(p.rel) + "test"}),
		concat(layer.ThirdParty, layer.TestThirdParty), "tests ")...)
	return out
}

// layerFor finds the rule for rel; "<x>/<base(x)>test" inherits x's rule
// and may import x.
func layerFor(rel string, layers []Layer) (Layer, bool) {
	for _, l := range layers {
		if matches(l.Pkg, rel) {
			return l, true
		}
	}
	parent := path.Dir(rel)
	if path.Base(rel) == path.Base(parent)+"test" {
		if l, ok := layerFor(parent, layers); ok {
			l.Internal = concat(l.Internal, []string{parent})
			return l, true
		}
	}
	return Layer{}, false
}

func checkImports(imports map[string][]string, module string, internal, third []string, what string) []Violation {
	var out []Violation
	for ip, files := range imports {
		var ok bool
		switch {
		case ip == module || strings.HasPrefix(ip, module+"/"):
			rel := strings.TrimPrefix(strings.TrimPrefix(ip, module), "/")
			ok = slices.ContainsFunc(internal, func(pat string) bool { return matches(pat, rel) })
		case !strings.Contains(strings.Split(ip, "/")[0], "."):
			ok = true // standard library
		default:
			ok = slices.ContainsFunc(third, func(pre string) bool { return strings.HasPrefix(ip, pre) })
		}
		if !ok {
			for _, f := range files {
				out = append(out, Violation{f, fmt.Sprintf("%simport %q breaks the layer rules", what, ip)})
			}
		}
	}
	return out
}

// matches reports whether rel is pattern, or lies under it for "x/...";
// "..." alone matches everything.
func matches(pattern, rel string) bool {
	if pattern == "..." {
		return true
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return rel == base || strings.HasPrefix(rel, base+"/")
	}
	return rel == pattern
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
