package spec

import (
	"errors"
	"strings"
	"testing"
)

// head is a valid start of a file: a profile, one server and its name.
const head = `profile = "curl-8"

[[servers]]
host = "srv"
behavior = "stalled"

[[names]]
name = "example.com"
hosts = ["srv"]
`

// get is a valid transfer.
const get = `
[[transfers]]
host = "example.com"
timeout_ms = 1500
`

// xfer is a transfer that needs no network, for files that test
// something else.
const xfer = "\n[[transfers]]\nscript = \"0s runnow\"\n"

// errorCases are bad files and the one-line error each must give: the
// place (file:line:column) and what was expected.
var errorCases = []struct {
	name, text, want string
}{
	// TOML itself.
	{"syntax", "profile = \"curl-8\nx = 1\n", `bad.toml:1:18: invalid TOML: basic strings cannot have new lines`},
	{"duplicate key", "profile = \"curl-8\"\nprofile = \"curl-8\"\n", `bad.toml:2:1: invalid TOML: key profile is already defined`},
	// Unknown keys.
	{"typo in transfers", head + "\n[[transfers]]\nhost = \"example.com\"\n  tiemout = 3000\n",
		`bad.toml:13:3: unknown key "tiemout" in [[transfers]] (did you mean "timeout_ms"?)`},
	{"typo at the top", "profile = \"curl-8\"\ndriverr = \"easy\"\n",
		`bad.toml:2:1: unknown key "driverr" at the top level (did you mean "driver"?)`},
	{"typo in a table name", "profile = \"curl-8\"\n[netwrok]\nlatency = \"const(1ms)\"\n",
		`bad.toml:2:2: unknown key "netwrok" at the top level (did you mean "network"?)`},
	{"unknown key, no guess", head + get + "color = \"blue\"\n",
		`bad.toml:14:1: unknown key "color" in [[transfers]]`},
	{"british spelling", "profile = \"curl-8\"\n[[servers]]\nhost = \"srv\"\nbehaviour = \"stalled\"\n",
		`bad.toml:4:1: unknown key "behaviour" in [[servers]] (did you mean "behavior"?)`},
	{"dotted typo", "profile = \"curl-8\"\nhost.slack_mx = \"1ms\"\n",
		`bad.toml:2:6: unknown key "slack_mx" in [host] (did you mean "slack_max"?)`},
	// Wrong types.
	{"string for an integer", head + "\n[[transfers]]\nhost = \"example.com\"\ntimeout_ms = \"1500\"\n",
		`bad.toml:13:14: timeout_ms: want an integer, have a string`},
	{"integer for a duration", "profile = \"curl-8\"\npoll_cap = 100\n",
		`bad.toml:2:12: poll_cap: want a duration string like "500ms" or "1.5s", have an integer`},
	{"string for a boolean", "profile = \"curl-8\"\nraces = \"yes\"\n",
		`bad.toml:2:9: races: want a boolean (true or false), have a string`},
	{"table for an array of tables", "profile = \"curl-8\"\n[servers]\nhost = \"srv\"\n",
		`bad.toml:2:2: servers: want an array of tables ([[servers]]), have a table`},
	{"bad list element", "profile = [\"curl-8\", 7]\n",
		`bad.toml:1:22: profile[1]: want a string, have an integer`},
	{"float for an integer", "profile = \"curl-8\"\nruns = 1.5\n",
		`bad.toml:2:8: runs: want an integer, have a float`},
	// Bad values.
	{"bad duration", "profile = \"curl-8\"\npoll_cap = \"10 ms\"\n",
		`bad.toml:2:12: poll_cap: bad duration "10 ms" (want a number and a unit: "500ms", "1.5s", "250us")`},
	{"negative duration", "profile = \"curl-8\"\ntime_limit = \"-1s\"\n",
		`bad.toml:2:14: time_limit: negative duration "-1s"`},
	{"bad distribution", head + get + "\n[[stops]]\ntransfer = 1\nmechanism = \"easy-stop\"\nat = \"unifrom(1s,2s)\"\n",
		`bad.toml:18:7: at: bad distribution "unifrom(1s,2s)": unknown distribution "unifrom" (want const, uniform, exp, lognormal or empirical)`},
	{"bad distribution argument", "profile = \"curl-8\"\n[network]\nlatency = \"uniform(1s, 2x)\"\n",
		`bad.toml:3:24: latency: bad distribution "uniform(1s, 2x)": bad duration "2x"`},
	{"distribution out of range", "profile = \"curl-8\"\n[network]\nlatency = \"uniform(2s,1s)\"\n",
		`bad.toml:3:11: latency: bad distribution "uniform(2s,1s)": upper bound 1s below lower bound 2s`},
	{"bad behaviour", "profile = \"curl-8\"\n[[servers]]\nhost = \"srv\"\nbehavior = \"trickle(300ms,1)\"\n",
		`bad.toml:4:28: behavior: bad behavior "trickle(300ms,1)": trickle needs total`},
	{"bad fault", "profile = \"curl-8\"\n[[servers]]\nhost = \"srv\"\nbehavior = \"stalled\"\nfaults = [\"stal(at=1s)\"]\n",
		`bad.toml:5:12: faults[0]: bad fault "stal(at=1s)": unknown name "stal" (want stall, partition, reset-after, drop-syn, refuse, delay-accept)`},
	{"unknown profile", "profile = \"curl-9\"\n",
		`bad.toml:1:11: profile: unknown profile "curl-9" (want curl-7.88, curl-8 or curl-8.21, optionally +bugN)`},
	{"unknown bug", "profile = \"curl-8+bug99\"\n", `bad.toml:1:11: profile: "bug99" is not a switchable bug (want one of [bug1 bug2 bug3 bug4 bug5 bug6 bug7 bug8 bug9 bug10 bug11 bug12 bug13 bug14])`},
	{"unknown driver", "profile = \"curl-8\"\ndriver = \"eazy\"\n",
		`bad.toml:2:10: driver: unknown driver "eazy" (want easy, multi-poll, socket-exact or socket-poll)`},
	{"unknown mechanism", head + get + "\n[[stops]]\ntransfer = 1\nmechanism = \"easystop\"\n", `bad.toml:17:13: mechanism: unknown stop mechanism "easystop" (want easy-stop, xferinfo, wakeup or timeout)`},
	{"unknown variant", head + get + "\n[[stops]]\ntransfer = 1\nmechanism = \"easy-stop\"\nvariant = \"nope\"\n", `bad.toml:18:11: variant: stop variant "nope": unknown preset "nope" (want one of proposal, latch, after-callback, already, stop-wins, no-wake)`},
	{"unknown state", head + get + "\n[[stops]]\ntransfer = 1\nmechanism = \"easy-stop\"\non_state = \"PERFORM\"\n", `bad.toml:18:12: on_state: unknown transfer state "PERFORM"`},
	{"epoch phase", "profile = \"curl-8\"\nepoch_phase = \"1s\"\n", `bad.toml:2:15: epoch_phase: 1s is not whole microseconds in [0s, 1s)`},
	{"epoch phase ns", "profile = \"curl-8\"\nepoch_phase = \"1500ns\"\n", `bad.toml:2:15: epoch_phase: 1.5µs is not whole microseconds in [0s, 1s)`},
	{"port range", "profile = \"curl-8\"\n[[servers]]\nhost = \"srv\"\nport = 70000\nbehavior = \"stalled\"\n", `bad.toml:4:8: port: 70000 is out of range (want 0 to 65535)`},
	{"negative option", head + "\n[[transfers]]\nhost = \"example.com\"\ntimeout_ms = -5\n", `bad.toml:13:14: timeout_ms: -5 is out of range (want at least 0)`},
	{"runs zero", "profile = \"curl-8\"\nruns = 0\n", `bad.toml:2:8: runs: 0 is out of range (want 1 to 10000000)`},
	{"seeds and runs", "profile = \"curl-8\"\nruns = 3\nseeds = [1, 2]\n", `bad.toml:3:10: seeds: give either seeds or seed and runs, not both`},
	{"seed twice", "profile = \"curl-8\"\nseeds = [1, 2, 1]\n", `bad.toml:2:16: seeds[2]: 1 is listed twice`},
	{"driver twice", "profile = \"curl-8\"\ndriver = [\"easy\", \"easy\"]\n", `bad.toml:2:19: driver[1]: easy is listed twice`},
	{"empty seeds", "profile = \"curl-8\"\nseeds = []\n", `bad.toml:2:1: seeds: empty list (want at least one seed)`},
	{"empty profile list", "profile = []\n", `bad.toml:1:1: profile: empty list (want a profile name or a list of them)`},
	{"bad fail", "profile = \"curl-8\"\n[[names]]\nname = \"x\"\nfail = \"NXDOMAIN\"\n", `bad.toml:4:8: fail: want "EAI_NONAME" or "EAI_AGAIN", have "NXDOMAIN"`},
	{"bad script", head + "\n[[transfers]]\nscript = '''\n0s expire TIMEOUT 5000\n1s explode\n'''\n", `bad.toml:14:1: script: unknown operation "explode" (want expire, clear, runnow, socket, busy, connected, finish)`},
	{"bad script one line", head + "\n[[transfers]]\nscript = \"0s runnow; 1s explode\"\n", `bad.toml:12:10: script: line 1: unknown operation "explode" (want expire, clear, runnow, socket, busy, connected, finish)`},
	{"script timer not in profile", "profile = \"curl-8\"\n[[transfers]]\nscript = \"\"\"\n0s expire RUN_NOW 5\n\"\"\"\n", `bad.toml:4:1: script: timer RUN_NOW does not exist in profile curl-8`},
	{"script with options", "profile = \"curl-8\"\n[[transfers]]\nscript = \"0s runnow\"\ntimeout_ms = 5\n", `bad.toml:4:1: timeout_ms: a scripted transfer has no HTTP options (the script is the transfer)`},
	{"bad host", head + "\n[[transfers]]\nhost = \"a b\"\n", `bad.toml:12:8: host: option Host "a b" has a space, a line break or a slash`},
	// Missing keys.
	{"no profile", "driver = \"easy\"\n", `bad.toml:1:1: missing key "profile" at the top level (want a profile name like "curl-8" or "curl-7.88+bug7", or a list of them)`},
	{"transfer without host", head + "\n[[transfers]]\ntimeout_ms = 5\n", `bad.toml:11:3: missing key "host" in [[transfers]] (want the URL's host name, or a script)`},
	{"stop without mechanism", head + get + "\n[[stops]]\ntransfer = 1\n", `bad.toml:15:3: missing key "mechanism" in [[stops]] (want easy-stop, xferinfo, wakeup or timeout)`},
	{"no transfers", "profile = \"curl-8\"\n", `bad.toml:1:1: missing key "transfers" at the top level (want at least one [[transfers]] entry)`},
	{"empty transfers", "profile = \"curl-8\"\ntransfers = []\n", `bad.toml:2:1: transfers: empty list (want at least one transfer)`},
	{"server without host", "profile = \"curl-8\"\n[[servers]]\nbehavior = \"stalled\"\n", `bad.toml:2:3: missing key "host" in [[servers]] (want the server host's name)`},
	// References.
	{"unknown server", "profile = \"curl-8\"\n[[servers]]\nhost = \"srv\"\nbehavior = \"stalled\"\n[[names]]\nname = \"example.com\"\nhosts = [\"srv\", \"srv2\"]\n" + xfer,
		`bad.toml:7:17: server "srv2" in names.hosts has no [[servers]] entry`},
	{"client host", "profile = \"curl-8\"\n[[servers]]\nhost = \"client\"\nbehavior = \"stalled\"\n" + xfer, `bad.toml:3:8: host: "client" is the client's host; give the server another`},
	{"port twice", "profile = \"curl-8\"\n[[servers]]\nhost = \"srv\"\nbehavior = \"stalled\"\n[[servers]]\nhost = \"srv\"\nbehavior = \"quick(5)\"\n" + xfer, `bad.toml:6:8: host: a second server on srv:80`},
	{"link twice", "profile = \"curl-8\"\n[[servers]]\nhost = \"srv\"\nbehavior = \"stalled\"\n[[servers]]\nhost = \"srv\"\nport = 81\nbehavior = \"quick(5)\"\nbandwidth = 5\n" + xfer, `bad.toml:6:8: host: host "srv" has its link settings (family, latency, bandwidth, faults) in its first [[servers]] entry; a later entry must repeat them or leave them out`},
	{"name twice", head + "[[names]]\nname = \"example.com\"\nhosts = [\"srv\"]\n" + xfer, `bad.toml:11:8: name: "example.com" is listed twice`},
	{"name hosts and fail", "profile = \"curl-8\"\n[[names]]\nname = \"x\"\nhosts = []\nfail = \"EAI_AGAIN\"\n" + xfer, `bad.toml:5:8: fail: a name has hosts or a failure, not both`},
	{"name neither", "profile = \"curl-8\"\n[[names]]\nname = \"x\"\n" + xfer, `bad.toml:3:8: name: "x" needs hosts (server host names) or a failure (fail = "EAI_NONAME")`},
	{"stop of no transfer", head + get + "\n[[stops]]\ntransfer = 2\nmechanism = \"easy-stop\"\n", `bad.toml:16:12: transfer: there is no transfer 2 (the file has 1)`},
	{"stop of a script", "profile = \"curl-8\"\n[[transfers]]\nscript = \"0s runnow\"\n[[stops]]\ntransfer = 1\nmechanism = \"xferinfo\"\n", `bad.toml:5:12: transfer: transfer 1 is scripted: it can only be removed (mechanism wakeup, no on_state, not from a callback)`},
	{"wakeup without multi-poll", head + get + "\n[[stops]]\ntransfer = 1\nmechanism = \"wakeup\"\n", `bad.toml:17:13: mechanism: wakeup needs driver "multi-poll" (multi_wakeup wakes multi_poll), not "easy"`},
	{"hold without easy", "profile = \"curl-8\"\ndriver = [\"easy\", \"socket-exact\"]\n[hold]\nafter = \"1s\"\n" + xfer, `bad.toml:3:2: [hold] needs driver "easy" (the performing thread of curl_easy_perform holds the lock), not "socket-exact"`},
	{"too many transfers", head + "\n[[transfers]]\nhost = \"example.com\"\ncount = 600000\n[[transfers]]\nhost = \"example.com\"\ncount = 600000\n", `bad.toml:16:9: count: more than 1000000 transfers in the file`},
}

func TestParseErrors(t *testing.T) {
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.toml", []byte(c.text))
			if err == nil {
				t.Fatalf("no error; want %s", c.want)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Errorf("error %T is not an *Error", err)
			}
			if got := err.Error(); got != c.want {
				t.Errorf("error\n got %s\nwant %s", got, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines")
			}
		})
	}
}
