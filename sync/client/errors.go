package client

import (
	"errors"
	"fmt"

	"github.com/communekit/communekit/sync/protocol"
)

// Errors a caller may branch on with errors.Is. A refusal by the district
// is a [*Refusal], which unwraps to the node's *protocol.Error.
var (
	// ErrUnreachable: the node did not answer (or answered "try later")
	// on any attempt before the attempts or the time ran out. It also
	// wraps the last failure.
	ErrUnreachable = errors.New("the district node could not be reached")
	// ErrNotANode: the address answers HTTP, but not as a communekit
	// district node does (a wrong --node, a captive portal).
	ErrNotANode = errors.New("the address does not answer like a communekit district node")
	// ErrNodeRefused: the address answers TLS with a certificate the
	// enrolled district did not sign for a node, or one it revoked: a
	// wrong address, or someone in between. Nothing was sent.
	ErrNodeRefused = errors.New("the server is not one of the district's nodes")
	// ErrBadReceipt: a receipt that is not signed by the enrolled
	// district, or is for another batch. The batch stays pending.
	ErrBadReceipt = errors.New("the district's receipt does not check out")
	// ErrStalePull: a pull answer older than the changes already
	// received (a replayed or misrouted answer). Nothing is applied.
	ErrStalePull = errors.New("the district sent changes older than those this device holds")
	// ErrAhead: the district holds more batches from this device than
	// this device sealed: the profile was restored from an old backup or
	// copied to a second machine.
	ErrAhead = errors.New("the district holds batches from this device that this profile never sealed")
)

// Refusal is a request the district refused for good: sending it again
// unchanged will not help. It says what was refused and what a person can
// do about it; Err is the node's answer.
type Refusal struct {
	What string // "batch 3", "the pull request", "this device's certificate"
	Err  *protocol.Error
	// Admin marks a refusal of the district office's or a node's own
	// request (join, removal, status, batch key): the advice for a
	// device does not apply.
	Admin bool
}

func (r *Refusal) Error() string {
	msg := fmt.Sprintf("the district refused %s: %s", r.What, r.Err.Error())
	a := advice(r.Err.Code)
	if r.Admin {
		a = adminAdvice(r.Err.Code)
	}
	if a != "" {
		msg += ". " + a
	}
	return msg
}

// adminAdvice says what the district office can do about a refusal of
// its own or a node's request.
func adminAdvice(code string) string {
	switch code {
	case protocol.CodeBadSignature, protocol.CodeRevoked:
		return "Check that the profile or the node's credential belongs to the district this cluster serves and is not revoked (`kitctl district nodes`)"
	case protocol.CodeStale:
		return "This machine's clock is far from the node's: set the date and time, then try again"
	case protocol.CodeMalformed:
		return "The node could not read it: check that this program and the node are the same version"
	case protocol.CodeNotFound:
		return "Is --node the address of a district node?"
	}
	return ""
}

func (r *Refusal) Unwrap() error { return r.Err }

// advice says what a person can do about a refusal.
func advice(code string) string {
	switch code {
	case protocol.CodeRevoked:
		return "Nothing more is accepted from this device: ask the district administrator"
	case protocol.CodeExpired:
		return "The certificate is not valid now: check this device's date and time, else enrol again (`kitctl enrol request`)"
	case protocol.CodeOutOfScope:
		return "The certificate does not cover this commune: ask the district to sign again with the right --commune"
	case protocol.CodeTampered:
		return "It stays pending here. If this repeats, the copy in this profile is damaged: tell the district administrator"
	case protocol.CodeMalformed:
		return "The node could not read it: check that this program and the node are the same version"
	case protocol.CodeWrongRecipient:
		return "It is sealed to another district than this node's: check --node, or the district this device is enrolled with"
	case protocol.CodeTooLarge:
		return "It is larger than the node accepts: seal smaller batches"
	case protocol.CodeReplay:
		return "The district holds another batch under this number: was this profile restored from an old backup or copied to another machine? Tell the district administrator and stop using the other copy"
	case protocol.CodeBadSignature:
		return "It is not signed with the key the district enrolled: enrol this device again"
	case protocol.CodeStale:
		return "This machine's clock is far from the node's: set the date and time, then try again"
	case protocol.CodeUnknownDevice:
		return "The district does not know this device even after it sent its certificate: enrol it again"
	case protocol.CodeNotFound:
		return "Is --node the address of a district node?"
	case protocol.CodeForbidden:
		return "Only a supervisor's device may do this"
	case protocol.CodeInvalidOperation:
		return "The district cannot accept a change this program made: update communekit on this computer, and tell the district administrator"
	case protocol.CodeWrongOfficer:
		return "The changes name another officer than this device's certificate: enrol this device again for its officer"
	case protocol.CodeClockAhead:
		return "Set this computer's date, time and time zone, then sync again"
	}
	return ""
}
