package node

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/communekit/communekit/storage/report"
	"github.com/communekit/communekit/sync/protocol"
)

// The dashboard's page: one HTML document, its style inline (allowed by
// its hash in the Content-Security-Policy), its charts inline SVG, no
// script. What it shows is computed in fillDashboard; here it is laid out.

// dashPage is what one answer of the dashboard shows.
type dashPage struct {
	Lang, Node, District string
	Query                string // the commune asked, kept across a language switch
	Error                string
	NoPassword           bool // none set: how to set one, nothing else
	Login                bool // the login form
	Signed               bool // logged in: the numbers
	Commune              string
	Index                uint64
	Now                  time.Time
	Progress             *report.Progress
	Devices              []protocol.DeviceProgress
	Communes             []string
	Stats                *report.Statistics
}

// dashWords are the page's words, Vietnamese then English; the tables'
// own come from storage/report.
var dashWords = map[string][2]string{
	"title":            {"Bảng số liệu của huyện", "District dashboard"},
	"other_lang":       {"English", "Tiếng Việt"},
	"login":            {"Đăng nhập", "Log in"},
	"logout":           {"Đăng xuất", "Log out"},
	"password":         {"Mật khẩu", "Password"},
	"login_intro":      {"Nhập mật khẩu bảng số liệu mà văn phòng huyện đã đặt.", "Enter the dashboard password the district office set."},
	"no_password":      {"Chưa có mật khẩu cho bảng số liệu, nên trang này chưa hiển thị gì.", "No password is set for the dashboard, so this page shows nothing yet."},
	"no_password_how":  {"Tại văn phòng huyện, trên máy có hồ sơ của huyện, đặt mật khẩu (ít nhất %d ký tự) bằng lệnh:", "At the district office, on the machine holding the district profile, set one (at least %d characters) with:"},
	"no_password_then": {"rồi tải lại trang này. Mật khẩu được gửi đến mọi nút của cụm; đặt lại bằng cùng lệnh đó.", "then reload this page. The password reaches every node of the cluster; set it again with the same command."},
	"aggregates_only":  {"Chỉ có số liệu tổng hợp: không có họ tên, số định danh hay mã hồ sơ.", "Aggregates only: no names, ID numbers or record identifiers."},
	"node":             {"Nút", "Node"},
	"computed_at":      {"Tính trên dữ liệu của nút %s (chỉ mục %d) lúc %s UTC.", "Computed on node %s's state (index %d) at %s UTC."},
	"choose_commune":   {"Chọn xã", "Choose a commune"},
	"whole_district":   {"Toàn huyện", "Whole district"},
	"progress":         {"Tiến độ theo xã", "Progress by commune"},
	"commune":          {"Xã", "Commune"},
	"persons":          {"Số người", "Persons"},
	"households":       {"Số hộ", "Households"},
	"complete_records": {"Hồ sơ đủ thông tin", "Complete records"},
	"completeness":     {"Mức đầy đủ", "Completeness"},
	"open_conflicts":   {"Xung đột chưa giải quyết", "Open conflicts"},
	"devices":          {"Thiết bị", "Devices"},
	"last_batch":       {"Lô cuối đã nhận", "Last batch accepted"},
	"last_batch_age":   {"Lô cuối nhận cách đây", "Last batch, received"},
	"district_total":   {"Cả huyện (mỗi người, hộ, xung đột tính một lần)", "District (each person, household, conflict once)"},
	"devices_title":    {"Thiết bị và lô dữ liệu cuối", "Devices and their last batch"},
	"device":           {"Mã thiết bị", "Device"},
	"role":             {"Vai trò", "Role"},
	"accepted_at":      {"Nhận lúc (UTC)", "Accepted at (UTC)"},
	"age":              {"Cách đây", "Age"},
	"none_yet":         {"chưa có", "none yet"},
	"not_recorded_t":   {"không rõ", "not recorded"},
	"clock_note":       {"Tuổi của lô tính theo đồng hồ của nút %s; thời điểm nhận là đồng hồ của nút dẫn đầu khi nhận lô, không bao giờ theo đồng hồ của thiết bị.", "Ages by node %s's clock; the time a batch was accepted is the leader's clock when it took it, never a device's."},
	"officer":          {"cán bộ", "officer"},
	"supervisor":       {"giám sát", "supervisor"},
	"admin":            {"quản trị", "administrator"},
	"statistics":       {"Thống kê", "Statistics"},
	"summary":          {"Dân số còn sống: %s người · %s hộ · %s hồ sơ (kể cả người đã chết)", "Living population: %s persons · %s households · %s records (the dead included)"},
	"men":              {"Nam", "Men"},
	"women":            {"Nữ", "Women"},
	"age_group":        {"Nhóm tuổi", "Age group"},
	"minutes":          {"%d phút", "%d min ago"},
	"hours":            {"%d giờ", "%d h ago"},
	"days":             {"%d ngày", "%d days ago"},
	"seconds":          {"%d giây", "%d s ago"},
	"error_internal":   {"Nút này không tính được số liệu; xem nhật ký của nút, hoặc mở bảng ở nút khác.", "This node could not compute the numbers; see its log, or open the dashboard at another node."},
	"error_busy":       {"Nút đang bận; tải lại trang sau vài giây.", "The node is busy; reload the page in a few seconds."},
	"error_origin":     {"Biểu mẫu này không được gửi từ trang của nút.", "This form was not sent from the node's own page."},
	"error_form":       {"Biểu mẫu đăng nhập không hợp lệ; tải lại trang và thử lại.", "The login form is not valid; reload the page and try again."},
	"error_password":   {"Sai mật khẩu.", "Wrong password."},
	"error_limited":    {"Quá nhiều lần nhập sai mật khẩu từ máy này: thử lại sau khoảng %d phút.", "Too many wrong passwords from this computer: try again in about %d minutes."},
	"error_sessions":   {"Nút đang giữ quá nhiều phiên đăng nhập; thử lại sau, hoặc dùng nút khác.", "The node holds too many logins; try again later, or use another node."},
	"error_commune":    {"%q không phải mã xã: chọn một xã trong danh sách.", "%q is not a commune's code: choose a commune from the list."},
}

