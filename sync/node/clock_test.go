package node

import (
	"net/http"
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/sync/protocol"
)

// TestPush_ClockAheadIsRefusedSignedWithTheDistrictsTime: a laptop whose
// clock is three days ahead has its batch refused (clock_ahead, 422):
// accepted, its stamps would move the clock of every device that pulls
// them. The refusal is signed by the district and carries the district's
// time, so the laptop can tell whether its clock is right again before it
// stamps its changes anew; the node counts it in
// communekit_batches_clock_ahead_total. A laptop on time is accepted and
// not counted.
func TestPush_ClockAheadIsRefusedSignedWithTheDistrictsTime(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n := c.leader()
	onTime := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	ahead := newDeviceClock(t, c.d, "00769", "Lò Văn Nhanh", cert.RoleOfficer, func() time.Time { return time.Now().Add(72 * time.Hour) })
	for _, dv := range []*device{onTime, ahead} {
		dv.register(t, n.Addr())
		dv.add(t, 3)
	}
	ops := 0
	for _, ob := range onTime.seal(t) {
		ops += pushOK(t, c.d, n.Addr(), ob).Ops
	}
	if got := counter(t, n, "communekit_batches_clock_ahead_total"); got != 0 {
		t.Fatalf("a laptop on time counted as ahead: %v", got)
	}
	before := time.Now()
	ob := ahead.seal(t)[0]
	st, e := pushErr(t, n.Addr(), ob.Sealed)
	if st != http.StatusUnprocessableEntity || e.Code != protocol.CodeClockAhead {
		t.Fatalf("a batch stamped three days ahead: %d %+v", st, e)
	}
	if err := e.Verify(c.d.Public(), nil); err != nil {
		t.Fatalf("the clock_ahead refusal: %v", err)
	}
	if at := time.UnixMilli(e.Time); at.Before(before.Add(-time.Second)) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("the refusal says the district's time is %s; it is %s", at, time.Now())
	}
	if e.Device != ahead.cert.Device.ID || e.Batch != ob.N {
		t.Errorf("the refusal names batch %d of %s", e.Batch, e.Device)
	}
	if got := counter(t, n, "communekit_batches_clock_ahead_total"); got != 1 {
		t.Fatalf("clock-ahead count %v, want 1", got)
	}
	if st := n.Status(); st.Feed != uint64(ops) {
		t.Errorf("the district's feed holds %d operations, want only the %d of the laptop on time", st.Feed, ops)
	}
}
