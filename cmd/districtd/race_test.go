//go:build race

package main

// raceEnabled: the test binary, and so the districtd it runs, has the
// race detector, whose shadow memory multiplies a process's RSS.
const raceEnabled = true

// raceRSSFactor scales memory bounds under the race detector.
const raceRSSFactor = 5
