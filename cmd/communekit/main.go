// Command communekit is the desktop application for commune officers.
//
// For now it opens a placeholder window; the screens arrive with the app
// issue. With --demo it will open on a demo profile.
package main

import (
	"flag"
	"os"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

func main() {
	demo := flag.Bool("demo", false, "open on a demo profile")
	quitAfter := flag.Duration("quit-after", 0, "close the window after this long (smoke tests)")
	flag.Parse()

	a := fyneapp.NewWithID("org.communekit.app")
	w := a.NewWindow("communekit")
	title := "communekit — bộ công cụ thu thập dữ liệu dân cư"
	body := "Ứng dụng đang được xây dựng. Dùng kitctl để quản lý hồ sơ."
	if *demo {
		body += "\n(chế độ trình diễn)"
	}
	w.SetContent(container.NewVBox(
		widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel(body),
	))
	w.Resize(fyne.NewSize(640, 400))
	if *quitAfter > 0 {
		go func() {
			time.Sleep(*quitAfter)
			fyne.Do(func() { a.Quit() })
		}()
	}
	w.ShowAndRun()
	os.Exit(0)
}
