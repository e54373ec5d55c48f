package node

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/communekit/communekit/storage/refdata"
	"github.com/communekit/communekit/storage/report"
	"github.com/communekit/communekit/sync/protocol"
)

// The district's dashboard: a read-only page each node serves on its API
// (HTTPS), for the district office's browsers. It shows what the
// district's reports show (report.go), drawn: the progress table, the
// statistics of the district or one commune, the population pyramid.
// Aggregates only: counts, hamlet and commune names, device IDs; never a
// citizen's name, ID number or record identifier, nor an officer's name.
//
// It opens with the password the district set (kitctl district
// dashboard-password: an scrypt hash replicated through Raft, entry kind
// 7, fsm.go); a login makes a session held in this node's memory, named by
// a random token in an HttpOnly, Secure, SameSite=Strict cookie. Wrong
// passwords are logged and limited per client address, and scrypt checks
// run a few at a time. No script, no external file: the page is HTML with
// its style inline and its charts as inline SVG, under a Content-Security-
// Policy that forbids scripts, frames and loads from elsewhere.

// Limits of the dashboard's login.
const (
	// maxDashboardLogin bounds a login (or logout) form's body.
	maxDashboardLogin = 1 << 10
	// dashChecks is how many scrypt checks run at once (each 32 MiB).
	dashChecks = 2
	// dashCheckWait is how long a login waits for a check's place.
	dashCheckWait = 2 * time.Second
	// dashFailures wrong passwords from one client address within
	// dashFailWindow: then 429 until the window (from the first) ends.
	dashFailures   = 5
	dashFailWindow = 15 * time.Minute
	// dashMaxClients bounds the client addresses whose failures are
	// remembered; past it, every client is limited until some expire.
	dashMaxClients = 10_000
	// dashSessionTTL is how long a login lasts; dashMaxSessions bounds
	// the sessions a node holds.
	dashSessionTTL  = 8 * time.Hour
	dashMaxSessions = 1_000
	// dashCookie is the session cookie's name (__Host-: Secure, Path=/,
	// no Domain, enforced by browsers).
	dashCookie = "__Host-communekit-dashboard"
)

// dashboard is what a node holds for its dashboard: sessions and failed
// logins, in memory.
type dashboard struct {
	mu       sync.Mutex
	sessions map[string]dashSession
	failures map[string]*dashFailure
	checks   chan struct{}
}

type dashSession struct {
	expires time.Time
	setting int64 // the Time of the password setting it was opened under
}

type dashFailure struct {
	count int
	first time.Time
}

func newDashboard() *dashboard {
	return &dashboard{sessions: map[string]dashSession{}, failures: map[string]*dashFailure{}, checks: make(chan struct{}, dashChecks)}
}

// limited returns how long client must wait before trying a password
// again (0: it may try now).
func (d *dashboard) limited(client string, now time.Time) time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sweep(now)
	if f, ok := d.failures[client]; ok && f.count >= dashFailures {
		return f.first.Add(dashFailWindow).Sub(now)
	}
	if len(d.failures) >= dashMaxClients {
		return time.Minute
	}
	return 0
}

// failed records a wrong password from client and returns the count in
// its window.
func (d *dashboard) failed(client string, now time.Time) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	f, ok := d.failures[client]
	if !ok {
		f = &dashFailure{first: now}
		d.failures[client] = f
	}
	f.count++
	return f.count
}

func (d *dashboard) sweep(now time.Time) {
	for k, f := range d.failures {
		if !now.Before(f.first.Add(dashFailWindow)) {
			delete(d.failures, k)
		}
	}
	for k, s := range d.sessions {
		if !now.Before(s.expires) {
			delete(d.sessions, k)
		}
	}
}

// open makes a session under setting and returns its token, "" when the
// node holds too many.
func (d *dashboard) open(setting int64, now time.Time) string {
	var b [32]byte
	rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sweep(now)
	if len(d.sessions) >= dashMaxSessions {
		return ""
	}
	d.sessions[tok] = dashSession{expires: now.Add(dashSessionTTL), setting: setting}
	return tok
}

