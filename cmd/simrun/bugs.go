package main

import (
	"fmt"
	"io"
	"regexp"
	"text/tabwriter"
	"time"

	"github.com/expirylab/expiry/properties"
)

// listBugs prints the bug catalogue: each historical libcurl bug the model
// can switch on, the property that catches it, its committed shrunk
// scenario and how long the search took when the file was written. With
// search, it runs every search now and prints the measured times instead.
func listBugs(stdout, stderr io.Writer, search bool) int {
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "bug\tfixed in\treference\tprofile\tcaught by\tscenario file\ttime to find\t")
	for _, c := range properties.BugCases() {
		facts := c.Bug.Facts()
		found, caught := recordedTime(c), c.Want.String()
		if search {
			f := c.Search(0, false)
			if f == nil {
				fmt.Fprintf(stderr, "simrun: %v: the %v suite found nothing\n", c.Bug, c.Suite)
				return exitFinding
			}
			found = fmt.Sprintf("%v (+%v shrinking)", f.Found.Round(time.Millisecond),
				(f.Elapsed - f.Found).Round(time.Millisecond))
			caught = violatedOf(f).String()
		}
		fmt.Fprintf(tw, "%v\t%s\t%s\t%s\t%s (%v suite)\tproperties/%s\t%s\t\n", c.Bug, facts.Fixed, facts.Ref,
			c.Profile().Name, caught, c.Suite, c.File(), found)
	}
	if err := tw.Flush(); err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintln(stdout, "\nReplay one: simrun check properties/bugs/bugN.toml (exit 1: the violation).")
	if !search {
		fmt.Fprintln(stdout, "Times are those recorded when the files were written; simrun list -bugs -search measures them now.")
	}
	return exitOK
}

func violatedOf(f *properties.Failure) properties.Set {
	var s properties.Set
	for _, v := range f.Violations {
		s |= properties.SetOf(v.Property)
	}
	return s
}

var foundRE = regexp.MustCompile(`# Found in (\S+), shrunk in (\S+)`)

// recordedTime is the search time the scenario file's header recorded.
func recordedTime(c properties.BugCase) string {
	data, err := c.ScenarioFile()
	if err != nil {
		return "(no file)"
	}
	m := foundRE.FindSubmatch(data)
	if m == nil {
		return "?"
	}
	return fmt.Sprintf("%s (+%s shrinking)", m[1], m[2])
}
