package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAttemptTimeoutOptions_validate(t *testing.T) {
	for name, opt := range map[string]Option{
		"header zero":     WithResponseHeaderTimeout(0),
		"header negative": WithResponseHeaderTimeout(-time.Second),
		"body zero":       WithBodyTimeout(0),
		"body negative":   WithBodyTimeout(-1),
	} {
		_, err := New(WithBaseURL("https://modelarts.example"), WithProjectID(testProjectID), WithToken(testToken), opt)
		if err == nil || !strings.Contains(err.Error(), "must be positive") {
			t.Errorf("%s: %v", name, err)
		}
	}
	c, err := New(WithBaseURL("https://modelarts.example"), WithProjectID(testProjectID), WithToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	if c.headerTimeout() != DefaultResponseHeaderTimeout || c.bodyTimeout() != DefaultBodyTimeout || DefaultBodyTimeout != time.Minute {
		t.Errorf("defaults %s %s", c.headerTimeout(), c.bodyTimeout())
	}
}

// hang accepts the request and never answers (until the client gives up).
func hang(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
	<-r.Context().Done()
}

// drip sends the headers at once, then the body one byte every 50ms.
func drip(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	for _, c := range []byte(sampleJob) {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
		if _, err := w.Write([]byte{c}); err != nil || rc.Flush() != nil {
			return
		}
	}
}

// checkAnswerLost fails unless err is a lost answer and nothing else.
func checkAnswerLost(t *testing.T, err error, text string) {
	t.Helper()
	var apiErr *APIError
	switch {
	case err == nil:
		t.Fatal("no error")
	case !IsAnswerLost(err):
		t.Errorf("IsAnswerLost false: %v", err)
	case errors.As(err, &apiErr):
		t.Errorf("a lost answer reads as an APIError: %v", err)
	case errors.Is(err, ErrMalformedResponse):
		t.Errorf("a lost answer reads as a malformed one: %v", err)
	case IsNotFound(err) || IsEndpointNotFound(err):
		t.Errorf("a lost answer reads as not found: %v", err)
	}
	if !strings.Contains(err.Error(), text) {
		t.Errorf("error does not say %q: %v", text, err)
	}
}

// A server that never answers, or sends its body a byte at a time, costs each attempt
// its own limit: idempotent requests are retried under the budget, the others fail at
// once with a lost answer.
func TestAttemptTimeouts_hangingAndDrippingServers(t *testing.T) {
	const limit = 150 * time.Millisecond
	headerText := "no response headers within the per-attempt limit of 150ms"
	bodyText := "the response body did not arrive within the per-attempt limit of 150ms"
	cases := []struct {
		name     string
		handler  func(http.ResponseWriter, *http.Request, []byte, int)
		op       func(context.Context, *Client) error
		wantReqs int
		text     string
	}{
		{"get, hanging", hang, func(ctx context.Context, c *Client) error { _, err := c.GetVisualizationJob(ctx, "197"); return err }, 3, headerText},
		{"get, dripping", drip, func(ctx context.Context, c *Client) error { _, err := c.GetVisualizationJob(ctx, "197"); return err }, 3, bodyText},
		{"list, dripping", drip, func(ctx context.Context, c *Client) error {
			_, err := c.ListAllVisualizationJobs(ctx, ListOptions{})
			return err
		}, 3, bodyText},
		{"update, hanging", hang, func(ctx context.Context, c *Client) error {
			return c.UpdateVisualizationJobDescription(ctx, "197", "d")
		}, 3, headerText},
		{"delete, dripping", drip, func(ctx context.Context, c *Client) error { return c.DeleteVisualizationJob(ctx, "197") }, 3, bodyText},
		{"create, hanging", hang, func(ctx context.Context, c *Client) error {
			_, err := c.CreateVisualizationJob(ctx, CreateRequest{JobName: "j", TrainURL: "/b/"})
			return err
		}, 1, headerText},
		{"create, dripping", drip, func(ctx context.Context, c *Client) error {
			_, err := c.CreateVisualizationJob(ctx, CreateRequest{JobName: "j", TrainURL: "/b/"})
			return err
		}, 1, bodyText},
		{"stop, hanging", hang, func(ctx context.Context, c *Client) error { return c.StopVisualizationJob(ctx, "197") }, 1, headerText},
		{"restart, dripping", drip, func(ctx context.Context, c *Client) error { return c.RestartVisualizationJob(ctx, "197") }, 1, bodyText},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newAPIServer(t, tc.handler)
			c := akClient(t, srv, WithMaxRetries(2), WithResponseHeaderTimeout(limit), WithBodyTimeout(limit))
			start := time.Now()
			err := tc.op(ctxTimeout(t, 20*time.Second), c)
			elapsed := time.Since(start)
			checkAnswerLost(t, err, tc.text)
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("a per-attempt limit reads as the caller's deadline: %v", err)
			}
			if srv.count() != tc.wantReqs {
				t.Errorf("%d requests, want %d", srv.count(), tc.wantReqs)
			}
			if elapsed < time.Duration(tc.wantReqs)*limit || elapsed > 10*time.Second {
				t.Errorf("took %s for %d attempts of %s", elapsed, tc.wantReqs, limit)
			}
		})
	}
}

