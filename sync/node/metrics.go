package node

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are a node's Prometheus metrics, in a registry of its own (tests
// run several nodes in one process).
type metrics struct {
	reg               *prometheus.Registry
	batches           *prometheus.CounterVec
	opsApplied        prometheus.Counter
	applySeconds      prometheus.Histogram
	pushSeconds       prometheus.Histogram
	pullOps           prometheus.Counter
	entryBatches      prometheus.Histogram
	appliedIndex      prometheus.Gauge
	raftState         *prometheus.GaugeVec
	raftTerm          prometheus.Gauge
	raftLastIndex     prometheus.Gauge
	raftCommitIndex   prometheus.Gauge
	snapshotsTaken    prometheus.Counter
	snapshotsRestored prometheus.Counter
	refused           *prometheus.CounterVec
	clockAhead        prometheus.Counter
	precheckSeconds   prometheus.Histogram
	connsRefused      prometheus.Counter
	reportSeconds     prometheus.Histogram
	reportCached      prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	m.batches = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "communekit_batches_total", Help: "Sealed batches applied by this node's state machine, by result (accepted, duplicate, refused)."}, []string{"result"})
	m.opsApplied = prometheus.NewCounter(prometheus.CounterOpts{Name: "communekit_operations_applied_total", Help: "Operations newly applied to this node's store."})
	m.applySeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "communekit_apply_seconds", Help: "Time from proposing an entry of pushed batches to its commit and apply (leader).", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)})
	m.pushSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "communekit_push_seconds", Help: "Time to answer a push, receipt included.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)})
	m.pullOps = prometheus.NewCounter(prometheus.CounterOpts{Name: "communekit_pull_operations_total", Help: "Operations sent to devices in pull answers."})
	m.entryBatches = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "communekit_entry_batches", Help: "Pushed batches coalesced into one Raft entry.", Buckets: prometheus.ExponentialBuckets(1, 2, 8)})
	m.appliedIndex = prometheus.NewGauge(prometheus.GaugeOpts{Name: "communekit_fsm_applied_index", Help: "Raft index of the last entry applied to the store."})
	m.raftState = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "communekit_raft_state", Help: "1 for this node's current Raft state."}, []string{"state"})
	m.raftTerm = prometheus.NewGauge(prometheus.GaugeOpts{Name: "communekit_raft_term", Help: "Current Raft term."})
	m.raftLastIndex = prometheus.NewGauge(prometheus.GaugeOpts{Name: "communekit_raft_last_log_index", Help: "Last index in this node's Raft log."})
	m.raftCommitIndex = prometheus.NewGauge(prometheus.GaugeOpts{Name: "communekit_raft_commit_index", Help: "Raft commit index known to this node."})
	m.snapshotsTaken = prometheus.NewCounter(prometheus.CounterOpts{Name: "communekit_snapshots_taken_total", Help: "Snapshots written."})
	m.snapshotsRestored = prometheus.NewCounter(prometheus.CounterOpts{Name: "communekit_snapshots_restored_total", Help: "Snapshots restored (catching up)."})
	m.refused = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "communekit_requests_refused_total", Help: "Requests refused before Raft, by error code."}, []string{"code"})
	m.clockAhead = prometheus.NewCounter(prometheus.CounterOpts{Name: "communekit_batches_clock_ahead_total", Help: "Batches refused because they are stamped more than a day ahead of this node's clock: a laptop whose clock is wrong (the log names the device)."})
	m.precheckSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "communekit_push_check_seconds", Help: "Time the leader takes to open a pushed batch and check its operations before proposing it.", Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16)})
	m.connsRefused = prometheus.NewCounter(prometheus.CounterOpts{Name: "communekit_http_connections_refused_total", Help: "Connections closed as they came because the node had its limit of open connections."})
	m.reportSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "communekit_report_seconds", Help: "Time to compute one of the district's reports (statistics, progress) from this node's state.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 12)})
	m.reportCached = prometheus.NewCounter(prometheus.CounterOpts{Name: "communekit_reports_cached_total", Help: "District reports answered from the ones computed at the same applied index."})
	for _, c := range []prometheus.Collector{m.reportSeconds, m.reportCached, m.connsRefused, m.batches, m.opsApplied, m.applySeconds, m.pushSeconds, m.pullOps, m.entryBatches, m.appliedIndex,
		m.raftState, m.raftTerm, m.raftLastIndex, m.raftCommitIndex, m.snapshotsTaken, m.snapshotsRestored, m.refused, m.clockAhead, m.precheckSeconds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		f(c)
	}
	return m
}

// watchLimits exports what the API's limiter counts.
func (m *metrics) watchLimits(l *limiter) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "communekit_http_connections", Help: "Open connections to the API."},
			func() float64 { return float64(l.conns.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "communekit_http_body_bytes", Help: "Bytes of request bodies held now (limited node-wide)."},
			func() float64 { return float64(l.buffered.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "communekit_http_requests_in_flight", Help: "Requests being worked on now (limited node-wide)."},
			func() float64 { return float64(len(l.inflight)) }),
	)
}
