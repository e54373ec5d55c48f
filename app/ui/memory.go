package ui

// leaveRoot runs as a screen of the navigation takes the place of the
// screens shown: what a screen left holds and computes again when it is
// opened is given up (the data-quality worklist: vm.Quality.Release).
// Screens pushed over it (a person opened from the worklist) keep it.
func (a *App) leaveRoot() {
	if a.quality != nil {
		a.quality.vm.Release()
	}
}
