// Package sim is documented but reaches up a layer.
package sim

import (
	"example.com/broken/properties"
	"github.com/benbjohnson/clock"
)

var X = properties.Y

var _ clock.Clock
