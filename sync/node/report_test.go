package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/storage/report"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

// importGenerated imports n generated persons of dv's commune.
func (dv *device) importGenerated(t *testing.T, n int, seed int64) {
	t.Helper()
	c, err := gen.Generate(gen.Options{Commune: dv.s.Profile().Commune, Persons: n, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if err := gen.WriteCSV(&csv, c, seed); err != nil {
		t.Fatal(err)
	}
	rep, err := dv.s.ImportPersons(&csv, storage.ImportOptions{})
	if err != nil || rep.Imported != n {
		t.Fatalf("import: %+v %v", rep, err)
	}
}

// personal are the values of a person no report may show.
var personal = []storage.Field{storage.FieldIDNumber, storage.FieldOldIDNumber, storage.FieldFullName, storage.FieldOtherNames,
	storage.FieldFatherName, storage.FieldFatherIDNumber, storage.FieldMotherName, storage.FieldMotherIDNumber,
	storage.FieldSpouseName, storage.FieldSpouseIDNumber, storage.FieldRepresentativeName, storage.FieldRepresentativeIDNumber,
	storage.FieldPhone}

// getReport sends a GET signed by s and returns the status and body.
func getReport(t *testing.T, url, pathQuery string, s signer) (int, []byte) {
	t.Helper()
	return signedDo(t, http.MethodGet, url, pathQuery, nil, s)
}

// The district's tables are the communes' own: three communes' laptops
// push their generated persons to a three-node cluster; any node answers
// each commune's statistics exactly as that laptop computes them, the
// whole district's total is the sum of the laptops' totals, and the
// progress table shows each commune and each device's last batch. No
// answer holds a name or ID number of anyone.
func TestReport_DistrictTablesAreTheCommunesOwn(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	communes := []string{"00769", "03004", "12472"}
	var devs []*device
	for i, code := range communes {
		dv := newDevice(t, c.d, code, fmt.Sprintf("Cán bộ %d", i+1), cert.RoleOfficer)
		dv.importGenerated(t, 300+50*i, int64(11+i))
		devs = append(devs, dv)
	}
	// A second device of the first commune that never pushed.
	idle := newDevice(t, c.d, communes[0], "Cán bộ mới", cert.RoleOfficer)
	c.registerAll(t, append(append([]*device{}, devs...), idle)...)
	before := time.Now().Add(-time.Second)
	batches := map[string]uint64{}
	for i, dv := range devs {
		for _, ob := range dv.seal(t) {
			pushOK(t, c.d, c.nodes[i%3].Addr(), ob)
			batches[dv.cert.Device.ID] = ob.N
		}
	}
	after := time.Now().Add(time.Second)
	c.converged()

	at := report.Date{Year: 2026, Month: 12, Day: 31}
	ds := client.DistrictSigner(c.d)
	hc := testHTTP(c.nodes[0].Addr())
	ctx := context.Background()
	var sum report.Statistics
	for i, dv := range devs {
		code := communes[i]
		// Generated persons live in their commune only: no one is tied
		// to two (which would count them in both communes' tables and
		// once in the district's).
		if err := dv.s.ScanPersons(func(p *storage.Person) error {
			for _, f := range []storage.Field{storage.FieldPermanentAddressCode, storage.FieldTemporaryAddressCode, storage.FieldCurrentAddressCode} {
				if v := p.Values[f]; v != "" && v != code {
					t.Fatalf("generated person %s of %s has %s %s: the sums below would not hold", p.ID, code, f, v)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		own, err := report.Stats(dv.s, report.StatsOptions{At: at, Commune: code})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(own)
		// Each node, the followers too, answers the same.
		node := c.nodes[(i+1)%3]
		got, src, err := client.ReportStats(ctx, hc, node.Addr(), ds, code, at, report.Date{}, report.Date{})
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(got); !bytes.Equal(b, want) {
			t.Errorf("commune %s: the node's statistics\n%s\nthe laptop's\n%s", code, b, want)
		}
		if src.Node != node.cfg.ID || src.Index == 0 {
			t.Errorf("answered by %+v, asked %s", src, node.cfg.ID)
		}
		sum.Population.Total += own.Population.Total
		sum.Records.Total += own.Records.Total
		sum.Households.Total += own.Households.Total
		sum.Population.SexAgeNotRecorded += own.Population.SexAgeNotRecorded
	}
	all, _, err := client.ReportStats(ctx, hc, c.nodes[2].Addr(), ds, "", at, report.Date{}, report.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if all.Commune != "" || all.Population.Total != sum.Population.Total || all.Records.Total != sum.Records.Total ||
		all.Households.Total != sum.Households.Total || all.Population.SexAgeNotRecorded != sum.Population.SexAgeNotRecorded {
		t.Errorf("the district: %d persons, %d records, %d households; the communes' laptops: %d, %d, %d",
			all.Population.Total, all.Records.Total, all.Households.Total, sum.Population.Total, sum.Records.Total, sum.Households.Total)
	}
	if all.Population.Total < 700 {
		t.Errorf("district population %d: the fixture is wrong", all.Population.Total)
	}

	// The progress table, asked of a follower: the leader answers, by its
	// clock.
	var follower *Node
	for _, n := range c.nodes {
		if n != c.leader() {
			follower = n
		}
	}
	st, body := getReport(t, follower.Addr(), protocol.PathReportProgress+"?at=2026-12-31", districtSigner(c.d))
	if st != http.StatusOK {
		t.Fatalf("progress: %d %s", st, body)
	}
	var pr protocol.Progress
	if err := json.Unmarshal(body, &pr); err != nil {
		t.Fatal(err)
	}
	if l := c.leader(); pr.Clock != l.cfg.ID || !pr.Leader || pr.Node != l.cfg.ID {
		t.Errorf("progress computed by %s by the clock of %s (leader %v); the leader is %s", pr.Node, pr.Clock, pr.Leader, l.cfg.ID)
	}
	if len(pr.Communes) != 3 || pr.Total.Persons != all.Population.Total || pr.Total.Households != all.Households.Total {
		t.Fatalf("progress: %+v", pr)
	}
	for i, row := range pr.Communes {
		own, _ := report.Stats(devs[i].s, report.StatsOptions{At: at, Commune: communes[i]})
		wl, _ := report.Quality(devs[i].s, report.QualityOptions{At: at, Commune: communes[i]})
		if row.Commune != communes[i] || row.Persons != own.Population.Total || row.Households != own.Households.Total ||
			row.Completeness != wl.Completeness.Percent || row.OpenConflicts != 0 {
			t.Errorf("row %+v; the laptop: %d persons, %d households, %.1f%% complete", row, own.Population.Total, own.Households.Total, wl.Completeness.Percent)
		}
		want := []string{devs[i].cert.Device.ID}
		if i == 0 {
			want = append(want, idle.cert.Device.ID)
		}
		if strings.Join(sortedCopy(row.Devices), ",") != strings.Join(sortedCopy(want), ",") {
			t.Errorf("commune %s: devices %v, want %v", row.Commune, row.Devices, want)
		}
	}
	if len(pr.Devices) != 4 {
		t.Fatalf("devices: %+v", pr.Devices)
	}
	for _, d := range pr.Devices {
		n := batches[d.Device]
		if d.LastBatch != n {
			t.Errorf("device %s: last batch %d, pushed %d", d.Device, d.LastBatch, n)
		}
		if n == 0 {
			if d.AcceptedAt != nil || d.AgeSeconds != nil {
				t.Errorf("device %s pushed nothing, accepted at %v", d.Device, d.AcceptedAt)
			}
			continue
		}
		if d.AcceptedAt == nil || d.AcceptedAt.Before(before) || d.AcceptedAt.After(after) || d.AgeSeconds == nil ||
			*d.AgeSeconds < 0 || *d.AgeSeconds != int64(pr.Now.Sub(*d.AcceptedAt)/time.Second) || d.Index == 0 || d.Ops == 0 {
			t.Errorf("device %s: %+v (pushed between %s and %s, now %s)", d.Device, d, before, after, pr.Now)
		}
	}

	// No name, no ID number of anyone: in every answer, raw.
	var answers [][]byte
	for _, q := range []string{"?commune=all&at=2026-12-31", "?commune=00769&at=2026-12-31", "?commune=12472&from=2026-01-01&to=2026-12-31"} {
		st, b := getReport(t, c.nodes[1].Addr(), protocol.PathReportStats+q, districtSigner(c.d))
		if st != http.StatusOK {
			t.Fatalf("%s: %d %s", q, st, b)
		}
		answers = append(answers, b)
	}
	answers = append(answers, body)
	checked := 0
	for _, dv := range devs {
		if err := dv.s.ScanPersons(func(p *storage.Person) error {
			vals := []string{p.ID.String()}
			for _, f := range personal {
				vals = append(vals, p.Values[f])
			}
			for _, v := range vals {
				if len(v) < 4 {
					continue
				}
				checked++
				for _, b := range answers {
					if bytes.Contains(b, []byte(v)) {
						t.Fatalf("an answer holds %q of person %s:\n%s", v, p.ID, b)
					}
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if checked < 2000 {
		t.Errorf("only %d values checked", checked)
	}
}

func sortedCopy(l []string) []string {
	out := append([]string{}, l...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// Only the district is answered, once per signed request, and a query
// that means nothing is refused with what to send.
func TestReport_OnlyTheDistrictIsAnswered(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n := c.nodes[0]
	dv := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	dv.register(t, n.Addr())
	for _, path := range []string{protocol.PathReportStats + "?commune=all", protocol.PathReportProgress} {
		st, b := getReport(t, n.Addr(), path, signer{})
		if st != http.StatusUnauthorized || !strings.Contains(string(b), "not signed") {
			t.Errorf("%s unsigned: %d %s", path, st, b)
		}
		st, b = getReport(t, n.Addr(), path, dv.signer())
		if st != http.StatusUnauthorized || !strings.Contains(string(b), "only to a request signed by the district") {
			t.Errorf("%s signed by a device: %d %s", path, st, b)
		}
		// A node's own key (nodes ask each other for their status) is
		// not the district's.
		req, _ := http.NewRequest(http.MethodGet, n.Addr()+path, nil)
		protocol.SignRequestAsNode(req, nil, n.cfg.ID, n.keys.signer, time.Now())
		resp, err := testHTTP(n.Addr()).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), "not by node "+n.cfg.ID) {
			t.Errorf("%s signed by a node: %d %s", path, resp.StatusCode, b)
		}
		// The same signed request twice: the second is refused.
		req, _ = http.NewRequest(http.MethodGet, n.Addr()+path, nil)
		protocol.SignRequest(req, nil, protocol.SignerDistrict, c.d.Sign, time.Now())
		for i, want := range []string{"", protocol.CodeReplayed} {
			resp, err := testHTTP(n.Addr()).Do(req.Clone(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			var e protocol.Error
			json.NewDecoder(resp.Body).Decode(&e)
			resp.Body.Close()
			if i == 0 && resp.StatusCode != http.StatusOK || i == 1 && e.Code != want {
				t.Errorf("%s, the same request, time %d: %d %+v", path, i+1, resp.StatusCode, e)
			}
		}
	}
	for q, want := range map[string]string{
		"?commune=abc":                               "not the code of a commune",
		"?commune=all&at=2026-13-01":                 "not a date",
		"?commune=all&from=2026-01-01":               "both its first day",
		"?commune=all&from=2026-02-01&to=2026-01-01": "ends",
		"?commune=all&name=x":                        "takes the parameters",
		"?commune=all&commune=00769":                 "given 2 times",
	} {
		st, b := getReport(t, n.Addr(), protocol.PathReportStats+q, districtSigner(c.d))
		if st != http.StatusBadRequest || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %s, want 400 saying %q", q, st, b, want)
		}
	}

	// Asked again at the same applied index: from the cache.
	before := counter(t, n, "communekit_reports_cached_total")
	for i := 0; i < 2; i++ {
		if st, b := getReport(t, n.Addr(), protocol.PathReportStats+"?commune=00769&at=2026-12-31", districtSigner(c.d)); st != http.StatusOK {
			t.Fatalf("%d %s", st, b)
		}
	}
	if got := counter(t, n, "communekit_reports_cached_total"); got != before+1 {
		t.Errorf("cached answers: %v, then %v", before, got)
	}
}

// An open conflict counts in the progress row of each commune its records
// are in, and once in the district's total.
func TestReport_ProgressCountsConflictsWhereTheyAre(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	a := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	b := newDevice(t, c.d, "12472", "Vàng Seo Dìn", cert.RoleOfficer)
	o := newDevice(t, c.d, "03004", "Lò Thị Ngọc", cert.RoleOfficer)
	c.registerAll(t, a, b, o)
	idn := storage.MakeIDNumber("002", "Nam", 1990, 4242)
	for _, x := range []struct {
		dv      *device
		name    string
		commune string
	}{{a, "Lý Văn Sáng", "00769"}, {b, "Lý Văn Sang", "12472"}} {
		x.dv.addPerson(t, storage.Values{storage.FieldFullName: x.name, storage.FieldBirthDate: "1990", storage.FieldSex: "Nam",
			storage.FieldEthnicity: "01", storage.FieldIDNumber: idn, storage.FieldPermanentAddressCode: x.commune})
		x.dv.pushAll(t, c, c.nodes[0].Addr())
	}
	o.importGenerated(t, 20, 3)
	o.pushAll(t, c, c.nodes[0].Addr())
	pr, err := client.ReportProgress(context.Background(), testHTTP(c.nodes[0].Addr()), c.nodes[0].Addr(), client.DistrictSigner(c.d), report.Date{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range pr.Communes {
		got[r.Commune] = r.OpenConflicts
	}
	if got["00769"] != 1 || got["12472"] != 1 || got["03004"] != 0 || pr.Total.OpenConflicts != 1 || pr.Total.Persons != 22 {
		t.Errorf("conflicts by commune %v, total %+v", got, pr.Total)
	}
	if pr.ReferenceDate != report.DateOf(time.Now()) {
		t.Errorf("reference date %s, want today", pr.ReferenceDate)
	}
}
