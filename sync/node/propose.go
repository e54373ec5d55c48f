package node

import (
	"errors"
	"time"

	"github.com/hashicorp/raft"

	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/protocol"
)

// Limits of one Raft entry of coalesced batches, counted in the batches'
// plaintext (batch.Header.PlainSize: what the FSM decodes and writes, about
// 250 bytes per new person). Every node applies an entry in one store
// transaction, and every batch of the entry is answered only when all of it
// is applied, so a large entry costs both ways. Measured with
// BenchmarkFSMApply/mixed (500 operations per batch, 320,000 in all): an
// operation costs 53 µs of CPU in entries of one batch, 61 µs in entries
// of 16, 96 µs in entries of 64 — the node store's transaction limit (15 %
// of its 64 MB memtable, about 12,000 new persons) is passed and the entry
// is applied again in halves. Small batches gain from sharing an entry:
// 20 operations cost 58 µs each alone, 50 µs 64 to an entry. 256 KB is
// about 1,000 new persons (two batches of 500, some 50 ms of applying) or
// 50 small batches of a few edits each. (128 KB, a batch of 500 alone,
// measured no better for the FSM and ~5 % more CPU per operation for the
// three nodes of kitctl bench cluster: 166 against 158 µs, median of 7.)
const (
	maxEntryBatches = 64
	maxEntryPlain   = 256 << 10
	applyTimeout    = 10 * time.Second
)

// proposal is one pushed batch waiting for its entry to be applied.
type proposal struct {
	sealed []byte
	plain  int // the plaintext size its header declares
	done   chan batchResult
}

// proposer coalesces concurrent pushes into Raft entries: it takes the
// batches waiting when the previous entry was handed to Raft (up to the
// limits above) and proposes them as one entry, so a busy node makes fewer
// entries and an idle one answers a lone push at once. Entries are
// pipelined: it does not wait for one to commit before proposing the next.
type proposer struct {
	n    *Node
	in   chan *proposal
	quit chan struct{}
	done chan struct{}
}

func newProposer(n *Node) *proposer {
	p := &proposer{n: n, in: make(chan *proposal, 4096), quit: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

var errStopping = &protocol.Error{Code: protocol.CodeUnavailable, Message: "the node is stopping: push again (another node will answer)"}

// submit proposes one batch and waits for its result.
func (p *proposer) submit(sealed []byte) batchResult {
	pr := &proposal{sealed: sealed, plain: plainSize(sealed), done: make(chan batchResult, 1)}
	select {
	case p.in <- pr:
	case <-p.quit:
		return batchResult{Err: errStopping}
	}
	select {
	case r := <-pr.done:
		return r
	case <-p.quit:
		return batchResult{Err: errStopping}
	}
}

func (p *proposer) close() {
	select {
	case <-p.quit:
	default:
		close(p.quit)
	}
	<-p.done
}

func (p *proposer) run() {
	defer close(p.done)
	for {
		var first *proposal
		select {
		case first = <-p.in:
		case <-p.quit:
			return
		}
		group := []*proposal{first}
		size := first.plain
	fill:
		for {
			select {
			case pr := <-p.in:
				if !entryFits(len(group), size, pr.plain) {
					// Too big for this entry: it leads the next.
					p.propose(group)
					group, size = nil, 0
				}
				group = append(group, pr)
				size += pr.plain
			default:
				break fill
			}
		}
		p.propose(group)
	}
}

// entryFits reports whether an entry of n batches and plain bytes of
// plaintext may take one more batch of next bytes. An entry takes at least
// one batch, whatever its size.
func entryFits(n, plain, next int) bool {
	return n < maxEntryBatches && plain+next <= maxEntryPlain
}

// plainSize is the plaintext size a sealed batch's header declares (its
// own size if the header is unreadable: the FSM refuses it anyway).
func plainSize(sealed []byte) int {
	h, err := batch.ParseHeader(sealed)
	if err != nil {
		return len(sealed)
	}
	return int(h.PlainSize)
}

func (p *proposer) propose(group []*proposal) {
	if len(group) == 0 {
		return
	}
	sealed := make([][]byte, len(group))
	for i, pr := range group {
		sealed[i] = pr.sealed
	}
	p.n.m.entryBatches.Observe(float64(len(group)))
	start := time.Now()
	// The entry carries the leader's clock: the state machine's checks and
	// the age of a move out go by it, never by a laptop's.
	f := p.n.raft.Apply(encodeBatchesAt(districtTime(p.n.now()), sealed), applyTimeout)
	go func() {
		err := f.Error()
		p.n.m.applySeconds.Observe(time.Since(start).Seconds())
		var results []batchResult
		if err == nil {
			results, _ = f.Response().([]batchResult)
		}
		for i, pr := range group {
			switch {
			case err != nil:
				pr.done <- batchResult{Err: raftError(err)}
			case i < len(results):
				pr.done <- results[i]
			default:
				pr.done <- batchResult{Err: &protocol.Error{Code: protocol.CodeMalformed, Message: "the node could not read the entry that carried this batch"}}
			}
		}
	}()
}

// raftError says what a failed Apply means for the device: nothing was
// acknowledged, push again.
func raftError(err error) *protocol.Error {
	msg := "the district could not commit the batch (" + err.Error() + "); nothing was acknowledged: push again"
	if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) || errors.Is(err, raft.ErrLeadershipTransferInProgress) {
		msg = "the district's leader changed while committing the batch; nothing was acknowledged: push again"
	}
	return &protocol.Error{Code: protocol.CodeUnavailable, Message: msg}
}
