package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Authentication is a layer of http.RoundTrippers around the base transport, so that
// every attempt of the retry loop is signed afresh (new X-Sdk-Date) or carries the
// current token, without any per-operation code.

// notSentError marks a failure that happened before the request reached ModelArts
// (obtaining the IAM token or temporary keys), which makes retrying safe even for a
// create. what says which step failed; "" means obtaining an IAM token.
type notSentError struct {
	what string
	err  error
}

func (e *notSentError) Error() string {
	what := e.what
	if what == "" {
		what = "obtaining an IAM token"
	}
	return what + ": " + e.err.Error()
}
func (e *notSentError) Unwrap() error { return e.err }

// authTransport wraps base with the authentication the options chose, and
// describes it (redacted) for logs. hc carries the timeouts for IAM requests.
// With no project ID (FindProject), password authentication logs in to the
// domain and signed requests carry no X-Project-Id.
func (c *Client) authTransport(base http.RoundTripper, hc http.Client) (http.RoundTripper, string, error) {
	var rt http.RoundTripper
	var desc string
	switch c.creds.kinds {
	case credAccessKey:
		rt = &signingTransport{
			base:          base,
			signer:        Signer{AccessKey: c.creds.ak, SecretKey: c.creds.sk},
			securityToken: c.creds.secToken,
			projectID:     c.projectID,
			now:           time.Now,
		}
		desc = signAlgorithm + " Access=" + c.creds.ak
	case credToken:
		rt = &tokenTransport{base: base, source: staticToken(c.creds.token)}
		desc = "X-Auth-Token (redacted)"
	case credPassword:
		if c.iamURL == nil {
			return nil, "", errors.New("password authentication needs the IAM endpoint (WithIAMURL)")
		}
		iamHC := hc
		iamHC.Transport = base
		c.iam = newIAMTokenSource(&iamHC, c.iamURL, c.creds.user, c.creds.pass, c.creds.domain, c.projectID, c.userAgent, c.log)
		rt = &tokenTransport{base: base, source: c.iam, renewOn401: true, log: c.log}
		desc = "X-Auth-Token (redacted, from IAM password authentication)"
	case credMetadata:
		m, err := newMetadataClient(c.metadataURL, c.userAgent, c.log)
		if err != nil {
			return nil, "", err
		}
		c.keys = &renewingCredentials{fetch: m.credentials, what: "reading temporary keys from the instance metadata service",
			base: base, projectID: c.projectID, renewBefore: defaultRenewBefore, now: time.Now}
		rt = &keyTransport{source: c.keys}
		desc = signAlgorithm + " (temporary keys of the instance metadata service)"
	case 0:
		return nil, "", errors.New("no credentials: set an access key and secret key, an IAM user name and password, a token or the instance metadata")
	default:
		return nil, "", fmt.Errorf("more than one kind of credentials set (%s): set exactly one", c.creds.kinds)
	}
	if c.assumeRole != nil {
		if c.iamURL == nil {
			return nil, "", errors.New("assume role needs the IAM endpoint (WithIAMURL)")
		}
		c.keys = &renewingCredentials{fetch: c.agencyFetcher(rt), what: "obtaining the agency's temporary keys from IAM",
			base: base, projectID: c.projectID, renewBefore: defaultRenewBefore, now: time.Now}
		rt = &keyTransport{source: c.keys}
		desc = signAlgorithm + " (temporary keys of agency " + c.assumeRole.agency + ", obtained with " + desc + ")"
	}
	return rt, desc, nil
}

// readBody reads and closes req.Body so that it can be signed and replayed.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	return io.ReadAll(req.Body)
}

// withHeaders returns a shallow copy of req with its own header map and, when body
// is non-nil, a fresh body; the RoundTripper contract forbids changing req itself.
func withHeaders(req *http.Request, body []byte, extra int) *http.Request {
	r := new(http.Request)
	*r = *req
	h := make(http.Header, len(req.Header)+extra)
	for k, v := range req.Header {
		h[k] = v
	}
	r.Header = h
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return r
}

// signingTransport signs each request with AK/SK.
type signingTransport struct {
	base          http.RoundTripper
	signer        Signer
	securityToken string
	projectID     string
	now           func() time.Time
	bufs          sync.Pool // of *signBuf
	date          atomic.Pointer[cachedDate]
}

