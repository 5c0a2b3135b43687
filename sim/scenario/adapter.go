package scenario

import (
	"time"

	"github.com/expirylab/expiry/model"
	"github.com/expirylab/expiry/netsim"
)

// clientSockets gives the model the client host's sockets and resolver:
// model.Sockets and model.Resolver over netsim, with netsim's errno values
// translated to the model's.
type clientSockets struct{ n *net }

var _ model.Sockets = clientSockets{}
var _ model.Resolver = clientSockets{}

// errnos maps netsim's errno values to the model's by name; the ones the
// model does not distinguish pass through as errors.
var errnos = func() map[netsim.Errno]model.Errno {
	m := map[netsim.Errno]model.Errno{}
	for e := netsim.Errno(1); e < 64; e++ {
		if me, err := model.ParseErrno(e.String()); err == nil {
			m[e] = me
		}
	}
	return m
}()

func toModel(err error) error {
	if e, ok := err.(netsim.Errno); ok {
		if me, ok := errnos[e]; ok {
			return me
		}
	}
	return err
}

func (c clientSockets) Open(int) (int, error) {
	fd, err := c.n.client.Socket()
	return int(fd), toModel(err)
}

func (c clientSockets) Connect(fd int, a model.Addr) error {
	return toModel(c.n.client.Connect(netsim.FD(fd), netsim.Addr{Host: a.Host, Port: a.Port}))
}

func (c clientSockets) SocketError(fd int) error {
	return toModel(c.n.client.SockError(netsim.FD(fd)))
}

func (c clientSockets) Send(fd int, p []byte) (int, error) {
	n, err := c.n.client.Write(netsim.FD(fd), p)
	return n, toModel(err)
}

func (c clientSockets) Recv(fd int, p []byte) (int, error) {
	n, err := c.n.client.Read(netsim.FD(fd), p)
	return n, toModel(err)
}

func (c clientSockets) Ready(fd int) model.Events {
	r, err := c.n.client.Readiness(netsim.FD(fd))
	if err != nil {
		return model.EvErr
	}
	return events(r)
}

func (c clientSockets) Close(fd int) error { return toModel(c.n.client.Close(netsim.FD(fd))) }

func (c clientSockets) StartResolve(_ int, name string) (int, error) {
	fd, err := c.n.resolver.Start(c.n.client, name)
	return int(fd), toModel(err)
}

// Cached implements model.ResolveCacher: the names of the scenario that
// are in curl's DNS cache.
func (c clientSockets) Cached(name string) ([]model.Addr, bool) {
	hosts, ok := c.n.cached[name]
	return c.addrs(hosts), ok
}

func (c clientSockets) ResolveResult(fd int) ([]model.Addr, error) {
	hosts, err := c.n.client.LookupResult(netsim.FD(fd))
	return c.addrs(hosts), toModel(err)
}

func (c clientSockets) ResolveSync(_ int, name string) ([]model.Addr, time.Duration, error) {
	hosts, blocked, err := c.n.resolver.Resolve(c.n.client, name)
	return c.addrs(hosts), blocked, toModel(err)
}

// addrs turns resolved host names into addresses; the port is the
// transfer's to fill in.
func (c clientSockets) addrs(hosts []string) []model.Addr {
	if len(hosts) == 0 {
		return nil
	}
	out := make([]model.Addr, len(hosts))
	for i, h := range hosts {
		out[i] = model.Addr{Host: h, Family: c.n.families[h]}
	}
	return out
}