// dw is a word of the page in lang.
func dw(key, lang string) string {
	w, ok := dashWords[key]
	if !ok {
		return report.Word(key, lang)
	}
	if lang == "en" {
		return w[1]
	}
	return w[0]
}

func dwf(key, lang string, a ...any) string { return fmt.Sprintf(dw(key, lang), a...) }

// T is a word in the page's language (for the template).
func (p *dashPage) T(key string) string { return dw(key, p.Lang) }

// Num writes a count as the language writes it: 12.345 (vi), 12,345 (en).
func (p *dashPage) Num(n int) string { return dashNum(n, p.Lang) }

func dashNum(n int, lang string) string { return report.Number(n, lang) }

// Pct writes a percentage with one decimal: 12,5% (vi), 12.5% (en).
func (p *dashPage) Pct(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if p.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "%"
}

func (p *dashPage) share(n, of int) string {
	if of == 0 {
		return "–"
	}
	return p.Pct(100 * float64(n) / float64(of))
}

// Place names a commune ("" is the district).
func (p *dashPage) Place(commune string) string {
	if commune == "" {
		return dw("whole_district", p.Lang)
	}
	return report.Place(commune, p.Lang)
}

// URL is the page's address for commune, in the page's language.
func (p *dashPage) URL(commune string) string { return dashURL(commune, p.Lang) }

// OtherLangURL is this page in the other language.
func (p *dashPage) OtherLangURL() string {
	other := "en"
	if p.Lang == "en" {
		other = "vi"
	}
	return dashURL(p.Query, other)
}

// OtherLang is the other language's code.
func (p *dashPage) OtherLang() string {
	if p.Lang == "en" {
		return "vi"
	}
	return "en"
}

// LoginURL and LogoutURL keep the language.
func (p *dashPage) LoginURL() string  { return dashAction(protocol.PathDashboardLogin, p.Lang) }
func (p *dashPage) LogoutURL() string { return dashAction(protocol.PathDashboardLogout, p.Lang) }

func dashAction(path, lang string) string {
	if lang == "en" {
		return path + "?lang=en"
	}
	return path
}

