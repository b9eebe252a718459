package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// checkCommonHeaders asserts the headers every request carries.
func checkCommonHeaders(t *testing.T, r recorded) {
	t.Helper()
	if got := r.Header.Get("User-Agent"); got != "client-test/1.0" {
		t.Errorf("%s %s: User-Agent %q", r.Method, r.Path, got)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("%s %s: Accept %q", r.Method, r.Path, got)
	}
	ct := r.Header.Get("Content-Type")
	if len(r.Body) > 0 && ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q with a body", r.Method, r.Path, ct)
	}
	if len(r.Body) == 0 && ct != "" {
		t.Errorf("%s %s: Content-Type %q without a body", r.Method, r.Path, ct)
	}
}

// exerciseAll runs one request of each kind that carries or lacks a body.
func exerciseAll(t *testing.T, c *Client) {
	t.Helper()
	ctx := ctxTimeout(t, 10*time.Second)
	if _, err := c.GetVisualizationJob(ctx, "197"); err != nil {
		t.Fatalf("get: %v", err)
	}
	if err := c.UpdateVisualizationJobDescription(ctx, "197", "new desc"); err != nil {
		t.Fatalf("update: %v", err)
	}
	if _, err := c.CreateVisualizationJob(ctx, CreateRequest{JobName: "vis-job-01", TrainURL: "/bucket/train/"}); err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := c.ListVisualizationJobs(ctx, ListOptions{SearchContent: "job a/b", PerPage: 10}); err != nil {
		t.Fatalf("list: %v", err)
	}
}

// anyJobHandler answers list, create and details requests with plausible bodies.
func anyJobHandler(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/visualization-jobs"):
		writeJSON(w, 200, `{"is_success":true,"job_total_count":1,"job_count_limit":9,"quotas":10,"jobs":[`+sampleJob+`]}`)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/visualization-jobs"):
		writeJSON(w, 200, `{"is_success":true,"job_id":10,"job_name":"vis-job-01","status":1,"create_time":1524189990635}`)
	default:
		writeJSON(w, 200, sampleJob)
	}
}

func TestAccessKeyAuth_signsEveryRequest(t *testing.T) {
	for _, tc := range []struct {
		name, ak, sk, secToken, signed string
	}{
		{"permanent", testAK, testSK, "", "host;x-project-id;x-sdk-date"},
		{"temporary", testTempAK, testTempSK, testSecToken, "host;x-project-id;x-sdk-date;x-security-token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newAPIServer(t, anyJobHandler)
			srv.ak, srv.sk = tc.ak, tc.sk
			c := newTestClient(t, srv, WithAccessKey(tc.ak, tc.sk, tc.secToken))
			exerciseAll(t, c)
			reqs := srv.requests()
			if len(reqs) != 4 {
				t.Fatalf("%d requests", len(reqs))
			}
			for _, r := range reqs {
				checkCommonHeaders(t, r)
				if r.SigErr != nil {
					t.Errorf("%s %s: signature rejected: %v", r.Method, r.Path, r.SigErr)
				}
				auth := r.Header.Get("Authorization")
				if !strings.HasPrefix(auth, "SDK-HMAC-SHA256 Access="+tc.ak+", SignedHeaders="+tc.signed+", Signature=") {
					t.Errorf("Authorization %q", auth)
				}
				if got := r.Header.Get("X-Project-Id"); got != testProjectID {
					t.Errorf("X-Project-Id %q", got)
				}
				if got := r.Header.Get("X-Security-Token"); got != tc.secToken {
					t.Errorf("X-Security-Token %q, want %q", got, tc.secToken)
				}
				if r.Header.Get("X-Auth-Token") != "" {
					t.Error("X-Auth-Token sent with AK/SK")
				}
				d, err := time.Parse(sdkDateLayout, r.Header.Get("X-Sdk-Date"))
				if err != nil || time.Since(d).Abs() > time.Minute {
					t.Errorf("X-Sdk-Date %q not the current UTC time", r.Header.Get("X-Sdk-Date"))
				}
				if !strings.HasPrefix(r.Path, jobsPath) {
					t.Errorf("path %q lost the base path", r.Path)
				}
			}
			if reqs[3].RawQuery != "per_page=10&search_content=job%20a%2Fb" {
				t.Errorf("list query %q", reqs[3].RawQuery)
			}
		})
	}
}

