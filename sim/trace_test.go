package sim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"hash/fnv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// genRecord generates valid records, with values that need quoting often.
func genRecord() *rapid.Generator[Record] {
	name := rapid.StringMatching(`[a-z][a-z0-9_.:/-]{0,10}`)
	value := rapid.OneOf(rapid.StringMatching(`[a-z0-9_.:/+@%,-]{1,8}`), rapid.String())
	return rapid.Custom(func(t *rapid.T) Record {
		r := Record{
			At:       Time(rapid.Int64Range(0, int64(MaxTime)).Draw(t, "at")),
			Level:    Level(rapid.IntRange(0, int(numLevels)-1).Draw(t, "level")),
			Thread:   ThreadID(rapid.Int32Range(0, 1<<31-1).Draw(t, "thread")),
			Transfer: rapid.Int64Range(0, 1<<62).Draw(t, "transfer"),
			Kind:     name.Draw(t, "kind"),
		}
		keys := rapid.SliceOfNDistinct(name, 0, 5, func(s string) string { return s }).Draw(t, "keys")
		for _, k := range keys {
			r.Fields = append(r.Fields, Field{k, value.Draw(t, "value")})
		}
		return r
	})
}

// TestRecordRoundTrip: the canonical line of any valid record parses back
// to the same record, and re-printing gives the same line.
func TestRecordRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := genRecord().Draw(t, "record")
		line := r.String()
		back, err := ParseRecord(line)
		if err != nil {
			t.Fatalf("ParseRecord(%q): %v", line, err)
		}
		if diff := cmp.Diff(r, back); diff != "" {
			t.Fatalf("round trip of %q (-want +got):\n%s", line, diff)
		}
		if back.String() != line {
			t.Fatalf("line changed: %q -> %q", line, back.String())
		}
	})
}

func TestCanonicalLines(t *testing.T) {
	tests := []struct {
		rec  Record
		line string
	}{
		{Record{At: 1_001_000_000, Level: LevelAPI, Thread: 3, Transfer: 7, Kind: "poll.return",
			Fields: []Field{Int("rc", 0), Dur("waited", 1001e6)}},
			"1001000 api t3 x7 poll.return rc=0 waited=1001ms"},
		{Record{At: 1_001_000_250, Level: LevelNet, Kind: "recv", Fields: []Field{F("peer", "10.0.0.1:443"), Int("n", -1)}},
			"1001000.250 net - - recv peer=10.0.0.1:443 n=-1"},
		{Record{At: 7, Level: LevelCallback, Thread: 1, Kind: "xferinfo", Fields: []Field{F("msg", "two words"), F("empty", ""), F("q", `a"b`)}},
			`0.007 callback t1 - xferinfo msg="two words" empty="" q="a\"b"`},
		{Record{Level: LevelInternal, Kind: "start"}, "0 internal - - start"},
	}
	for _, tc := range tests {
		if got := tc.rec.String(); got != tc.line {
			t.Errorf("String() = %q, want %q", got, tc.line)
		}
		back, err := ParseRecord(tc.line)
		if err != nil || !cmp.Equal(tc.rec, back) {
			t.Errorf("ParseRecord(%q) = %+v, %v", tc.line, back, err)
		}
	}
}

// TestParseRecordErrors: non-canonical and malformed lines are refused,
// with the column of the problem.
func TestParseRecordErrors(t *testing.T) {
	tests := []struct{ line, want string }{
		{"", "col 1: missing time"},
		{"01 api - - k", `col 1: bad time "01"`},
		{"-1 api - - k", `col 1: bad time "-1"`},
		{"1.5 api - - k", "the fraction is three digits"},
		{"1.000 api - - k", "the fraction is three digits"},
		{"99999999999999999 api - - k", "out of range"},
		{"1 API - - k", `col 3: unknown level "API"`},
		{"1 api 3 - k", `col 7: bad thread "3"`},
		{"1 api t0 - k", `bad thread "t0"`},
		{"1 api t01 - k", `bad thread "t01"`},
		{"1 api t99999999999 - k", `bad thread`},
		{"1 api - y2 k", `col 9: bad transfer "y2"`},
		{"1 api - -", "col 10: want a space before kind"},
		{"1 api - - k!", `bad kind "k!"`},
		{"1  api - - k", "col 3: missing level"},
		{"1 api - - k ", "want key=value"},
		{"1 api - - k a", "want key=value"},
		{"1 api - - k =v", `bad key ""`},
		{"1 api - - k a=b c", "want key=value"},
		{"1 api - - k a=x=y", `bad bare value "x=y"`},
		{`1 api - - k a="x`, "bad quoted value"},
		{`1 api - - k a="x y"z`, "col 20: want a space after the value"},
		{`1 api - - k a="x"`, "not in canonical form"},
		{`1 api - - k a=\x41`, "bad bare value"},
		{"1 api - - k a=1 a=2", `key "a" repeated`},
	}
	for _, tc := range tests {
		_, err := ParseRecord(tc.line)
		if err == nil || !strings.HasPrefix(err.Error(), "sim: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseRecord(%q) error = %v, want one containing %q", tc.line, err, tc.want)
		}
	}
}

// FuzzParseRecord: ParseRecord never panics and accepts only canonical
// lines: whatever it parses prints back to the same text.
func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{"1001000.250 net - - recv peer=10.0.0.1:443 n=-1",
		`0.007 callback t1 - xferinfo msg="two words" empty=""`, "0 internal - - start", "1 api t3 x7 k a=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r, err := ParseRecord(line)
		if err != nil {
			return
		}
		if got := r.String(); got != line {
			t.Fatalf("accepted a non-canonical line %q (canonical %q)", line, got)
		}
	})
}

