package node

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage/refdata"
	"github.com/communekit/communekit/storage/report"
	"github.com/communekit/communekit/sync/protocol"
)

// The district's reports (GET /v1/report/stats and /v1/report/progress):
// the tables of storage/report computed on this node's applied state — the
// same code a laptop runs on its own store — answered to the district
// alone. Answers are aggregates: counts by code, hamlet names, device IDs;
// never a citizen's name or ID number.

// districtSigned allows the district's own signature alone: a node's key
// may ask another node for its status, not for the district's numbers.
func districtSigned(signer string) bool { return signer == protocol.SignerDistrict }

// maxReportsCached bounds the answers kept for one applied index.
const maxReportsCached = 32

// reportCache keeps computed reports for one applied index: a district
// office that opens the same tables again, or several people who do, make
// the node read its records once per entry applied. One report is computed
// at a time (a report reads every record; pushes go on beside it), and a
// request that waited finds the answer a concurrent one computed.
type reportCache struct {
	compute sync.Mutex // held while a report is computed
	mu      sync.Mutex
	index   uint64
	stats   map[string]*report.Statistics
	prog    map[string]*report.Progress
}

// get returns the cached value of key at index, computing it with fn
// (under compute) when it is not there. A value computed while entries
// were applied is of no one index and is not kept.
func cachedReport[T any](n *Node, m func(*reportCache) *map[string]*T, key string, fn func() (*T, error)) (*T, uint64, error) {
	c := &n.reports
	lookup := func() (*T, uint64, bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		idx := n.fsm.applied.Load()
		if c.index != idx {
			c.index, c.stats, c.prog = idx, nil, nil
		}
		v, ok := (*m(c))[key]
		return v, idx, ok
	}
	if v, idx, ok := lookup(); ok {
		n.m.reportCached.Inc()
		return v, idx, nil
	}
	c.compute.Lock()
	defer c.compute.Unlock()
	if v, idx, ok := lookup(); ok {
		n.m.reportCached.Inc()
		return v, idx, nil
	}
	idx := n.fsm.applied.Load()
	start := time.Now()
	v, err := fn()
	n.m.reportSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		return nil, idx, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n.fsm.applied.Load() == idx && c.index == idx {
		mp := m(c)
		if *mp == nil {
			*mp = map[string]*T{}
		}
		if len(*mp) < maxReportsCached {
			(*mp)[key] = v
		}
	}
	return v, idx, nil
}

// reportQuery reads a report's query: only the parameters named, each
// once. The answer's reference date defaults to today by this node's
// clock, in Vietnam.
func (n *Node) reportQuery(r *http.Request, allowed ...string) (url.Values, report.Date, *protocol.Error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, report.Date{}, errf(protocol.CodeMalformed, "the query of %s: %v", r.URL.Path, err)
	}
	for k, vs := range q {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return nil, report.Date{}, errf(protocol.CodeMalformed, "%s takes the parameters %s, not %q", r.URL.Path, strings.Join(allowed, ", "), k)
		}
		if len(vs) > 1 {
			return nil, report.Date{}, errf(protocol.CodeMalformed, "%s: %s is given %d times", r.URL.Path, k, len(vs))
		}
	}
	at := report.DateOf(n.now())
	if v := q.Get("at"); v != "" {
		if at, err = report.ParseDate(v); err != nil {
			return nil, at, errf(protocol.CodeMalformed, "at: %v", err)
		}
	}
	return q, at, nil
}

// handleReportStats answers GET /v1/report/stats: report.Stats of one
// commune or of all, as a laptop computes it for its own.
func (n *Node) handleReportStats(w http.ResponseWriter, r *http.Request) {
	if n.verifySigned(w, r, nil, nil, districtSigned, "the district (kitctl --profile DISTRICT_PROFILE report stats --node URL)", true) == nil {
		return
	}
	release, ok := n.admit(w, "")
	if !ok {
		return
	}
	defer release()
	q, at, e := n.reportQuery(r, "commune", "at", "from", "to")
	if e != nil {
		n.fail(w, e)
		return
	}
	o := report.StatsOptions{At: at}
	switch c := q.Get("commune"); c {
	case "", protocol.ReportAll:
	default:
		if _, ok := refdata.Unit(c); !ok {
			n.fail(w, errf(protocol.CodeMalformed, "commune %q is not the code of a commune (five digits, e.g. 00769); ask for the whole district with commune=%s", c, protocol.ReportAll))
			return
		}
		o.Commune = c
	}
	var err error
	for _, d := range []struct {
		name string
		to   *report.Date
	}{{"from", &o.From}, {"to", &o.To}} {
		if v := q.Get(d.name); v != "" {
			if *d.to, err = report.ParseDate(v); err != nil {
				n.fail(w, errf(protocol.CodeMalformed, "%s: %v", d.name, err))
				return
			}
		}
	}
	if o.From.IsZero() != o.To.IsZero() {
		n.fail(w, errf(protocol.CodeMalformed, "a period needs both its first day (from) and its last (to)"))
		return
	}
	if !o.From.IsZero() && o.To.String() < o.From.String() {
		n.fail(w, errf(protocol.CodeMalformed, "the period ends (%s) before it begins (%s)", o.To, o.From))
		return
	}
	key := strings.Join([]string{o.Commune, o.At.String(), o.From.String(), o.To.String()}, "|")
	st, idx, err := cachedReport(n, func(c *reportCache) *map[string]*report.Statistics { return &c.stats }, key, func() (*report.Statistics, error) {
		return report.Stats(n.store, o)
	})
	if err != nil {
		n.fail(w, errf(protocol.CodeInternal, "computing the statistics: %v", err))
		return
	}
	w.Header().Set(protocol.HeaderReportNode, n.cfg.ID)
	w.Header().Set(protocol.HeaderReportIndex, strconv.FormatUint(idx, 10))
	writeJSON(w, http.StatusOK, st)
}

