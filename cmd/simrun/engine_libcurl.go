//go:build libcurl

package main

import (
	"github.com/expirylab/expiry/realcurl"
	"github.com/expirylab/expiry/reports"
)

func init() {
	engines[reports.EngineLibcurl] = engine{
		name:        reports.EngineLibcurl,
		expressible: realcurl.Expressible,
		run:         realcurl.Run,
		version:     "libcurl " + realcurl.Version(),
		realTime:    true,
	}
}
