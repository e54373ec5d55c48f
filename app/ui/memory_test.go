package ui

import "testing"

// TestQualityScreen_LeftForAnotherGivesUpTheWorklist: the worklist is
// held while its screen is shown and given up when the officer chooses
// another screen of the navigation; opening it again computes it again.
func TestQualityScreen_LeftForAnotherGivesUpTheWorklist(t *testing.T) {
	ui, _ := reportApp(t, 300)
	loaded := func() bool {
		return ui.quality != nil && ui.quality.vm.State().Loaded && !ui.quality.vm.State().Loading
	}
	tap(t, ui.win.Content(), ui.tr.T("nav.quality"))
	waitFor(t, loaded)
	n := ui.quality.vm.Len()
	if n == 0 {
		t.Fatal("an empty worklist")
	}
	tap(t, ui.win.Content(), ui.tr.T("nav.overview"))
	if st := ui.quality.vm.State(); st.Loaded || ui.quality.vm.Len() != 0 {
		t.Errorf("the overview shown, the worklist is still held: %+v, %d items", st, ui.quality.vm.Len())
	}
	tap(t, ui.win.Content(), ui.tr.T("nav.quality"))
	waitFor(t, loaded)
	if ui.quality.vm.Len() != n {
		t.Errorf("opened again: %d items, %d before", ui.quality.vm.Len(), n)
	}
}
