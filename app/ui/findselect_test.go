package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/communekit/communekit/app/vm"
	"github.com/communekit/communekit/storage"
)

// openBox returns the type-to-find box open over the window, or nil.
func openBox(w fyne.Window) *finderBox {
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return nil
	}
	return find[*finderBox](top)
}

// On the person form, the 55 ethnicities are found by typing: "hmong"
// finds H'Mông, Enter takes it; "xo dang" finds Xơ Đăng; Down chooses
// the next match; Esc leaves the choice as it was; Tab takes the choice
// and goes on to the next field.
func TestFindSelect_EthnicityByTyping(t *testing.T) {
	ui, s := householdsApp(t)
	w := ui.win
	f := vm.NewPersonForm(ui.tr, s, nil)
	ui.push(func() fyne.CanvasObject { return formPage(ui, f, nil) })
	sel, ok := focusableAfter(t, ui.content, vm.FieldLabel(ui.tr, storage.FieldEthnicity)).(*keySelect)
	if !ok {
		t.Fatal("the ethnicity is not a choice that finds by typing")
	}
	k := &keyboard{t: t, w: w}
	w.Canvas().Focus(sel)
	k.typ("hmong")
	box := openBox(w)
	if box == nil || box.Text != "hmong" {
		t.Fatal("typing on the ethnicity did not open the box with the letters")
	}
	if box.f.Selected() != "H'Mông (08)" || len(box.f.shown) != 1 {
		t.Fatalf("hmong finds %q (%d shown)", box.f.Selected(), len(box.f.shown))
	}
	screenshot(t, w, "findselect-hmong")
	k.press(fyne.KeyReturn)
	if openBox(w) != nil || f.Value(storage.FieldEthnicity) != "08" || w.Canvas().Focused() != sel {
		t.Fatalf("Enter: box open %v, value %q, focus %T", openBox(w) != nil, f.Value(storage.FieldEthnicity), w.Canvas().Focused())
	}

	// Diacritics, case and the space of a two-word name do not matter.
	k.typ("XO DANG")
	if box := openBox(w); box == nil || box.f.Selected() != "Xơ Đăng (14)" {
		t.Fatal("xo dang does not find Xơ Đăng")
	}
	k.press(fyne.KeyEscape)
	if openBox(w) != nil || f.Value(storage.FieldEthnicity) != "08" || !hasText(ui.content, "Lưu (Enter)") {
		t.Fatal("Esc in the box changed the choice or left the form")
	}
	// Down goes to the next match: "ta" starts Tày, Thái, Tà Ôi...
	k.typ("ta")
	box = openBox(w)
	first := box.f.Selected()
	k.press(fyne.KeyDown)
	second := box.f.Selected()
	if first == "" || second == "" || first == second {
		t.Fatalf("Down in the box: %q then %q", first, second)
	}
	k.press(fyne.KeyTab)
	if f.Value(storage.FieldEthnicity) != vm.Choices(ui.tr, storage.FieldEthnicity)[ethnicityIndex(t, ui, second)].Value {
		t.Fatalf("Tab did not take %q: %q", second, f.Value(storage.FieldEthnicity))
	}
	if w.Canvas().Focused() == sel || openBox(w) != nil {
		t.Fatal("Tab did not go on to the next field")
	}

	// A click opens the box with every option, the chosen one chosen; a
	// click on an option takes it.
	test.Tap(sel)
	box = openBox(w)
	if box == nil || len(box.f.shown) != len(sel.Options) || box.f.Selected() != second {
		t.Fatal("a click does not open the box on the choice")
	}
	rows := all[*finderRow](w.Canvas().Overlays().Top())
	if len(rows) < 2 {
		t.Fatal("no options under the box")
	}
	var row *finderRow
	for _, r := range rows {
		if box.f.options[box.f.shown[r.at]] != second {
			row = r
		}
	}
	want := box.f.options[box.f.shown[row.at]]
	test.Tap(row)
	if openBox(w) != nil || sel.Selected != want {
		t.Fatalf("a click on %q: %q", want, sel.Selected)
	}
}

func ethnicityIndex(t *testing.T, ui *App, label string) int {
	for i, c := range vm.Choices(ui.tr, storage.FieldEthnicity) {
		if c.Label == label {
			return i
		}
	}
	t.Fatalf("no ethnicity %q", label)
	return -1
}

// The matching: folded, apostrophes and hyphens ignored, names before
// codes, starts of words before insides.
func TestFindKey_Rank(t *testing.T) {
	for _, c := range []struct {
		option, typed string
		rank          int
	}{
		{"08 H'Mông", "hmong", 0}, {"08 H'Mông", "h'mông", 0}, {"08 H'Mông", "08", 0}, {"08 H'Mông", "mong", 2},
		{"14 Xơ Đăng", "xodang", 0}, {"14 Xơ Đăng", "xo-dang", 0}, {"14 Xơ Đăng", "dang", 1},
		{"Phật giáo Hòa Hảo", "hoa hao", 1}, {"01 Kinh", "kinh", 0}, {"01 Kinh", "tay", -1},
	} {
		if got := keyOf(c.option).rank(compact(c.typed)); got != c.rank {
			t.Errorf("%q typed %q: rank %d, want %d", c.option, c.typed, got, c.rank)
		}
	}
}

