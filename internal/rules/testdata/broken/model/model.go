// Package model is fine.
package model

import _ "example.com/broken/splay"
