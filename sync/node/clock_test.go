package node

import (
	"testing"
	"time"

	"github.com/communekit/communekit/crypto/cert"
)

// TestPush_ClockAheadIsCountedAndAccepted: a laptop whose clock is three
// days ahead has its batch accepted (refusing would strand the officer's
// work), and the node counts it in communekit_batches_clock_ahead_total
// and logs the device, so district staff can have the clock set before its
// stamps spread to every device that pulls them. A laptop on time is not
// counted.
func TestPush_ClockAheadIsCountedAndAccepted(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n := c.leader()
	onTime := newDevice(t, c.d, "00769", "Nguyễn Thị Lan", cert.RoleOfficer)
	ahead := newDeviceClock(t, c.d, "00769", "Lò Văn Nhanh", cert.RoleOfficer, func() time.Time { return time.Now().Add(72 * time.Hour) })
	for _, dv := range []*device{onTime, ahead} {
		dv.register(t, n.Addr())
		dv.add(t, 3)
		for _, ob := range dv.seal(t) {
			pushOK(t, c.d, n.Addr(), ob)
		}
		want := 0.0
		if dv == ahead {
			want = 1
		}
		if got := counter(t, n, "communekit_batches_clock_ahead_total"); got != want {
			t.Fatalf("after %s's push: clock-ahead count %v, want %v", dv.s.Profile().Officer, got, want)
		}
	}
}