// handleReportProgress answers GET /v1/report/progress. The ages of the
// devices' last batches are by the leader's clock: a follower passes the
// request on to the leader, and answers itself, by its own clock and
// saying so, only while the cluster has no leader.
func (n *Node) handleReportProgress(w http.ResponseWriter, r *http.Request) {
	toLeader := false
	if !n.leading() && r.Header.Get(protocol.HeaderForwarded) == "" {
		target, ok := n.leaderURL()
		toLeader = ok && target != ""
	}
	// The leader remembers the nonce of a request passed on to it.
	a := n.verifySigned(w, r, nil, nil, districtSigned, "the district (kitctl --profile DISTRICT_PROFILE report progress --node URL)", !toLeader)
	if a == nil {
		return
	}
	release, ok := n.admit(w, "")
	if !ok {
		return
	}
	defer release()
	_, at, e := n.reportQuery(r, "at")
	if e != nil {
		n.fail(w, e)
		return
	}
	if toLeader {
		if n.forward(w, r, nil) {
			return
		}
		// This node has become the leader meanwhile: it answers, and
		// remembers the request.
		if e := n.replays.use("request", a.Signer, a.Nonce, a.Time, n.now()); e != nil {
			n.fail(w, e)
			return
		}
	}
	devs, communes, err := n.devices()
	if err != nil {
		n.fail(w, errf(protocol.CodeInternal, "reading the devices' certificates: %v", err))
		return
	}
	key := at.String() + "|" + strings.Join(communes, ",")
	pr, idx, err := cachedReport(n, func(c *reportCache) *map[string]*report.Progress { return &c.prog }, key, func() (*report.Progress, error) {
		return report.ComputeProgress(n.store, report.ProgressOptions{At: at, Communes: communes})
	})
	if err != nil {
		n.fail(w, errf(protocol.CodeInternal, "computing the progress table: %v", err))
		return
	}
	now := n.now().UTC().Truncate(time.Second)
	out := protocol.Progress{Node: n.cfg.ID, AppliedIndex: idx, Now: now, Clock: n.cfg.ID, Leader: n.leading(), ReferenceDate: pr.ReferenceDate,
		Communes: make([]protocol.CommuneProgress, len(pr.Communes)), Total: pr.Total, Devices: devs}
	for i := range out.Devices {
		d := &out.Devices[i]
		if d.AcceptedAt != nil {
			age := int64(now.Sub(*d.AcceptedAt) / time.Second)
			d.AgeSeconds = &age
		}
	}
	for i, c := range pr.Communes {
		out.Communes[i] = protocol.CommuneProgress{CommuneProgress: c, Devices: []string{}}
		for _, d := range devs {
			for _, dc := range d.Communes {
				if dc == c.Commune {
					out.Communes[i].Devices = append(out.Communes[i].Devices, d.Device)
				}
			}
		}
	}
	w.Header().Set(protocol.HeaderReportNode, n.cfg.ID)
	w.Header().Set(protocol.HeaderReportIndex, strconv.FormatUint(idx, 10))
	writeJSON(w, http.StatusOK, out)
}

// devices returns every device the district holds a certificate of, with
// where its chain stands, and the communes they serve (sorted): the
// district's communes.
func (n *Node) devices() ([]protocol.DeviceProgress, []string, error) {
	names, err := n.store.ListMeta(metaCert)
	if err != nil {
		return nil, nil, err
	}
	out := []protocol.DeviceProgress{}
	communes := map[string]bool{}
	for _, name := range names {
		dev := strings.TrimPrefix(name, metaCert)
		c, err := n.fsm.certificate(dev)
		if err != nil {
			return nil, nil, fmt.Errorf("device %s: %w", dev, err)
		}
		d := protocol.DeviceProgress{Device: dev, Role: roleName(c.Role), Communes: c.Communes, Replaces: c.Replaces}
		if h, err := n.fsm.handover(dev); err != nil {
			return nil, nil, fmt.Errorf("device %s: %w", dev, err)
		} else if h != nil {
			d.RetiredFor, d.Retired, d.RetiredAt = h.New, h.Reason, h.Index
		}
		for _, x := range c.Communes {
			communes[x] = true
		}
		ch, err := n.fsm.chain(dev)
		if err != nil {
			return nil, nil, fmt.Errorf("device %s: %w", dev, err)
		}
		d.LastBatch = ch.Seq
		if ch.Seq > 0 {
			if rec, _, err := n.fsm.receipt(dev, ch.Seq); err == nil {
				d.Index, d.Ops = rec.Index, rec.Ops
			}
			if ch.At != 0 {
				t := ch.At.Time().Truncate(time.Second)
				d.AcceptedAt = &t
			}
		}
		out = append(out, d)
	}
	list := make([]string, 0, len(communes))
	for c := range communes {
		list = append(list, c)
	}
	sort.Strings(list)
	return out, list, nil
}

func roleName(r cert.Role) string {
	switch r {
	case cert.RoleSupervisor:
		return "supervisor"
	case cert.RoleAdmin:
		return "admin"
	}
	return "officer"
}
