// Command districtd runs a district node. It arrives with the district
// cluster issue; until then it says so and exits.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "districtd: the district node is not built yet (see the district-cluster issue); nothing was started")
	os.Exit(2)
}
