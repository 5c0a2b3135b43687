// Package netsim breaks every determinism rule once.
package netsim

import (
	r1 "math/rand"
	"math/rand/v2"
	"time"
)

func f() {
	go f()
	_ = time.Now()
	_ = rand.IntN(3)
	_ = r1.Int()
	_ = rand.New(rand.NewPCG(1, 2))
	_ = time.Duration(1)
}
