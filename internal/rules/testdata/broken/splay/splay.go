package splay

import "example.com/broken/sim"

var _ = sim.X
