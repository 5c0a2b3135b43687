package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// WriteJSON writes r as indented JSON, schema first. The bytes depend
// only on r: struct fields in declaration order, map keys sorted.
func WriteJSON(w io.Writer, r Results) error {
	if r.Schema == "" {
		r.Schema = Schema
	}
	if r.Schema != Schema {
		return fmt.Errorf("reports: cannot write schema %q (this build writes %q)", r.Schema, Schema)
	}
	if r.Runs == nil {
		r.Runs = []Run{} // the schema has lists here, never null
	}
	if r.Summaries == nil {
		r.Summaries = []Summary{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // trace lines stay readable ("->", "<"); the file is not HTML
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

// ReadJSON reads Results written by WriteJSON. It refuses a file without
// the schema tag, of another schema version, or with fields the schema
// does not have, saying which.
func ReadJSON(rd io.Reader) (Results, error) {
	data, err := io.ReadAll(rd)
	if err != nil {
		return Results{}, fmt.Errorf("reports: %w", err)
	}
	if err := checkSchema(data); err != nil {
		return Results{}, err
	}
	var r Results
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Results{}, fmt.Errorf("reports: results file: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Results{}, errors.New("reports: results file: data after the results object")
	}
	return r, r.validate()
}

// checkSchema reads only the schema tag, so that a file of another
// version is named as such rather than failing on its first new field.
func checkSchema(data []byte) error {
	var probe struct {
		Schema *string `json:"schema"`
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&probe); err != nil {
		return fmt.Errorf("reports: not a results file: %w", err)
	}
	switch s := probe.Schema; {
	case s == nil:
		return errors.New(`reports: not a results file: no "schema" field`)
	case *s == Schema:
		return nil
	case strings.HasPrefix(*s, "expiry.results/"):
		return fmt.Errorf("reports: results schema %q is not supported: this build reads %q only (regenerate the file, or use the expiry version that wrote it)", *s, Schema)
	default:
		return fmt.Errorf("reports: not a results file: schema %q, want %q", *s, Schema)
	}
}

// validate checks what the JSON decoder cannot: every run and summary
// names its scenario, profile and driver.
func (r Results) validate() error {
	for i, run := range r.Runs {
		if run.Scenario == "" || run.Profile == "" || run.Driver == "" {
			return fmt.Errorf("reports: results file: run %d: scenario, profile and driver are required", i+1)
		}
	}
	for i, s := range r.Summaries {
		if s.Scenario == "" || s.Profile == "" || s.Driver == "" {
			return fmt.Errorf("reports: results file: summary %d: scenario, profile and driver are required", i+1)
		}
	}
	return nil
}