// The limits are per phase and per attempt: headers after 100ms and a body after
// another 100ms both fit limits of 150ms, though the attempt takes 200ms.
func TestAttemptTimeouts_slowButWithinEachLimit(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		time.Sleep(100 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_ = http.NewResponseController(w).Flush()
		time.Sleep(100 * time.Millisecond)
		_, _ = io.WriteString(w, sampleJob)
	})
	c := akClient(t, srv, WithResponseHeaderTimeout(150*time.Millisecond), WithBodyTimeout(150*time.Millisecond))
	if _, err := c.GetVisualizationJob(ctxTimeout(t, 10*time.Second), "197"); err != nil {
		t.Fatal(err)
	}
	if srv.count() != 1 {
		t.Errorf("%d requests", srv.count())
	}
}

// The caller's context still wins over the per-attempt limits, and a deadline that
// ends an attempt after sending is a lost answer.
func TestAttemptTimeouts_callerContextWins(t *testing.T) {
	srv := newAPIServer(t, hang)
	c := akClient(t, srv, WithResponseHeaderTimeout(time.Minute))
	start := time.Now()
	_, err := c.CreateVisualizationJob(ctxTimeout(t, 200*time.Millisecond), CreateRequest{JobName: "j", TrainURL: "/b/"})
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("returned after %s", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(err, context.DeadlineExceeded) false: %v", err)
	}
	checkAnswerLost(t, err, "deadline exceeded")

	// After a 503 that was retried, the attempt the deadline cut off is the one reported.
	srv = newAPIServer(t, func(w http.ResponseWriter, r *http.Request, b []byte, n int) {
		if n == 1 {
			writeJSON(w, 503, `{"error_code":"APIG.0503","error_msg":"busy"}`)
			return
		}
		hang(w, r, b, n)
	})
	_, err = akClient(t, srv).CreateVisualizationJob(ctxTimeout(t, 300*time.Millisecond), CreateRequest{JobName: "j", TrainURL: "/b/"})
	var re *RetryError
	if !errors.As(err, &re) || re.Attempts != 2 || !IsAnswerLost(err) {
		t.Errorf("want a lost answer after 2 attempts, got %v", err)
	}
}

