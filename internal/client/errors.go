package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

const (
	// maxErrorBody bounds how much of an error response is read: gateways can
	// answer with large HTML pages, and nothing past the first KiB is useful.
	maxErrorBody = 64 << 10
	// maxMessageLen caps messages that reach users and logs.
	maxMessageLen = 512
	// maxSnippetLen caps the excerpt quoted from a body that is not JSON.
	maxSnippetLen = 200

	serviceIAM = "IAM"
)

// ErrMalformedResponse is wrapped by errors for a successful (2xx) response whose body
// could not be decoded. Such a response is never retried: the server may have acted.
var ErrMalformedResponse = errors.New("malformed response")

// APIError is a failure reported by ModelArts (or by IAM while obtaining a token):
// an HTTP status outside 2xx, or a 2xx whose body says "is_success": false.
type APIError struct {
	// StatusCode is the HTTP status; a 2xx when the body reported is_success false.
	StatusCode int
	// Code is the error_code of the body (e.g. "ModelArts.0104"), or "" when absent.
	Code string
	// Message is error_message or error_msg of the body, sanitized and capped; for a
	// body that is not JSON, a short excerpt saying so.
	Message string
	// RequestID is the X-Request-Id header, else the request_id of the body.
	RequestID string
	// Method is the HTTP method of the failed request.
	Method string
	// Path is the URL path of the failed request (never its query).
	Path string
	// Host is the host[:port] the request went to, without scheme, user information
	// or query; "" when unknown.
	Host string

	service string // "" for ModelArts, serviceIAM for the token request
}

// Error returns a one-line description such as
// `ModelArts API error: HTTP 404, code ModelArts.0015: job does not exist (request ID abc)`.
// A 404 that did not come from ModelArts (see IsEndpointNotFound) also names the host
// and path and says that the endpoint is probably wrong:
// `ModelArts API error: HTTP 404 from modelarts.example.com/v1/p/visualization-jobs/8992,
// code APIG.0101: API does not exist; this answer did not come from ModelArts: the
// endpoint (host or base path) is probably wrong`.
func (e *APIError) Error() string {
	var b strings.Builder
	if e.service == serviceIAM {
		b.WriteString("IAM error: HTTP ")
	} else {
		b.WriteString("ModelArts API error: HTTP ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	endpoint := e.endpointNotFound()
	if endpoint && e.Host+e.Path != "" {
		b.WriteString(" from ")
		b.WriteString(capMessage(sanitize(e.Host+e.Path), maxMessageLen))
	}
	if e.Code != "" {
		b.WriteString(", code ")
		b.WriteString(capMessage(e.Code, 64))
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(capMessage(e.Message, maxMessageLen))
	}
	if e.RequestID != "" {
		b.WriteString(" (request ID ")
		b.WriteString(capMessage(e.RequestID, 128))
		b.WriteString(")")
	}
	if endpoint {
		b.WriteString("; this answer did not come from ModelArts: the endpoint (host or base path) is probably wrong")
	}
	return b.String()
}

// modelArtsCode reports whether code is one of ModelArts' own error codes, as
// opposed to one of the API gateway (APIG.*), IAM or a proxy.
func modelArtsCode(code string) bool {
	return strings.HasPrefix(code, "ModelArts.")
}

// notFoundCode is the only documented "resource does not exist" code (spec section 3).
const notFoundCode = "ModelArts.0015"

// jobMissing reports whether e is ModelArts' own answer that the job does not exist.
func (e *APIError) jobMissing() bool {
	if e.service == serviceIAM || !modelArtsCode(e.Code) {
		return false
	}
	switch {
	case e.StatusCode == http.StatusNotFound, e.StatusCode == http.StatusBadRequest, e.StatusCode >= 200 && e.StatusCode < 300:
	default:
		return false
	}
	return e.Code == notFoundCode || jobMissingRE.MatchString(e.Message)
}

// endpointNotFound reports whether e is a ModelArts-request 404 that ModelArts did
// not send: a gateway code, an HTML page, an empty body, JSON without a ModelArts code.
func (e *APIError) endpointNotFound() bool {
	return e.service != serviceIAM && e.StatusCode == http.StatusNotFound && !modelArtsCode(e.Code)
}

// jobMissingRE matches messages that say the job does not exist. ModelArts documents
// no dedicated code for it, so the wording is all there is (spec section 3).
var jobMissingRE = regexp.MustCompile(`(?i)\bjobs?\b.*\b(does not exist|doesn't exist|do not exist|not exists?|not found|no such)\b`)

// IsNotFound reports whether err is ModelArts' own answer that the visualization job
// does not exist: a JSON body whose error_code is ModelArts.0015, or another
// ModelArts.* code whose message says the job does not exist, on HTTP 404, 400 or a
// 2xx with "is_success": false. Nothing else means "gone": not a gateway's 404
// (APIG.0101 "API does not exist", a wrong endpoint or base path), not a proxy's
// HTML page, not an empty 404 body, not JSON without a ModelArts code; for those
// IsEndpointNotFound reports true. Answers from IAM never count.
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.jobMissing()
}

// IsEndpointNotFound reports whether err is an HTTP 404 to a ModelArts request that
// did not come from ModelArts (its body has no ModelArts.* error_code: a gateway's
// APIG.* code, an HTML page, an empty body): the endpoint's host or base path is
// probably wrong, and the answer says nothing about the job. It and IsNotFound are
// never both true.
func IsEndpointNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.endpointNotFound()
}

