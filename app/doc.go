// Package app will hold the desktop application's screens and view models
// (DESIGN.md §9). It calls storage and sync and has no storage or network
// code of its own. The desktop app issue builds it; until then
// cmd/communekit opens a placeholder window.
package app