func TestIsAnswerLost(t *testing.T) {
	create := func(c *Client) error {
		_, err := c.CreateVisualizationJob(ctxTimeout(t, 10*time.Second), CreateRequest{JobName: "j", TrainURL: "/b/"})
		return err
	}
	cases := []struct {
		name    string
		handler func(http.ResponseWriter, *http.Request, []byte, int)
		want    bool
	}{
		{"connection closed after the request was sent", func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) { hijackClose(w) }, true},
		{"truncated body", func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) { truncating(w) }, true},
		{"an answer from the server", func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
			writeJSON(w, 502, `{"error_code":"APIG.0502","error_msg":"bad gateway"}`)
		}, false},
		{"a malformed answer", func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) { writeJSON(w, 200, `{"job_id":0}`) }, false},
	}
	for _, tc := range cases {
		srv := newAPIServer(t, tc.handler)
		err := create(akClient(t, srv))
		if err == nil || IsAnswerLost(err) != tc.want {
			t.Errorf("%s: IsAnswerLost = %v, want %v: %v", tc.name, IsAnswerLost(err), tc.want, err)
		}
	}
	// Nothing was sent when the connection was refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := New(WithBaseURL("http://"+addr+basePath), WithProjectID(testProjectID), WithToken(testToken), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	if err := create(c); err == nil || IsAnswerLost(err) {
		t.Errorf("connection refused: IsAnswerLost %v: %v", IsAnswerLost(err), err)
	}
	for _, e := range []error{nil, errors.New("x"), &APIError{StatusCode: 500}, fmt.Errorf("w: %w", ErrMalformedResponse)} {
		if IsAnswerLost(e) {
			t.Errorf("IsAnswerLost(%v) true", e)
		}
	}
	if !IsAnswerLost(&RetryError{Last: &answerLostError{io.ErrUnexpectedEOF}}) {
		t.Error("a RetryError hides a lost answer")
	}
}

// Whatever the answer, one request never sends more than 10 attempts a second: a
// server that always answers 503 with "Retry-After: 0" gets at most one attempt per
// MinRetryWait, with the default backoff and with the smallest one allowed.
func TestRetry_floorBoundsTheRequestRate(t *testing.T) {
	iam := newIAMServer(t)
	password := []Option{WithIAMURL(iam.URL + "/v3"), WithPassword(testUser, testPassword, testDomain)}
	fast := WithRetryBackoff(time.Nanosecond, time.Nanosecond)
	for name, opts := range map[string][]Option{
		"default backoff":    {WithToken(testToken)},
		"nanosecond backoff": {WithToken(testToken), fast},
		"many retries":       {WithToken(testToken), fast, WithMaxRetries(maxMaxRetries)},
		// Each attempt is answered 401, renewed, then answered 503: two requests.
		"password, 401 then 503": append([]Option{fast, WithMaxRetries(maxMaxRetries)}, password...),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var at []time.Time
			srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, n int) {
				mu.Lock()
				at = append(at, time.Now())
				mu.Unlock()
				if n%2 == 1 && name == "password, 401 then 503" {
					writeJSON(w, 401, `{"error_code":"ModelArts.0202","error_msg":"token expired"}`)
					return
				}
				w.Header().Set("Retry-After", "0")
				writeJSON(w, 503, `{"error_code":"APIG.0503","error_msg":"busy"}`)
			})
			base := []Option{WithBaseURL(srv.URL + basePath), WithProjectID(testProjectID)}
			c, err := New(append(base, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			const window = 1500 * time.Millisecond
			_, err = c.GetVisualizationJob(ctxTimeout(t, window), "197")
			var e *APIError
			if !errors.As(err, &e) || e.StatusCode != 503 {
				t.Fatalf("got %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(at) < 2 {
				t.Fatalf("%d requests: the test proves nothing", len(at))
			}
			for i := 1; i < len(at) && c.iam == nil; i++ {
				if g := at[i].Sub(at[i-1]); g < MinRetryWait {
					t.Errorf("attempt %d came %s after the previous one, under %s", i+1, g, MinRetryWait)
				}
			}
			// Over any one second, at most 10 requests.
			for i := range at {
				n := 0
				for j := i; j < len(at) && at[j].Sub(at[i]) < time.Second; j++ {
					n++
				}
				if n > 10 {
					t.Errorf("%d requests within one second from request %d", n, i+1)
				}
			}
		})
	}
}
