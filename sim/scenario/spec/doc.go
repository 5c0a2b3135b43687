// Package spec reads and writes scenario files: TOML documents that say
// everything a sim/scenario.Scenario can (network, transfers and options,
// driver, profile, stops, host model, limits), with the sweep settings
// around it, and it holds simrun's built-in catalogue of them (Catalog).
// Parse turns a file into a File, File.Scenario builds the scenario for a
// seed, Format writes a File back; Parse(Format(f)) gives f again.
//
// It is not a runner (scenario.Run and cmd/simrun run scenarios), nor a
// judge (package properties); it only says what to run.
//
// # The format
//
// Durations are Go duration strings ("1500ms", "1.5s", "250us"),
// distributions sim.Dist's text forms ("const(1ms)",
// "uniform(300ms,2300ms)", "exp(5ms)", "lognormal(5ms,0.5)",
// "empirical(1ms,2ms)"), server behaviours and faults netsim's text forms.
// Keys are checked: an unknown key is an error, with the known key it
// most likely meant. Every key but those marked required is optional;
// the comments give the defaults.
//
//	name = "stalled-xferinfo"   # default: the file's base name
//	doc = "what the scenario shows"
//	profile = ["curl-7.88", "curl-8"] # required: a name or a list ("curl-8+bug7": a bug on)
//	driver = "easy"             # or a list: easy, multi-poll, socket-exact, socket-poll
//	poll_cap = ["1000ms", "10ms"] # or one; default the profile's (1000 ms)
//	seed = 1                    # the sweep's first seed (default 1) ...
//	runs = 100                  # ... and how many consecutive seeds (default 1)
//	# seeds = [1, 7, 42]        # or exactly these seeds (not with seed/runs)
//	epoch_phase = "999700us"    # the clock's sub-second phase at time zero ("random": drawn per run from its seed)
//	races = false               # permute simultaneous events (seeded)
//	time_limit = "10m"          # virtual-time bound; default 10 minutes
//	event_budget = 0            # kernel events bound; 0: sim's default
//	max_connections = 0         # CURLMOPT_MAX_TOTAL_CONNECTIONS; 0: no limit
//
//	[host]                      # sim.Host; omitted: sim.DefaultHost(), and
//	slack_div = 1000            # omitted keys keep DefaultHost's values
//	niced_slack_div = 200
//	slack_max = "100ms"
//	slack_min = "50us"
//	fire = "end"                # end, uniform or start of the slack window
//	wake_latency = "const(50us)"
//	timer_latency = "const(0s)" # after a timer's expiry (poll timeout, sleep); default none
//	step_cpu = "const(0s)"      # CPU time of every step; default none
//	[host.cpu]                  # CPU cost of named operations
//	parse = "const(10us)"
//
//	[network]
//	latency = "const(1ms)"      # one-way, client to each server host
//	dns_delay = "const(1ms)"    # resolver answer time
//	send_buf = 0                # netsim.Config (0: netsim's default) ...
//	recv_buf = 0
//	mss = 0
//	syn_retries = 0
//	syn_rto = "0s"
//	rto = "0s"
//	rto_max = "0s"
//	retries = 0
//	wake_buf = 0
//
//	[[servers]]
//	host = "srv"                # required; "client" is the client's
//	port = 80
//	behavior = "stalled"        # required: "quick(5000)", "trickle(300ms,1,100)", "refused", ...
//	family = "ipv4"             # or ipv6 (happy eyeballs)
//	latency = "const(1ms)"      # this host's link; default [network]'s
//	bandwidth = 0               # bytes per second; 0: unlimited
//	faults = ["stall(at=2s,for=5s)"]
//
//	[[names]]
//	name = "example.com"        # required
//	hosts = ["srv"]             # hosts with a [[servers]] entry, in answer order ...
//	# fail = "EAI_NONAME"       # ... or the failure (EAI_NONAME, EAI_AGAIN)
//	cached = false              # in curl's DNS cache (CURLOPT_RESOLVE): answered at once, no lookup
//
//	[[transfers]]               # IDs 1, 2, ... in order, counting copies
//	start = "0s"                # when the application adds it
//	count = 1                   # identical copies
//	host = "example.com"        # required for HTTP: the URL's host
//	port = 80
//	path = "/"
//	timeout_ms = 3000           # CURLOPT_TIMEOUT_MS (0: none)
//	connect_timeout_ms = 0      # CURLOPT_CONNECTTIMEOUT_MS
//	low_speed_limit = 0         # bytes per second ...
//	low_speed_time = 0          # ... for this many seconds
//	max_recv_speed = 0          # CURLOPT_MAX_RECV_SPEED_LARGE
//	happy_eyeballs_timeout_ms = 0 # 0: the profile's (200)
//	noprogress = false
//	resolver = "async"          # or sync (a CURLRES_SYNCH build)
//	nosignal = false
//	write_delay = "const(800ms)" # each write callback's duration
//	pause_at = 0                # the write callback pauses at this many body bytes (0: never) ...
//	resume_after = "0s"         # ... and the application resumes the transfer this long after
//
//	[[transfers]]               # a scripted transfer: a model.Script
//	script = '''
//	timeout 5000
//	0s expire TIMEOUT 5000
//	5s finish OPERATION_TIMEDOUT
//	'''
//
//	[[stops]]
//	transfer = 1                # required: the transfer's ID
//	mechanism = "xferinfo"      # required: easy-stop, xferinfo, wakeup (multi-poll driver), timeout
//	variant = "proposal"        # easy-stop's model.StopVariant: a preset or knob list
//	at = "uniform(100ms,1900ms)" # the stopper's delay; default at once
//	on_state = "PERFORMING"     # count the delay from this state; default the start
//	handle = "stoppable"        # or not-stoppable, no-lock-function
//	from_callback = false       # request it from inside the progress callback
//
//	[hold]                      # the performing thread holds the share lock (easy driver)
//	on_state = "PERFORMING"
//	after = "50ms"
//	for = "400ms"
//
// # Errors
//
// Every error is one line, file:line:column and what was expected:
//
//	bad.toml:12:3: unknown key "tiemout" in [[transfers]] (did you mean "timeout_ms"?)
//	bad.toml:9:10: server "srv2" in names.hosts has no [[servers]] entry
//	bad.toml:20:7: at: bad distribution "unifrom(1s,2s)": unknown distribution "unifrom" (want const, uniform, exp, lognormal or empirical)
//	bad.toml:14:14: timeout_ms: want an integer, have a string
//	bad.toml:3:12: poll_cap: bad duration "10 ms" (want a number and a unit: "500ms", "1.5s", "250us")
package spec
