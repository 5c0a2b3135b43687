package spec

import (
	"fmt"
	"reflect"

	"github.com/expirylab/expiry/sim/scenario"
)

// at is the field at a path of the document (for checks made after
// decoding); label names it in messages.
func (d *decoder) at(label string, parts ...string) field {
	return field{d: d, label: label, path: parts, l: d.ix.lookup(parts)}
}

// check finds what no single table shows: references between tables, and
// combinations the scenario cannot run.
func (d *decoder) check(f *File) {
	if len(f.Transfers) == 0 {
		d.noTransfers()
	}
	if n := f.Combos(); n > MaxCombos {
		d.errAt(d.ix.lookup([]string{"profile"}).key, "the file stands for %d combinations of profile, driver and poll cap; at most %d", n, MaxCombos)
	}
	d.checkServers(f.Network.Servers)
	d.checkNames(f.Network.Names, f.Network.Servers)
	ids := d.checkTransfers(f)
	d.checkStops(f, ids)
	d.checkHold(f)
}

// noTransfers reports a file without transfers: a scenario needs one.
// It is a check of the whole file, made once the tables decoded, so that
// a file being written gets its other problems reported first.
func (d *decoder) noTransfers() {
	if l := d.ix.lookup([]string{"transfers"}); l.key.line > 0 {
		d.errAt(l.key, "transfers: empty list (want at least one transfer)")
		return
	}
	d.errAt(pos{1, 1}, "missing key \"transfers\" at the top level (want at least one [[transfers]] entry)")
}

// checkServers: every server has a host of its own, one listener per
// port, and one set of link settings per host (the link is made once, from
// the host's first entry, so a later entry's settings would be ignored).
func (d *decoder) checkServers(servers []scenario.Server) {
	first := map[string]int{}
	ports := map[string]bool{}
	for i, s := range servers {
		host := d.at("host", "servers", elem(i), "host")
		if s.Host == scenario.ClientHost {
			host.fail("%q is the client's host; give the server another", s.Host)
			continue
		}
		if s.Host == "" {
			host.fail("empty host name")
			continue
		}
		port := fmt.Sprintf("%s:%d", s.Host, orPort(s.Port))
		if ports[port] {
			host.fail("a second server on %s", port)
		}
		ports[port] = true
		j, seen := first[s.Host]
		if !seen {
			first[s.Host] = i
		} else if !sameLink(servers[j], s) {
			host.fail("host %q has its link settings (family, latency, bandwidth, faults) in its first [[servers]] entry; a later entry must repeat them or leave them out", s.Host)
		}
	}
}

func orPort(p int) int {
	if p == 0 {
		return 80
	}
	return p
}

// sameLink reports whether b's link settings are a's or unset.
func sameLink(a, b scenario.Server) bool {
	unset := b.Family == 0 && b.Latency == nil && b.Bandwidth == 0 && len(b.Faults) == 0
	return unset || a.Family == b.Family && reflect.DeepEqual(a.Latency, b.Latency) &&
		a.Bandwidth == b.Bandwidth && reflect.DeepEqual(a.Faults, b.Faults)
}

// checkNames: each name once, with hosts that have a server or a failure.
func (d *decoder) checkNames(names []scenario.Name, servers []scenario.Server) {
	hosts := map[string]bool{scenario.ClientHost: true}
	for _, s := range servers {
		hosts[s.Host] = true
	}
	seen := map[string]bool{}
	for i, n := range names {
		entry := d.at("name", "names", elem(i), "name")
		switch {
		case n.Name == "":
			entry.fail("empty name")
		case seen[n.Name]:
			entry.fail("%q is listed twice", n.Name)
		case n.Fail != "" && n.Hosts != nil:
			d.at("fail", "names", elem(i), "fail").fail("a name has hosts or a failure, not both")
		case n.Fail != "" && n.Cached:
			d.at("cached", "names", elem(i), "cached").fail("a cached name has hosts, it cannot fail")
		case n.Fail == "" && len(n.Hosts) == 0:
			entry.fail("%q needs hosts (server host names) or a failure (fail = \"EAI_NONAME\")", n.Name)
		}
		seen[n.Name] = true
		for j, h := range n.Hosts {
			if !hosts[h] {
				d.errAt(d.ix.lookup([]string{"names", elem(i), "hosts", elem(j)}).val,
					"server %q in names.hosts has no [[servers]] entry", h)
			}
		}
	}
}

// checkTransfers bounds the transfer count, checks scripts against every
// profile, and returns, per transfer ID (from 1), the index of its
// [[transfers]] entry.
func (d *decoder) checkTransfers(f *File) []int {
	ids := []int{-1}
	for i, t := range f.Transfers {
		if len(ids)-1+t.copies() > MaxTransfers {
			d.at("count", "transfers", elem(i), "count").fail(
				"more than %d transfers in the file", MaxTransfers)
			return ids
		}
		for range t.copies() {
			ids = append(ids, i)
		}
		if t.Script == nil {
			continue
		}
		for _, p := range f.Profiles {
			if err := t.Script.Validate(p); err != nil {
				d.scriptErr(d.at("script", "transfers", elem(i), "script"), err)
				break
			}
		}
	}
	return ids
}

// checkStops: a stop names an HTTP transfer (a scripted one can only be
// removed), and the wakeup mechanism runs with the multi-poll driver only.
func (d *decoder) checkStops(f *File, ids []int) {
	for i, s := range f.Stops {
		tr := d.at("transfer", "stops", elem(i), "transfer")
		switch {
		case s.Transfer >= len(ids):
			tr.fail("there is no transfer %d (the file has %d)", s.Transfer, len(ids)-1)
		case f.Transfers[ids[s.Transfer]].Script != nil && (s.Mechanism != scenario.MechWakeup || s.OnState != "" || s.FromCallback):
			tr.fail("transfer %d is scripted: it can only be removed (mechanism wakeup, no on_state, not from a callback)", s.Transfer)
		}
		if s.Mechanism != scenario.MechWakeup {
			continue
		}
		for _, drv := range f.drivers() {
			if drv != scenario.DriverMultiPoll {
				d.at("mechanism", "stops", elem(i), "mechanism").fail(
					"wakeup needs driver \"multi-poll\" (multi_wakeup wakes multi_poll), not %q", drv)
				break
			}
		}
	}
}

// checkHold: the share-lock hold is the easy driver's.
func (d *decoder) checkHold(f *File) {
	if f.Hold == nil {
		return
	}
	for _, drv := range f.drivers() {
		if drv != scenario.DriverEasy {
			d.errAt(d.ix.lookup([]string{"hold"}).key, "[hold] needs driver \"easy\" (the performing thread of curl_easy_perform holds the lock), not %q", drv)
			return
		}
	}
}