// The gateway would reject a request signed with another key: prove the verifier
// the server runs is not a rubber stamp.
func TestAccessKeyAuth_wrongSecretIsDetected(t *testing.T) {
	srv := newAPIServer(t, jobHandler)
	srv.ak, srv.sk = testAK, "another-secret"
	c := newTestClient(t, srv, WithAccessKey(testAK, testSK, ""))
	if _, err := c.GetVisualizationJob(context.Background(), "197"); err != nil {
		t.Fatal(err)
	}
	if srv.requests()[0].SigErr == nil {
		t.Fatal("signature made with the wrong secret verified")
	}
}

func TestAccessKeyAuth_resignsEachAttempt(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte, n int) {
		if n == 1 {
			writeJSON(w, 503, `{"error_code":"APIG.0201","error_msg":"busy"}`)
			return
		}
		jobHandler(w, r, nil, n)
	})
	c := akClient(t, srv)
	clock := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	st, ok := c.hc.Transport.(*signingTransport)
	if !ok {
		t.Fatalf("transport is %T, want *signingTransport", c.hc.Transport)
	}
	st.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	if _, err := c.GetVisualizationJob(context.Background(), "197"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if reqs[0].Header.Get("X-Sdk-Date") == reqs[1].Header.Get("X-Sdk-Date") {
		t.Error("the retry reused the first attempt's X-Sdk-Date")
	}
	if reqs[0].Header.Get("Authorization") == reqs[1].Header.Get("Authorization") {
		t.Error("the retry reused the first attempt's signature")
	}
	for _, r := range reqs {
		if r.SigErr != nil {
			t.Error(r.SigErr)
		}
	}
}

func TestTokenAuth_sendsToken(t *testing.T) {
	srv := newAPIServer(t, anyJobHandler)
	c := newTestClient(t, srv, WithToken(testToken))
	exerciseAll(t, c)
	for _, r := range srv.requests() {
		checkCommonHeaders(t, r)
		if got := r.Header.Get("X-Auth-Token"); got != testToken {
			t.Errorf("X-Auth-Token %q", got)
		}
		for _, h := range []string{"Authorization", "X-Sdk-Date", "X-Security-Token"} {
			if r.Header.Get(h) != "" {
				t.Errorf("%s sent with token auth", h)
			}
		}
	}
}

func TestTokenAuth_401IsNotRetried(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		writeJSON(w, 401, `{"error_code":"ModelArts.0202","error_msg":"token expired"}`)
	})
	_, err := newTestClient(t, srv, WithToken(testToken)).GetVisualizationJob(context.Background(), "1")
	if !IsAuthError(err) {
		t.Fatalf("want an auth error, got %v", err)
	}
	if srv.count() != 1 {
		t.Errorf("a ready token was retried: %d requests", srv.count())
	}
}

