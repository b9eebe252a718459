package client

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestNew_validation(t *testing.T) {
	base := []Option{WithBaseURL("https://modelarts.eu-de.otc.t-systems.com"), WithProjectID(testProjectID)}
	cases := []struct {
		name string
		opts []Option
		want string
	}{
		{"no base URL", []Option{WithProjectID(testProjectID), WithToken(testToken)}, "endpoint"},
		{"relative base URL", []Option{WithBaseURL("modelarts.example/v1"), WithProjectID("p"), WithToken("t")}, "absolute http or https"},
		{"ftp base URL", []Option{WithBaseURL("ftp://modelarts.example"), WithProjectID("p"), WithToken("t")}, "absolute http or https"},
		{"base URL without host", []Option{WithBaseURL("https://"), WithProjectID("p"), WithToken("t")}, "no host"},
		{"base URL with query", []Option{WithBaseURL("https://h/?x=1"), WithProjectID("p"), WithToken("t")}, "query"},
		{"unparsable base URL", []Option{WithBaseURL("https://h:port:x/"), WithProjectID("p"), WithToken("t")}, "not a valid URL"},
		{"empty project", []Option{WithBaseURL("https://h"), WithProjectID(" "), WithToken("t")}, "project ID is empty"},
		{"missing project", []Option{WithBaseURL("https://h"), WithToken("t")}, "project ID is required"},
		{"project with slash", []Option{WithBaseURL("https://h"), WithProjectID("a/b"), WithToken("t")}, "project ID contains"},
		{"no credentials", base, "no credentials"},
		{"two credentials", append(base[:2:2], WithToken(testToken), WithAccessKey(testAK, testSK, "")), "more than one kind of credentials"},
		{"three credentials", append(base[:2:2], WithToken(testToken), WithAccessKey(testAK, testSK, ""), WithPassword("u", "p", "d"), WithIAMURL("https://iam/v3")), "access key, password, token"},
		{"AK without SK", append(base[:2:2], WithAccessKey(testAK, "", "")), "secret key"},
		{"token with newline", append(base[:2:2], WithToken("a\nb")), "control characters"},
		{"password without domain", append(base[:2:2], WithPassword("u", "p", ""), WithIAMURL("https://iam/v3")), "domain"},
		{"password without IAM URL", append(base[:2:2], WithPassword("u", "p", "d")), "IAM endpoint"},
		{"bad IAM URL", append(base[:2:2], WithPassword("u", "p", "d"), WithIAMURL("iam.example")), "IAM endpoint"},
		{"max retries negative", append(base[:2:2], WithToken("t"), WithMaxRetries(-1)), "max retries -1"},
		{"max retries too high", append(base[:2:2], WithToken("t"), WithMaxRetries(51)), "max retries 51"},
		{"backoff zero", append(base[:2:2], WithToken("t"), WithRetryBackoff(0, time.Second)), "backoff"},
		{"backoff max below base", append(base[:2:2], WithToken("t"), WithRetryBackoff(time.Second, time.Millisecond)), "backoff"},
		{"nil HTTP client", append(base[:2:2], WithToken("t"), WithHTTPClient(nil)), "HTTP client is nil"},
		{"empty user agent", append(base[:2:2], WithToken("t"), WithUserAgent(" ")), "user agent"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.opts...)
			if err == nil {
				t.Fatalf("New succeeded: %+v", c)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	for _, n := range []int{0, 50} {
		if _, err := New(append(base[:2:2], WithToken("t"), WithMaxRetries(n))...); err != nil {
			t.Errorf("max retries %d refused: %v", n, err)
		}
	}
}

type countingTransport struct {
	n    atomic.Int32
	base http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

func TestNew_wrapsButNeverMutatesTheHTTPClient(t *testing.T) {
	srv := newAPIServer(t, jobHandler)
	ct := &countingTransport{base: http.DefaultTransport}
	hc := &http.Client{Transport: ct, Timeout: 7 * time.Second}
	c := newTestClient(t, srv, WithToken(testToken), WithHTTPClient(hc))
	if _, err := c.GetVisualizationJob(context.Background(), "197"); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != ct || hc.CheckRedirect != nil || hc.Timeout != 7*time.Second {
		t.Error("the caller's http.Client was modified")
	}
	if ct.n.Load() != 1 {
		t.Errorf("the caller's transport carried %d requests, want 1", ct.n.Load())
	}
	if c.hc.Timeout != 7*time.Second {
		t.Error("the caller's timeout was not kept")
	}
}

func TestNew_keepsBasePath(t *testing.T) {
	srv := newAPIServer(t, jobHandler)
	for _, base := range []string{srv.URL + "/modelarts", srv.URL + "/modelarts/"} {
		c, err := New(WithBaseURL(base), WithProjectID(testProjectID), WithToken(testToken))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetVisualizationJob(context.Background(), "197"); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range srv.requests() {
		if r.Path != jobsPath+"/197" {
			t.Errorf("path %q", r.Path)
		}
	}
}

func TestClient_doesNotFollowRedirects(t *testing.T) {
	elsewhere := newAPIServer(t, jobHandler)
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
		http.Redirect(w, r, elsewhere.URL+"/steal", http.StatusTemporaryRedirect)
	})
	_, err := newTestClient(t, srv, WithToken(testToken)).GetVisualizationJob(context.Background(), "197")
	if err == nil || !strings.Contains(err.Error(), "HTTP 307") {
		t.Fatalf("want an HTTP 307 error, got %v", err)
	}
	if elsewhere.count() != 0 {
		t.Fatal("the redirect was followed, carrying the token to another host")
	}
}

// TestLogging_neverLeaksSecrets runs every kind of request, including retries and
// failures, under each auth method and checks every logged field.
func TestLogging_neverLeaksSecrets(t *testing.T) {
	type method struct {
		name     string
		opts     func(iam *iamServer) []Option
		authDesc *regexp.Regexp
		secrets  []string
	}
	methods := []method{
		{"permanent AK/SK", func(*iamServer) []Option { return []Option{WithAccessKey(testAK, testSK, "")} },
			regexp.MustCompile(`^SDK-HMAC-SHA256 Access=EMULATORACCESSKEY$`), []string{testSK}},
		{"temporary AK/SK", func(*iamServer) []Option { return []Option{WithAccessKey(testTempAK, testTempSK, testSecToken)} },
			regexp.MustCompile(`^SDK-HMAC-SHA256 Access=EMULATORTEMPKEY$`), []string{testTempSK, testSecToken}},
		{"password", func(iam *iamServer) []Option {
			return []Option{WithIAMURL(iam.URL + "/v3"), WithPassword(testUser, testPassword, testDomain)}
		}, regexp.MustCompile(`^(X-Auth-Token \(redacted.*\)|none \(IAM password in the body, redacted\))$`), []string{testPassword, "iam-token-"}},
		{"token", func(*iamServer) []Option { return []Option{WithToken(testToken)} },
			regexp.MustCompile(`^X-Auth-Token \(redacted\)$`), []string{testToken}},
	}
	for _, m := range methods {
		t.Run(m.name, func(t *testing.T) {
			var mu sync.Mutex
			var lines []map[string]any
			var msgs []string
			var text strings.Builder
			logger := func(_ context.Context, msg string, fields map[string]any) {
				mu.Lock()
				defer mu.Unlock()
				lines = append(lines, fields)
				msgs = append(msgs, msg)
				fmt.Fprintf(&text, "%s %v\n", msg, fields)
			}
			iam := newIAMServer(t)
			iam.fail = func(n int) (int, string) {
				if n == 1 {
					return 503, `{"error":{"message":"busy"}}`
				}
				return 0, ""
			}
			srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, b []byte, n int) {
				switch {
				case n == 1:
					w.Header().Set("X-Request-Id", "rid-1")
					writeJSON(w, 503, `{"error_msg":"busy"}`)
				case n == 3 && m.name == "password":
					writeJSON(w, 401, `{"error_code":"ModelArts.0202","error_msg":"expired"}`)
				case strings.HasSuffix(r.URL.Path, "/404"):
					writeJSON(w, 404, `{"error_code":"ModelArts.0015","error_msg":"job does not exist"}`)
				default:
					anyJobHandler(w, r, b, n)
				}
			})
			c := newTestClient(t, srv, append(m.opts(iam), WithLogger(logger))...)
			exerciseAll(t, c)
			if _, err := c.GetVisualizationJob(context.Background(), "404"); !IsNotFound(err) {
				t.Fatalf("404: %v", err)
			}

			if testing.Verbose() {
				t.Log("\n" + text.String())
			}
			// The signatures that went over the wire must not be in the logs either.
			secrets := append([]string(nil), m.secrets...)
			for _, r := range srv.requests() {
				if _, sig, ok := strings.Cut(r.Header.Get("Authorization"), "Signature="); ok {
					secrets = append(secrets, sig)
				}
			}
			for _, s := range secrets {
				if strings.Contains(text.String(), s) {
					t.Errorf("log contains secret %q:\n%s", s, text.String())
				}
			}
			apiLines := 0
			for i, f := range lines {
				for _, k := range []string{"method", "path", "attempt", "duration_ms", "authorization"} {
					if _, ok := f[k]; !ok {
						t.Errorf("line without %s: %v", k, f)
					}
				}
				if a, _ := f["authorization"].(string); !m.authDesc.MatchString(a) {
					t.Errorf("authorization field %q", a)
				}
				if p, _ := f["path"].(string); strings.Contains(p, "?") {
					t.Errorf("path with query logged: %q", p)
				}
				if strings.HasPrefix(msgs[i], "ModelArts API request") {
					apiLines++
				}
			}
			// One line per attempt: 4 calls, 1 retry after the 503, the 404; with a
			// password also the attempt that failed for IAM's 503 (the 401 renewal is
			// inside one attempt).
			want := 6
			if m.name == "password" {
				want = 7
				if !strings.Contains(text.String(), "IAM token request") || !strings.Contains(text.String(), "retrying once with a new token") {
					t.Errorf("IAM and renewal lines missing:\n%s", text.String())
				}
			}
			if apiLines != want {
				t.Errorf("%d ModelArts attempt lines, want %d:\n%s", apiLines, want, text.String())
			}
			if !strings.Contains(text.String(), "rid-1") || !strings.Contains(text.String(), "status:503") {
				t.Errorf("request ID or status missing:\n%s", text.String())
			}
		})
	}
}
