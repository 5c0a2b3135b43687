package reports

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The files WriteDir writes.
const (
	IndexFile   = "index.html"
	SummaryFile = "summary.md"
	ResultsFile = "results.json"
	PlotsDir    = "plots"
)

// WriteDir writes the whole report into dir (created if needed):
// index.html, summary.md, results.json and plots/<name>.svg. Each file is
// written to a temporary name and renamed into place, so a reader (or an
// interrupted run) sees either the previous file or the new one, never a
// torn one. Plots of the known figures that this report no longer has
// are removed, and so are fidelity figures (plots/fidelity-*.svg) it did
// not write.
func (r Report) WriteDir(dir string) error {
	figs, err := r.figures()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, PlotsDir), 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	var html, md, js bytes.Buffer
	if err := r.writeHTML(&html, figs); err != nil {
		return err
	}
	if err := r.WriteMarkdown(&md); err != nil {
		return err
	}
	if err := WriteJSON(&js, r.Results); err != nil {
		return err
	}
	files := map[string][]byte{IndexFile: html.Bytes(), SummaryFile: md.Bytes(), ResultsFile: js.Bytes()}
	for _, f := range figs.all() {
		files[filepath.Join(PlotsDir, f.Name+".svg")] = f.SVG
	}
	for _, name := range sortedNames(files) {
		if err := writeAtomic(filepath.Join(dir, name), files[name]); err != nil {
			return err
		}
	}
	return removeStalePlots(dir, files)
}

// sortedNames orders the files with the index last, so that a reader who
// finds the new index also finds its plots and results.
func sortedNames(files map[string][]byte) []string {
	names := slices.Sorted(maps.Keys(files))
	slices.SortStableFunc(names, func(a, b string) int {
		return cmp.Compare(boolInt(a == IndexFile), boolInt(b == IndexFile))
	})
	return names
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// writeAtomic writes data to path through a temporary file in the same
// directory and a rename.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	// CreateTemp makes the file private; a report is for everyone to read.
	merr := f.Chmod(0o644)
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(merr, werr, cerr); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("reports: writing %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

// removeStalePlots deletes plots/<figure>.svg for the package's figures
// that were not written this time, and plots/fidelity-*.svg likewise
// (the prefix is this package's); files it did not make stay.
func removeStalePlots(dir string, written map[string][]byte) error {
	names := slices.Clone(figureNames)
	entries, err := os.ReadDir(filepath.Join(dir, PlotsDir))
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".svg"); ok && strings.HasPrefix(n, fidelityPrefix) && e.Type().IsRegular() {
			names = append(names, n)
		}
	}
	for _, name := range names {
		rel := filepath.Join(PlotsDir, name+".svg")
		if _, ok := written[rel]; ok {
			continue
		}
		if err := os.Remove(filepath.Join(dir, rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("reports: %w", err)
		}
	}
	return nil
}