// MinPassword is the shortest password, for the how-to.
func (p *dashPage) MinPassword() int { return protocol.MinDashboardPassword }

// Computed says where and when the numbers were computed.
func (p *dashPage) Computed() string {
	return dwf("computed_at", p.Lang, p.Node, p.Index, p.Now.Format("2006-01-02 15:04:05"))
}

// ClockNote says whose clock the ages are by.
func (p *dashPage) ClockNote() string { return dwf("clock_note", p.Lang, p.Node) }

// dashProgressRow is one row of the progress table, written out.
type dashProgressRow struct {
	Commune, Persons, Households, Complete, Completeness, Conflicts, Devices, LastBatch string
	Bar                                                                                 int // completeness, 0–100
	URL                                                                                 string
}

// ProgressRows are the progress table's rows: each commune, then the
// district.
func (p *dashPage) ProgressRows() []dashProgressRow {
	if p.Progress == nil {
		return nil
	}
	byCommune := map[string][]protocol.DeviceProgress{}
	for _, d := range p.Devices {
		for _, c := range d.Communes {
			byCommune[c] = append(byCommune[c], d)
		}
	}
	row := func(c report.CommuneProgress, devs []protocol.DeviceProgress, name, url string) dashProgressRow {
		r := dashProgressRow{Commune: name, URL: url, Persons: p.Num(c.Persons), Households: p.Num(c.Households),
			Complete: p.Num(c.CompleteRecords), Completeness: p.Pct(c.Completeness), Conflicts: p.Num(c.OpenConflicts),
			Devices: p.Num(len(devs)), Bar: int(c.Completeness + 0.5)}
		var last *time.Time
		for _, d := range devs {
			if d.AcceptedAt != nil && (last == nil || d.AcceptedAt.After(*last)) {
				last = d.AcceptedAt
			}
		}
		r.LastBatch = dw("none_yet", p.Lang)
		if last != nil {
			r.LastBatch = p.age(*last)
		}
		return r
	}
	var out []dashProgressRow
	for _, c := range p.Progress.Communes {
		out = append(out, row(c, byCommune[c.Commune], p.Place(c.Commune), p.URL(c.Commune)))
	}
	out = append(out, row(p.Progress.Total, p.Devices, dw("district_total", p.Lang), ""))
	return out
}

// age writes how long ago t was, by this node's clock.
func (p *dashPage) age(t time.Time) string {
	d := p.Now.Sub(t)
	switch {
	case d < time.Minute:
		return dwf("seconds", p.Lang, max(int(d/time.Second), 0))
	case d < time.Hour:
		return dwf("minutes", p.Lang, int(d/time.Minute))
	case d < 48*time.Hour:
		return dwf("hours", p.Lang, int(d/time.Hour))
	}
	return dwf("days", p.Lang, int(d/(24*time.Hour)))
}

// dashDeviceRow is one device, written out: its ID, never its officer.
type dashDeviceRow struct {
	Device, Role, Communes, LastBatch, AcceptedAt, Age string
}

// DeviceRows are the devices, those that sent the longest ago first.
func (p *dashPage) DeviceRows() []dashDeviceRow {
	devs := append([]protocol.DeviceProgress{}, p.Devices...)
	sort.SliceStable(devs, func(i, j int) bool {
		a, b := devs[i].AcceptedAt, devs[j].AcceptedAt
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		}
		return a.Before(*b)
	})
	var out []dashDeviceRow
	for _, d := range devs {
		r := dashDeviceRow{Device: d.Device, Role: dw(d.Role, p.Lang), Communes: strings.Join(d.Communes, ", "), LastBatch: p.Num(int(d.LastBatch)),
			AcceptedAt: dw("not_recorded_t", p.Lang), Age: "–"}
		if d.LastBatch == 0 {
			r.LastBatch = dw("none_yet", p.Lang)
		}
		if d.AcceptedAt != nil {
			r.AcceptedAt = d.AcceptedAt.UTC().Format("2006-01-02 15:04")
			r.Age = p.age(*d.AcceptedAt)
		}
		out = append(out, r)
	}
	return out
}

