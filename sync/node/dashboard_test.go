package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/report"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

const dashTestPassword = "mật khẩu bảng số liệu huyện"

// dashGet fetches the dashboard at node url (with the session cookie
// when given).
func dashGet(t *testing.T, base, pathQuery, cookie string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+pathQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: dashCookie, Value: cookie})
	}
	return dashDo(t, base, req)
}

func dashDo(t *testing.T, base string, req *http.Request) (*http.Response, string) {
	t.Helper()
	hc := *testHTTP(base)
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// dashLogin posts password to the login form of the node at base.
func dashLogin(t *testing.T, base, password string) (*http.Response, string) {
	t.Helper()
	form := url.Values{"password": {password}}.Encode()
	req, err := http.NewRequest(http.MethodPost, base+protocol.PathDashboardLogin, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return dashDo(t, base, req)
}

// setDashPassword signs and sends a dashboard password at time at.
func setDashPassword(t *testing.T, d *identity.District, base, password string, at time.Time) (*protocol.DashboardPassword, error) {
	t.Helper()
	h, err := protocol.HashDashboardPassword([]byte(password))
	if err != nil {
		t.Fatal(err)
	}
	p := &protocol.DashboardPassword{Hash: h.String()}
	p.Sign(d.Sign, at)
	return p, client.SetDashboardPassword(context.Background(), testHTTP(base), base, p)
}

// The dashboard end to end on a three-node cluster: with no password it
// says how to set one and shows nothing else; the district sets one at a
// node and every node holds it (in the digest); a replay of the setting
// is refused anywhere; a wrong password is refused, and past five the
// client waits (429, Retry-After); the right one at a follower gives a
// session cookie (HttpOnly, Secure, SameSite=Strict) and the page, whose
// headers forbid scripts, frames and caching, whose totals are
// report.Stats' on the node's state, and in which no name, ID number or
// record identifier of the generated communes, nor any officer's name,
// appears. A new password ends the sessions of the old one.
func TestDashboard_PasswordLoginAndPage(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	communes := []string{"00769", "03004"}
	var devs []*device
	for i, code := range communes {
		dv := newDevice(t, c.d, code, fmt.Sprintf("Cán bộ Thử Nghiệm %d", i+1), cert.RoleOfficer)
		dv.importGenerated(t, 250+100*i, int64(21+i))
		devs = append(devs, dv)
	}
	c.registerAll(t, devs...)
	for i, dv := range devs {
		for _, ob := range dv.seal(t) {
			pushOK(t, c.d, c.nodes[i%3].Addr(), ob)
		}
	}
	c.converged()
	var follower *Node
	for _, n := range c.nodes {
		if n != c.leader() {
			follower = n
		}
	}
	base := follower.Addr()

	// No password: the how-to, and nothing else.
	resp, page := dashGet(t, base, protocol.PathDashboard, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "district dashboard-password --node") || strings.Contains(page, `id="pyramid"`) || strings.Contains(page, `type="password"`) {
		t.Fatalf("no password set: %d\n%s", resp.StatusCode, page)
	}
	if resp, _ := dashLogin(t, base, dashTestPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a login with no password set: %d, want a redirect to the how-to", resp.StatusCode)
	}
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}

	// A short password is refused on the office machine.
	if _, err := protocol.HashDashboardPassword([]byte("ngắn")); err == nil {
		t.Error("a 4-letter password accepted")
	}
	// Signed by someone else: refused.
	other, _ := identity.NewDistrict("Huyện khác")
	if _, err := setDashPassword(t, other, base, dashTestPassword, time.Now()); err == nil || !strings.Contains(err.Error(), "not signed") {
		t.Fatalf("a setting signed by another district: %v", err)
	}
	// Stale: refused.
	if _, err := setDashPassword(t, c.d, base, dashTestPassword, time.Now().Add(-time.Hour)); err == nil {
		t.Fatal("a setting signed an hour ago was taken")
	}
	set, err := setDashPassword(t, c.d, base, dashTestPassword, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	digest := c.converged()
	for _, n := range c.nodes {
		held, err := n.fsm.dashboardPassword()
		if err != nil || held == nil || held.Hash != set.Hash {
			t.Fatalf("node %s holds %+v, %v", n.cfg.ID, held, err)
		}
	}
	// The same setting again, at another node: refused by the cluster.
	b := mustJSON(t, set)
	for _, n := range c.nodes {
		st, body := post(t, n.Addr(), protocol.PathDashboardPassword, b)
		if st != http.StatusUnauthorized || !strings.Contains(string(body), protocol.CodeReplayed) {
			t.Errorf("the setting replayed at %s: %d %s", n.cfg.ID, st, body)
		}
	}
	if d := c.converged(); d != digest {
		t.Error("a refused replay changed the state")
	}

	// A wrong password at another node: refused, then limited.
	limited := c.nodes[0]
	if limited == follower {
		limited = c.nodes[1]
	}
	for i := 1; i <= dashFailures; i++ {
		resp, page := dashLogin(t, limited.Addr(), "không phải mật khẩu")
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Set-Cookie") != "" || !strings.Contains(page, "Sai mật khẩu") {
			t.Fatalf("wrong password %d: %d %v", i, resp.StatusCode, resp.Header)
		}
	}
	resp, _ = dashLogin(t, limited.Addr(), dashTestPassword)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || resp.Header.Get("Set-Cookie") != "" {
		t.Fatalf("past %d wrong passwords, the right one: %d %v", dashFailures, resp.StatusCode, resp.Header)
	}
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > int(dashFailWindow/time.Second) {
		t.Errorf("Retry-After %q: not within the window", resp.Header.Get("Retry-After"))
	}

	// The right password at a follower: a session, and the page.
	resp, _ = dashLogin(t, base, dashTestPassword)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == dashCookie {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" || len(cookie.Value) < 32 {
		t.Fatalf("session cookie %+v", cookie)
	}
	resp, page = dashGet(t, base, protocol.PathDashboard, cookie.Value)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="pyramid"`) || !strings.Contains(page, `id="progress"`) || strings.Contains(page, "<script") {
		t.Fatalf("the page: %d\n%s", resp.StatusCode, page)
	}
	// The session is this node's: another node asks for the password.
	if _, p := dashGet(t, limited.Addr(), protocol.PathDashboard, cookie.Value); !strings.Contains(p, `type="password"`) {
		t.Error("a session of one node opened the page at another")
	}

	// The totals are report.Stats' on the node's state, for the district
	// and for a commune; English on asking.
	at := report.DateOf(time.Now())
	for _, q := range []struct{ commune, lang string }{{"", "vi"}, {"00769", "vi"}, {"03004", "en"}} {
		st, err := report.Stats(follower.store, report.StatsOptions{At: at, Commune: q.commune})
		if err != nil {
			t.Fatal(err)
		}
		if st.Population.Total < 200 {
			t.Fatalf("%s: %d persons: the fixture is wrong", q.commune, st.Population.Total)
		}
		want := dwf("summary", q.lang, dashNum(st.Population.Total, q.lang), dashNum(st.Households.Total, q.lang), dashNum(st.Records.Total, q.lang))
		_, p := dashGet(t, base, dashURL(q.commune, q.lang), cookie.Value)
		if !strings.Contains(p, `<span id="summary">`+want+`</span>`) {
			t.Errorf("%s %s: the page does not say %q", q.commune, q.lang, want)
		}
		if q.lang == "en" && !strings.Contains(p, "Population pyramid") {
			t.Error("?lang=en is not in English")
		}
	}

	// No name, no ID number, no record identifier, no officer's name:
	// in any page, raw.
	var pages []string
	for _, q := range []string{"", "?commune=00769", "?commune=03004&lang=en", "?lang=en"} {
		_, p := dashGet(t, base, protocol.PathDashboard+q, cookie.Value)
		pages = append(pages, p)
	}
	all := strings.Join(pages, "\n")
	checked := 0
	for _, dv := range devs {
		if strings.Contains(all, dv.s.Profile().Officer) {
			t.Errorf("the officer's name %q is on the page", dv.s.Profile().Officer)
		}
		if err := dv.s.ScanPersons(func(p *storage.Person) error {
			for _, v := range append([]string{p.ID.String()}, valuesOf(p, personal)...) {
				if len([]rune(v)) < 5 {
					continue
				}
				checked++
				if strings.Contains(all, v) {
					t.Errorf("person %s: %q is on the page", p.ID, v)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if checked < 1000 {
		t.Errorf("only %d values checked: the fixture is wrong", checked)
	}

	// Logout ends the session.
	req, _ := http.NewRequest(http.MethodPost, base+protocol.PathDashboardLogout, nil)
	req.AddCookie(&http.Cookie{Name: dashCookie, Value: cookie.Value})
	if resp, _ := dashDo(t, base, req); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	if _, p := dashGet(t, base, protocol.PathDashboard, cookie.Value); !strings.Contains(p, `type="password"`) {
		t.Error("the session outlived its logout")
	}

	// A new password: the old one no longer opens, the new one does, at
	// every node.
	resp, _ = dashLogin(t, base, dashTestPassword)
	old := resp.Cookies()[0].Value
	time.Sleep(1100 * time.Millisecond) // a newer signed second
	if _, err := setDashPassword(t, c.d, c.nodes[2].Addr(), "một mật khẩu mới hẳn", time.Now()); err != nil {
		t.Fatal(err)
	}
	c.converged()
	if _, p := dashGet(t, base, protocol.PathDashboard, old); !strings.Contains(p, `type="password"`) {
		t.Error("a session of the old password still opens the page")
	}
	if resp, _ := dashLogin(t, base, dashTestPassword); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old password: %d", resp.StatusCode)
	}
	for _, n := range c.nodes {
		if n == limited {
			continue
		}
		if resp, _ := dashLogin(t, n.Addr(), "một mật khẩu mới hẳn"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the new password at %s: %d", n.cfg.ID, resp.StatusCode)
		}
	}
	// The older setting again: refused (never over a newer one).
	if st, body := post(t, base, protocol.PathDashboardPassword, b); st != http.StatusUnauthorized {
		t.Errorf("the older setting: %d %s", st, body)
	}
}

func valuesOf(p *storage.Person, fields []storage.Field) []string {
	var out []string
	for _, f := range fields {
		if v := p.Values[f]; v != "" {
			out = append(out, v)
		}
	}
	return out
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