func sampleRecords() []Record {
	return []Record{
		{At: 0, Level: LevelInternal, Thread: 1, Kind: KindThreadSpawn, Fields: []Field{F("name", "app")}},
		{At: 1500, Level: LevelAPI, Thread: 1, Transfer: 2, Kind: "easy_perform"},
		{At: 1_001_000_250, Level: LevelNet, Kind: "recv", Fields: []Field{Int("n", 512), F("note", "a \"quoted\"\tvalue")}},
		{At: 2_000_000_000, Level: LevelCallback, Thread: 1, Transfer: 2, Kind: "xferinfo", Fields: []Field{Int("rc", 0)}},
	}
}

// TestTraceHash: the hash is FNV-1a over the text form, the recorder's
// running hash matches it whether or not it keeps records, and a pinned
// value guards the canonical form against accidental change.
func TestTraceHash(t *testing.T) {
	recs := sampleRecords()
	var text bytes.Buffer
	if err := WriteText(&text, recs); err != nil {
		t.Fatal(err)
	}
	h := fnv.New64a()
	h.Write(text.Bytes())
	if HashRecords(recs) != h.Sum64() {
		t.Errorf("HashRecords = %#x, FNV-1a of the text = %#x", HashRecords(recs), h.Sum64())
	}
	keep, hashOnly := NewRecorder(AllLevels, true), NewRecorder(AllLevels, false)
	for _, r := range recs {
		keep.Add(r)
		hashOnly.Add(r)
	}
	if keep.Hash() != h.Sum64() || hashOnly.Hash() != h.Sum64() || hashOnly.Len() != 4 || hashOnly.Records() != nil {
		t.Errorf("recorder hashes %#x / %#x, len %d", keep.Hash(), hashOnly.Hash(), hashOnly.Len())
	}
	if got := FormatHash(HashRecords(recs)); got != "82ab87f038bfce1a" {
		t.Errorf("pinned hash changed: %s (if the canonical form changed on purpose, update it)", got)
	}
}

func TestRecorderLevelsAndErrors(t *testing.T) {
	var off *Recorder
	off.Add(Record{Kind: "x"})
	if off.Enabled(LevelAPI) || off.Len() != 0 || off.Err() != nil || off.Hash() != fnv64aOffset {
		t.Error("a nil recorder recorded something")
	}
	r := NewRecorder(LevelsOf(LevelAPI, LevelNet), true)
	fields := []Field{F("a", "1")}
	for l := range numLevels {
		r.Add(Record{Level: l, Kind: "k", Fields: fields})
	}
	fields[0].Value = "changed" // the recorder keeps its own copy
	if r.Len() != 2 || r.Records()[0].Fields[0].Value != "1" {
		t.Errorf("recorded %v", r.Records())
	}
	if got := LevelsOf(LevelAPI, LevelNet).String(); got != "api,net" {
		t.Errorf("Levels.String() = %q", got)
	}
	r.Add(Record{Level: LevelAPI, Kind: "bad kind"})
	if r.Err() == nil || r.Len() != 3 {
		t.Errorf("invalid record: err %v, len %d", r.Err(), r.Len())
	}
	for l := range numLevels + 1 {
		if back, err := ParseLevel(l.String()); l < numLevels && (err != nil || back != l) {
			t.Errorf("level %v: %v %v", l, back, err)
		}
	}
}

func TestReadText(t *testing.T) {
	var buf bytes.Buffer
	WriteText(&buf, sampleRecords())
	got, err := ReadText(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sampleRecords(), got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	_, err = ReadText(strings.NewReader("0 api - - ok\n0 api - - ok\nnonsense\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3:") {
		t.Errorf("error %v does not name line 3", err)
	}
}

func TestJSONLines(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSONLines(&buf, sampleRecords()); err != nil {
		t.Fatal(err)
	}
	type line struct {
		NS       int64
		Level    string
		Thread   int
		Transfer int64
		Kind     string
		Fields   map[string]string
	}
	sc := bufio.NewScanner(&buf)
	var got []line
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %v", sc.Text(), err)
		}
		got = append(got, l)
	}
	if len(got) != 4 || got[2].NS != 1_001_000_250 || got[2].Fields["note"] != "a \"quoted\"\tvalue" || got[1].Transfer != 2 {
		t.Errorf("decoded %+v", got)
	}
}

// TestChromeTrace: the export is valid JSON in the trace-event format,
// with one instant event per record and named thread tracks.
func TestChromeTrace(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteChromeTrace(&buf, sampleRecords()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		DisplayTimeUnit string `json:"displayTimeUnit"`
		TraceEvents     []struct {
			Name string
			Cat  string
			Ph   string
			TS   float64
			PID  int
			TID  int
			Args map[string]any
		} `json:"traceEvents"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.String())
	}
	var instants, names int
	for _, e := range doc.TraceEvents {
		switch e.Ph {
		case "i":
			instants++
		case "M":
			names++
		}
	}
	if instants != 4 || names != 2 { // process name + the spawned thread
		t.Errorf("%d instant and %d metadata events", instants, names)
	}
	for _, e := range doc.TraceEvents {
		if e.Name == "recv" && (e.TS != 1001000.25 || e.Cat != "net" || e.TID != 0 || e.Args["n"] != "512") {
			t.Errorf("event %+v", e)
		}
		if e.Name == "easy_perform" && (e.TS != 1.5 || e.TID != 1 || e.Args["transfer"] != "2") {
			t.Errorf("event %+v", e)
		}
	}
}
