package sim

import (
	"testing"

	"github.com/benbjohnson/clock"
)

func TestX(t *testing.T) { _ = clock.New() }