func TestPasswordAuth_tokenRequestAndHeader(t *testing.T) {
	iam := newIAMServer(t)
	srv := newAPIServer(t, anyJobHandler)
	c := passwordClient(t, srv, iam)
	exerciseAll(t, c)

	iamReqs := iam.requests()
	if len(iamReqs) != 1 {
		t.Fatalf("%d IAM requests for 4 calls", len(iamReqs))
	}
	r := iamReqs[0]
	if r.Method != http.MethodPost || r.Path != "/v3/auth/tokens" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("IAM request %s %s %q", r.Method, r.Path, r.Header.Get("Content-Type"))
	}
	var got, want any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatalf("IAM request body is not JSON: %v", err)
	}
	mustUnmarshal(t, []byte(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"emulator-user","password":"emulator-password","domain":{"name":"emulator-domain"}}}},"scope":{"project":{"id":"0123456789abcdef0123456789abcdef"}}}}`), &want)
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("IAM body\n got %s\nwant %s", gb, wb)
	}
	for _, r := range srv.requests() {
		checkCommonHeaders(t, r)
		if got := r.Header.Get("X-Auth-Token"); got != "iam-token-1" {
			t.Errorf("X-Auth-Token %q", got)
		}
		if r.Header.Get("Authorization") != "" {
			t.Error("Authorization sent with password auth")
		}
	}
}

func TestPasswordAuth_concurrentCallersShareOneTokenRequest(t *testing.T) {
	iam := newIAMServer(t)
	iam.delay = 100 * time.Millisecond
	srv := newAPIServer(t, jobHandler)
	c := passwordClient(t, srv, iam)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			_, err := c.GetVisualizationJob(ctxTimeout(t, 10*time.Second), "197")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := iam.count(); n != 1 {
		t.Fatalf("%d IAM token requests for 50 concurrent calls, want 1", n)
	}
	if srv.count() != 50 {
		t.Fatalf("%d ModelArts requests", srv.count())
	}
}

func TestPasswordAuth_renewsBeforeExpiry(t *testing.T) {
	now := time.Date(2024, 1, 2, 3, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	iam := newIAMServer(t)
	iam.expires = func() time.Time { return clock().Add(time.Hour) }
	srv := newAPIServer(t, jobHandler)
	c := passwordClient(t, srv, iam)
	c.iam.now = clock

	get := func() string {
		t.Helper()
		if _, err := c.GetVisualizationJob(context.Background(), "197"); err != nil {
			t.Fatal(err)
		}
		reqs := srv.requests()
		return reqs[len(reqs)-1].Header.Get("X-Auth-Token")
	}
	if tok := get(); tok != "iam-token-1" {
		t.Fatalf("first token %q", tok)
	}
	advance(54 * time.Minute) // 6 minutes left: keep it
	if tok := get(); tok != "iam-token-1" || iam.count() != 1 {
		t.Fatalf("renewed too early: %q after %d IAM requests", tok, iam.count())
	}
	advance(2 * time.Minute) // 4 minutes left: within the 5-minute window
	if tok := get(); tok != "iam-token-2" || iam.count() != 2 {
		t.Fatalf("not renewed near expiry: %q after %d IAM requests", tok, iam.count())
	}
	advance(2 * time.Hour) // long expired
	if tok := get(); tok != "iam-token-3" {
		t.Fatalf("expired token used: %q", tok)
	}
}

func TestPasswordAuth_renewsOnceAfter401(t *testing.T) {
	iam := newIAMServer(t)
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		if r.Header.Get("X-Auth-Token") == "iam-token-1" {
			writeJSON(w, 401, `{"error_code":"ModelArts.0202","error_msg":"token expired"}`)
			return
		}
		anyJobHandler(w, r, body, n)
	})
	c := passwordClient(t, srv, iam)
	// A create (non-idempotent POST) is safe to resend after a 401: nothing was done.
	res, err := c.CreateVisualizationJob(context.Background(), CreateRequest{JobName: "j", TrainURL: "/b/"})
	if err != nil {
		t.Fatal(err)
	}
	if res.JobID != 10 {
		t.Errorf("job ID %d", res.JobID)
	}
	reqs := srv.requests()
	if len(reqs) != 2 || iam.count() != 2 {
		t.Fatalf("%d ModelArts and %d IAM requests, want 2 and 2", len(reqs), iam.count())
	}
	if string(reqs[0].Body) != string(reqs[1].Body) || len(reqs[1].Body) == 0 {
		t.Errorf("the resent body differs: %q vs %q", reqs[0].Body, reqs[1].Body)
	}
	if reqs[1].Header.Get("X-Auth-Token") != "iam-token-2" {
		t.Errorf("second attempt used %q", reqs[1].Header.Get("X-Auth-Token"))
	}
	// The fresh token is cached for later calls.
	if _, err := c.GetVisualizationJob(context.Background(), "197"); err != nil || iam.count() != 2 {
		t.Fatalf("err %v, %d IAM requests", err, iam.count())
	}
}

func TestPasswordAuth_persistent401IsRetriedOnlyOnce(t *testing.T) {
	iam := newIAMServer(t)
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		writeJSON(w, 401, `{"error_code":"ModelArts.0203","error_msg":"token invalid"}`)
	})
	_, err := passwordClient(t, srv, iam).GetVisualizationJob(context.Background(), "197")
	if !IsAuthError(err) {
		t.Fatalf("want an auth error, got %v", err)
	}
	if srv.count() != 2 || iam.count() != 2 {
		t.Errorf("%d ModelArts and %d IAM requests, want 2 and 2", srv.count(), iam.count())
	}
}

func TestPasswordAuth_iamRejectsCredentials(t *testing.T) {
	iam := newIAMServer(t)
	iam.fail = func(int) (int, string) {
		return 401, `{"error":{"code":401,"message":"The username or password is wrong.","title":"Unauthorized"}}`
	}
	srv := newAPIServer(t, jobHandler)
	_, err := passwordClient(t, srv, iam).GetVisualizationJob(context.Background(), "197")
	var e *APIError
	if !errors.As(err, &e) || !IsAuthError(err) {
		t.Fatalf("want an auth APIError, got %v", err)
	}
	if !strings.Contains(err.Error(), "IAM rejected the user name, password or domain") || !strings.Contains(err.Error(), "The username or password is wrong.") {
		t.Errorf("unclear message: %s", err)
	}
	if e.Path != "/v3/auth/tokens" {
		t.Errorf("path %q", e.Path)
	}
	if IsNotFound(err) {
		t.Error("an IAM failure reads as not found")
	}
	if srv.count() != 0 || iam.count() != 1 {
		t.Errorf("%d ModelArts and %d IAM requests, want 0 and 1", srv.count(), iam.count())
	}
}

func TestPasswordAuth_iamUnavailableIsRetried(t *testing.T) {
	iam := newIAMServer(t)
	iam.fail = func(n int) (int, string) {
		if n == 1 {
			return 503, `{"error":{"code":503,"message":"busy"}}`
		}
		return 0, ""
	}
	srv := newAPIServer(t, anyJobHandler)
	// Even a create: the token request failed before ModelArts saw anything.
	if _, err := passwordClient(t, srv, iam).CreateVisualizationJob(context.Background(), CreateRequest{JobName: "j", TrainURL: "/b/"}); err != nil {
		t.Fatal(err)
	}
	if iam.count() != 2 || srv.count() != 1 {
		t.Errorf("%d IAM and %d ModelArts requests, want 2 and 1", iam.count(), srv.count())
	}
}

func TestPasswordAuth_iamAnswerWithoutToken(t *testing.T) {
	iam := newIAMServer(t)
	iam.fail = func(int) (int, string) { return 201, `{"token":{}}` }
	srv := newAPIServer(t, jobHandler)
	_, err := passwordClient(t, srv, iam).GetVisualizationJob(context.Background(), "197")
	if !errors.Is(err, ErrMalformedResponse) || !strings.Contains(err.Error(), "X-Subject-Token") {
		t.Fatalf("got %v", err)
	}
	if iam.count() != 1 {
		t.Errorf("malformed IAM answer retried: %d requests", iam.count())
	}
}

func TestPasswordAuth_callerCancelDoesNotFailOthers(t *testing.T) {
	iam := newIAMServer(t)
	iam.delay = 200 * time.Millisecond
	srv := newAPIServer(t, jobHandler)
	c := passwordClient(t, srv, iam)
	short, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.GetVisualizationJob(short, "1"); done <- err }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v", err)
	}
	if _, err := c.GetVisualizationJob(ctxTimeout(t, 5*time.Second), "1"); err != nil {
		t.Fatalf("second caller failed with the first one's cancellation: %v", err)
	}
	if iam.count() != 1 {
		t.Errorf("%d IAM requests, want the shared 1", iam.count())
	}
}
