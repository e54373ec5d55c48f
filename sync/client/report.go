package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/communekit/communekit/storage/report"
	"github.com/communekit/communekit/sync/protocol"
)

// maxReportAnswer bounds a report's answer: tables by code and hamlet of
// a whole district, far below it.
const maxReportAnswer = 16 << 20

// ReportSource says which node computed a report, at which applied index
// of the district's state.
type ReportSource struct {
	Node  string
	Index uint64
}

// ReportStats asks the node at node for the statistics of commune (""
// for the whole district) at the reference date at, with the events of
// the period from–to (zero dates: the node's defaults, as on a laptop:
// today by its clock, the month before). Only the district is answered:
// s signs with its key (DistrictSigner). The statistics are what
// report.Stats computes on a laptop, unlabelled (SetLabels names them).
func ReportStats(ctx context.Context, hc *http.Client, node string, s *Signer, commune string, at, from, to report.Date) (*report.Statistics, *ReportSource, error) {
	q := url.Values{}
	if commune == "" {
		commune = protocol.ReportAll
	}
	q.Set("commune", commune)
	for k, d := range map[string]report.Date{"at": at, "from": from, "to": to} {
		if !d.IsZero() {
			q.Set(k, d.String())
		}
	}
	what := "the statistics of commune " + commune
	if commune == protocol.ReportAll {
		what = "the district's statistics"
	}
	a, err := adminCall(ctx, hc, node, what, request{method: http.MethodGet, path: protocol.PathReportStats + "?" + q.Encode(), sign: s, max: maxReportAnswer})
	if err != nil {
		return nil, nil, err
	}
	var st report.Statistics
	if err := json.Unmarshal(a.body, &st); err != nil {
		return nil, nil, fmt.Errorf("%w: %s answered %s with %q", ErrNotANode, node, what, snippet(a.body))
	}
	return &st, source(a), nil
}

// ReportProgress asks the node at node for the district's progress table
// at the reference date at (zero: today by the node's clock). Only the
// district is answered (s, DistrictSigner).
func ReportProgress(ctx context.Context, hc *http.Client, node string, s *Signer, at report.Date) (*protocol.Progress, error) {
	path := protocol.PathReportProgress
	if !at.IsZero() {
		path += "?" + url.Values{"at": {at.String()}}.Encode()
	}
	a, err := adminCall(ctx, hc, node, "the district's progress table", request{method: http.MethodGet, path: path, sign: s, max: maxReportAnswer})
	if err != nil {
		return nil, err
	}
	var p protocol.Progress
	if err := json.Unmarshal(a.body, &p); err != nil {
		return nil, fmt.Errorf("%w: %s answered the progress table with %q", ErrNotANode, node, snippet(a.body))
	}
	return &p, nil
}

func source(a *answer) *ReportSource {
	idx, _ := strconv.ParseUint(a.header.Get(protocol.HeaderReportIndex), 10, 64)
	return &ReportSource{Node: a.header.Get(protocol.HeaderReportNode), Index: idx}
}
