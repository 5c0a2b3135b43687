package reports

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium is where Debian's chromium package puts the browser; CI
// (.ci/run) installs it.
const chromium = "/usr/bin/chromium"

// needChromium skips the test without a browser, except in CI, where a
// missing browser means the browser test silently stopped running.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is missing (%v): .ci/run must install Debian's chromium", chromium, err)
		}
		t.Skipf("skipping the browser test: %s not found (apt-get install chromium to run it)", chromium)
	}
}

// browser starts a headless Chromium with the flags of a locked-down CI
// run and returns its context.
func browser(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1024),
	)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(func() { _ = chromedp.Cancel(bctx); bcancel() })
	return bctx
}

// console collects the page's console messages until stop is called.
type console struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
	done chan struct{}
}

func listen(ctx context.Context) (*console, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	c := &console{done: make(chan struct{})}
	msgs := chromedp.Console(ctx) // subscribes now, before the page loads
	go func() {
		defer close(c.done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			c.mu.Lock()
			c.msgs = append(c.msgs, m)
			c.mu.Unlock()
		}
	}()
	return c, cancel
}

// pageCheck is what imagesJS reports about the page.
type pageCheck struct {
	Images, SVGs int
	Bad          []string
}

// imagesJS waits for every image to decode, then lists those that did
// not render (no natural size) and inline SVGs with an empty box.
const imagesJS = `(async () => {
  const imgs = [...document.images];
  await Promise.all(imgs.map(i => i.decode().catch(() => {})));
  const bad = [];
  for (const i of imgs) {
    if (!(i.complete && i.naturalWidth > 0 && i.naturalHeight > 0)) bad.push("img " + (i.alt || i.src.slice(0, 40)));
  }
  const svgs = [...document.querySelectorAll("svg")];
  for (const s of svgs) {
    const r = s.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) bad.push("inline svg");
  }
  return {images: imgs.length, svgs: svgs.length, bad: bad};
})()`

// clippedJS lists the texts of an SVG document that stick out of its
// canvas or overlap another text, as the browser laid them out.
const clippedJS = `(() => {
  const box = document.documentElement.getBoundingClientRect();
  const rects = [];
  const out = [];
  for (const t of document.querySelectorAll("text")) {
    const r = t.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
      out.push("outside the canvas: " + t.textContent);
    }
    for (const [u, o] of rects) {
      const w = Math.min(r.right, o.right) - Math.max(r.left, o.left);
      const h = Math.min(r.bottom, o.bottom) - Math.max(r.top, o.top);
      if (w > 1 && h > 1) out.push("overlap: " + u + " / " + t.textContent);
    }
    rects.push([t.textContent, r]);
  }
  return out;
})()`

// The generated report loads in a real browser: every figure renders,
// no text of a plot is clipped or overlaps another, and the console
// stays free of errors.
func TestReportInBrowser(t *testing.T) {
	needChromium(t)
	dir := t.TempDir()
	res := sweep(t, 2)
	diff := Compare(New(res.Runs[:len(res.Runs)/2]), res, DefaultTolerances())
	if err := (Report{Results: res, Diff: &diff}).WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	log, stop := listen(ctx)
	got, err := chromedp.Run(ctx, loadAndCheck("file://"+filepath.Join(dir, IndexFile)))
	if err != nil {
		t.Fatal(err)
	}
	figs, _ := Plots(res)
	if got.Images != len(figs) || got.SVGs != 0 || len(got.Bad) > 0 {
		t.Errorf("index.html: %d images and %d inline SVGs, want %d images; not rendered: %q", got.Images, got.SVGs, len(figs), got.Bad)
	}
	for _, f := range figs {
		texts, err := chromedp.Run(ctx, textCheck("file://"+filepath.Join(dir, PlotsDir, f.Name+".svg")))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range texts {
			t.Errorf("%s: %s", f.Name, p)
		}
	}
	stop()
	<-log.done
	for _, m := range log.msgs {
		if m.Type == chromedp.ConsoleError || m.IsException() {
			t.Errorf("console %s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line)
		} else {
			t.Logf("console %s: %s", m.Type, m.Text)
		}
	}
}

func loadAndCheck(url string) chromedp.Action[pageCheck] {
	return func(ctx context.Context, tg *chromedp.Target) (pageCheck, error) {
		if _, err := chromedp.Navigate(url)(ctx, tg); err != nil {
			return pageCheck{}, err
		}
		return chromedp.Evaluate[pageCheck](imagesJS, chromedp.EvalAwaitPromise)(ctx, tg)
	}
}

func textCheck(url string) chromedp.Action[[]string] {
	return func(ctx context.Context, tg *chromedp.Target) ([]string, error) {
		if _, err := chromedp.Navigate(url)(ctx, tg); err != nil {
			return nil, err
		}
		return chromedp.Evaluate[[]string](clippedJS)(ctx, tg)
	}
}
