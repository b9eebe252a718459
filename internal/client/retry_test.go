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

// failThen answers the first n requests with status (and Retry-After when set),
// then with the sample job.
func failThen(n, status int, retryAfter func() string) func(http.ResponseWriter, *http.Request, []byte, int) {
	return func(w http.ResponseWriter, r *http.Request, body []byte, i int) {
		if i <= n {
			if retryAfter != nil {
				w.Header().Set("Retry-After", retryAfter())
			}
			writeJSON(w, status, fmt.Sprintf(`{"error_code":"APIG.%04d","error_msg":"try later"}`, status))
			return
		}
		anyJobHandler(w, r, body, i)
	}
}

func TestRetry_retryableStatuses(t *testing.T) {
	for _, status := range []int{429, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv := newAPIServer(t, failThen(2, status, nil))
			j, err := akClient(t, srv).GetVisualizationJob(ctxTimeout(t, 5*time.Second), "197")
			if err != nil {
				t.Fatal(err)
			}
			if *j.JobID != 197 || srv.count() != 3 {
				t.Errorf("job %d after %d requests, want 197 after 3", *j.JobID, srv.count())
			}
			for _, r := range srv.requests() {
				if r.SigErr != nil {
					t.Error(r.SigErr)
				}
			}
		})
	}
}

// gaps returns the time between consecutive requests seen by a handler.
type arrivals struct {
	mu sync.Mutex
	at []time.Time
}

func (a *arrivals) wrap(h func(http.ResponseWriter, *http.Request, []byte, int)) func(http.ResponseWriter, *http.Request, []byte, int) {
	return func(w http.ResponseWriter, r *http.Request, b []byte, n int) {
		a.mu.Lock()
		a.at = append(a.at, time.Now())
		a.mu.Unlock()
		h(w, r, b, n)
	}
}

func (a *arrivals) gap(i int) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.at[i].Sub(a.at[i-1])
}

func TestRetry_honoursRetryAfter(t *testing.T) {
	cases := map[string]func() string{
		"delta seconds": func() string { return "1" },
		// HTTP-date has one-second resolution: two seconds ahead waits at least one.
		"HTTP-date": func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) },
	}
	for name, ra := range cases {
		for _, status := range []int{429, 503} {
			t.Run(fmt.Sprintf("%s/%d", name, status), func(t *testing.T) {
				t.Parallel()
				var a arrivals
				srv := newAPIServer(t, a.wrap(failThen(1, status, ra)))
				// Retry-After is capped at 4×max backoff (4s here); jitter alone would be
				// random in [0, 1ms] for the first retry.
				c := akClient(t, srv, WithRetryBackoff(time.Microsecond, time.Second))
				if _, err := c.GetVisualizationJob(ctxTimeout(t, 10*time.Second), "197"); err != nil {
					t.Fatal(err)
				}
				if g := a.gap(1); g < 900*time.Millisecond || g > 4*time.Second {
					t.Errorf("retried after %s; Retry-After asked for about 1s", g)
				}
			})
		}
	}
}

func TestRetry_retryAfterInThePastRetriesAtOnce(t *testing.T) {
	var a arrivals
	srv := newAPIServer(t, a.wrap(failThen(1, 503, func() string { return "Mon, 02 Jan 2006 15:04:05 GMT" })))
	c := akClient(t, srv, WithRetryBackoff(10*time.Second, 20*time.Second))
	if _, err := c.GetVisualizationJob(ctxTimeout(t, 5*time.Second), "197"); err != nil {
		t.Fatal(err)
	}
	if g := a.gap(1); g > time.Second {
		t.Errorf("waited %s instead of the past Retry-After's zero", g)
	}
}

func TestRetry_exhaustedBudgetReportsAttempts(t *testing.T) {
	srv := newAPIServer(t, failThen(100, 503, nil))
	_, err := akClient(t, srv, WithMaxRetries(3)).GetVisualizationJob(ctxTimeout(t, 5*time.Second), "197")
	var re *RetryError
	if !errors.As(err, &re) || re.Attempts != 4 || re.Cause != nil {
		t.Fatalf("want a RetryError after 4 attempts, got %#v", err)
	}
	var e *APIError
	if !errors.As(err, &e) || e.StatusCode != 503 {
		t.Errorf("last APIError not reachable: %v", err)
	}
	if srv.count() != 4 || !strings.Contains(err.Error(), "4 attempts") {
		t.Errorf("%d requests; %s", srv.count(), err)
	}
}