// cachedDate is a formatted X-Sdk-Date, which changes only once a second.
type cachedDate struct {
	unix int64
	s    string
}

func (t *signingTransport) sdkDate(now time.Time) string {
	sec := now.Unix()
	if d := t.date.Load(); d != nil && d.unix == sec {
		return d.s
	}
	d := &cachedDate{unix: sec, s: now.UTC().Format(sdkDateLayout)}
	t.date.Store(d)
	return d.s
}

// RoundTrip implements http.RoundTripper.
func (t *signingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, fmt.Errorf("reading request body to sign it: %w", err)
	}
	r := withHeaders(req, body, 4)
	t.sign(r, body)
	return t.base.RoundTrip(r)
}

// sign adds X-Sdk-Date, X-Project-Id, X-Security-Token and Authorization to r,
// changing r itself. RoundTrip calls it on a copy; the client's retry loop,
// which builds a new request for every attempt, calls it directly and saves
// the copy (see Client.attempt).
func (t *signingTransport) sign(r *http.Request, body []byte) {
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	date := t.sdkDate(t.now())
	// Sorted by name, as signing needs them. IAM calls (no project yet) carry no X-Project-Id.
	var buf [4]header
	hs := append(buf[:0], header{"host", host})
	if t.projectID != "" {
		hs = append(hs, header{"x-project-id", t.projectID})
	}
	hs = append(hs, header{"x-sdk-date", date})
	if t.securityToken != "" {
		hs = append(hs, header{"x-security-token", t.securityToken})
	}
	sb, _ := t.bufs.Get().(*signBuf)
	if sb == nil {
		sb = t.signer.newSignBuf()
	}
	auth := t.signer.authorizationWith(sb, r.Method, r.URL, hs, body, date)
	t.bufs.Put(sb)

	// One backing array for the four header values.
	vals := []string{t.projectID, date, auth, t.securityToken}
	if t.projectID != "" {
		r.Header[headerProjectID] = vals[0:1:1]
	}
	r.Header[headerSdkDate] = vals[1:2:2]
	r.Header[headerAuthorization] = vals[2:3:3]
	if t.securityToken != "" {
		r.Header[headerSecurityToken] = vals[3:4:4]
	}
}

// attemptKey carries the retry loop's attempt number to the token transport's log line.
type attemptKey struct{}

// tokenSource hands out the X-Auth-Token to use.
type tokenSource interface {
	token(ctx context.Context) (string, error)
	// invalidate drops tok if it is still the cached token, after ModelArts
	// refused it with refusal. A token that was itself the renewal after such
	// a refusal is not renewed again: refusal is remembered and returned to
	// every later request.
	invalidate(tok string, refusal error)
}

type staticToken string

func (s staticToken) token(context.Context) (string, error) { return string(s), nil }
func (staticToken) invalidate(string, error)                {}

// tokenTransport adds X-Auth-Token. With renewOn401, a 401 from ModelArts drops the
// token and the request is sent once more with a fresh one: a token can be revoked
// or expire early, and IAM is the only judge of that.
type tokenTransport struct {
	base       http.RoundTripper
	source     tokenSource
	renewOn401 bool
	log        func(ctx context.Context, msg string, fields map[string]any)
}

// RoundTrip implements http.RoundTripper.
func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, fmt.Errorf("reading request body: %w", err)
	}
	start := time.Now()
	resp, tok, err := t.send(req, body)
	if err != nil || !t.renewOn401 || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	// Keep the refusal (to remember it if the new token is refused too) and try
	// once with a new token.
	t.source.invalidate(tok, refusalOf(resp, req))
	if t.log != nil {
		attempt, _ := req.Context().Value(attemptKey{}).(int)
		t.log(req.Context(), "ModelArts rejected the IAM token (HTTP 401); retrying once with a new token", map[string]any{
			"method": req.Method, "path": req.URL.EscapedPath(), "status": http.StatusUnauthorized, "attempt": attempt,
			"duration_ms": time.Since(start).Milliseconds(), "request_id": requestIDFrom(resp.Header),
			"authorization": "X-Auth-Token (redacted)",
		})
	}
	resp, tok, err = t.send(req, body)
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		// A token IAM had just issued was refused as well: later requests fail
		// at once with this answer instead of logging in again.
		t.source.invalidate(tok, refusalOf(resp, req))
	}
	return resp, err
}

