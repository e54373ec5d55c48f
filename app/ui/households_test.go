package ui

import (
	"testing"

	"fyne.io/fyne/v2"

	"github.com/communekit/communekit/app/vm"
)

// The hint to choose a hamlet goes once one is chosen; a household
// emptied by a merge is neither listed nor counted.
func TestHouseholds_HintGoesAndEmptiedHouseholdIsNotListed(t *testing.T) {
	ui, s := householdsApp(t)
	m, err := vm.NewMerge(ui.tr, s, "2472-000010")
	if err != nil {
		t.Fatal(err)
	}
	m.SetFrom("2472-000020")
	for _, r := range m.Members() {
		m.SetRelationship(r.ID, "Cháu")
	}
	m.SetReason("nhập hộ theo đơn")
	if err := m.Save(); err != nil {
		t.Fatalf("merge: %v %q", err, m.Message())
	}
	var p *householdsScreen
	ui.push(func() fyne.CanvasObject { p = newHouseholdsScreen(ui); return p.view() })
	waitFor(t, func() bool { return len(p.hamlets) > 0 })
	if !hasText(ui.content, "Chọn một thôn ở bên trái") {
		t.Fatal("no hint before a hamlet is chosen")
	}
	if len(p.hamlets) != 1 || p.hamlets[0].Households != 1 {
		t.Fatalf("hamlets %+v: the emptied household is counted", p.hamlets)
	}
	p.hamletList.Select(0)
	uiQueue.drain()
	if hasText(ui.content, "Chọn một thôn ở bên trái") {
		t.Error("the hint stays after a hamlet is chosen")
	}
	if !hasText(ui.content, "Thôn Đông (1 hộ)") {
		t.Error("the chosen hamlet is not named with its count")
	}
	if n := p.list.Len(); n != 1 || p.list.Row(0).Number != "2472-000010" {
		t.Errorf("the hamlet lists %d households", n)
	}
}