// The place picker: typing finds places, Down and Up mark one, Enter
// takes the marked one (it took the first whatever the arrows did).
func TestPlacePicker_DownUpEnter(t *testing.T) {
	ui, s := householdsApp(t)
	w := ui.win
	f := vm.NewPersonForm(ui.tr, s, nil)
	ui.push(func() fyne.CanvasObject { return formPage(ui, f, nil) })
	fl := storage.FieldCurrentAddressCode
	entry := focusableAfter(t, ui.content, vm.FieldLabel(ui.tr, fl)).(*keyEntry)
	var choose *widget.Button
	walk(parentOf(ui.content, entry), func(o fyne.CanvasObject) {
		if b, ok := asButton(o); ok && b.Text == ui.tr.T("form.choose") {
			choose = b
		}
	})
	if choose == nil {
		t.Fatal("no Chọn button beside the place")
	}
	test.Tap(choose)
	if _, ok := w.Canvas().Focused().(*pickBox); !ok {
		t.Fatalf("the picker's box is not focused: %T", w.Canvas().Focused())
	}
	k := &keyboard{t: t, w: w}
	k.typ("quynh")
	old, _ := vm.UnitField(fl)
	found := vm.Units().Find("quynh", old, 100)
	if len(found) < 3 {
		t.Fatalf("%d places for quynh", len(found))
	}
	k.press(fyne.KeyDown)
	k.press(fyne.KeyDown)
	k.press(fyne.KeyUp)
	screenshot(t, w, "place-picker")
	k.press(fyne.KeyReturn)
	if w.Canvas().Overlays().Top() != nil || entry.Text != found[1].Code {
		t.Fatalf("Down, Down, Up, Enter took %q, want %q (%s)", entry.Text, found[1].Code, found[1].Label)
	}
	// Typing again marks the first: Enter takes it.
	test.Tap(choose)
	k.typ("quynh")
	k.press(fyne.KeyDown)
	k.typ(" p")
	found = vm.Units().Find("quynh p", old, 100)
	k.press(fyne.KeyReturn)
	if entry.Text != found[0].Code {
		t.Fatalf("after typing, Enter took %q, want the first %q", entry.Text, found[0].Code)
	}
	// Esc closes the picker, the place as it was, the form still open.
	test.Tap(choose)
	k.typ("ha noi")
	k.press(fyne.KeyEscape)
	if w.Canvas().Overlays().Top() != nil || entry.Text != found[0].Code || !hasText(ui.content, "Lưu (Enter)") {
		t.Fatalf("Esc in the picker: open %v, place %q", w.Canvas().Overlays().Top() != nil, entry.Text)
	}
}

// A member's relationship: typed freely, and Down opens the usual answers
// narrowed by what is typed ("con" gives Con, Con dâu, Con rể).
func TestFindSelect_RelationshipByDown(t *testing.T) {
	ui, _ := householdsApp(t)
	w := ui.win
	tap(t, ui.content, "Tách hộ")
	boxes := all[*keyCheck](ui.content)
	boxes[2].TypedRune(' ') // the son moves, the new head
	boxes[3].TypedRune(' ') // his wife with him
	uiQueue.drain()
	rels := all[*keySelectEntry](ui.content)
	if len(rels) != 4 {
		t.Fatal("no relationship entries on the split screen")
	}
	rel := rels[3]
	rel.SetText("")
	w.Canvas().Focus(rel)
	k := &keyboard{t: t, w: w}
	k.typ("con")
	k.press(fyne.KeyDown)
	box := openBox(w)
	if box == nil || box.Text != "con" || len(box.f.shown) != 3 || box.f.Selected() != "Con" {
		if box != nil {
			t.Logf("box %q shown %d chosen %q", box.Text, len(box.f.shown), box.f.Selected())
		}
		t.Fatal("Down did not open the answers narrowed by \"con\"")
	}
	k.press(fyne.KeyDown)
	k.press(fyne.KeyReturn)
	if openBox(w) != nil || rel.Text != "Con dâu" || w.Canvas().Focused() != rel {
		t.Fatalf("Down, Enter: %q", rel.Text)
	}
}

// The wheel layer also speeds up a scroll container.
func TestFastWheel_Scroll(t *testing.T) {
	test.NewTempApp(t)
	tall := widget.NewLabel("")
	tall.SetText(strings.Repeat("dòng\n", 200))
	sc := container.NewVScroll(tall)
	w := test.NewWindow(fastWheel(sc))
	defer w.Close()
	w.Resize(fyne.NewSize(400, 300))
	test.Scroll(w.Canvas(), fyne.NewPos(100, 100), 0, -25)
	if sc.Offset.Y < 90 {
		t.Fatalf("one wheel step scrolled %.0f px", sc.Offset.Y)
	}
}
