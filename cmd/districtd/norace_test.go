//go:build !race

package main

const raceEnabled = false

const raceRSSFactor = 1