// IsAuthError reports whether err is an authentication or authorization failure:
// HTTP 401 or 403, the gateway's APIG.0301, or ModelArts.0201 to 0212, 0108, 0112.
func IsAuthError(err error) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	if e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden {
		return true
	}
	switch e.Code {
	case "APIG.0301", "ModelArts.0108", "ModelArts.0112":
		return true
	}
	if n, ok := strings.CutPrefix(e.Code, "ModelArts.0"); ok && len(n) == 3 {
		v, err := strconv.Atoi(n)
		return err == nil && v >= 201 && v <= 212
	}
	return false
}

// RetryError is returned when a request failed in a way worth retrying but the
// client stopped: the retry budget ran out, or the context ended (or would end
// before the next attempt). It wraps the last attempt's error (often an *APIError)
// and, when the context stopped it, the context error, so that both errors.As and
// errors.Is(err, context.DeadlineExceeded) work.
type RetryError struct {
	// Method and Path name the request (path without query).
	Method string
	Path   string
	// Attempts is how many attempts were made.
	Attempts int
	// Last is the error of the last attempt.
	Last error
	// Cause is nil when the retry budget was exhausted, else the context error
	// (context.DeadlineExceeded also when the next wait would pass the deadline).
	Cause error

	wait time.Duration // the wait that would have passed the deadline, if that was the reason
}

// Error describes the request, the attempts made and the last failure.
func (e *RetryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	switch {
	case e.Cause == nil:
		fmt.Fprintf(&b, "giving up after %d %s", e.Attempts, plural(e.Attempts, "attempt", "attempts"))
	case e.wait > 0:
		fmt.Fprintf(&b, "giving up after %d %s: the next retry in %s would pass the context deadline (%v)",
			e.Attempts, plural(e.Attempts, "attempt", "attempts"), e.wait.Round(time.Millisecond), e.Cause)
	default:
		fmt.Fprintf(&b, "stopped after %d %s: %v", e.Attempts, plural(e.Attempts, "attempt", "attempts"), e.Cause)
	}
	if e.Last != nil {
		b.WriteString("; last error: ")
		b.WriteString(e.Last.Error())
	}
	return b.String()
}

// Unwrap returns the last attempt's error and the context error, whichever are set.
func (e *RetryError) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Last != nil {
		errs = append(errs, e.Last)
	}
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	return errs
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// errorBody is every shape of error body seen from ModelArts, the API gateway and IAM.
type errorBody struct {
	ErrorCode    optString `json:"error_code"`
	ErrorMessage optString `json:"error_message"`
	ErrorMsg     optString `json:"error_msg"`
	RequestID    optString `json:"request_id"`
	// IAM (Keystone style): {"error": {"code": 401, "message": "...", "title": "Unauthorized"}}
	Error *struct {
		Code    optString `json:"code"`
		Message optString `json:"message"`
		Title   optString `json:"title"`
	} `json:"error"`
}

