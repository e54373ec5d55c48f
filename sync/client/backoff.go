package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff says how a request that failed for a reason that may pass (the
// network, a node without a leader, a 5xx) is retried: exponential backoff
// with full jitter, so that the devices of a commune that lost the link
// together do not come back together.
type Backoff struct {
	Base     time.Duration // bound of the first wait (DefaultBase when 0)
	Max      time.Duration // bound of any wait (DefaultMax when 0)
	Attempts int           // tries of one request (DefaultAttempts when 0; no limit but the context's when < 0)
}

// Defaults of Backoff.
const (
	DefaultBase     = 200 * time.Millisecond
	DefaultMax      = 30 * time.Second
	DefaultAttempts = 8
	// MaxRetryAfter bounds the wait a node's Retry-After may ask for.
	MaxRetryAfter = time.Minute
)

func (b Backoff) orDefault() Backoff {
	if b.Base <= 0 {
		b.Base = DefaultBase
	}
	if b.Max <= 0 {
		b.Max = DefaultMax
	}
	if b.Attempts == 0 {
		b.Attempts = DefaultAttempts
	}
	return b
}

// Wait returns the wait before attempt+1 after attempt failed: uniform in
// [0, min(Max, Base·2^(attempt-1))].
func (b Backoff) Wait(attempt int) time.Duration {
	b = b.orDefault()
	bound := b.Max
	if attempt < 1 {
		attempt = 1
	}
	if attempt < 40 {
		if d := b.Base << (attempt - 1); d > 0 && d < bound {
			bound = d
		}
	}
	return rand.N(bound + 1)
}

// retry runs try until it succeeds, fails for good (not retryable), the
// attempts run out or the next wait would end after ctx's deadline. Before
// each wait it calls wait(attempt, d, err). When it gives up on a failure
// that might have passed, the error wraps ErrUnreachable and that failure.
func (b Backoff) retry(ctx context.Context, node string, try func(attempt int) error, wait func(attempt int, d time.Duration, err error)) error {
	b = b.orDefault()
	start := time.Now()
	for attempt := 1; ; attempt++ {
		err := try(attempt)
		if err == nil {
			return nil
		}
		giveUp := func(why string) error {
			return fmt.Errorf("%w at %s (%d attempt(s) in %s%s): %w", ErrUnreachable, node, attempt, time.Since(start).Round(time.Second), why, err)
		}
		var te *transportError
		if errors.As(err, &te) && ctx.Err() != nil {
			return giveUp(stopped(ctx))
		}
		if !retryable(err) {
			return err
		}
		if b.Attempts > 0 && attempt >= b.Attempts {
			return giveUp("")
		}
		d := b.Wait(attempt)
		if hint := retryAfter(err); hint > 0 {
			// The node said when to come back (429 busy, 503 with
			// Retry-After): not sooner, with a little jitter so that the
			// devices it turned away do not come back together, and
			// never later than MaxRetryAfter.
			hint = min(hint, MaxRetryAfter)
			d = max(d, hint+rand.N(hint/4+1))
		}
		if dl, ok := ctx.Deadline(); ok && time.Now().Add(d).After(dl) {
			return giveUp(", out of time")
		}
		if ctx.Err() != nil {
			return giveUp(stopped(ctx))
		}
		if wait != nil {
			wait(attempt, d, err)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return giveUp(stopped(ctx))
		case <-t.C:
		}
	}
}

func stopped(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ", stopped"
	}
	return ", out of time"
}