func TestRetry_zeroRetries(t *testing.T) {
	srv := newAPIServer(t, failThen(100, 429, nil))
	_, err := akClient(t, srv, WithMaxRetries(0)).GetVisualizationJob(ctxTimeout(t, 5*time.Second), "197")
	var re *RetryError
	if !errors.As(err, &re) || re.Attempts != 1 || srv.count() != 1 {
		t.Fatalf("%d requests, %v", srv.count(), err)
	}
}

func TestRetry_contextCancelledDuringBackoffReturnsAtOnce(t *testing.T) {
	srv := newAPIServer(t, failThen(100, 503, nil))
	c := akClient(t, srv, WithRetryBackoff(20*time.Second, 20*time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Wait until the first attempt's answer is in, so that the client is backing off.
	go func() {
		for srv.count() == 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	_, err := c.GetVisualizationJob(ctx, "197")
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("returned %s after start", d)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(err, context.Canceled) false: %v", err)
	}
	var e *APIError
	if !errors.As(err, &e) || e.StatusCode != 503 {
		t.Errorf("last APIError not reachable: %v", err)
	}
	var re *RetryError
	if !errors.As(err, &re) || re.Attempts != 1 {
		t.Errorf("want RetryError with 1 attempt: %v", err)
	}
}

func TestRetry_deadlineShorterThanWaitGivesUpAtOnce(t *testing.T) {
	srv := newAPIServer(t, failThen(100, 429, func() string { return "30" }))
	c := akClient(t, srv, WithRetryBackoff(time.Millisecond, 10*time.Second))
	start := time.Now()
	_, err := c.GetVisualizationJob(ctxTimeout(t, 2*time.Second), "197")
	if d := time.Since(start); d > time.Second {
		t.Fatalf("slept into the deadline: returned after %s", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(err, context.DeadlineExceeded) false: %v", err)
	}
	var e *APIError
	if !errors.As(err, &e) || e.StatusCode != 429 {
		t.Errorf("last APIError not reachable: %v", err)
	}
	if !strings.Contains(err.Error(), "deadline") || !strings.Contains(err.Error(), "1 attempt") {
		t.Errorf("message: %s", err)
	}
	if srv.count() != 1 {
		t.Errorf("%d requests", srv.count())
	}
}

func TestRetry_nonRetryableStatusesAreReturned(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 500} {
		srv := newAPIServer(t, failThen(100, status, nil))
		_, err := akClient(t, srv).GetVisualizationJob(context.Background(), "197")
		var e *APIError
		var re *RetryError
		if !errors.As(err, &e) || e.StatusCode != status || errors.As(err, &re) {
			t.Errorf("%d: got %v", status, err)
		}
		if srv.count() != 1 {
			t.Errorf("%d was retried: %d requests", status, srv.count())
		}
	}
}

func TestCreate_notRetriedWhereTheServerMayHaveActed(t *testing.T) {
	for _, status := range []int{502, 504} {
		srv := newAPIServer(t, failThen(1, status, nil))
		_, err := akClient(t, srv).CreateVisualizationJob(context.Background(), CreateRequest{JobName: "j", TrainURL: "/b/"})
		var e *APIError
		if !errors.As(err, &e) || e.StatusCode != status {
			t.Errorf("%d: got %v", status, err)
		}
		if srv.count() != 1 {
			t.Errorf("create retried after %d: %d requests", status, srv.count())
		}
	}
}

func TestCreate_retriedAfter429And503(t *testing.T) {
	for _, status := range []int{429, 503} {
		srv := newAPIServer(t, failThen(1, status, nil))
		res, err := akClient(t, srv).CreateVisualizationJob(context.Background(), CreateRequest{JobName: "vis-job-01", TrainURL: "/b/"})
		if err != nil {
			t.Fatalf("%d: %v", status, err)
		}
		reqs := srv.requests()
		if len(reqs) != 2 || res.JobID != 10 {
			t.Fatalf("%d: %d requests, result %+v", status, len(reqs), res)
		}
		if string(reqs[0].Body) != string(reqs[1].Body) || reqs[1].SigErr != nil {
			t.Errorf("retry body %q vs %q, signature %v", reqs[0].Body, reqs[1].Body, reqs[1].SigErr)
		}
	}
}

func TestStopRestart_retriedOnlyWhereTheServerDidNotAct(t *testing.T) {
	ops := map[string]func(*Client) error{
		"stop":    func(c *Client) error { return c.StopVisualizationJob(context.Background(), "197") },
		"restart": func(c *Client) error { return c.RestartVisualizationJob(context.Background(), "197") },
	}
	for name, op := range ops {
		for status, wantReqs := range map[int]int{429: 2, 503: 2, 502: 1, 504: 1} {
			srv := newAPIServer(t, failThen(1, status, nil))
			err := op(akClient(t, srv))
			if (err == nil) != (wantReqs == 2) || srv.count() != wantReqs {
				t.Errorf("%s after %d: %d requests, err %v", name, status, srv.count(), err)
			}
		}
	}
}

// hijackClose drops the connection without answering, as a reset would.
func hijackClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestRetry_connectionDroppedIsRetriedForIdempotentOnly(t *testing.T) {
	drop := func(w http.ResponseWriter, r *http.Request, b []byte, n int) {
		if n == 1 {
			hijackClose(w)
			return
		}
		anyJobHandler(w, r, b, n)
	}
	srv := newAPIServer(t, drop)
	if _, err := akClient(t, srv).GetVisualizationJob(context.Background(), "197"); err != nil {
		t.Fatalf("get after a dropped connection: %v", err)
	}
	if srv.count() != 2 {
		t.Errorf("get: %d requests", srv.count())
	}
	if err := akClient(t, srv).DeleteVisualizationJob(context.Background(), "197"); err != nil {
		t.Fatalf("delete: %v", err)
	}

	srv = newAPIServer(t, drop)
	_, err := akClient(t, srv).CreateVisualizationJob(context.Background(), CreateRequest{JobName: "j", TrainURL: "/b/"})
	if err == nil || srv.count() != 1 {
		t.Errorf("create after the server dropped it: %d requests, err %v", srv.count(), err)
	}
}

// truncating answers 200 with a Content-Length the body never reaches.
func truncating(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprint(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"is_success\": true, \"job")
	buf.Flush()
}

func TestRetry_truncatedBodyIsRetriedForIdempotentOnly(t *testing.T) {
	h := func(w http.ResponseWriter, r *http.Request, b []byte, n int) {
		if n == 1 {
			truncating(w)
			return
		}
		anyJobHandler(w, r, b, n)
	}
	srv := newAPIServer(t, h)
	j, err := akClient(t, srv).GetVisualizationJob(context.Background(), "197")
	if err != nil || *j.JobID != 197 || srv.count() != 2 {
		t.Fatalf("get: %d requests, err %v", srv.count(), err)
	}
	srv = newAPIServer(t, h)
	_, err = akClient(t, srv).CreateVisualizationJob(context.Background(), CreateRequest{JobName: "j", TrainURL: "/b/"})
	if !errors.Is(err, io.ErrUnexpectedEOF) || srv.count() != 1 {
		t.Fatalf("create: %d requests, err %v", srv.count(), err)
	}
}

func TestRetry_connectionRefusedIsRetriedEvenForCreate(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := New(WithBaseURL("http://"+addr+basePath), WithProjectID(testProjectID), WithToken(testToken),
		WithRetryBackoff(time.Millisecond, time.Millisecond), WithMaxRetries(2))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateVisualizationJob(context.Background(), CreateRequest{JobName: "j", TrainURL: "/b/"})
	var re *RetryError
	if !errors.As(err, &re) || re.Attempts != 3 {
		t.Fatalf("want 3 attempts, got %v", err)
	}
}

func TestBackoffWait_fullJitterWithinBounds(t *testing.T) {
	c := &Client{}
	c.backoff.base, c.backoff.max = 100*time.Millisecond, time.Second
	for attempt, ceiling := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 60: time.Second} {
		var maxSeen time.Duration
		for range 2000 {
			w := c.backoffWait(attempt, 0, false)
			if w < MinRetryWait || w > ceiling {
				t.Fatalf("attempt %d: wait %s outside [%s, %s]", attempt, w, MinRetryWait, ceiling)
			}
			maxSeen = max(maxSeen, w)
		}
		if maxSeen < ceiling/2 {
			t.Errorf("attempt %d: waits never came near %s (max %s): not jittered over the full range", attempt, ceiling, maxSeen)
		}
	}
	if w := c.backoffWait(1, 2*time.Second, true); w != 2*time.Second {
		t.Errorf("Retry-After 2s gave %s", w)
	}
	if w := c.backoffWait(1, time.Hour, true); w != 4*time.Second {
		t.Errorf("Retry-After 1h gave %s, want the 4×max cap", w)
	}
	if w := c.backoffWait(3, 0, true); w != MinRetryWait {
		t.Errorf("Retry-After 0 gave %s, want the floor %s", w, MinRetryWait)
	}
	c.backoff.base = time.Nanosecond
	for range 1000 {
		if w := c.backoffWait(1, 0, false); w < MinRetryWait {
			t.Fatalf("jitter gave %s, under the floor %s", w, MinRetryWait)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"5", 5 * time.Second, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"Tuesday, 02-Jan-24 03:05:05 GMT", time.Minute, true}, // RFC 850
	}
	for _, tc := range cases {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q: %s %v, want %s %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
