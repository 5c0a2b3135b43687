package rules

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Pure lists the packages that must be deterministic by construction
// (DESIGN decision 3): no goroutines, no wall-clock reads or waits, no
// global random source, in non-test code. "x/..." covers x's sub-packages.
var Pure = []string{"splay", "model/...", "sim/...", "netsim/..."}

// wallClock are the functions of package time that read or wait on the
// wall clock.
var wallClock = map[string]bool{
	"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true,
	"AfterFunc": true, "NewTimer": true, "NewTicker": true, "Tick": true,
}

// randAllowed are the only names of math/rand/v2 that do not touch its
// global source.
var randAllowed = map[string]bool{
	"New": true, "NewPCG": true, "NewChaCha8": true, "NewZipf": true,
	"Rand": true, "PCG": true, "ChaCha8": true, "Source": true, "Zipf": true,
}

// CheckDeterminism parses the non-test Go files of the pure packages under
// root and reports each goroutine, wall-clock use and global-RNG use.
func CheckDeterminism(root string, pure []string) ([]Violation, error) {
	var out []Violation
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || !isPure(path.Dir(rel), pure) {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		out = append(out, determinismViolations(fset, f, rel)...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	return out, nil
}

func isPure(pkg string, pure []string) bool {
	for _, p := range pure {
		if matches(p, pkg) {
			return true
		}
	}
	return false
}

func determinismViolations(fset *token.FileSet, f *ast.File, rel string) []Violation {
	var out []Violation
	report := func(n ast.Node, format string, args ...any) {
		line := fset.Position(n.Pos()).Line
		out = append(out, Violation{fmt.Sprintf("%s:%d", rel, line), fmt.Sprintf(format, args...)})
	}
	local := importNames(f, func(imp *ast.ImportSpec) { report(imp, "imports math/rand: use math/rand/v2 with an explicit source") })
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			report(n, "starts a goroutine")
		case *ast.SelectorExpr:
			pkg, ok := n.X.(*ast.Ident)
			if !ok {
				return true
			}
			switch local[pkg.Name] {
			case "time":
				if wallClock[n.Sel.Name] {
					report(n, "uses time.%s: the wall clock", n.Sel.Name)
				}
			case "math/rand/v2":
				if !randAllowed[n.Sel.Name] {
					report(n, "uses rand.%s: the global random source", n.Sel.Name)
				}
			}
		}
		return true
	})
	return out
}

// importNames maps each import's local name to its path, calling onOldRand
// for an import of math/rand (v1, whose generators are easy to misuse).
func importNames(f *ast.File, onOldRand func(*ast.ImportSpec)) map[string]string {
	local := map[string]string{}
	for _, imp := range f.Imports {
		ip, _ := strconv.Unquote(imp.Path.Value)
		name := path.Base(ip)
		if ip == "math/rand/v2" {
			name = "rand"
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		local[name] = ip
		if ip == "math/rand" {
			onOldRand(imp)
		}
	}
	return local
}
