package storage

import (
	"fmt"
	"sync"
	"time"
)

// HLC is a hybrid logical clock reading: the upper 48 bits are Unix
// milliseconds, the lower 16 a logical counter. Readings from one clock are
// strictly increasing even when the wall clock steps back, and a clock that
// has seen a reading from elsewhere (Observe) never issues a smaller one, so
// the order of causally related changes survives skewed laptop clocks.
type HLC uint64

// Time returns the physical part of the reading.
func (h HLC) Time() time.Time { return time.UnixMilli(int64(h >> 16)).UTC() }

// String formats the reading as RFC 3339 with milliseconds and the counter.
func (h HLC) String() string {
	return fmt.Sprintf("%s+%d", h.Time().Format("2006-01-02T15:04:05.000Z"), uint16(h))
}

// Clock issues HLC readings. The zero value is not usable; use NewClock.
type Clock struct {
	mu   sync.Mutex
	last HLC
	now  func() time.Time
}

// NewClock returns a clock that reads now (time.Now when nil) and never
// issues a reading at or below last.
func NewClock(last HLC, now func() time.Time) *Clock {
	if now == nil {
		now = time.Now
	}
	return &Clock{last: last, now: now}
}

// Now issues the next reading.
func (c *Clock) Now() HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	phys := HLC(uint64(c.now().UnixMilli()) << 16)
	if phys > c.last {
		c.last = phys
	} else {
		c.last++
	}
	return c.last
}

// Observe moves the clock past a reading seen from another device.
func (c *Clock) Observe(h HLC) {
	c.mu.Lock()
	if h > c.last {
		c.last = h
	}
	c.mu.Unlock()
}

// Last returns the last reading issued or observed.
func (c *Clock) Last() HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}
