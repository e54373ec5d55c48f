package vm

import (
	"sync"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/refdata"
)

// Overview is the commune overview: what the store holds and where sync
// stands.
type Overview struct {
	notifier
	tr        Tr
	store     *storage.Store
	sync      SyncStatus
	conflicts ConflictQueue

	mu        sync.Mutex
	data      OverviewData
	err       error
	lastSync  time.Time
	synced    bool
	available bool
	attempted bool
}

// OverviewData is what the overview shows, in words for the officer.
type OverviewData struct {
	Commune    string // "Xã Quỳnh Phụ, Hưng Yên"
	Officer    string
	Persons    int
	Households int
	Pending    uint64 // operations not yet acknowledged by the district
	LastSync   string // "15:04 02/01/2006", or "chưa đồng bộ"
	Conflicts  int
	Online     bool
	Connection string // the offline indicator, in words
	// ConnectionShort is the same in a word or two, for the figure.
	ConnectionShort string
	Error           string // a store error, if reading failed
	// Loaded is false until the first Refresh ends: the screen shows the
	// overview at once after unlocking and the counts when they are read.
	Loaded bool
}

// NewOverview returns the overview of store. A nil sync is a device that
// cannot sync ([Offline]); nil conflicts, one with none to resolve
// ([NoConflicts]).
func NewOverview(tr Tr, store *storage.Store, sync SyncStatus, conflicts ConflictQueue) *Overview {
	if sync == nil {
		sync = Offline{}
	}
	if conflicts == nil {
		conflicts = NoConflicts{}
	}
	return &Overview{tr: tr, store: store, sync: sync, conflicts: conflicts}
}

// Data returns what the overview shows, in the current language.
func (o *Overview) Data() OverviewData {
	o.mu.Lock()
	d, err, last, synced, available, attempted := o.data, o.err, o.lastSync, o.synced, o.available, o.attempted
	o.mu.Unlock()
	if err != nil {
		d.Error = o.tr.T("overview.error", err.Error())
	}
	if synced {
		d.LastSync = syncTime(last)
	} else {
		d.LastSync = o.tr.T("overview.never_synced")
	}
	switch {
	case !available:
		d.Connection, d.ConnectionShort = o.tr.T("overview.offline_no_sync"), o.tr.T("overview.offline_short")
	case d.Online:
		d.Connection, d.ConnectionShort = o.tr.T("overview.online_long"), o.tr.T("overview.online")
	case !attempted:
		d.Connection, d.ConnectionShort = o.tr.T("overview.not_tried"), o.tr.T("overview.not_tried_short")
	default:
		d.Connection, d.ConnectionShort = o.tr.T("overview.offline"), o.tr.T("overview.offline_short")
	}
	return d
}

// Refresh reads the counts again (after a save, an import, a sync).
func (o *Overview) Refresh() error {
	var d OverviewData
	p := o.store.Profile()
	d.Commune = p.Commune
	if c, ok := refdata.Commune2025(p.Commune); ok {
		d.Commune = c.FullName()
	}
	d.Officer = p.Officer
	var err error
	d.Persons, _, err = o.store.Counts()
	if err == nil {
		// A household emptied by a merge is no longer one.
		d.Households, err = o.store.CountLiveHouseholds()
	}
	if err == nil {
		d.Pending, err = o.store.Pending()
	}
	if err == nil {
		d.Conflicts, err = o.conflicts.Open()
	}
	d.Loaded = true
	last, synced := o.sync.LastSync()
	d.Online = o.sync.Online()
	o.mu.Lock()
	o.data, o.err, o.lastSync, o.synced = d, err, last, synced
	o.available, o.attempted = o.sync.Available(), o.sync.Attempted()
	o.mu.Unlock()
	o.changed()
	return err
}
