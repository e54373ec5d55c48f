package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"sync"

	"fyne.io/fyne/v2"
)

// Icon is the app's icon: a house under a roof on a green field, drawn
// here so that the PNG beside FyneApp.toml (assets/icon.png, written by
// `go test ./app/ui -run TestIcon -update`) and the window's icon are the
// same picture.
func Icon() fyne.Resource {
	iconOnce.Do(func() {
		var buf bytes.Buffer
		_ = png.Encode(&buf, drawIcon(256))
		iconRes = fyne.NewStaticResource("icon.png", buf.Bytes())
	})
	return iconRes
}

var (
	iconOnce sync.Once
	iconRes  fyne.Resource
)

func drawIcon(n int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	green := color.NRGBA{0x1b, 0x7f, 0x4a, 0xff}
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	red := color.NRGBA{0xd6, 0x2e, 0x2e, 0xff}
	r := float64(n) * 0.18 // corner radius
	f := float64(n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			if !inRounded(fx, fy, f, r) {
				continue
			}
			c := green
			// Roof: a triangle from (0.2,0.5) to (0.8,0.5) with apex (0.5,0.2).
			u, v := fx/f, fy/f
			if v >= 0.2 && v <= 0.5 && abs(u-0.5) <= (v-0.2) {
				c = red
			}
			// Walls and a door.
			if u >= 0.28 && u <= 0.72 && v > 0.5 && v <= 0.8 {
				c = white
				if u >= 0.44 && u <= 0.56 && v >= 0.62 {
					c = green
				}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func inRounded(x, y, n, r float64) bool {
	cx, cy := clamp(x, r, n-r), clamp(y, r, n-r)
	dx, dy := x-cx, y-cy
	return dx*dx+dy*dy <= r*r
}

func clamp(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
