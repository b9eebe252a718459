package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// maxSuccessBody bounds a 2xx body: a list page of 1000 jobs is well under 1 MiB.
const maxSuccessBody = 32 << 20

var jsonVals = []string{"application/json"}

// call describes one API request.
type call struct {
	method string
	url    string // full URL, query included
	path   string // escaped URL path, for errors and logs
	body   []byte
	// idempotent requests are retried after failures where the server may have acted
	// (502, 504, connection reset, truncated body); others only where it did not (429, 503).
	idempotent bool
}

// response is a 2xx answer, body read in full.
type response struct {
	status    int
	requestID string
	body      []byte
}

// outcome is the result of one attempt.
type outcome struct {
	resp       response
	err        error
	retry      bool          // the failure is worth another attempt
	retryAfter time.Duration // from the Retry-After header
	hasAfter   bool
	status     int
	requestID  string
}

// do runs c with retries. It returns the 2xx response, or an error: the attempt's
// error when not retryable, a *RetryError when retries ran out or the context ended.
func (c *Client) do(ctx context.Context, cl *call) (response, error) {
	var last error
	for attempt := 1; ; attempt++ {
		start := time.Now()
		o := c.attempt(ctx, cl, attempt)
		elapsed := time.Since(start)

		var wait time.Duration
		retrying, pastDeadline := false, false
		if o.err != nil && o.retry && attempt <= c.maxRetries && ctx.Err() == nil {
			wait = c.backoffWait(attempt, o.retryAfter, o.hasAfter)
			// Sleeping into the deadline would only fail later with less to say.
			deadline, ok := ctx.Deadline()
			pastDeadline = ok && time.Until(deadline) < wait
			retrying = !pastDeadline
		}
		c.logAttempt(ctx, cl, attempt, elapsed, o, retrying, wait)

		if o.err == nil {
			return o.resp, nil
		}
		var none response
		if ctx.Err() != nil {
			if last == nil {
				return none, o.err
			}
			return none, &RetryError{Method: cl.method, Path: cl.path, Attempts: attempt, Last: lastOf(o.err, last), Cause: ctx.Err()}
		}
		if !o.retry {
			return none, o.err
		}
		last = o.err
		if pastDeadline {
			return none, &RetryError{Method: cl.method, Path: cl.path, Attempts: attempt, Last: last, Cause: context.DeadlineExceeded, wait: wait}
		}
		if !retrying {
			return none, &RetryError{Method: cl.method, Path: cl.path, Attempts: attempt, Last: last}
		}
		if wait > 0 {
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return none, &RetryError{Method: cl.method, Path: cl.path, Attempts: attempt, Last: last, Cause: ctx.Err()}
			case <-timer.C:
			}
		}
	}
}

// lastOf prefers the attempt's own error unless it only reports the context ending
// before anything was sent, in which case the previous attempt's failure says more.
// An attempt cut off after sending stays the last error, so that IsAnswerLost sees it.
func lastOf(err, prev error) error {
	if prev != nil && !IsAnswerLost(err) && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return prev
	}
	return err
}

// attempt sends cl once, under its own time limits (startAttempt), and reads the
// answer in full.
func (c *Client) attempt(ctx context.Context, cl *call, attempt int) outcome {
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	actx, timer := c.startAttempt(ctx)
	defer timer.stop()
	reqCtx := actx
	if c.iam != nil && c.logger != nil {
		reqCtx = context.WithValue(actx, attemptKey{}, attempt)
	}
	req, err := http.NewRequestWithContext(reqCtx, cl.method, cl.url, body)
	if err != nil {
		return outcome{err: err}
	}
	// The value slices are shared by all requests: net/http only reads them.
	req.Header["User-Agent"] = c.userAgentVals
	req.Header["Accept"] = jsonVals
	if cl.body != nil {
		req.Header["Content-Type"] = jsonVals
	}
	var resp *http.Response
	switch {
	case c.signing != nil:
		// req is this attempt's own: sign it in place rather than copy it.
		c.signing.sign(req, cl.body)
		resp, err = c.signing.base.RoundTrip(req)
	case c.rt != nil:
		resp, err = c.rt.RoundTrip(req)
	default:
		resp, err = c.hc.Do(req)
	}
	if err != nil {
		return transportFailure(err, timer.timedOut(ctx, actx), ctx.Err() != nil, cl.idempotent)
	}
	defer resp.Body.Close()
	timer.bodyPhase(c.bodyTimeout())
	reqID := requestIDFrom(resp.Header)

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		data, err := readSuccessBody(resp)
		if err != nil {
			o := outcome{status: resp.StatusCode, requestID: reqID}
			if errors.Is(err, ErrMalformedResponse) {
				o.err = fmt.Errorf("reading the HTTP %d response: %w", resp.StatusCode, err)
				return o
			}
			// A body cut short is as transient as a reset, but the server acted on it.
			if te := timer.timedOut(ctx, actx); te != nil {
				err = te
			}
			o.err = &answerLostError{fmt.Errorf("reading the HTTP %d response: %w", resp.StatusCode, err)}
			o.retry = ctx.Err() == nil && cl.idempotent
			return o
		}
		return outcome{resp: response{status: resp.StatusCode, requestID: reqID, body: data}, status: resp.StatusCode, requestID: reqID}
	}

	apiErr := newAPIError(resp, cl.method, cl.path)
	apiErr.Host = c.baseURL.Host
	o := outcome{err: apiErr, status: resp.StatusCode, requestID: apiErr.RequestID}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		o.retry = true
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		o.retry = cl.idempotent
	}
	if o.retry {
		o.retryAfter, o.hasAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return o
}

