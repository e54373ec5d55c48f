package vm

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/syserr"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

// refusalCodes are the refusals the sync screen explains in words of its
// own; any other code gets the general message with the node's words.
var refusalCodes = map[string]bool{
	protocol.CodeRevoked: true, protocol.CodeExpired: true, protocol.CodeOutOfScope: true,
	protocol.CodeTampered: true, protocol.CodeMalformed: true, protocol.CodeWrongRecipient: true,
	protocol.CodeTooLarge: true, protocol.CodeReplay: true, protocol.CodeBadSignature: true,
	protocol.CodeStale: true, protocol.CodeUnknownDevice: true, protocol.CodeNotFound: true,
	protocol.CodeGap: true,
}

// failure says why a sync stopped and what the officer can do about it.
func (s *Sync) failure(err error) string {
	var ref *client.Refusal
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ref) && refusalCodes[ref.Err.Code]:
		return s.tr.T("sync.refused." + ref.Err.Code)
	case errors.As(err, &ref):
		return s.tr.T("sync.refused.other", ref.Err.Error())
	case errors.Is(err, client.ErrUnreachable):
		return s.tr.T("sync.err.unreachable", s.Node(), s.reason(err))
	case errors.Is(err, client.ErrNotANode):
		return s.tr.T("sync.err.not_a_node", s.Node())
	case errors.Is(err, client.ErrNodeRefused):
		return s.tr.T("sync.err.not_district", s.Node())
	case errors.Is(err, client.ErrBadReceipt):
		return s.tr.T("sync.err.bad_receipt")
	case errors.Is(err, client.ErrStalePull):
		return s.tr.T("sync.err.stale_pull")
	case errors.Is(err, client.ErrAhead):
		return s.tr.T("sync.err.ahead")
	case errors.Is(err, client.ErrClockAhead):
		return s.tr.T("sync.err.clock_ahead")
	case errors.Is(err, outbox.ErrNotEnrolled):
		return s.tr.T("sync.err.not_enrolled")
	case errors.Is(err, storage.ErrDiskFull):
		return errText(s.tr, err)
	}
	return s.tr.T("sync.err.other", err.Error())
}

// reason says in plain words why the node could not be reached.
func (s *Sync) reason(err error) string {
	var pe *protocol.Error
	var dns *net.DNSError
	var ne net.Error
	switch {
	case err == nil:
		return ""
	case syserr.Refused(err):
		return s.tr.T("sync.reason.refused")
	case syserr.Dropped(err), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return s.tr.T("sync.reason.dropped")
	case errors.As(err, &dns):
		return s.tr.T("sync.reason.dns", dns.Name)
	case syserr.NoRoute(err):
		return s.tr.T("sync.reason.no_route")
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return s.tr.T("sync.reason.timeout")
	case errors.As(err, &pe) && pe.Code == protocol.CodeUnavailable:
		return s.tr.T("sync.reason.unavailable")
	case errors.As(err, &pe) && pe.Code == protocol.CodeInternal:
		return s.tr.T("sync.reason.server_error")
	}
	return s.tr.T("sync.reason.other", err.Error())
}

// nodeAnswered tells from the error a sync stopped on whether the district
// node answered it; known is false when the sync stopped before it asked
// anything (no enrolment, a store error).
func nodeAnswered(err error) (reached, known bool) {
	var ref *client.Refusal
	switch {
	case errors.As(err, &ref), errors.Is(err, client.ErrBadReceipt), errors.Is(err, client.ErrStalePull), errors.Is(err, client.ErrAhead):
		return true, true
	case errors.Is(err, client.ErrUnreachable), errors.Is(err, client.ErrNotANode), errors.Is(err, client.ErrNodeRefused):
		return false, true
	}
	return false, false
}

// Count writes a count as the current language groups digits: "1.204" in
// Vietnamese, "1,204" in English.
func Count(tr Tr, n int) string {
	sep := "."
	if tr.Lang() == i18n.English {
		sep = ","
	}
	digits := strconv.Itoa(n)
	neg := n < 0
	if neg {
		digits = digits[1:]
	}
	var out []byte
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			out = append(out, sep...)
		}
		out = append(out, digits[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