// CommuneLinks are the commune chooser's entries.
type dashLink struct {
	Name, URL string
	Current   bool
}

func (p *dashPage) CommuneLinks() []dashLink {
	out := []dashLink{{Name: dw("whole_district", p.Lang), URL: p.URL(""), Current: p.Commune == ""}}
	for _, c := range p.Communes {
		out = append(out, dashLink{Name: p.Place(c), URL: p.URL(c), Current: p.Commune == c})
	}
	return out
}

// Summary is the statistics' first line.
func (p *dashPage) Summary() string {
	st := p.Stats
	return dwf("summary", p.Lang, p.Num(st.Population.Total), p.Num(st.Households.Total), p.Num(st.Records.Total))
}

// dashTable is one table of the statistics, written out, with a bar per
// row.
type dashTable struct {
	Title, KeyTitle, CountTitle string
	Rows                        []dashRow
	Total                       string
}

type dashRow struct {
	Label, Count, Share string
	Bar                 int // the share, 0–100
}

// Tables are the statistics' tables as the PDF lays them out: the usual
// age groups, every table by one characteristic, the events by sex.
func (p *dashPage) Tables() []dashTable {
	st, lang := p.Stats, p.Lang
	word := func(k string) string { return report.Word(k, lang) }
	bar := func(n, of int) int {
		if of == 0 {
			return 0
		}
		return int(100*float64(n)/float64(of) + 0.5)
	}
	var out []dashTable
	pop := &st.Population
	t := dashTable{Title: word(report.DimUsualGroup), KeyTitle: word(report.DimAge), CountTitle: word("count")}
	for _, g := range pop.UsualGroups {
		t.Rows = append(t.Rows, dashRow{Label: word(g.Key), Count: p.Num(g.Count), Share: p.share(g.Count, pop.Total), Bar: bar(g.Count, pop.Total)})
	}
	out = append(out, t)
	for _, nt := range st.Tables() {
		tb := nt.T
		if tb.Dim == report.DimSex && tb != &pop.BySex {
			continue // the events, below
		}
		title, count := word(nt.Title), word("count")
		switch tb {
		case &st.Records.ByStatus:
			title = word("records")
		case &st.Households.BySize, &st.Households.ByHamlet, &st.Households.ByHeadSex:
			title, count = word("households")+": "+title, word("head_count")
		}
		t := dashTable{Title: title, KeyTitle: word(tb.Dim), CountTitle: count, Total: p.Num(tb.Total)}
		for _, r := range tb.Rows {
			label := report.Label(tb.Dim, r.Key, lang)
			if (tb.Dim == report.DimEthnicity || tb.Dim == report.DimReligion || tb.Dim == report.DimNation) && r.Key != report.NotRecorded {
				label += " (" + r.Key + ")"
			}
			t.Rows = append(t.Rows, dashRow{Label: label, Count: p.Num(r.Count), Share: p.share(r.Count, tb.Total), Bar: bar(r.Count, tb.Total)})
		}
		out = append(out, t)
	}
	return out
}

// dashEvent is one line of the events table.
type dashEvent struct{ Event, Men, Women, Other, Total string }

// EventsTitle names the events' table with its period.
func (p *dashPage) EventsTitle() string {
	e := p.Stats.Events
	return report.Word("events_title", p.Lang) + " " + e.From.Vietnamese() + " – " + e.To.Vietnamese()
}

// Events are the events of the period by sex.
func (p *dashPage) Events() []dashEvent {
	var out []dashEvent
	for _, nt := range p.Stats.Tables() {
		if nt.T.Dim != report.DimSex || nt.T == &p.Stats.Population.BySex {
			continue
		}
		var m, f, o int
		for _, r := range nt.T.Rows {
			switch r.Key {
			case report.SexMale:
				m = r.Count
			case report.SexFemale:
				f = r.Count
			default:
				o += r.Count
			}
		}
		out = append(out, dashEvent{report.Word(nt.Title, p.Lang), p.Num(m), p.Num(f), p.Num(o), p.Num(nt.T.Total)})
	}
	return out
}