// valid reports whether token names a live session opened under setting.
func (d *dashboard) valid(token string, setting int64, now time.Time) bool {
	if token == "" {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.sessions[token]
	if ok && (s.setting != setting || !now.Before(s.expires)) {
		delete(d.sessions, token)
		return false
	}
	return ok
}

func (d *dashboard) close(token string) {
	d.mu.Lock()
	delete(d.sessions, token)
	d.mu.Unlock()
}

// handleDashboardPassword replicates the dashboard password the district
// set (kitctl district dashboard-password): signed by the root key, fresh
// by this node's clock, and newer than the setting the cluster holds (the
// state machine decides the last on every node alike, so the same
// request replayed, here or at another node, is refused).
func (n *Node) handleDashboardPassword(w http.ResponseWriter, r *http.Request) {
	var d protocol.DashboardPassword
	body, ok := n.readRequest(w, r, &d, "a dashboard password setting")
	if !ok {
		return
	}
	if _, err := d.Verify(n.fsm.pub.SignKey, n.now()); err != nil {
		n.fail(w, err.(*protocol.Error))
		return
	}
	if held, err := n.fsm.dashboardPassword(); err == nil && held != nil && held.Time >= d.Time {
		n.fail(w, errf(protocol.CodeReplayed, "%v", errDashboardNotNewer))
		return
	}
	release, ok := n.admit(w, "")
	if !ok {
		return
	}
	defer release()
	if n.forward(w, r, body) {
		return
	}
	if e := n.apply(append([]byte{entryDashboard}, body...), w); e != nil {
		n.fail(w, e)
		return
	}
	n.log.Info("the dashboard's password was set by the district", "signed", time.Unix(d.Time, 0).UTC().Format(time.RFC3339))
	w.WriteHeader(http.StatusNoContent)
}

// dashPassword is the password setting the cluster holds and its hash;
// nil, nil when none is set.
func (n *Node) dashPassword() (*protocol.DashboardPassword, *protocol.ScryptHash, error) {
	d, err := n.fsm.dashboardPassword()
	if err != nil || d == nil {
		return nil, nil, err
	}
	h, err := protocol.ParseScryptHash(d.Hash)
	if err != nil {
		return nil, nil, err
	}
	return d, h, nil
}

// dashHeaders are the headers of every dashboard answer: no script, no
// frame, no load from elsewhere, nothing cached.
func dashHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", dashCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
}

