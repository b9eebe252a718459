package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestAPIError_Error(t *testing.T) {
	cases := []struct {
		err  *APIError
		want string
	}{
		{&APIError{StatusCode: 404, Code: "ModelArts.0015", Message: "job does not exist", RequestID: "abc"},
			"ModelArts API error: HTTP 404, code ModelArts.0015: job does not exist (request ID abc)"},
		{&APIError{StatusCode: 502, Message: "Bad Gateway"}, "ModelArts API error: HTTP 502: Bad Gateway"},
		{&APIError{StatusCode: 401, Message: "IAM rejected the user name, password or domain", service: serviceIAM},
			"IAM error: HTTP 401: IAM rejected the user name, password or domain"},
	}
	for _, tc := range cases {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
	long := &APIError{StatusCode: 400, Message: strings.Repeat("é", 1000)}
	got := long.Error()
	if len(got) > maxMessageLen+100 || !strings.HasSuffix(got, "…(truncated)") {
		t.Errorf("long message not capped and marked: %d bytes, ends %q", len(got), got[len(got)-20:])
	}
	if !strings.Contains(got, "éé") || strings.ContainsRune(got, '\uFFFD') {
		t.Error("cap cut a rune in half")
	}
}

func TestIsNotFound(t *testing.T) {
	cases := []struct {
		name           string
		err            error
		notFound, endp bool
	}{
		{"404 ModelArts.0015", &APIError{StatusCode: 404, Code: "ModelArts.0015", Message: "job does not exist"}, true, false},
		{"400 ModelArts.0015", &APIError{StatusCode: 400, Code: "ModelArts.0015", Message: "resource missing"}, true, false},
		{"200 is_success false ModelArts.0015", &APIError{StatusCode: 200, Code: "ModelArts.0015"}, true, false},
		{"400 ModelArts code, message says job does not exist", &APIError{StatusCode: 400, Code: "ModelArts.0104", Message: "The job does not exist."}, true, false},
		{"404 ModelArts code, job not found", &APIError{StatusCode: 404, Code: "ModelArts.0104", Message: "visualization job 12 not found"}, true, false},
		{"400 ModelArts code, job not exist", &APIError{StatusCode: 400, Code: "ModelArts.0107", Message: "Job not exist"}, true, false},
		{"404 gateway APIG.0101", &APIError{StatusCode: 404, Code: "APIG.0101", Message: "API does not exist"}, false, true},
		{"404 gateway code with job wording", &APIError{StatusCode: 404, Code: "APIG.0101", Message: "job does not exist"}, false, true},
		{"404 empty body", &APIError{StatusCode: 404, Message: "Not Found"}, false, true},
		{"404 HTML page", &APIError{StatusCode: 404, Message: "response body was not JSON (text/html): 404 Not Found nginx"}, false, true},
		{"404 JSON without a code", &APIError{StatusCode: 404, Message: "job does not exist"}, false, true},
		{"404 other ModelArts code", &APIError{StatusCode: 404, Code: "ModelArts.0104", Message: "bad request"}, false, false},
		{"400 without a code, job wording", &APIError{StatusCode: 400, Message: "visualization job 12 not found"}, false, false},
		{"400 other parameter error", &APIError{StatusCode: 400, Code: "ModelArts.0104", Message: "job_name is invalid"}, false, false},
		{"400 train_url missing", &APIError{StatusCode: 400, Code: "ModelArts.0107", Message: "train_url does not exist"}, false, false},
		{"500 with job wording", &APIError{StatusCode: 500, Code: "ModelArts.0010", Message: "job does not exist"}, false, false},
		{"401", &APIError{StatusCode: 401}, false, false},
		{"IAM 404", &APIError{StatusCode: 404, service: serviceIAM}, false, false},
		{"IAM 404 with ModelArts.0015", &APIError{StatusCode: 404, Code: "ModelArts.0015", service: serviceIAM}, false, false},
		{"wrapped ModelArts.0015", fmt.Errorf("reading: %w", &APIError{StatusCode: 404, Code: "ModelArts.0015"}), true, false},
		{"wrapped gateway 404", fmt.Errorf("reading: %w", &APIError{StatusCode: 404, Code: "APIG.0101"}), false, true},
		{"retry error with ModelArts.0015 inside", &RetryError{Last: &APIError{StatusCode: 404, Code: "ModelArts.0015"}}, true, false},
		{"retry error with a gateway 404 inside", &RetryError{Last: &APIError{StatusCode: 404}}, false, true},
		{"plain error", errors.New("job does not exist"), false, false},
		{"nil", nil, false, false},
	}
	for _, tc := range cases {
		if got := IsNotFound(tc.err); got != tc.notFound {
			t.Errorf("%s: IsNotFound = %v, want %v", tc.name, got, tc.notFound)
		}
		if got := IsEndpointNotFound(tc.err); got != tc.endp {
			t.Errorf("%s: IsEndpointNotFound = %v, want %v", tc.name, got, tc.endp)
		}
	}
}

// A 404 that ModelArts did not send names where it came from and what is probably
// wrong, and never the query or credentials.
func TestAPIError_endpointNotFoundMessage(t *testing.T) {
	e := &APIError{StatusCode: 404, Code: "APIG.0101", Message: "API does not exist", RequestID: "r1",
		Method: "GET", Path: "/v1/p/visualization-jobs/8992", Host: "modelarts.example.com"}
	want := "ModelArts API error: HTTP 404 from modelarts.example.com/v1/p/visualization-jobs/8992, code APIG.0101: " +
		"API does not exist (request ID r1); this answer did not come from ModelArts: the endpoint (host or base path) is probably wrong"
	if got := e.Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// ModelArts' own 404 keeps the short form.
	e = &APIError{StatusCode: 404, Code: "ModelArts.0015", Message: "job does not exist", Host: "h", Path: "/p"}
	if got := e.Error(); got != "ModelArts API error: HTTP 404, code ModelArts.0015: job does not exist" {
		t.Errorf("ModelArts 404: %s", got)
	}
}

// Over the wire: the answers a wrong endpoint gets, from a gateway, a proxy or an
// empty 404, against the answers ModelArts gives for a missing job.
func TestGetVisualizationJob_notFoundOnlyFromModelArts(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		ctype, body string
		notFound    bool
	}{
		{"ModelArts.0015 on 404", 404, "application/json", `{"error_code":"ModelArts.0015","error_msg":"job does not exist"}`, true},
		{"ModelArts.0015 on 400", 400, "application/json", `{"error_code":"ModelArts.0015","error_msg":"resource does not exist"}`, true},
		{"ModelArts.0015 on 200 is_success false", 200, "application/json", `{"is_success":false,"error_code":"ModelArts.0015","error_msg":"job does not exist"}`, true},
		{"gateway APIG.0101", 404, "application/json", `{"error_code":"APIG.0101","error_msg":"The API does not exist or has not been published in the environment","request_id":"gw-1"}`, false},
		{"nginx page", 404, "text/html", `<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>`, false},
		{"empty 404", 404, "", ``, false},
		{"JSON 404 without a code", 404, "application/json", `{"message":"job does not exist"}`, false},
		{"404 with duplicate error_code", 404, "application/json", `{"error_code":"APIG.0101","Error_Code":"ModelArts.0015"}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			c := newTestClient(t, srv, WithToken(testToken))
			_, err := c.GetVisualizationJob(context.Background(), "8992")
			if IsNotFound(err) != tc.notFound || IsEndpointNotFound(err) == tc.notFound {
				t.Fatalf("IsNotFound %v IsEndpointNotFound %v for %v", IsNotFound(err), IsEndpointNotFound(err), err)
			}
			if tc.notFound {
				return
			}
			host := strings.TrimPrefix(srv.URL, "http://")
			for _, want := range []string{"HTTP 404 from " + host + jobsPath + "/8992", "did not come from ModelArts", "endpoint (host or base path) is probably wrong"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q: %v", want, err)
				}
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "http://") {
				t.Errorf("error leaks the token or the scheme: %v", err)
			}
		})
	}
}

func TestIsAuthError(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{&APIError{StatusCode: 401}, true},
		{&APIError{StatusCode: 403, Code: "ModelArts.0206"}, true},
		{&APIError{StatusCode: 400, Code: "APIG.0301"}, true},
		{&APIError{StatusCode: 400, Code: "ModelArts.0204"}, true},
		{&APIError{StatusCode: 400, Code: "ModelArts.0210"}, true},
		{&APIError{StatusCode: 400, Code: "ModelArts.0212"}, true},
		{&APIError{StatusCode: 200, Code: "ModelArts.0108"}, true},
		{&APIError{StatusCode: 400, Code: "ModelArts.0112"}, true},
		{&APIError{StatusCode: 400, Code: "ModelArts.0213"}, false},
		{&APIError{StatusCode: 400, Code: "ModelArts.0200"}, false},
		{&APIError{StatusCode: 400, Code: "ModelArts.0104"}, false},
		{&APIError{StatusCode: 404}, false},
		{fmt.Errorf("x: %w", &RetryError{Last: &APIError{StatusCode: 401}}), true},
		{errors.New("401"), false},
	}
	for _, tc := range cases {
		if got := IsAuthError(tc.err); got != tc.want {
			t.Errorf("IsAuthError(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestRetryError_unwrapsBoth(t *testing.T) {
	last := &APIError{StatusCode: 503, Message: "busy"}
	err := fmt.Errorf("getting: %w", &RetryError{Method: "GET", Path: "/x", Attempts: 3, Last: last, Cause: context.DeadlineExceeded})
	var got *APIError
	if !errors.As(err, &got) || got != last {
		t.Error("errors.As does not find the last APIError")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("errors.Is does not find the context error")
	}
	if !strings.Contains(err.Error(), "3 attempts") || !strings.Contains(err.Error(), "busy") {
		t.Errorf("message does not say attempts and last error: %s", err)
	}
}

func TestAPIError_fromErrorBodies(t *testing.T) {
	cases := []struct {
		name             string
		status           int
		header           map[string]string
		body             string
		code, msg, reqID string
	}{
		{"error_message", 400, nil, `{"is_success":false,"error_code":"ModelArts.0105","error_message":"This job can't be stop. job status: 10"}`,
			"ModelArts.0105", "This job can't be stop. job status: 10", ""},
		{"gateway error_msg and request_id", 401, nil, `{"error_msg":"Incorrect IAM authentication information: verify aksk signature fail","error_code":"APIG.0301","request_id":"r-1"}`,
			"APIG.0301", "Incorrect IAM authentication information: verify aksk signature fail", "r-1"},
		{"header request ID wins", 500, map[string]string{"X-Request-Id": "hdr-1"}, `{"error_code":"ModelArts.0010","error_msg":"internal","request_id":"body-1"}`,
			"ModelArts.0010", "internal", "hdr-1"},
		{"control characters removed", 400, nil, "{\"error_msg\":\"line1\\nline2\\u0007\\t end\"}", "", "line1 line2 end", ""},
		{"empty body", 404, nil, ``, "", "Not Found", ""},
		{"JSON without message", 409, nil, `{"foo":1}`, "", "Conflict", ""},
		{"keystone style", 401, nil, `{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}`,
			"401", "The request you have made requires authentication.", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tc.status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(tc.body))}
			for k, v := range tc.header {
				resp.Header.Set(k, v)
			}
			e := newAPIError(resp, "GET", "/p")
			if e.Code != tc.code || e.Message != tc.msg || e.RequestID != tc.reqID || e.StatusCode != tc.status {
				t.Errorf("got code %q msg %q reqID %q status %d", e.Code, e.Message, e.RequestID, e.StatusCode)
			}
		})
	}
}

func TestAPIError_htmlErrorPage(t *testing.T) {
	page := `<!DOCTYPE html><html><head><title>403 Forbidden</title><style>body{}</style></head>
<body><h1>403 Forbidden</h1><hr><center>nginx</center>` + strings.Repeat("<p>padding</p>\n", 200) + `</body></html>`
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(403)
		_, _ = io.WriteString(w, page)
	})
	_, err := akClient(t, srv).GetVisualizationJob(context.Background(), "197")
	var e *APIError
	if !errors.As(err, &e) {
		t.Fatalf("want *APIError, got %v", err)
	}
	if e.StatusCode != 403 || !IsAuthError(err) {
		t.Errorf("status %d", e.StatusCode)
	}
	if !strings.Contains(e.Message, "not JSON") || !strings.Contains(e.Message, "text/html") || !strings.Contains(e.Message, "403 Forbidden") {
		t.Errorf("message does not describe the page: %q", e.Message)
	}
	if strings.ContainsAny(e.Message, "<>\n") || len(e.Message) > 320 {
		t.Errorf("message is not a short sanitized snippet (%d bytes): %q", len(e.Message), e.Message)
	}
	if srv.count() != 1 {
		t.Errorf("403 was sent %d times", srv.count())
	}
}

// countingBody is a 10 MiB body that counts what was read from it.
type countingBody struct {
	remaining int
	read      atomic.Int64
	closed    atomic.Bool
}

func (b *countingBody) Read(p []byte) (int, error) {
	if b.remaining == 0 {
		return 0, io.EOF
	}
	n := min(len(p), b.remaining)
	for i := range p[:n] {
		p[i] = 'x'
	}
	b.remaining -= n
	b.read.Add(int64(n))
	return n, nil
}

func (b *countingBody) Close() error { b.closed.Store(true); return nil }

type fixedTransport func(*http.Request) (*http.Response, error)

func (f fixedTransport) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestAPIError_hugeBodyIsNotReadWhole(t *testing.T) {
	const size = 10 << 20
	body := &countingBody{remaining: size}
	hc := &http.Client{Transport: fixedTransport(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 500, Header: http.Header{"Content-Type": {"application/json"}}, Body: body, Request: r}, nil
	})}
	c, err := New(WithBaseURL("https://modelarts.example"+basePath), WithProjectID(testProjectID), WithToken(testToken), WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetVisualizationJob(context.Background(), "1")
	var e *APIError
	if !errors.As(err, &e) || e.StatusCode != 500 {
		t.Fatalf("want a 500 APIError, got %v", err)
	}
	if n := body.read.Load(); n > maxErrorBody+32<<10 {
		t.Errorf("read %d bytes of a 10 MiB error body", n)
	}
	if !body.closed.Load() {
		t.Error("body not closed")
	}
	if len(err.Error()) > 1024 {
		t.Errorf("error echoes %d bytes", len(err.Error()))
	}
}

func TestAPIError_hugeBodyOverTheWire(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"error_code":"ModelArts.0104","error_msg":"`)
		chunk := strings.Repeat("A", 64<<10)
		for i := 0; i < 160; i++ { // 10 MiB
			if _, err := io.WriteString(w, chunk); err != nil {
				return // the client hung up, as it should
			}
		}
		_, _ = io.WriteString(w, `"}`)
	})
	_, err := akClient(t, srv).GetVisualizationJob(context.Background(), "1")
	var e *APIError
	if !errors.As(err, &e) || e.StatusCode != 400 {
		t.Fatalf("want a 400 APIError, got %v", err)
	}
	if len(e.Message) > maxSnippetLen+100 || len(err.Error()) > 1024 {
		t.Errorf("message %d bytes, error %d bytes", len(e.Message), len(err.Error()))
	}
	if !strings.Contains(e.Message, "not JSON") || !strings.Contains(e.Message, "truncated") {
		t.Errorf("a cut-off body should read as truncated non-JSON: %q", e.Message)
	}
}

// A gateway that sends kilobytes of error code or request ID, or format
// characters that reorder text, cannot push them into diagnostics and state.
func TestNewAPIError_capsCodeAndRequestID(t *testing.T) {
	long := strings.Repeat("X", 5000)
	body := `{"is_success": false, "error_code": "` + long + `", "request_id": "` + long +
		`", "error_msg": "job 1 \u202edoes not\u200b exist"}`
	resp := &http.Response{StatusCode: 400, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
	e := newAPIError(resp, "GET", "/v1/p/visualization-jobs/1")
	if len(e.Code) > maxIDLen+len(" …(truncated)") || len(e.RequestID) > maxIDLen+len(" …(truncated)") {
		t.Errorf("code of %d bytes, request ID of %d bytes: want at most %d", len(e.Code), len(e.RequestID), maxIDLen)
	}
	if e.Message != "job 1 does not exist" {
		t.Errorf("message %q: format characters must be dropped", e.Message)
	}
}
