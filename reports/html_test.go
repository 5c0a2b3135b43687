package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Names and details come from scenario files: none reaches the page as
// markup, and the page has no script at all.
func TestHTMLEscapes(t *testing.T) {
	res := goldenResults(t)
	evil := `<script>alert("x")</script>`
	for i := range res.Runs {
		res.Runs[i].Scenario += evil
		for j := range res.Runs[i].Verdicts {
			res.Runs[i].Verdicts[j].Detail = `<img src=x onerror=alert(1)>`
		}
	}
	res = New(res.Runs)
	res.Timeline = goldenResults(t).Timeline
	res.Timeline.Scenario = evil
	d := Compare(goldenResults(t), res, DefaultTolerances())
	var buf bytes.Buffer
	if err := (Report{Title: "<b>t</b>", Results: res, Diff: &d}).WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<script", "<img src=x", "<b>t</b>"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q unescaped", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;", "&lt;img src=x onerror=alert(1)&gt;", "&lt;b&gt;t&lt;/b&gt;", "REGRESSED"} {
		if !strings.Contains(page, good) {
			t.Errorf("page lacks %q", good)
		}
	}
	figs, _ := Plots(res)
	// html/template writes the "+" of the media type as &#43;.
	if n := strings.Count(page, `<img src="data:image/svg&#43;xml;base64,`); n != len(figs) || n == 0 {
		t.Errorf("%d embedded images, want one per figure (%d)", n, len(figs))
	}
}

func TestWriteDir(t *testing.T) {
	dir := t.TempDir()
	plots := filepath.Join(dir, PlotsDir)
	if err := os.MkdirAll(plots, 0o755); err != nil {
		t.Fatal(err)
	}
	// A stale figure of an earlier report, and a file that is not ours.
	for _, name := range []string{"timeline.svg", "mine.svg"} {
		if err := os.WriteFile(filepath.Join(plots, name), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := goldenResults(t)
	res.Timeline = nil
	rep := Report{Results: res}
	if err := rep.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	read, err := os.Open(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer read.Close()
	back, err := ReadJSON(read)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(res, back); d != "" {
		t.Errorf("results.json reads back differently (-want +got):\n%s", d)
	}
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, SummaryFile)); !bytes.Equal(got, md.Bytes()) {
		t.Error("summary.md differs from WriteMarkdown")
	}
	figs, _ := Plots(res)
	want := []string{".", IndexFile, PlotsDir, "plots/mine.svg", ResultsFile, SummaryFile}
	for _, f := range figs {
		want = append(want, "plots/"+f.Name+".svg")
	}
	var got []string
	err = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		got = append(got, filepath.ToSlash(rel))
		if info, _ := e.Info(); !e.IsDir() && info.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want 0644", rel, info.Mode().Perm())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(got))); d != "" {
		t.Errorf("files in the report (-want +got): no temporary left, the stale timeline gone, mine kept:\n%s", d)
	}
}