// transportFailure classifies an attempt that got no response: te is its own time
// limit if that ended it, callerDone whether the caller's context has ended.
func transportFailure(err error, te *attemptTimeoutError, callerDone bool, idempotent bool) outcome {
	unsent := notSent(err)
	var retry bool
	switch {
	case callerDone:
		// The caller's context won; do reports it.
	case te != nil && unsent:
		err, retry = fmt.Errorf("%w: %w", te, err), true // e.g. a dial that never completed
	case te != nil:
		err, retry = te, idempotent
	default:
		retry = retryableTransportError(err, idempotent)
	}
	// The URL adds nothing to an IAM failure and would bury its message.
	var ns *notSentError
	if errors.As(err, &ns) && te == nil {
		err = ns
	}
	if !unsent {
		err = &answerLostError{err}
	}
	return outcome{err: err, retry: retry}
}

// readSuccessBody reads a 2xx body, refusing one larger than maxSuccessBody.
func readSuccessBody(resp *http.Response) ([]byte, error) {
	n := resp.ContentLength
	if n > maxSuccessBody {
		return nil, fmt.Errorf("%w: body of %d bytes exceeds the %d-byte limit", ErrMalformedResponse, n, maxSuccessBody)
	}
	if n >= 0 {
		// net/http holds the body to Content-Length: a short one is io.ErrUnexpectedEOF.
		data := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, data); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return data, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxSuccessBody+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSuccessBody {
		return nil, fmt.Errorf("%w: body exceeds the %d-byte limit", ErrMalformedResponse, maxSuccessBody)
	}
	return data, nil
}

// retryableTransportError reports whether a failure without a response is worth
// retrying. Failures before anything was sent (dialing, obtaining the IAM token) are
// retried for every request; resets, EOFs and timeouts only for idempotent ones,
// since the server may have acted on the request.
func retryableTransportError(err error, idempotent bool) bool {
	var ns *notSentError
	if errors.As(err, &ns) {
		var apiErr *APIError
		if errors.As(ns.err, &apiErr) {
			switch apiErr.StatusCode {
			case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
				http.StatusServiceUnavailable, http.StatusGatewayTimeout:
				return true
			}
			return false
		}
		if errors.Is(ns.err, ErrMalformedResponse) {
			return false
		}
		return transientNetError(ns.err, true)
	}
	return transientNetError(err, idempotent)
}

func transientNetError(err error, idempotent bool) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true // connection refused, unreachable: nothing was sent
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.IsTemporary || dns.IsTimeout
	}
	if !idempotent {
		return false
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// backoffWait returns the wait before retry number attempt (1 for the first retry):
// Retry-After when the server sent it (capped at four times the maximum backoff),
// else full jitter in [0, min(max, base*2^(attempt-1))]; never less than MinRetryWait,
// so that no answer (not even 503 with "Retry-After: 0") makes one request send more
// than 10 requests a second. Under password authentication one attempt can be two
// requests (a 401, then the same request with a renewed token), so the floor doubles.
func (c *Client) backoffWait(attempt int, retryAfter time.Duration, hasAfter bool) time.Duration {
	floor := MinRetryWait
	switch {
	case c.noRetryFloor:
		floor = 0
	case c.iam != nil:
		floor = 2 * MinRetryWait
	}
	if hasAfter {
		return max(min(max(retryAfter, 0), 4*c.backoff.max), floor)
	}
	ceiling := c.backoff.max
	if shift := attempt - 1; shift < 40 {
		if d := c.backoff.base << shift; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return max(time.Duration(rand.Int64N(int64(ceiling)+1)), floor)
}

// parseRetryAfter reads delta-seconds or an HTTP-date; a date in the past is 0.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func (c *Client) logAttempt(ctx context.Context, cl *call, attempt int, elapsed time.Duration, o outcome, retrying bool, wait time.Duration) {
	if c.logger == nil {
		return
	}
	fields := map[string]any{
		"method":        cl.method,
		"path":          cl.path,
		"status":        o.status,
		"attempt":       attempt,
		"duration_ms":   elapsed.Milliseconds(),
		"request_id":    o.requestID,
		"authorization": c.authDesc,
	}
	msg := "ModelArts API request"
	if o.err != nil {
		fields["error"] = o.err.Error()
		msg = "ModelArts API request failed"
	}
	if retrying {
		fields["retry_in_ms"] = wait.Milliseconds()
		msg = "ModelArts API request failed; retrying"
	}
	c.logger(ctx, msg, fields)
}