// dashCSP allows the page's own style (by its hash) and images inline,
// forms posted to the node itself, and nothing else: no script at all.
var dashCSP = func() string {
	sum := sha256.Sum256([]byte(dashCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}()

// clientOf is the address a request came from (its host alone).
func clientOf(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// dashLang is the page's language: Vietnamese unless lang=en.
func dashLang(q url.Values) string {
	if q.Get("lang") == "en" {
		return "en"
	}
	return "vi"
}

// sameOrigin refuses a form posted from another site (a browser names the
// page it came from in Origin). The page's Referrer-Policy is same-origin:
// under no-referrer Chromium posts the page's own forms with Origin null,
// which is refused here as a sandboxed frame's would be.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == ""
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// handleDashboard answers GET /dashboard: how to set a password when none
// is set, the login form without a session, else the page.
func (n *Node) handleDashboard(w http.ResponseWriter, r *http.Request) {
	dashHeaders(w)
	q := r.URL.Query()
	lang := dashLang(q)
	page := &dashPage{Lang: lang, Node: n.cfg.ID, District: n.cred.District.Name, Query: dashQuery(q)}
	release, ok := n.admitPage(w, page)
	if !ok {
		return
	}
	defer release()
	setting, _, err := n.dashPassword()
	if err != nil {
		n.log.Error("dashboard: reading the password setting", "err", err)
		page.Error = dw("error_internal", lang)
		n.render(w, http.StatusInternalServerError, page)
		return
	}
	if setting == nil {
		page.NoPassword = true
		n.render(w, http.StatusOK, page)
		return
	}
	c, _ := r.Cookie(dashCookie)
	if c == nil || !n.dash.valid(c.Value, setting.Time, n.now()) {
		page.Login = true
		n.render(w, http.StatusOK, page)
		return
	}
	status := n.fillDashboard(page, q)
	n.render(w, status, page)
}

// admitPage takes a place among the requests worked on; when there is
// none, it answers a page that says to reload.
func (n *Node) admitPage(w http.ResponseWriter, page *dashPage) (func(), bool) {
	l := n.lim
	t := time.NewTimer(l.l.InFlightWait)
	defer t.Stop()
	select {
	case l.inflight <- struct{}{}:
	case <-t.C:
		w.Header().Set("Retry-After", strconv.Itoa(retryBusy))
		page.Error = dw("error_busy", page.Lang)
		n.render(w, http.StatusServiceUnavailable, page)
		return nil, false
	}
	var once sync.Once
	return func() { once.Do(func() { <-l.inflight }) }, true
}

// handleDashboardLogin checks a password posted by the login form.
func (n *Node) handleDashboardLogin(w http.ResponseWriter, r *http.Request) {
	dashHeaders(w)
	lang := dashLang(r.URL.Query())
	page := &dashPage{Lang: lang, Node: n.cfg.ID, District: n.cred.District.Name, Login: true}
	if !sameOrigin(r) {
		page.Error = dw("error_origin", lang)
		n.render(w, http.StatusForbidden, page)
		return
	}
	body, e := n.readBody(w, r, maxDashboardLogin)
	if e != nil {
		page.Error = dw("error_form", lang)
		n.render(w, protocol.Status(e.Code), page)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || len(form["password"]) != 1 {
		page.Error = dw("error_form", lang)
		n.render(w, http.StatusBadRequest, page)
		return
	}
	if form.Get("lang") == "en" {
		lang, page.Lang = "en", "en"
	}
	client := clientOf(r)
	now := n.now()
	if wait := n.dash.limited(client, now); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		page.Error = dwf("error_limited", lang, (secs+59)/60)
		n.m.refused.WithLabelValues("dashboard_limited").Inc()
		n.render(w, http.StatusTooManyRequests, page)
		return
	}
	release, ok := n.admitPage(w, page)
	if !ok {
		return
	}
	defer release()
	setting, hash, err := n.dashPassword()
	if err != nil || setting == nil {
		http.Redirect(w, r, dashURL("", lang), http.StatusSeeOther)
		return
	}
	t := time.NewTimer(dashCheckWait)
	defer t.Stop()
	select {
	case n.dash.checks <- struct{}{}:
	case <-t.C:
		w.Header().Set("Retry-After", strconv.Itoa(retryBusy))
		page.Error = dw("error_busy", lang)
		n.render(w, http.StatusTooManyRequests, page)
		return
	}
	right := hash.Check([]byte(form.Get("password")))
	<-n.dash.checks
	if !right {
		count := n.dash.failed(client, now)
		n.log.Warn("dashboard: a wrong password", "client", client, "failures", count, "limit", dashFailures, "window", dashFailWindow.String())
		n.m.refused.WithLabelValues("dashboard_password").Inc()
		page.Error = dw("error_password", lang)
		n.render(w, http.StatusUnauthorized, page)
		return
	}
	tok := n.dash.open(setting.Time, now)
	if tok == "" {
		page.Error = dw("error_sessions", lang)
		n.render(w, http.StatusServiceUnavailable, page)
		return
	}
	n.log.Info("dashboard: a login", "client", client)
	http.SetCookie(w, &http.Cookie{Name: dashCookie, Value: tok, Path: "/", MaxAge: int(dashSessionTTL / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, dashURL("", lang), http.StatusSeeOther)
}

// handleDashboardLogout ends the session.
func (n *Node) handleDashboardLogout(w http.ResponseWriter, r *http.Request) {
	dashHeaders(w)
	lang := dashLang(r.URL.Query())
	if !sameOrigin(r) {
		n.render(w, http.StatusForbidden, &dashPage{Lang: lang, Node: n.cfg.ID, District: n.cred.District.Name, Error: dw("error_origin", lang)})
		return
	}
	if c, _ := r.Cookie(dashCookie); c != nil {
		n.dash.close(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: dashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, dashURL("", lang), http.StatusSeeOther)
}

// dashURL is the page's address for commune (""/all: the district) in
// lang.
func dashURL(commune, lang string) string {
	v := url.Values{}
	if commune != "" && commune != protocol.ReportAll {
		v.Set("commune", commune)
	}
	if lang == "en" {
		v.Set("lang", "en")
	}
	if len(v) == 0 {
		return protocol.PathDashboard
	}
	return protocol.PathDashboard + "?" + v.Encode()
}

// dashQuery is the page's own query, kept across a language switch.
func dashQuery(q url.Values) string {
	c := q.Get("commune")
	if _, ok := refdata.Unit(c); !ok {
		c = ""
	}
	return c
}

// fillDashboard computes what the page shows: the progress table and the
// statistics of the commune asked (the district by default), through the
// reports' cache. It returns the page's status.
func (n *Node) fillDashboard(page *dashPage, q url.Values) int {
	lang := page.Lang
	at := report.DateOf(n.now())
	if v := q.Get("at"); v != "" {
		d, err := report.ParseDate(v)
		if err != nil {
			page.Error = err.Error()
			return http.StatusBadRequest
		}
		at = d
	}
	commune := q.Get("commune")
	if commune == protocol.ReportAll {
		commune = ""
	}
	if commune != "" {
		if _, ok := refdata.Unit(commune); !ok {
			page.Error = dwf("error_commune", lang, commune)
			return http.StatusBadRequest
		}
	}
	devs, communes, err := n.devices()
	if err != nil {
		n.log.Error("dashboard: reading the devices", "err", err)
		page.Error = dw("error_internal", lang)
		return http.StatusInternalServerError
	}
	key := at.String() + "|" + strings.Join(communes, ",")
	pr, idx, err := cachedReport(n, func(c *reportCache) *map[string]*report.Progress { return &c.prog }, key, func() (*report.Progress, error) {
		return report.ComputeProgress(n.store, report.ProgressOptions{At: at, Communes: communes})
	})
	if err == nil {
		o := report.StatsOptions{At: at, Commune: commune}
		skey := strings.Join([]string{o.Commune, o.At.String(), o.From.String(), o.To.String()}, "|")
		var st *report.Statistics
		st, _, err = cachedReport(n, func(c *reportCache) *map[string]*report.Statistics { return &c.stats }, skey, func() (*report.Statistics, error) {
			return report.Stats(n.store, o)
		})
		if err == nil {
			page.Stats = st
		}
	}
	if err != nil {
		n.log.Error("dashboard: computing the reports", "err", err)
		page.Error = dw("error_internal", lang)
		return http.StatusInternalServerError
	}
	page.Signed = true
	page.Commune = commune
	page.Index = idx
	page.Progress = pr
	page.Devices = devs
	page.Communes = communes
	page.Now = n.now().UTC().Truncate(time.Second)
	return http.StatusOK
}