// newAPIError builds the error for a non-2xx response, reading at most maxErrorBody
// bytes of its body. The caller closes the body.
func newAPIError(resp *http.Response, method, path string) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, Method: method, Path: path, RequestID: requestIDFrom(resp.Header)}
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody+1))
	truncated := len(data) > maxErrorBody
	if truncated {
		data = data[:maxErrorBody]
	}
	trimmed := bytes.TrimSpace(data)
	var body errorBody
	switch {
	case len(trimmed) == 0:
		e.Message = http.StatusText(resp.StatusCode)
		if readErr != nil {
			e.Message = "reading the error body failed: " + readErr.Error()
		}
	case !truncated && trimmed[0] == '{' && json.Unmarshal(trimmed, &body) == nil:
		if err := checkKeys(trimmed, ""); err != nil {
			// Which of two error codes would be the answer? Neither: such a body
			// is not taken as ModelArts' word (for instance that a job is gone).
			e.Message = "the error body is not usable JSON: " + err.Error()
			break
		}
		e.Code = body.ErrorCode.v
		e.Message = firstNonEmpty(body.ErrorMessage.v, body.ErrorMsg.v)
		if body.Error != nil {
			e.Code = firstNonEmpty(e.Code, body.Error.Code.v)
			e.Message = firstNonEmpty(e.Message, body.Error.Message.v, body.Error.Title.v)
		}
		if e.RequestID == "" {
			e.RequestID = sanitizeID(body.RequestID.v)
		}
		e.Code = sanitizeID(e.Code)
		e.Message = capMessage(sanitize(e.Message), maxMessageLen)
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	default:
		e.Message = notJSONMessage(resp.Header.Get("Content-Type"), trimmed, truncated)
	}
	return e
}

// notJSONMessage describes a body that is not JSON (typically an HTML page from a
// proxy or gateway) with a short, tag-free excerpt.
func notJSONMessage(contentType string, body []byte, truncated bool) string {
	var b strings.Builder
	b.WriteString("response body was not JSON")
	if ct := sanitize(contentType); ct != "" {
		b.WriteString(" (")
		b.WriteString(capMessage(ct, 64))
		b.WriteString(")")
	}
	if len(body) > 4*maxSnippetLen {
		body = body[:4*maxSnippetLen]
		truncated = true
	}
	if s := sanitize(htmlTagRE.ReplaceAllString(string(body), " ")); s != "" {
		b.WriteString(": ")
		if len(s) > maxSnippetLen || truncated {
			b.WriteString(capMessage(s, maxSnippetLen))
			if len(s) <= maxSnippetLen {
				b.WriteString(" …(truncated)")
			}
		} else {
			b.WriteString(s)
		}
	}
	return b.String()
}

var htmlTagRE = regexp.MustCompile(`<[^>]*>?`)

// sanitize makes server text safe for one log or diagnostic line: valid UTF-8, no
// control characters, runs of white space collapsed.
func sanitize(s string) string {
	if plainASCII(s) {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if unicode.Is(unicode.Cf, r) {
			// Format characters (right-to-left override, zero-width space) would
			// let a server reorder or hide text in a diagnostic.
			continue
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// capMessage cuts s to at most n bytes on a rune boundary and marks the cut.
func capMessage(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + " …(truncated)"
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func requestIDFrom(h http.Header) string {
	id := h.Get("X-Request-Id")
	if id == "" {
		id = h.Get("X-Openstack-Request-Id")
	}
	return sanitizeID(id)
}

// maxIDLen caps error codes and request IDs: real ones are short
// ("ModelArts.0015", a 32-character hex ID), and a misbehaving gateway must
// not put kilobytes of text into diagnostics and state.
const maxIDLen = 128

// sanitizeID is sanitize for error codes and request IDs, capped at maxIDLen.
func sanitizeID(s string) string {
	return capMessage(sanitize(s), maxIDLen)
}

// plainASCII reports whether s is printable ASCII without leading, trailing or
// doubled spaces, which sanitize would return unchanged.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			if i == 0 || i == len(s)-1 || s[i-1] == ' ' {
				return false
			}
			continue
		}
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}
