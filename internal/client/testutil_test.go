package client

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Default emulator identity shared by the project's tests.
const (
	testProjectID = "0123456789abcdef0123456789abcdef"
	testAK        = "EMULATORACCESSKEY"
	testSK        = "emulator-secret-key"
	testTempAK    = "EMULATORTEMPKEY"
	testTempSK    = "emulator-temp-secret"
	testSecToken  = "emulator-security-token"
	testUser      = "emulator-user"
	testPassword  = "emulator-password"
	testDomain    = "emulator-domain"
	testToken     = "emulator-static-token"

	// basePath is a non-empty base path, so that a URL built without it fails loudly.
	basePath = "/modelarts"
	jobsPath = basePath + "/v1/" + testProjectID + "/visualization-jobs"
)

// verifySDKHMAC checks r's Authorization the way a server would, rebuilt from spec
// section 5 alone (it shares no code with signer.go, so it can catch its mistakes).
func verifySDKHMAC(r *http.Request, body []byte, ak, sk string) error {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "SDK-HMAC-SHA256 ")
	if !ok {
		return fmt.Errorf("authorization %q does not use SDK-HMAC-SHA256", auth)
	}
	parts := map[string]string{}
	for _, p := range strings.Split(rest, ", ") {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return fmt.Errorf("malformed authorization part %q", p)
		}
		parts[k] = v
	}
	if parts["Access"] != ak {
		return fmt.Errorf("access key %q, want %q", parts["Access"], ak)
	}
	signed := strings.Split(parts["SignedHeaders"], ";")
	if !sort.StringsAreSorted(signed) {
		return fmt.Errorf("signed headers %v are not sorted", signed)
	}
	hasDate := false
	for _, s := range signed {
		hasDate = hasDate || s == "x-sdk-date"
	}
	if !hasDate {
		return fmt.Errorf("x-sdk-date is not signed: %v", signed)
	}
	date := r.Header.Get("X-Sdk-Date")
	if _, err := time.Parse("20060102T150405Z", date); err != nil {
		return fmt.Errorf("bad X-Sdk-Date %q: %v", date, err)
	}

	var cr strings.Builder
	cr.WriteString(r.Method + "\n")
	segs := strings.Split(r.URL.EscapedPath(), "/")
	for i, s := range segs {
		d, err := url.PathUnescape(s)
		if err != nil {
			return err
		}
		segs[i] = specEncode(d)
	}
	uri := strings.Join(segs, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	cr.WriteString(uri + "\n")
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var qs []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			qs = append(qs, specEncode(k)+"="+specEncode(v))
		}
	}
	cr.WriteString(strings.Join(qs, "&") + "\n")
	for _, name := range signed {
		v := r.Header.Get(name)
		if name == "host" {
			v = r.Host
		}
		cr.WriteString(name + ":" + strings.TrimSpace(v) + "\n")
	}
	cr.WriteString("\n" + strings.Join(signed, ";") + "\n")
	bh := sha256.Sum256(body)
	cr.WriteString(hex.EncodeToString(bh[:]))

	crh := sha256.Sum256([]byte(cr.String()))
	sts := "SDK-HMAC-SHA256\n" + date + "\n" + hex.EncodeToString(crh[:])
	mac := hmac.New(sha256.New, []byte(sk))
	_, _ = io.WriteString(mac, sts)
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(parts["Signature"])) {
		return fmt.Errorf("signature mismatch; canonical request the server rebuilt:\n%s", cr.String())
	}
	return nil
}

func specEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// recorded is a request as the test server received it.
type recorded struct {
	Method   string
	Path     string // escaped
	RawQuery string
	Host     string
	Header   http.Header
	Body     []byte
	// SigErr is the AK/SK verification result when the server knows the keys.
	SigErr error
}

// apiServer is an httptest server that records every request and answers with a
// per-test handler (n counts requests from 1).
type apiServer struct {
	*httptest.Server
	t       *testing.T
	ak, sk  string
	handler func(w http.ResponseWriter, r *http.Request, body []byte, n int)

	mu   sync.Mutex
	reqs []recorded
}

