package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// keyboard presses keys on a window as Fyne's desktop driver delivers
// them (internal/driver/glfw, processKeyPressed and processCharInput): Tab
// moves the focus unless the focused widget takes it, a shortcut goes to
// the focused widget if it takes shortcuts and to the window otherwise,
// other keys and letters go to the focused widget, or to the window when
// nothing is focused. It counts the keystrokes.
type keyboard struct {
	t *testing.T
	w fyne.Window
	n int
	// keys lists what was pressed, for the figure.
	keys []string
}

func (k *keyboard) count(what string, n int) {
	k.n += n
	k.keys = append(k.keys, what)
}

// press presses one key.
func (k *keyboard) press(name fyne.KeyName) {
	k.count(string(name), 1)
	c := k.w.Canvas()
	if name == fyne.KeyTab {
		if tb, ok := c.Focused().(fyne.Tabbable); !ok || !tb.AcceptsTab() {
			c.FocusNext()
			uiQueue.drain()
			return
		}
	}
	ev := &fyne.KeyEvent{Name: name}
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
	} else if h := c.OnTypedKey(); h != nil {
		h(ev)
	}
	uiQueue.drain()
}

// shiftTab presses Shift+Tab.
func (k *keyboard) shiftTab() {
	k.count("Shift+Tab", 1)
	k.w.Canvas().FocusPrevious()
	uiQueue.drain()
}

// shortcut presses a shortcut (one keystroke: Ctrl+F).
func (k *keyboard) shortcut(name string, s fyne.Shortcut) {
	k.count(name, 1)
	c := k.w.Canvas()
	if f, ok := c.Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(s)
	} else {
		c.(fyne.Shortcutable).TypedShortcut(s)
	}
	uiQueue.drain()
}

// ctrlF presses Ctrl+F.
func (k *keyboard) ctrlF() {
	k.shortcut("Ctrl+F", &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault})
}

// typ types text, one keystroke a letter.
func (k *keyboard) typ(text string) {
	k.count(fmt.Sprintf("“%s” (%d)", text, len([]rune(text))), len([]rune(text)))
	c := k.w.Canvas()
	for _, r := range text {
		if f := c.Focused(); f != nil {
			f.TypedRune(r)
		} else if h := c.OnTypedRune(); h != nil {
			h(r)
		}
		uiQueue.drain()
	}
}

// tabTo presses Tab until want is focused, at most max times.
func (k *keyboard) tabTo(want fyne.Focusable, max int) {
	k.t.Helper()
	for i := 0; i < max; i++ {
		if k.w.Canvas().Focused() == want {
			return
		}
		k.press(fyne.KeyTab)
	}
	if k.w.Canvas().Focused() != want {
		k.t.Fatalf("%d Tabs did not reach the widget wanted", max)
	}
}

// String lists the keys pressed, repeats counted: "Tab ×3".
func (k *keyboard) String() string {
	var out []string
	for i := 0; i < len(k.keys); {
		j := i
		for j < len(k.keys) && k.keys[j] == k.keys[i] {
			j++
		}
		if j-i > 1 {
			out = append(out, fmt.Sprintf("%s ×%d", k.keys[i], j-i))
		} else {
			out = append(out, k.keys[i])
		}
		i = j
	}
	return strings.Join(out, ", ")
}