// Pyramid draws the population pyramid as SVG: men left, women right,
// five-year groups from the bottom up, each bar's count at its end.
func (p *dashPage) Pyramid() template.HTML {
	bars := p.Stats.Population.BySexAge
	half := len(bars) / 2
	if half == 0 {
		return ""
	}
	const (
		width  = 720.0
		mid    = 64.0 // the age labels' column
		rowH   = 19.0
		top    = 34.0
		bottom = 10.0
		pad    = 56.0 // room for a count at a bar's end
	)
	side := (width - mid) / 2
	most := 1
	var men, women int
	for i := 0; i < half; i++ {
		most = max(most, bars[i].Count, bars[half+i].Count)
		men += bars[i].Count
		women += bars[half+i].Count
	}
	scale := (side - pad) / float64(most)
	height := top + rowH*float64(half) + bottom
	var b strings.Builder
	e := html.EscapeString
	title := report.Word("pyramid", p.Lang) + " — " + p.Place(p.Commune)
	fmt.Fprintf(&b, `<svg id="pyramid" class="pyramid" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-labelledby="pyramid-title">`, width, height, width, height)
	fmt.Fprintf(&b, `<title id="pyramid-title">%s</title>`, e(title))
	fmt.Fprintf(&b, `<text class="head" x="%.1f" y="18" text-anchor="end">%s (%s)</text>`, side-4, e(dw("men", p.Lang)), e(p.Num(men)))
	fmt.Fprintf(&b, `<text class="head" x="%.1f" y="18" text-anchor="start">%s (%s)</text>`, side+mid+4, e(dw("women", p.Lang)), e(p.Num(women)))
	for i := 0; i < half; i++ {
		g := half - 1 - i // the oldest at the top
		y := top + rowH*float64(i)
		m, f := bars[g], bars[half+g]
		label := strconv.Itoa(m.AgeFrom) + "+"
		if m.AgeTo != nil {
			label = strconv.Itoa(m.AgeFrom) + "–" + strconv.Itoa(*m.AgeTo)
		}
		mw, fw := float64(m.Count)*scale, float64(f.Count)*scale
		fmt.Fprintf(&b, `<g class="row"><title>%s: %s %s, %s %s</title>`, e(label), e(dw("men", p.Lang)), e(p.Num(m.Count)), e(dw("women", p.Lang)), e(p.Num(f.Count)))
		fmt.Fprintf(&b, `<rect class="m" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, side-mw, y+1, mw, rowH-2)
		fmt.Fprintf(&b, `<rect class="f" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, side+mid, y+1, fw, rowH-2)
		fmt.Fprintf(&b, `<text class="age" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, side+mid/2, y+rowH-4, e(label))
		fmt.Fprintf(&b, `<text class="n" x="%.1f" y="%.1f" text-anchor="end">%s</text>`, side-mw-3, y+rowH-4, e(p.Num(m.Count)))
		fmt.Fprintf(&b, `<text class="n" x="%.1f" y="%.1f" text-anchor="start">%s</text>`, side+mid+fw+3, y+rowH-4, e(p.Num(f.Count)))
		b.WriteString(`</g>`)
	}
	fmt.Fprintf(&b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, side, top, side, height-bottom)
	fmt.Fprintf(&b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, side+mid, top, side+mid, height-bottom)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// NotRecordedNote counts the persons the pyramid cannot place.
func (p *dashPage) NotRecordedNote() string {
	if p.Stats.Population.SexAgeNotRecorded == 0 {
		return ""
	}
	return report.Word("sex_age_not_recorded", p.Lang) + ": " + p.Num(p.Stats.Population.SexAgeNotRecorded)
}

// ReferenceDate is the date persons are counted at.
func (p *dashPage) ReferenceDate() string {
	return report.Word("reference_date", p.Lang) + ": " + p.Stats.ReferenceDate.Vietnamese()
}

// render writes the page with status.
func (n *Node) render(w http.ResponseWriter, status int, p *dashPage) {
	var b bytes.Buffer
	if err := dashTemplate.Execute(&b, p); err != nil {
		n.log.Error("dashboard: rendering the page", "err", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// dashCSS is the page's whole style: light, and dark where the
// computer asks for it.
const dashCSS = `
:root{--bg:#fafaf7;--fg:#1d2329;--muted:#5b6670;--line:#d5d9dd;--head:#eef1f4;--accent:#1f5f99;--m:#2f6fb0;--f:#c2456b;--bar:#3c8d5a;--err:#a8201a}
@media (prefers-color-scheme: dark){:root{--bg:#16191c;--fg:#e6e9ec;--muted:#9aa5ae;--line:#353b41;--head:#22272c;--accent:#7fb4e6;--m:#5f9bd6;--f:#e07a99;--bar:#5cb57c;--err:#ff8a80}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 "Noto Sans","DejaVu Sans",system-ui,sans-serif}
header{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:8px 16px;padding:12px 24px;border-bottom:1px solid var(--line)}
h1{font-size:20px;margin:0}
h2{font-size:18px;margin:28px 0 8px}
h3{font-size:15px;margin:20px 0 6px}
nav.top{display:flex;align-items:center;gap:16px}
nav.top form{margin:0}
main{padding:8px 24px 24px;max-width:1200px}
a{color:var(--accent)}
button{font:inherit;padding:5px 14px;border:1px solid var(--accent);background:var(--accent);color:var(--bg);border-radius:4px;cursor:pointer}
nav.top button{background:transparent;color:var(--accent)}
input[type=password]{font:inherit;padding:5px 8px;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg);min-width:18em}
.login{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:16px 0}
.error{color:var(--err);font-weight:600}
.muted,footer{color:var(--muted);font-size:13px}
footer{padding:12px 24px;border-top:1px solid var(--line)}
pre{background:var(--head);padding:10px 12px;border-radius:4px;overflow-x:auto}
.communes{display:flex;flex-wrap:wrap;gap:6px 14px;margin:6px 0 4px;padding:0;list-style:none}
.communes .current{font-weight:700}
table{border-collapse:collapse;margin:4px 0 12px}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:middle}
th{background:var(--head);font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:700;background:var(--head)}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:0 28px}
.grid table{width:100%}
.grid td:first-child{width:100%}
svg.bar rect.bg{fill:var(--head)}
svg.bar rect.v{fill:var(--bar)}
svg.pyramid{max-width:100%;height:auto}
svg.pyramid rect.m{fill:var(--m)}
svg.pyramid rect.f{fill:var(--f)}
svg.pyramid text{fill:var(--fg);font-size:12px}
svg.pyramid text.head{font-size:13px;font-weight:600}
svg.pyramid text.n{fill:var(--muted)}
svg.pyramid line.axis{stroke:var(--line)}
`

var dashTemplate = template.Must(template.New("dashboard").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>{{.T "title"}} — {{.District}}</title>
<link rel="icon" href="data:,">
<style>` + dashCSS + `</style>
</head>
<body>
<header>
<h1>{{.T "title"}} — {{.District}}</h1>
<nav class="top">
<a href="{{.OtherLangURL}}" lang="{{.OtherLang}}" hreflang="{{.OtherLang}}">{{.T "other_lang"}}</a>
{{if .Signed}}<form method="post" action="{{.LogoutURL}}"><button type="submit">{{.T "logout"}}</button></form>{{end}}
</nav>
</header>
<main>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
{{if .NoPassword}}
<p>{{.T "no_password"}}</p>
<p>{{printf (.T "no_password_how") .MinPassword}}</p>
<pre>kitctl --profile DISTRICT_PROFILE district dashboard-password --node https://ADDRESS:PORT</pre>
<p>{{.T "no_password_then"}}</p>
{{else if .Login}}
<p>{{.T "login_intro"}}</p>
<form class="login" method="post" action="{{.LoginURL}}">
<label for="password">{{.T "password"}}</label>
<input type="password" id="password" name="password" required autocomplete="current-password" autofocus maxlength="256">
<input type="hidden" name="lang" value="{{.Lang}}">
<button type="submit">{{.T "login"}}</button>
</form>
{{else if .Signed}}
<p class="muted">{{.Computed}}</p>
<h2>{{.T "progress"}}</h2>
<table id="progress">
<thead><tr><th>{{.T "commune"}}</th><th class="n">{{.T "persons"}}</th><th class="n">{{.T "households"}}</th><th class="n">{{.T "complete_records"}}</th><th colspan="2">{{.T "completeness"}}</th><th class="n">{{.T "open_conflicts"}}</th><th class="n">{{.T "devices"}}</th><th>{{.T "last_batch_age"}}</th></tr></thead>
<tbody>
{{range .ProgressRows}}<tr{{if not .URL}} class="total"{{end}}><td>{{if .URL}}<a href="{{.URL}}">{{.Commune}}</a>{{else}}{{.Commune}}{{end}}</td><td class="n">{{.Persons}}</td><td class="n">{{.Households}}</td><td class="n">{{.Complete}}</td><td class="n">{{.Completeness}}</td><td><svg class="bar" width="100" height="10" viewBox="0 0 100 10" aria-hidden="true"><rect class="bg" width="100" height="10"/><rect class="v" width="{{.Bar}}" height="10"/></svg></td><td class="n">{{.Conflicts}}</td><td class="n">{{.Devices}}</td><td>{{.LastBatch}}</td></tr>
{{end}}</tbody>
</table>
<h3>{{.T "devices_title"}}</h3>
<table id="devices">
<thead><tr><th>{{.T "device"}}</th><th>{{.T "role"}}</th><th>{{.T "commune"}}</th><th class="n">{{.T "last_batch"}}</th><th>{{.T "accepted_at"}}</th><th class="n">{{.T "age"}}</th></tr></thead>
<tbody>
{{range .DeviceRows}}<tr><td><code>{{.Device}}</code></td><td>{{.Role}}</td><td>{{.Communes}}</td><td class="n">{{.LastBatch}}</td><td>{{.AcceptedAt}}</td><td class="n">{{.Age}}</td></tr>
{{end}}</tbody>
</table>
<p class="muted">{{.ClockNote}}</p>

<h2>{{.T "statistics"}}: {{.Place .Commune}}</h2>
<nav aria-label="{{.T "choose_commune"}}"><span class="muted">{{.T "choose_commune"}}:</span>
<ul class="communes">{{range .CommuneLinks}}<li>{{if .Current}}<span class="current" aria-current="page">{{.Name}}</span>{{else}}<a href="{{.URL}}">{{.Name}}</a>{{end}}</li>{{end}}</ul>
</nav>
<p><strong>{{.ReferenceDate}}</strong> · <span id="summary">{{.Summary}}</span></p>
<h3>{{.T "pyramid"}}</h3>
{{.Pyramid}}
{{with .NotRecordedNote}}<p class="muted">{{.}}</p>{{end}}
<div class="grid">
{{range .Tables}}<section>
<h3>{{.Title}}</h3>
<table>
<thead><tr><th>{{.KeyTitle}}</th><th class="n">{{.CountTitle}}</th><th class="n" colspan="2">{{$.T "percent"}}</th></tr></thead>
<tbody>
{{range .Rows}}<tr><td>{{.Label}}</td><td class="n">{{.Count}}</td><td class="n">{{.Share}}</td><td><svg class="bar" width="100" height="10" viewBox="0 0 100 10" aria-hidden="true"><rect class="bg" width="100" height="10"/><rect class="v" width="{{.Bar}}" height="10"/></svg></td></tr>
{{end}}{{if .Total}}<tr class="total"><td>{{$.T "total"}}</td><td class="n">{{.Total}}</td><td class="n" colspan="2"></td></tr>{{end}}
</tbody>
</table>
</section>
{{end}}</div>
<h3>{{.EventsTitle}}</h3>
<table id="events">
<thead><tr><th>{{.T "event"}}</th><th class="n">{{.T "men"}}</th><th class="n">{{.T "women"}}</th><th class="n">{{.T "not_recorded"}}</th><th class="n">{{.T "total"}}</th></tr></thead>
<tbody>
{{range .Events}}<tr><td>{{.Event}}</td><td class="n">{{.Men}}</td><td class="n">{{.Women}}</td><td class="n">{{.Other}}</td><td class="n">{{.Total}}</td></tr>
{{end}}</tbody>
</table>
{{end}}
</main>
<footer>{{.T "aggregates_only"}} · {{.T "node"}} {{.Node}}</footer>
</body>
</html>
`))
