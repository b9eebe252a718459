package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"
)

const (
	// DefaultResponseHeaderTimeout is how long one attempt waits for the response
	// headers, from the moment it starts sending (see WithResponseHeaderTimeout).
	DefaultResponseHeaderTimeout = 60 * time.Second
	// DefaultBodyTimeout is how long one attempt may take to read the response body
	// once the headers are in (see WithBodyTimeout).
	DefaultBodyTimeout = 60 * time.Second
	// MinRetryWait is the least wait between two attempts of a request, whatever
	// WithRetryBackoff and a Retry-After header (even "0") say: one request never
	// sends more than 10 attempts a second. Under password authentication, where an
	// attempt answered 401 is sent once more with a renewed token, the least wait is
	// twice as long, so that the bound of 10 requests a second holds there too.
	MinRetryWait = 100 * time.Millisecond
)

// WithResponseHeaderTimeout sets how long each attempt waits for the response
// headers (default DefaultResponseHeaderTimeout); d must be positive. An attempt that
// passes it counts as a transient failure: a GET, a description update or a delete is
// retried under the retry budget; a create, stop or restart is not (the server may
// have acted) and its error is one for which IsAnswerLost reports true. The context
// of the call still bounds the whole call.
func WithResponseHeaderTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("response header timeout %s must be positive", d)
		}
		c.attemptLimits.header = d
		return nil
	}
}

// WithBodyTimeout sets how long each attempt may take to read the response body once
// the headers are in (default DefaultBodyTimeout); d must be positive. A server that
// sends the body a byte at a time hits it; the attempt then fails as described for
// WithResponseHeaderTimeout.
func WithBodyTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("body timeout %s must be positive", d)
		}
		c.attemptLimits.body = d
		return nil
	}
}

func (c *Client) headerTimeout() time.Duration {
	if c.attemptLimits.header > 0 {
		return c.attemptLimits.header
	}
	return DefaultResponseHeaderTimeout
}

func (c *Client) bodyTimeout() time.Duration {
	if c.attemptLimits.body > 0 {
		return c.attemptLimits.body
	}
	return DefaultBodyTimeout
}

// attemptTimeoutError is the cause of an attempt cut off by its own time limit.
type attemptTimeoutError struct {
	body  bool // the body, not the headers, was late
	limit time.Duration
}

func (e *attemptTimeoutError) Error() string {
	if e.body {
		return "the response body did not arrive within the per-attempt limit of " + e.limit.String()
	}
	return "no response headers within the per-attempt limit of " + e.limit.String()
}

// Timeout reports true, as net.Error timeouts do.
func (e *attemptTimeoutError) Timeout() bool { return true }

// attemptTimer cancels an attempt's context when its phase (headers, then body)
// passes its limit. One timer serves both phases, and it calls the context's own
// cancel function, so that an attempt costs few allocations: while the caller's
// context is alive, only the timer (or stop) can end the attempt's.
type attemptTimer struct {
	t      *time.Timer
	cancel context.CancelFunc
	phase  attemptTimeoutError // the limit running now
}

// startAttempt returns the context of one attempt, limited to c's header timeout,
// and its timer.
func (c *Client) startAttempt(ctx context.Context) (context.Context, attemptTimer) {
	actx, cancel := context.WithCancel(ctx)
	limit := c.headerTimeout()
	return actx, attemptTimer{t: time.AfterFunc(limit, cancel), cancel: cancel, phase: attemptTimeoutError{limit: limit}}
}

// bodyPhase switches the limit from the headers to the body.
func (a *attemptTimer) bodyPhase(limit time.Duration) {
	if a.t.Stop() {
		a.phase = attemptTimeoutError{body: true, limit: limit}
		a.t.Reset(limit)
	}
	// Else the header limit fired as the headers came in: the context is already
	// cancelled, reading the body fails, and the headers were what was late.
}

// stop ends the attempt and releases its context.
func (a *attemptTimer) stop() {
	a.t.Stop()
	a.cancel()
}

// timedOut returns the attempt's own timeout, or nil when it did not fire (or the
// caller's context ended, which then is what counts).
func (a *attemptTimer) timedOut(ctx, actx context.Context) *attemptTimeoutError {
	if ctx.Err() != nil || actx.Err() == nil {
		return nil
	}
	te := a.phase
	return &te
}

// answerLostError marks a request that was sent (or may have been) without a complete
// answer coming back: the connection was reset or closed after sending, the body
// was cut short, an attempt passed its time limit, or the caller's context ended
// during the attempt. The server may have acted on it.
type answerLostError struct{ err error }

func (e *answerLostError) Error() string {
	return "the request was sent but no complete answer came back (it may have taken effect): " + e.err.Error()
}

func (e *answerLostError) Unwrap() error { return e.err }

// IsAnswerLost reports whether err says that a request was sent (or may have been)
// but no complete answer came back: a connection reset or closed after sending, a
// truncated body, a per-attempt time limit (WithResponseHeaderTimeout,
// WithBodyTimeout), or the context ending during an attempt. The server may have
// acted on such a request, so a caller checks before sending a non-idempotent one
// again. It is false for an *APIError (the server answered), for ErrMalformedResponse
// (it answered, badly), and for failures before anything was sent (dialing, DNS, TLS
// handshake, obtaining the IAM token).
func IsAnswerLost(err error) bool {
	var e *answerLostError
	return errors.As(err, &e)
}

// notSent reports whether a transport error happened before any of the request could
// have reached the server.
func notSent(err error) bool {
	var ns *notSentError
	var op *net.OpError
	var dns *net.DNSError
	var cv *tls.CertificateVerificationError
	var rh tls.RecordHeaderError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ns), errors.As(err, &dns), errors.As(err, &cv), errors.As(err, &rh),
		errors.As(err, &ua), errors.As(err, &he), errors.As(err, &ci):
		return true
	case errors.As(err, &op):
		return op.Op == "dial"
	}
	return false
}
