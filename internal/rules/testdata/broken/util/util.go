// Package util has no place in the layers.
package util