// refusalOf reads a 401 answer into an *APIError and puts the body back for
// the caller.
func refusalOf(resp *http.Response, req *http.Request) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	peek := *resp
	peek.Body = io.NopCloser(bytes.NewReader(data))
	return newAPIError(&peek, req.Method, req.URL.EscapedPath())
}

func (t *tokenTransport) send(req *http.Request, body []byte) (*http.Response, string, error) {
	tok, err := t.source.token(req.Context())
	if err != nil {
		return nil, "", &notSentError{err: err}
	}
	r := withHeaders(req, body, 1)
	r.Header["X-Auth-Token"] = []string{tok}
	resp, err := t.base.RoundTrip(r)
	return resp, tok, err
}

// iamTokenSource obtains project-scoped tokens from IAM with a password, caches
// them, and renews them renewBefore ahead of expires_at. Concurrent callers share a
// single token request.
type iamTokenSource struct {
	hc        *http.Client
	url       string
	path      string
	reqBody   []byte // holds the password: never logged
	userAgent string
	log       func(ctx context.Context, msg string, fields map[string]any)

	// renewBefore and now are fields so that tests can move time.
	renewBefore time.Duration
	now         func() time.Time

	mu       sync.Mutex
	tok      string
	renewAt  time.Time
	inflight *tokenFetch
	// renewNext: the next token replaces one ModelArts refused; fromRenewal:
	// the current token is such a replacement. refused, once set, is the
	// answer to every later token request.
	renewNext, fromRenewal bool
	refused                error
}

type tokenFetch struct {
	done chan struct{}
	tok  string
	err  error
}

// newIAMTokenSource asks for tokens scoped to projectID, or to the domain
// when projectID is "" (for the project lookup).
func newIAMTokenSource(hc *http.Client, iam *url.URL, user, pass, domain, projectID, ua string,
	log func(context.Context, string, map[string]any)) *iamTokenSource {
	type name struct {
		Name string `json:"name"`
	}
	type scope struct {
		Project *struct {
			ID string `json:"id"`
		} `json:"project,omitempty"`
		Domain *name `json:"domain,omitempty"`
	}
	var body struct {
		Auth struct {
			Identity struct {
				Methods  []string `json:"methods"`
				Password struct {
					User struct {
						Name     string `json:"name"`
						Password string `json:"password"`
						Domain   name   `json:"domain"`
					} `json:"user"`
				} `json:"password"`
			} `json:"identity"`
			Scope scope `json:"scope"`
		} `json:"auth"`
	}
	body.Auth.Identity.Methods = []string{"password"}
	body.Auth.Identity.Password.User.Name = user
	body.Auth.Identity.Password.User.Password = pass
	body.Auth.Identity.Password.User.Domain.Name = domain
	if projectID != "" {
		body.Auth.Scope.Project = &struct {
			ID string `json:"id"`
		}{projectID}
	} else {
		body.Auth.Scope.Domain = &name{domain}
	}
	b, _ := json.Marshal(body) // cannot fail: only strings and slices of strings

	u := *iam
	u.Path = strings.TrimRight(u.Path, "/") + "/auth/tokens"
	u.RawPath = ""
	if iam.RawPath != "" {
		u.RawPath = strings.TrimRight(iam.RawPath, "/") + "/auth/tokens"
	}
	return &iamTokenSource{
		hc: hc, url: u.String(), path: u.EscapedPath(), reqBody: b, userAgent: ua, log: log,
		renewBefore: defaultRenewBefore, now: time.Now,
	}
}

