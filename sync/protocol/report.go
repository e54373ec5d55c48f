package protocol

import (
	"time"

	"github.com/communekit/communekit/storage/report"
)

// Headers of a report answer: which node computed it, at which applied
// index of the district's state. The body of GET PathReportStats is the
// report.Statistics a laptop computes, unchanged, so these say where it
// came from.
const (
	HeaderReportNode  = "X-Communekit-Report-Node"
	HeaderReportIndex = "X-Communekit-Report-Index"
)

// ReportAll is the commune parameter of the whole district.
const ReportAll = "all"

// Progress is the answer to GET PathReportProgress: where each commune's
// records stand on the district, and each device's last accepted batch.
// Aggregates only: no name or ID number of a citizen.
type Progress struct {
	// Node computed the answer from its state at AppliedIndex.
	Node         string `json:"node"`
	AppliedIndex uint64 `json:"applied_index"`
	// Now is the district's time the ages are measured at: the clock of
	// Clock, the leader when the cluster has one (a follower passes the
	// request on to it), else the node that answered.
	Now   time.Time `json:"now"`
	Clock string    `json:"clock"`
	// Leader is false when Clock was a follower's: no leader to ask.
	Leader bool `json:"leader"`
	// ReferenceDate is the date persons are counted at (living, born).
	ReferenceDate report.Date `json:"reference_date"`
	// Communes: one row per commune a device of the district serves
	// (report.CommuneProgress), with those devices.
	Communes []CommuneProgress `json:"communes"`
	// Total counts each person, household and conflict once, whichever
	// commune it is in (those of no row too).
	Total report.CommuneProgress `json:"total"`
	// Devices are every device the district holds a certificate of.
	Devices []DeviceProgress `json:"devices"`
}

// CommuneProgress is one commune's row, and the devices that serve it.
type CommuneProgress struct {
	report.CommuneProgress
	Devices []string `json:"devices"` // IDs of the devices serving it (Progress.Devices)
}

// DeviceProgress is where a device's chain stands on the district.
type DeviceProgress struct {
	Device   string   `json:"device"`
	Role     string   `json:"role"`
	Communes []string `json:"communes"`
	// LastBatch is the number of its last accepted batch (0: none yet),
	// Index the Raft index of the entry that carried it, Ops its
	// operations.
	LastBatch uint64 `json:"last_batch"`
	Index     uint64 `json:"index,omitempty"`
	Ops       int    `json:"ops,omitempty"`
	// AcceptedAt is the leader's clock when it proposed that entry (the
	// time written into the entry, the same on every node); nil for a
	// batch accepted before entries recorded it, or none. AgeSeconds is
	// Now − AcceptedAt. A device's own clock is never used.
	AcceptedAt *time.Time `json:"accepted_at"`
	AgeSeconds *int64     `json:"age_seconds"`
	// A laptop replaced: RetiredFor is the device that replaced this one
	// and Retired why (the district's record of the hand-over, and the
	// Raft index that made it, RetiredAt); Replaces the device this one
	// replaced.
	RetiredFor string `json:"retired_for,omitempty"`
	Retired    string `json:"retired,omitempty"`
	RetiredAt  uint64 `json:"retired_at,omitempty"`
	Replaces   string `json:"replaces,omitempty"`
}
