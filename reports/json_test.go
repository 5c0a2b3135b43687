package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJSONRoundTrip(t *testing.T) {
	want := goldenResults(t)
	got, err := ReadJSON(bytes.NewReader(encode(t, want)))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ReadJSON(WriteJSON(r)) (-want +got):\n%s", d)
	}
	if !bytes.Equal(encode(t, got), encode(t, want)) {
		t.Error("re-encoding a read file changes its bytes")
	}
}

func TestReadJSONErrors(t *testing.T) {
	valid := string(encode(t, goldenResults(t)))
	tests := []struct {
		name, input string
		want        []string // substrings of the error
	}{
		{"newer schema", `{"schema": "expiry.results/v2", "runs": [], "summaries": []}`,
			[]string{`reports: results schema "expiry.results/v2" is not supported`, `reads "expiry.results/v1"`}},
		{"older schema", `{"schema": "expiry.results/v0"}`, []string{`"expiry.results/v0" is not supported`}},
		{"other schema", `{"schema": "something/v1"}`, []string{`not a results file: schema "something/v1"`}},
		{"no schema", `{"runs": []}`, []string{`no "schema" field`}},
		{"not JSON", `runs: []`, []string{"reports: not a results file"}},
		{"unknown field", strings.Replace(valid, `"seed": 1,`, `"seed": 1, "sead": 2,`, 1), []string{`unknown field "sead"`}},
		{"wrong type", strings.Replace(valid, `"seed": 1,`, `"seed": "one",`, 1), []string{"reports: results file", "seed"}},
		{"trailing data", valid + `{}`, []string{"data after the results object"}},
		{"run without profile", strings.Replace(valid, `"profile": "curl-8",`, `"profile": "",`, 1),
			[]string{"run 1: scenario, profile and driver are required"}},
	}
	for _, tt := range tests {
		_, err := ReadJSON(strings.NewReader(tt.input))
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", tt.name, err, w)
			}
		}
	}
}

func TestWriteJSONRefusesOtherSchema(t *testing.T) {
	r := goldenResults(t)
	r.Schema = "expiry.results/v0"
	if err := WriteJSON(&bytes.Buffer{}, r); err == nil || !strings.HasPrefix(err.Error(), "reports: ") {
		t.Errorf("WriteJSON of a v0 Results: error %v, want a reports: error", err)
	}
	r.Schema = ""
	if out := encode(t, r); !bytes.HasPrefix(out, []byte("{\n  \"schema\": \"expiry.results/v1\"")) {
		t.Errorf("WriteJSON without a schema does not start with the current one:\n%.80s", out)
	}
}