func newAPIServer(t *testing.T, handler func(w http.ResponseWriter, r *http.Request, body []byte, n int)) *apiServer {
	t.Helper()
	s := &apiServer{t: t, handler: handler}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *apiServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := recorded{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Host: r.Host, Header: r.Header.Clone(), Body: body}
	if s.ak != "" {
		rec.SigErr = verifySDKHMAC(r, body, s.ak, s.sk)
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, rec)
	n := len(s.reqs)
	s.mu.Unlock()
	if s.handler == nil {
		writeJSON(w, 200, `{"is_success": true}`)
		return
	}
	s.handler(w, r, body, n)
}

func (s *apiServer) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

func (s *apiServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// newTestClient builds a client for srv's base path with fast retries; the options
// given are applied last. Without a credential option it uses the permanent AK/SK.
func newTestClient(t *testing.T, srv *apiServer, opts ...Option) *Client {
	t.Helper()
	base := []Option{
		WithBaseURL(srv.URL + basePath),
		WithProjectID(testProjectID),
		WithRetryBackoff(time.Millisecond, 5*time.Millisecond),
		WithUserAgent("client-test/1.0"),
	}
	c, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// Retries at the speed of WithRetryBackoff; TestRetry_floor checks MinRetryWait.
	c.noRetryFloor = true
	return c
}

// akClient is newTestClient with the permanent AK/SK, verified by srv.
func akClient(t *testing.T, srv *apiServer, opts ...Option) *Client {
	t.Helper()
	srv.ak, srv.sk = testAK, testSK
	return newTestClient(t, srv, append([]Option{WithAccessKey(testAK, testSK, "")}, opts...)...)
}

// iamServer is a fake IAM v3 token endpoint.
type iamServer struct {
	*apiServer
	mu      sync.Mutex
	issued  int
	expires func() time.Time
	delay   time.Duration
	fail    func(n int) (status int, body string) // non-nil status 0 means issue a token
}

func newIAMServer(t *testing.T) *iamServer {
	t.Helper()
	s := &iamServer{expires: func() time.Time { return time.Now().Add(24 * time.Hour) }}
	s.apiServer = newAPIServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		if s.delay > 0 {
			time.Sleep(s.delay)
		}
		if r.Method != http.MethodPost || r.URL.Path != "/v3/auth/tokens" {
			writeJSON(w, 404, `{"error":{"code":404,"message":"no such path","title":"Not Found"}}`)
			return
		}
		if s.fail != nil {
			if status, b := s.fail(n); status != 0 {
				writeJSON(w, status, b)
				return
			}
		}
		s.mu.Lock()
		s.issued++
		tok := fmt.Sprintf("iam-token-%d", s.issued)
		s.mu.Unlock()
		w.Header().Set("X-Subject-Token", tok)
		writeJSON(w, http.StatusCreated, fmt.Sprintf(`{"token":{"expires_at":%q,"methods":["password"]}}`,
			s.expires().UTC().Format("2006-01-02T15:04:05.000000Z")))
	})
	return s
}

// mustUnmarshal decodes JSON the test itself wrote.
func mustUnmarshal(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
}

// passwordClient is newTestClient with password authentication against iam.
func passwordClient(t *testing.T, srv *apiServer, iam *iamServer) *Client {
	t.Helper()
	return newTestClient(t, srv, WithIAMURL(iam.URL+"/v3"), WithPassword(testUser, testPassword, testDomain))
}

// jobHandler answers every request with the docs' sample job, whose job_id is the
// one the path names when that is a number (a client checks that the two agree).
func jobHandler(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
	id := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
		writeJSON(w, 200, strings.Replace(sampleJob, `"job_id": 197`, `"job_id": `+id, 1))
		return
	}
	writeJSON(w, 200, sampleJob)
}

const sampleJob = `{"is_success": true, "job_id": 197, "job_name": "apiTest-11", "job_desc": "ModelArts API Dialtest",
 "status": 7, "create_time": 1565149736000, "duration": 33000,
 "train_url": "/wph-test/zl-test/Flowers-Set/ApiTest/",
 "service_url": "https://console.example/modelarts2/tensorboard/04f679b17380d32a2f32c00335c4b5ba/197/",
 "resource_id": "e17dd874-b5e0-4e9b-aaf0-22b045ad8571"}`

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
