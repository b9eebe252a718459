package emulator_test

// This file is the one place where the emulator meets the client: package
// emulator_test may import both to cross-check them, while the emulator itself
// shares no code with internal/client. Seeds: testdata/fuzz/<FuzzName>/.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

const (
	fuzzHost     = "modelarts.emulator.local:8443"
	fuzzJobsPath = "/v1/" + emulator.DefaultProjectID + "/visualization-jobs"
)

// fuzzNow is the emulator's frozen clock and the signing time of every request.
var fuzzNow = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// newFuzzEmulator returns an emulator with a frozen clock and three jobs: 1 RUNNING,
// 2 CANCELED (restartable) and 3 KILLING (refuses delete), so that every operation
// can reach its success and refusal paths.
func newFuzzEmulator(t *testing.T) *emulator.Emulator {
	e := emulator.New(emulator.Config{Now: func() time.Time { return fuzzNow }, MaxJobs: 50})
	err := e.Seed(
		emulator.Job{JobID: 1, JobName: "running", Status: emulator.StatusRunning, TrainURL: "/b/1/"},
		emulator.Job{JobID: 2, JobName: "canceled", Status: emulator.StatusCanceled, TrainURL: "/b/2/"},
		emulator.Job{JobID: 3, JobName: "killing", Status: emulator.StatusKilling, TrainURL: "/b/3/"},
	)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Authentication a FuzzEmulator_ServeHTTP request carries, chosen by its auth byte.
const (
	authNone = iota
	authToken
	authAKSK
	authTempAKSK
	authDateOnly // X-Sdk-Date only: the extra header may bring any Authorization
	authKinds
)

// Faults a FuzzEmulator_ServeHTTP request may meet, chosen by its fault byte.
var fuzzFaults = []*emulator.Fault{
	nil,
	{Kind: emulator.FaultStatus, Status: http.StatusInternalServerError},
	{Kind: emulator.FaultStatus, Status: http.StatusServiceUnavailable, RetryAfter: "1"},
	{Kind: emulator.FaultNotSuccess},
	{Kind: emulator.FaultNonJSON, Status: http.StatusBadGateway},
}

// FuzzEmulator_ServeHTTP sends arbitrary requests (method, path and query, one
// extra header, body, and optionally valid credentials so that the operations'
// own parsing is reached) to the handler. It must never panic and always answer
// JSON in the API's shape: is_success or error_code (IAM: a token or its
// Keystone error), is_success true exactly on a 2xx, a Content-Length that
// matches, and a 5xx only when a fault asked for one.
func FuzzEmulator_ServeHTTP(f *testing.F) {
	f.Fuzz(func(t *testing.T, method, target, hName, hValue string, auth, fault uint8, body []byte) {
		e := newFuzzEmulator(t)
		ft := fuzzFaults[int(fault)%len(fuzzFaults)]
		if ft != nil {
			e.AddFault(*ft)
		}
		u, err := url.ParseRequestURI(target)
		if err != nil {
			u = &url.URL{Path: target}
		}
		r := &http.Request{
			Method: method, URL: u, RequestURI: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Host: fuzzHost, RemoteAddr: "192.0.2.1:1234",
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		}
		if hName != "" {
			r.Header.Add(hName, hValue)
		}
		switch auth % authKinds {
		case authToken:
			r.Header.Set("X-Auth-Token", emulator.DefaultToken)
		case authAKSK:
			if err := (client.Signer{AccessKey: emulator.DefaultAccessKey, SecretKey: emulator.DefaultSecretKey}).Sign(r, body, fuzzNow); err != nil {
				t.Fatal(err)
			}
		case authDateOnly:
			r.Header.Set("X-Sdk-Date", fuzzNow.Format("20060102T150405Z"))
		case authTempAKSK:
			r.Header.Set("X-Security-Token", emulator.DefaultSecurityToken)
			if err := (client.Signer{AccessKey: emulator.DefaultTempAccessKey, SecretKey: emulator.DefaultTempSecretKey}).Sign(r, body, fuzzNow); err != nil {
				t.Fatal(err)
			}
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, r)

		res := rec.Result()
		got := rec.Body.Bytes()
		where := func() string {
			return method + " " + strconv.Quote(target) + " auth=" + strconv.Itoa(int(auth%authKinds)) + ": HTTP " +
				strconv.Itoa(res.StatusCode) + " " + strconv.Quote(string(got))
		}
		if res.StatusCode >= 500 && ft == nil {
			t.Fatalf("5xx without a fault: %s", where())
		}
		if n, err := strconv.Atoi(res.Header.Get("Content-Length")); err != nil || n != len(got) {
			t.Fatalf("Content-Length %q for %d bytes: %s", res.Header.Get("Content-Length"), len(got), where())
		}
		if res.Header.Get("X-Request-Id") == "" {
			t.Fatalf("no X-Request-Id: %s", where())
		}
		recs := e.Requests()
		if len(recs) != 1 || recs[0].Status != res.StatusCode {
			t.Fatalf("request records %+v do not show the answer: %s", recs, where())
		}
		if ft != nil && ft.Kind == emulator.FaultNonJSON {
			if res.StatusCode != ft.Status || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("non-JSON fault not applied: %s", where())
			}
			return
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q: %s", ct, where())
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(got, &obj); err != nil || obj == nil {
			t.Fatalf("answer is not a JSON object (%v): %s", err, where())
		}
		ok2xx := res.StatusCode >= 200 && res.StatusCode < 300
		if u.Path == "/v3/auth/tokens" && obj["is_success"] == nil && obj["error_code"] == nil {
			// IAM answers in its own (Keystone) shape.
			var iam struct {
				Token *json.RawMessage `json:"token"`
				Error *struct {
					Code int `json:"code"`
				} `json:"error"`
			}
			if json.Unmarshal(got, &iam) != nil || ok2xx != (iam.Token != nil) || !ok2xx && (iam.Error == nil || iam.Error.Code != res.StatusCode) {
				t.Fatalf("IAM answer in neither of its shapes: %s", where())
			}
			return
		}
		if obj["error_code"] == nil && obj["is_success"] == nil {
			t.Fatalf("answer has neither is_success nor error_code: %s", where())
		}
		var success *bool
		if raw, ok := obj["is_success"]; ok {
			var b bool
			if err := json.Unmarshal(raw, &b); err != nil {
				t.Fatalf("is_success is not a boolean: %s", where())
			}
			success = &b
		}
		switch {
		case ft != nil && ft.Kind == emulator.FaultStatus && res.StatusCode != ft.Status:
			t.Fatalf("status fault not applied: %s", where())
		case ft != nil && ft.Kind == emulator.FaultNotSuccess:
			if success == nil || *success || obj["error_code"] == nil {
				t.Fatalf("not-success fault not applied: %s", where())
			}
		case ok2xx && (success == nil || !*success):
			t.Fatalf("a 2xx without is_success true: %s", where())
		case !ok2xx && (obj["error_code"] == nil || success != nil && *success):
			t.Fatalf("an error without error_code, or with is_success true: %s", where())
		}
	})
}

// Operations of FuzzEmulator_verifiesClientSignature, chosen by its op byte: method
// and whether the path names a job, and its suffix.
var fuzzOps = []struct {
	method string
	job    bool
	suffix string
}{
	{http.MethodGet, false, ""},
	{http.MethodPost, false, ""},
	{http.MethodGet, true, ""},
	{http.MethodPut, true, ""},
	{http.MethodDelete, true, ""},
	{http.MethodPost, true, "/stop"},
	{http.MethodPost, true, "/restart"},
}

// FuzzEmulator_verifiesClientSignature signs arbitrary requests (operation, job ID,
// raw query, body, permanent or temporary keys) with the client's Signer, sends them
// through HTTP/1.1 serialisation as a server would receive them, and checks that the
// emulator's own verifier accepts them. Then it changes one thing the signature
// covers (a body byte, a query or path character, the date, the signature itself, the
// security token): the emulator must answer 401 APIG.0301 each time.
//
// A raw query whose key or value does not percent-decode is not cross-checked: the
// client signs it as literal text, the emulator refuses it as malformed (a choice of
// each side; the client never builds one). The test asserts that refusal instead.
func FuzzEmulator_verifiesClientSignature(f *testing.F) {
	f.Fuzz(func(t *testing.T, op uint8, jobID, rawQuery string, body []byte, temp bool, pos uint16) {
		o := fuzzOps[int(op)%len(fuzzOps)]
		u := &url.URL{Scheme: "http", Host: fuzzHost, Path: fuzzJobsPath, RawQuery: rawQuery}
		if o.job {
			// As the client builds it: the ID escaped as one path segment.
			u.Path += "/" + jobID + o.suffix
			u.RawPath = fuzzJobsPath + "/" + url.PathEscape(jobID) + o.suffix
		}
		req, err := http.NewRequest(o.method, u.String(), bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("X-Project-Id", emulator.DefaultProjectID)
		signer := client.Signer{AccessKey: emulator.DefaultAccessKey, SecretKey: emulator.DefaultSecretKey}
		if temp {
			signer = client.Signer{AccessKey: emulator.DefaultTempAccessKey, SecretKey: emulator.DefaultTempSecretKey}
			req.Header.Set("X-Security-Token", emulator.DefaultSecurityToken)
		}
		if err := signer.Sign(req, body, fuzzNow); err != nil {
			t.Fatal(err)
		}
		var wire bytes.Buffer
		if err := req.Write(&wire); err != nil {
			return
		}
		// received parses the request as a server does, then applies change.
		received := func(change func(r *http.Request, body []byte) []byte) (*http.Request, bool) {
			r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wire.Bytes())))
			if err != nil {
				return nil, false
			}
			b, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, false
			}
			if change != nil {
				b = change(r, b)
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.ContentLength = int64(len(b))
			return r, true
		}
		serve := func(r *http.Request) (int, map[string]any) {
			rec := httptest.NewRecorder()
			newFuzzEmulator(t).ServeHTTP(rec, r)
			var obj map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &obj)
			return rec.Code, obj
		}
		r, ok := received(nil)
		if !ok {
			return // not a request HTTP/1.1 can carry (a space in the query, ...)
		}
		sentQuery := r.URL.RawQuery
		status, obj := serve(r)
		switch {
		case status == http.StatusNotFound && obj["error_code"] == "APIG.0101":
			return // not a route of the API (an empty or "/"-holding job ID): answered before authentication
		case status == http.StatusRequestEntityTooLarge:
			return
		}
		if !queryDecodes(sentQuery) {
			if status != http.StatusUnauthorized || !strings.Contains(toString(obj["error_msg"]), "malformed query encoding") {
				t.Fatalf("undecodable query %q: HTTP %d %v, want 401 malformed query encoding", sentQuery, status, obj)
			}
			return
		}
		if status == http.StatusUnauthorized {
			t.Fatalf("the emulator refuses what the client signed: %s %s?%s body %q: %v\nAuthorization: %s",
				o.method, r.URL.EscapedPath(), sentQuery, body, obj, req.Header.Get("Authorization"))
		}

		refused := func(what string, change func(r *http.Request, body []byte) []byte) {
			t.Helper()
			r, ok := received(change)
			if !ok {
				t.Fatalf("%s: the changed request does not parse", what)
			}
			status, obj := serve(r)
			if status != http.StatusUnauthorized || obj["error_code"] != "APIG.0301" {
				t.Fatalf("%s: HTTP %d %v, want 401 APIG.0301 (%s %s?%s)", what, status, obj, r.Method, r.URL.EscapedPath(), r.URL.RawQuery)
			}
		}
		if len(body) > 0 {
			refused("a body byte changed", func(_ *http.Request, b []byte) []byte {
				b[int(pos)%len(b)] ^= 0x01
				return b
			})
		}
		if i, ok := plainAlnum(sentQuery, int(pos)); ok {
			refused("a query character changed", func(r *http.Request, b []byte) []byte {
				r.URL.RawQuery = sentQuery[:i] + string(otherAlnum(sentQuery[i])) + sentQuery[i+1:]
				return b
			})
		}
		// A character of the project ID or of the job ID: the route stays the same.
		escaped := r.URL.EscapedPath()
		from, to := len("/v1/"), len(fuzzJobsPath)-len("/visualization-jobs")
		if o.job && pos%2 == 1 {
			from, to = len(fuzzJobsPath)+1, len(escaped)-len(o.suffix)
		}
		if i, ok := plainAlnum(escaped[from:to], int(pos)); ok {
			i += from
			refused("a path character changed", func(r *http.Request, b []byte) []byte {
				p := escaped[:i] + string(otherAlnum(escaped[i])) + escaped[i+1:]
				r.URL.RawPath = p
				r.URL.Path, _ = url.PathUnescape(p)
				return b
			})
		}
		refused("the date moved by a second", func(r *http.Request, b []byte) []byte {
			r.Header.Set("X-Sdk-Date", fuzzNow.Add(time.Second).Format("20060102T150405Z"))
			return b
		})
		refused("a signature digit changed", func(r *http.Request, b []byte) []byte {
			a := r.Header.Get("Authorization")
			i := len(a) - 1 - int(pos)%64
			r.Header.Set("Authorization", a[:i]+string(otherHex(a[i]))+a[i+1:])
			return b
		})
		if temp {
			refused("the security token changed", func(r *http.Request, b []byte) []byte {
				r.Header.Set("X-Security-Token", emulator.DefaultSecurityToken+"x")
				return b
			})
		}
	})
}

// queryDecodes reports whether every key and value of raw percent-decodes.
func queryDecodes(raw string) bool {
	for _, p := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(p, "=")
		if _, err := url.QueryUnescape(k); err != nil {
			return false
		}
		if _, err := url.QueryUnescape(v); err != nil {
			return false
		}
	}
	return true
}

// plainAlnum returns the index of a letter or digit of s, searching from pos (mod
// len(s)), that is not part of a %XX escape: changing it changes the decoded text.
func plainAlnum(s string, pos int) (int, bool) {
	if s == "" {
		return 0, false
	}
	for k := range len(s) {
		i := (pos + k) % len(s)
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			continue
		}
		if i >= 1 && s[i-1] == '%' || i >= 2 && s[i-2] == '%' {
			continue
		}
		return i, true
	}
	return 0, false
}

// otherAlnum returns a different letter or digit of the same kind.
func otherAlnum(c byte) byte {
	switch c {
	case '9':
		return '0'
	case 'z':
		return 'a'
	case 'Z':
		return 'A'
	}
	return c + 1
}

// otherHex returns a different lower-case hex digit.
func otherHex(c byte) byte {
	if c == '0' {
		return '1'
	}
	return '0'
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}
