package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Credentials are an AK/SK pair, temporary when SecurityToken is set, as the
// instance metadata service and IAM's assume_role hand them out.
type Credentials struct {
	AccessKey, SecretKey, SecurityToken string
	// ExpiresAt is when temporary credentials stop working; zero for
	// permanent keys.
	ExpiresAt time.Time
}

// credentialFetcher obtains fresh credentials (one request to the metadata
// service or to IAM).
type credentialFetcher func(ctx context.Context) (Credentials, error)

// keyState is one set of credentials with the signer built for it.
type keyState struct {
	creds Credentials
	st    *signingTransport
}

// renewingCredentials caches temporary credentials and fetches new ones
// renewBefore ahead of their expiry (never later than halfway through their
// life). Concurrent callers share one fetch, as they share the IAM token. A
// refusal by IAM (a 4xx answer) is remembered: later requests fail at once
// with that answer instead of asking again.
type renewingCredentials struct {
	fetch     credentialFetcher
	what      string // "reading credentials from the instance metadata service"
	base      http.RoundTripper
	projectID string

	renewBefore time.Duration
	now         func() time.Time

	mu       sync.Mutex
	cur      *keyState
	renewAt  time.Time
	refused  error
	inflight *keyFetch
}

type keyFetch struct {
	done chan struct{}
	ks   *keyState
	err  error
}

func (s *renewingCredentials) get(ctx context.Context) (*keyState, error) {
	s.mu.Lock()
	if s.refused != nil {
		err := s.refused
		s.mu.Unlock()
		return nil, err
	}
	now := s.now()
	if s.cur != nil && now.Before(s.renewAt) {
		ks := s.cur
		s.mu.Unlock()
		return ks, nil
	}
	f := s.inflight
	if f == nil {
		f = &keyFetch{done: make(chan struct{})}
		s.inflight = f
		// Detached from ctx, as iamTokenSource.token explains.
		go s.refresh(context.WithoutCancel(ctx), f)
	}
	// While a renewal runs, credentials that have not expired yet still sign.
	if s.cur != nil && now.Before(s.cur.creds.ExpiresAt) {
		ks := s.cur
		s.mu.Unlock()
		return ks, nil
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.ks, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *renewingCredentials) refresh(ctx context.Context, f *keyFetch) {
	ctx, cancel := context.WithTimeout(ctx, iamRequestTimeout)
	defer cancel()
	issued := s.now()
	creds, err := s.fetch(ctx)
	var ks *keyState
	s.mu.Lock()
	if err == nil {
		ks = &keyState{creds: creds, st: &signingTransport{
			base: s.base, signer: Signer{AccessKey: creds.AccessKey, SecretKey: creds.SecretKey},
			securityToken: creds.SecurityToken, projectID: s.projectID, now: time.Now,
		}}
		s.cur = ks
		lead := s.renewBefore
		if life := creds.ExpiresAt.Sub(issued); life/2 < lead {
			lead = life / 2
		}
		s.renewAt = creds.ExpiresAt.Add(-lead)
	} else {
		err = &notSentError{what: s.what, err: err}
		if permanentRefusal(err) {
			s.refused = err
		}
	}
	s.inflight = nil
	s.mu.Unlock()
	f.ks, f.err = ks, err
	close(f.done)
}

// invalidate drops ks if it is still the current set, so that the next
// request fetches new credentials.
func (s *renewingCredentials) invalidate(ks *keyState) {
	s.mu.Lock()
	if s.cur == ks {
		s.cur = nil
	}
	s.mu.Unlock()
}

// permanentRefusal reports whether err is an answer that asking again will
// not change: IAM (or the metadata service) refused the request with a 4xx
// other than 408 and 429.
func permanentRefusal(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	s := apiErr.StatusCode
	return s >= 400 && s < 500 && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests
}

// keyTransport signs each request with the current temporary credentials.
// A 401 from ModelArts drops them and the request is sent once more with
// fresh ones: the platform may have replaced them early.
type keyTransport struct {
	source *renewingCredentials
}

// RoundTrip implements http.RoundTripper.
func (t *keyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, fmt.Errorf("reading request body to sign it: %w", err)
	}
	resp, ks, err := t.send(req, body)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
	t.source.invalidate(ks)
	resp, _, err = t.send(req, body)
	return resp, err
}

func (t *keyTransport) send(req *http.Request, body []byte) (*http.Response, *keyState, error) {
	ks, err := t.source.get(req.Context())
	if err != nil {
		return nil, nil, err
	}
	r := withHeaders(req, body, 4)
	ks.st.sign(r, body)
	resp, err := t.source.base.RoundTrip(r)
	return resp, ks, err
}
