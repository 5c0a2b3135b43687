//go:build invariants

package splay

// invariants is true in builds with the invariants tag: every mutating
// operation then runs Check and panics on a violation.
const invariants = true
