// Command tool may import anything.
package main

import _ "example.com/broken/util"

func main() {}