func (s *iamTokenSource) token(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.refused != nil {
		err := s.refused
		s.mu.Unlock()
		return "", err
	}
	if s.tok != "" && s.now().Before(s.renewAt) {
		tok := s.tok
		s.mu.Unlock()
		return tok, nil
	}
	f := s.inflight
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		s.inflight = f
		// Detached from ctx: other callers wait on this fetch, and one caller's
		// cancellation must not fail theirs. Each caller still stops waiting on its own ctx.
		go s.fetch(context.WithoutCancel(ctx), f)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (s *iamTokenSource) invalidate(tok string, refusal error) {
	s.mu.Lock()
	switch {
	case s.tok != tok:
	case s.fromRenewal:
		s.refused = fmt.Errorf("ModelArts refused a token that IAM had just issued, so the provider stopped logging in "+
			"again (check that the user has ModelArts permissions in the project): %w", refusal)
		s.tok = ""
	default:
		s.tok = ""
		s.renewNext = true
	}
	s.mu.Unlock()
}

func (s *iamTokenSource) fetch(ctx context.Context, f *tokenFetch) {
	ctx, cancel := context.WithTimeout(ctx, iamRequestTimeout)
	defer cancel()
	issued := s.now()
	tok, exp, err := s.request(ctx)
	s.mu.Lock()
	if err == nil {
		s.tok = tok
		// Renew renewBefore ahead of expiry, but never later than halfway through a
		// short-lived token's life, so that such a token is not fetched per request
		// nor used after it expired.
		lead := s.renewBefore
		if life := exp.Sub(issued); life/2 < lead {
			lead = life / 2
		}
		s.renewAt = exp.Add(-lead)
		s.fromRenewal, s.renewNext = s.renewNext, false
	} else if permanentRefusal(err) {
		// IAM said no (wrong password, user locked, no access to the project):
		// asking again with the same password cannot change its answer.
		s.refused = err
	}
	s.inflight = nil
	s.mu.Unlock()
	f.tok, f.err = tok, err
	close(f.done)
}

func (s *iamTokenSource) request(ctx context.Context) (tok string, exp time.Time, err error) {
	start := time.Now()
	fields := map[string]any{"method": http.MethodPost, "path": s.path, "attempt": 1, "authorization": "none (IAM password in the body, redacted)"}
	defer func() {
		if s.log == nil {
			return
		}
		fields["duration_ms"] = time.Since(start).Milliseconds()
		if err != nil {
			fields["error"] = err.Error()
		}
		s.log(ctx, "IAM token request", fields)
	}()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(s.reqBody))
	if err != nil {
		return "", time.Time{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	resp, err := s.hc.Do(req)
	if err != nil {
		return "", time.Time{}, err
	}
	defer resp.Body.Close()
	fields["status"] = resp.StatusCode
	fields["request_id"] = requestIDFrom(resp.Header)

	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		e := newAPIError(resp, http.MethodPost, s.path)
		e.service = serviceIAM
		e.Message = iamFailureMessage(resp.StatusCode, e.Message)
		return "", time.Time{}, e
	}
	tok = resp.Header.Get("X-Subject-Token")
	if tok == "" {
		return "", time.Time{}, fmt.Errorf("IAM answered HTTP %d without an X-Subject-Token header: %w", resp.StatusCode, ErrMalformedResponse)
	}
	if !validHeaderValue(tok) {
		return "", time.Time{}, fmt.Errorf("IAM returned a token that cannot be sent as a header: %w", ErrMalformedResponse)
	}
	var body struct {
		Token struct {
			ExpiresAt string `json:"expires_at"`
		} `json:"token"`
	}
	// The token body lists the whole service catalog; only expires_at matters.
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
		return "", time.Time{}, fmt.Errorf("IAM token response: %w: %v", ErrMalformedResponse, err)
	}
	if body.Token.ExpiresAt == "" {
		// Without expires_at, assume a conservative life; a 401 still forces renewal.
		return tok, s.now().Add(defaultTokenRefresh), nil
	}
	exp, err = time.Parse(time.RFC3339Nano, body.Token.ExpiresAt)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("IAM token response: expires_at %q is not an RFC 3339 time: %w", capMessage(body.Token.ExpiresAt, 64), ErrMalformedResponse)
	}
	return tok, exp, nil
}

func iamFailureMessage(status int, server string) string {
	var m string
	switch status {
	case http.StatusUnauthorized:
		m = "IAM rejected the user name, password or domain"
	case http.StatusForbidden:
		m = "IAM refused to issue a token for the project (check the user's access to the project and the project ID)"
	case http.StatusBadRequest, http.StatusNotFound:
		m = "IAM rejected the token request (check the domain name, project ID and IAM endpoint)"
	default:
		m = "IAM token request failed"
	}
	if server != "" && server != http.StatusText(status) {
		m += ": " + server
	}
	return m
}

// CheckCredentials obtains temporary keys (instance metadata, WithAssumeRole)
// now, so that a refusal is reported before the first API call; they are then
// cached for it. For the other methods it returns nil without a request.
func (c *Client) CheckCredentials(ctx context.Context) error {
	if c.keys == nil {
		return nil
	}
	_, err := c.keys.get(ctx)
	return err
}
