package scenario

import (
	"fmt"
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/netsim"
	"github.com/expirylab/expiry/sim"
	"github.com/expirylab/expiry/sim/netpoll"
)

// ClientHost is the name of the host the application runs on.
const ClientHost = "client"

// Network describes the simulated network around the client host: server
// hosts (each linked to the client), the DNS names the transfers use, and
// netsim's parameters.
type Network struct {
	// Servers listen on their hosts; a host with no server on a port
	// refuses connections to it.
	Servers []Server
	// Names are what the resolver knows; any other name does not exist.
	Names []Name
	// Latency is the default one-way latency between the client and a
	// server host; nil means const(1ms).
	Latency sim.Dist
	// DNSDelay is how long the resolver takes to answer; nil means
	// const(1ms).
	DNSDelay sim.Dist
	// Params are netsim's parameters (buffer sizes, SYN retries...); its
	// scheduler, streams and sink are filled in by Run.
	Params netsim.Config
}

// Server is a listener on a server host.
type Server struct {
	Host string
	// Port defaults to 80.
	Port int
	// Behavior is netsim's text form: "stalled", "trickle(300ms,1,100)",
	// "quick(5000)", "blackhole", "refused", ...
	Behavior string
	// Family is the host's address family (for happy eyeballs).
	Family model.Family
	// Latency overrides Network.Latency for this host's link.
	Latency sim.Dist
	// Bandwidth limits the link in bytes per second (0: unlimited).
	Bandwidth int64
	// Faults are fault policies on the client↔host link in netsim's text
	// form: "stall(at=2s,for=5s)", "drop-syn", ...
	Faults []string
}

// Name is a DNS name: the hosts it resolves to, in answer order, or the
// failure the resolver gives for it.
type Name struct {
	Name  string
	Hosts []string
	// Fail is "", "EAI_NONAME" or "EAI_AGAIN".
	Fail string
	// Cached puts the name in curl's DNS cache, as CURLOPT_RESOLVE does:
	// transfers get its hosts at once, without a lookup (the real engine
	// resolves every name so).
	Cached bool
}

func (n *Network) validate() error {
	hosts := map[string]bool{ClientHost: true}
	for i, s := range n.Servers {
		if s.Host == "" || s.Host == ClientHost {
			return fmt.Errorf("scenario: server %d: host %q is empty or the client's", i+1, s.Host)
		}
		if _, err := netsim.ParseBehavior(s.Behavior); err != nil {
			return fmt.Errorf("scenario: server %d (%s): %w", i+1, s.Host, err)
		}
		for _, f := range s.Faults {
			if _, err := netsim.ParseFault(f); err != nil {
				return fmt.Errorf("scenario: server %d (%s): %w", i+1, s.Host, err)
			}
		}
		hosts[s.Host] = true
	}
	for _, nm := range n.Names {
		if err := nm.validate(hosts); err != nil {
			return err
		}
	}
	return nil
}

func (nm *Name) validate(hosts map[string]bool) error {
	switch nm.Fail {
	case "", "EAI_NONAME", "EAI_AGAIN":
	default:
		return fmt.Errorf("scenario: name %q: Fail %q is not EAI_NONAME or EAI_AGAIN", nm.Name, nm.Fail)
	}
	if nm.Cached && nm.Fail != "" {
		return fmt.Errorf("scenario: name %q: a cached name cannot fail", nm.Name)
	}
	if nm.Fail == "" && len(nm.Hosts) == 0 {
		return fmt.Errorf("scenario: name %q has no hosts", nm.Name)
	}
	for _, h := range nm.Hosts {
		if !hosts[h] {
			return fmt.Errorf("scenario: name %q: host %q has no server", nm.Name, h)
		}
	}
	return nil
}

// net is the built network: netsim on the kernel, the client host, its
// resolver, and the address families of the server hosts.
type net struct {
	*netpoll.Net
	client   *netsim.Host
	resolver *netsim.Resolver
	cached   map[string][]string // names in curl's DNS cache -> hosts
	families map[string]model.Family
}

func orDist(d sim.Dist, def time.Duration) sim.Dist {
	if d == nil {
		return sim.Const{D: def}
	}
	return d
}

// buildNetwork creates the hosts, links, servers and names of n on k.
func buildNetwork(k *sim.Kernel, n *Network) (*net, error) {
	nt, err := netpoll.New(k, n.Params)
	if err != nil {
		return nil, err
	}
	out := &net{Net: nt, families: map[string]model.Family{}}
	if out.client, err = nt.AddHost(ClientHost); err != nil {
		return nil, err
	}
	for _, s := range n.Servers {
		if err := out.addServer(n, s); err != nil {
			return nil, fmt.Errorf("scenario: server %s: %w", s.Host, err)
		}
	}
	out.resolver, err = nt.NewResolver(netsim.ResolverConfig{Delay: orDist(n.DNSDelay, time.Millisecond)})
	if err != nil {
		return nil, err
	}
	for _, nm := range n.Names {
		if err := out.addName(nm); err != nil {
			return nil, err
		}
		if nm.Cached {
			if out.cached == nil {
				out.cached = map[string][]string{}
			}
			out.cached[nm.Name] = nm.Hosts
		}
	}
	return out, nil
}

func (out *net) addServer(n *Network, s Server) error {
	if _, known := out.families[s.Host]; !known {
		if _, err := out.AddHost(s.Host); err != nil {
			return err
		}
		faults, err := parseFaults(s.Faults)
		if err != nil {
			return err
		}
		latency := s.Latency
		if latency == nil {
			latency = orDist(n.Latency, time.Millisecond)
		}
		cfg := netsim.LinkConfig{Latency: latency, Bandwidth: s.Bandwidth, Faults: faults}
		if err := out.Link(ClientHost, s.Host, cfg); err != nil {
			return err
		}
		out.families[s.Host] = s.Family
	}
	b, err := netsim.ParseBehavior(s.Behavior)
	if err != nil {
		return err
	}
	_, err = out.Serve(s.Host, orDefault(s.Port, 80), b)
	return err
}

func parseFaults(texts []string) ([]netsim.Fault, error) {
	var faults []netsim.Fault
	for _, t := range texts {
		f, err := netsim.ParseFault(t)
		if err != nil {
			return nil, err
		}
		faults = append(faults, f)
	}
	return faults, nil
}

func (out *net) addName(nm Name) error {
	switch nm.Fail {
	case "EAI_NONAME":
		return out.resolver.Fail(nm.Name, netsim.EAI_NONAME)
	case "EAI_AGAIN":
		return out.resolver.Fail(nm.Name, netsim.EAI_AGAIN)
	}
	return out.resolver.Add(nm.Name, nm.Hosts...)
}
