package node

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/communekit/communekit/crypto/cert"
)

// chromium finds a Chromium (or Chrome) binary, or "".
func chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// The dashboard in a real browser: headless Chromium, with the district's
// browser CA imported as an office imports it, opens the node's HTTPS API
// at 127.0.0.1 (the node shows browsers its ECDSA certificate, which
// chains to that CA and names the address), logs in
// through the form, and gets the page with its style applied (the
// Content-Security-Policy lets the inline style through by its hash, and
// no script is needed) and the pyramid drawn: 21 age groups a side.
// Screenshots, light in Vietnamese and dark in English, are written where
// DASHBOARD_SCREENSHOTS names (make dashboard-test: bin/), to look at.
func TestDashboard_Browser(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("no Chromium found (Debian: apt-get install chromium; `make dashboard-test` installs it): the dashboard's browser test is skipped")
	}
	certutil, err := exec.LookPath("certutil")
	if err != nil {
		t.Skip("no certutil to make the browser trust the district's CA (Debian: apt-get install libnss3-tools; `make dashboard-test` installs it): the dashboard's browser test is skipped")
	}
	c := newTestCluster(t, 1, nil)
	dv := newDevice(t, c.d, "00769", "Cán bộ Trình Duyệt", cert.RoleOfficer)
	dv.importGenerated(t, 600, 5)
	c.registerAll(t, dv)
	for _, ob := range dv.seal(t) {
		pushOK(t, c.d, c.nodes[0].Addr(), ob)
	}
	if _, err := setDashPassword(t, c.d, c.nodes[0].Addr(), dashTestPassword, time.Now()); err != nil {
		t.Fatal(err)
	}
	c.converged()

	// The browser trusts the district's browser CA as an office's does
	// once it is imported (kitctl district ca): in the NSS database of
	// its own home directory.
	home := t.TempDir()
	caPEM, err := cert.BrowserCAPEM(c.d)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(home, "district-ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	db := "sql:" + filepath.Join(home, ".pki", "nssdb")
	os.MkdirAll(filepath.Join(home, ".pki", "nssdb"), 0o700)
	for _, args := range [][]string{
		{"-d", db, "-N", "--empty-password"},
		{"-d", db, "-A", "-t", "C,,", "-n", "communekit district (browsers)", "-i", caFile},
	} {
		if out, err := exec.Command(certutil, args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	// Headless always: make test runs under Xvfb, whose display must not
	// turn this into a windowed run.
	actx, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.Headless,
		chromedp.ExecPath(bin),
		chromedp.NoSandbox, // tests run as root in containers
		chromedp.Env("HOME="+home),
		chromedp.WindowSize(1280, 900),
	)...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	base := c.nodes[0].Addr()
	// The first action starts the browser, under no timeout of its own.
	if err := chromedp.Do(bctx, chromedp.Navigate(base+"/dashboard")); err != nil {
		t.Fatalf("Chromium could not open the dashboard: %v", err)
	}
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("in Chromium: %v", err)
		}
	}
	eval := func(js string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		must(err)
		return n
	}
	str := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		must(err)
		return v
	}
	must(chromedp.Do(ctx, chromedp.WaitVisible(`#password`)))
	if eval(`document.querySelectorAll('form.login').length`) != 1 || eval(`document.querySelectorAll('#pyramid').length`) != 0 {
		t.Error("before a login the page shows more than its login form")
	}
	must(chromedp.Do(ctx,
		chromedp.SendKeys(`#password`, dashTestPassword),
		chromedp.Submit(`#password`),
	))
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	err = chromedp.Do(wctx, chromedp.WaitVisible(`#pyramid`))
	wcancel()
	if err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.location.href + "\n" + document.body.innerText`))
		t.Fatalf("no pyramid after the login (%v); the browser shows:\n%s", err, body)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	must(err)
	rects := eval(`document.querySelectorAll('#pyramid rect.m, #pyramid rect.f').length`)
	groups := eval(`document.querySelectorAll('#pyramid g.row').length`)
	drawn := eval(`Array.from(document.querySelectorAll('#pyramid rect.m, #pyramid rect.f')).filter(r => r.getBBox().width > 0).length`)
	if !strings.Contains(title, "Bảng số liệu") || rects != 42 || groups != 21 || drawn < 20 {
		t.Errorf("title %q; pyramid bars %d in %d groups, %d of them drawn", title, rects, groups, drawn)
	}
	bg := str(`getComputedStyle(document.body).backgroundColor`)
	if bg != "rgb(250, 250, 247)" {
		t.Errorf("the page's background is %q: its style did not apply (blocked by the Content-Security-Policy?)", bg)
	}
	if eval(`document.cookie.length`) != 0 {
		t.Error("the session cookie is readable by a script (not HttpOnly)")
	}
	light, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(err)
	dark := func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
		return chromedp.Void{}, err
	}
	must(chromedp.Do(ctx, dark, chromedp.Navigate(base+"/dashboard?lang=en"), chromedp.WaitVisible(`#pyramid`)))
	title, err = chromedp.Run(ctx, chromedp.Title())
	must(err)
	if darkBG := str(`getComputedStyle(document.body).backgroundColor`); !strings.Contains(title, "District dashboard") || darkBG == bg {
		t.Errorf("English, dark: title %q, background %q", title, darkBG)
	}
	darkShot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(err)
	for name, b := range map[string][]byte{"dashboard-light-vi.png": light, "dashboard-dark-en.png": darkShot} {
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r := img.Bounds(); r.Dx() < 1000 || r.Dy() < 900 {
			t.Errorf("%s: %v", name, r)
		}
		if dir := os.Getenv("DASHBOARD_SCREENSHOTS"); dir != "" {
			if err := os.WriteFile(fmt.Sprintf("%s/%s", dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s/%s", dir, name)
		}
	}
}
