package node

import (
	"errors"
	"time"

	"github.com/hashicorp/raft"

	"github.com/communekit/communekit/sync/protocol"
)

// Limits of one Raft entry of coalesced batches: a store transaction must
// hold it (the node store's memtable is 64 MB, a transaction up to ~15 %).
const (
	maxEntryBatches = 64
	maxEntryBytes   = 4 << 20
	applyTimeout    = 10 * time.Second
)

// proposal is one pushed batch waiting for its entry to be applied.
type proposal struct {
	sealed []byte
	done   chan batchResult
}

// proposer coalesces concurrent pushes into Raft entries: it takes every
// batch waiting when the previous entry was handed to Raft (up to the
// limits above) and proposes them as one entry, so a busy node makes few
// large entries and an idle one answers a lone push at once. Entries are
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
	pr := &proposal{sealed: sealed, done: make(chan batchResult, 1)}
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
		size := len(first.sealed)
	fill:
		for len(group) < maxEntryBatches {
			select {
			case pr := <-p.in:
				if size+len(pr.sealed) > maxEntryBytes {
					// Too big for this entry: it leads the next.
					p.propose(group)
					group, size = nil, 0
				}
				group = append(group, pr)
				size += len(pr.sealed)
			default:
				break fill
			}
		}
		p.propose(group)
	}
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
	f := p.n.raft.Apply(encodeBatches(sealed), applyTimeout)
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
