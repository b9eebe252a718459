package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

type signingVector struct {
	Name             string            `json:"name"`
	Method           string            `json:"method"`
	URL              string            `json:"url"`
	Headers          map[string]string `json:"headers"`
	Body             string            `json:"body"`
	XSdkDate         string            `json:"x_sdk_date"`
	AK               string            `json:"ak"`
	SK               string            `json:"sk"`
	Region           string            `json:"region"`
	Service          string            `json:"service"`
	CanonicalRequest string            `json:"canonical_request"`
	StringToSign     string            `json:"string_to_sign"`
	Authorization    string            `json:"authorization"`
}

func loadVectors(t *testing.T, path string) []signingVector {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var vs []signingVector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatalf("%s: no vectors", path)
	}
	return vs
}

// vectorRequest is the request of a vector as a server receives it.
func vectorRequest(v signingVector) *http.Request {
	r := httptest.NewRequest(v.Method, v.URL, strings.NewReader(v.Body))
	for k, val := range v.Headers {
		if strings.EqualFold(k, "host") {
			r.Host = val
			continue
		}
		r.Header.Set(k, val)
	}
	return r
}

// TestVerifier_vectors checks the verifier's canonicalisation and signature
// against the vectors made with the official Huawei Cloud SDK signer (the
// Access= form) and a vector computed independently in Python (the legacy
// Credential= form).
func TestVerifier_vectors(t *testing.T) {
	vectors := append(loadVectors(t, "testdata/signing-vectors.json"), loadVectors(t, "testdata/legacy-signing-vectors.json")...)
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			sig, err := parseAuthorization(v.Authorization)
			if err != nil {
				t.Fatal(err)
			}
			r := vectorRequest(v)
			canonical, err := canonicalRequest(r, []byte(v.Body), sig.signedHeaders)
			if err != nil {
				t.Fatal(err)
			}
			if canonical != v.CanonicalRequest {
				t.Fatalf("canonical request\n got %q\nwant %q", canonical, v.CanonicalRequest)
			}
			if sts := stringToSign(v.XSdkDate, sig.scope, canonical); sts != v.StringToSign {
				t.Fatalf("string to sign\n got %q\nwant %q", sts, v.StringToSign)
			}

			at, _ := time.Parse(sdkDateLayout, v.XSdkDate)
			e := New(Config{AccessKey: v.AK, SecretKey: v.SK, ProjectName: v.Region, Now: func() time.Time { return at }})
			r.Header.Set("Authorization", v.Authorization)
			if _, err := e.verifySignature(r, []byte(v.Body)); err != nil {
				t.Fatalf("vector refused: %v", err)
			}
			r.Header.Set("Authorization", v.Authorization[:len(v.Authorization)-1]+"0")
			if _, err := e.verifySignature(r, []byte(v.Body)); err == nil || err.Error() != "verify aksk signature fail" {
				t.Fatalf("a changed signature gave %v", err)
			}

			// The test signer must reproduce the vector too, or the tests
			// built on it prove nothing.
			r2 := vectorRequest(v)
			scope := ""
			if sig.legacy {
				scope = v.Region + "/" + v.Service
			}
			testSign(r2, []byte(v.Body), v.AK, v.SK, at, sig.signedHeaders, scope)
			if got := r2.Header.Get("Authorization"); got != v.Authorization {
				t.Fatalf("test signer\n got %s\nwant %s", got, v.Authorization)
			}
		})
	}
}

// TestCanonicalURI_encoding covers the path rules: trailing slash, empty path,
// re-encoding of what the client escaped.
func TestCanonicalURI_encoding(t *testing.T) {
	for in, want := range map[string]string{
		"":               "/",
		"/":              "/",
		"/v1/p/jobs":     "/v1/p/jobs/",
		"/v1/p/jobs/":    "/v1/p/jobs/",
		"/a%20b/c~d":     "/a%20b/c~d/",
		"/a%2fb":         "/a%2Fb/",
		"/%E4%BD%A0":     "/%E4%BD%A0/",
		"/x+y":           "/x%2By/",
		"/caf%C3%A9/a.b": "/caf%C3%A9/a.b/",
	} {
		got, err := canonicalURI(in)
		if err != nil || got != want {
			t.Errorf("canonicalURI(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := canonicalURI("/bad%zz"); err == nil {
		t.Error("a malformed escape was accepted")
	}
}

// TestCanonicalQuery_sorting covers sorting by key then value, keys without
// values and form-encoded spaces.
func TestCanonicalQuery_sorting(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "",
		"b=2&a=1":             "a=1&b=2",
		"a=2&a=1&A=3":         "A=3&a=1&a=2",
		"flag&x=":             "flag=&x=",
		"q=a+b&r=c%20d":       "q=a%20b&r=c%20d",
		"s=%22job%20a%2Fb%22": "s=%22job%20a%2Fb%22",
		"&&k=v&":              "k=v",
	} {
		got, err := canonicalQuery(in)
		if err != nil || got != want {
			t.Errorf("canonicalQuery(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestAuth_independentSignerAccepted: requests signed by the test's own
// signer, in both forms, reach the service.
func TestAuth_independentSignerAccepted(t *testing.T) {
	h := newHarness(t, Config{})
	if err := h.emu.Seed(Job{JobID: 197, JobName: "apiTest-11", Status: StatusRunning, TrainURL: "/b/"}); err != nil {
		t.Fatal(err)
	}
	for name, opts := range map[string][]reqOpt{
		"aksk":        nil,
		"aksk-legacy": {withLegacy()},
		"temp-aksk":   {withTemp(nil, true)},
		"token":       {withToken(DefaultToken)},
	} {
		t.Run(name, func(t *testing.T) {
			h.emu.ResetRequests()
			// %54 is an escaped "T": the verifier must decode and re-encode
			// the query as the signer saw it.
			r := h.do("GET", jobsPath+"?search_content=api%54est&per_page=5&sortBy=job_name", "", opts...)
			if r.status != 200 || r.num("job_total_count") != 1 {
				t.Fatalf("list: %d %s", r.status, r.raw)
			}
			r = h.do("GET", jobPath(197), "", opts...)
			if r.status != 200 || r.str("job_name") != "apiTest-11" {
				t.Fatalf("get: %d %s", r.status, r.raw)
			}
			r = h.do("PUT", jobPath(197), `{"job_desc":"signed body ü"}`,
				append([]reqOpt{withSigned("content-type")}, opts...)...)
			if r.status != 200 {
				t.Fatalf("put: %d %s", r.status, r.raw)
			}
			if got := h.emu.Requests()[0].Auth; got != name {
				t.Fatalf("recorded auth %q, want %q", got, name)
			}
		})
	}
}

// TestAuth_tamperRefused: one byte changed after signing in the path, the
// query, a signed header or the body makes the signature fail.
func TestAuth_tamperRefused(t *testing.T) {
	h := newHarness(t, Config{})
	if err := h.emu.Seed(Job{JobID: 8992, JobName: "resnet50-tb", Status: StatusRunning, TrainURL: "/b/"},
		Job{JobID: 8993, JobName: "other", Status: StatusRunning, TrainURL: "/b/"}); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		method, path, body string
		tamper             func(*http.Request)
	}{
		"path": {"GET", jobPath(8992), "", func(r *http.Request) {
			r.URL.Path = strings.Replace(r.URL.Path, "8992", "8993", 1)
		}},
		"query": {"GET", jobsPath + "?page=1", "", func(r *http.Request) { r.URL.RawQuery = "page=2" }},
		"signed header": {"PUT", jobPath(8992), `{"job_desc":"x"}`, func(r *http.Request) {
			r.Header.Set("Content-Type", "application/jsoN")
		}},
		"x-sdk-date": {"GET", jobPath(8992), "", func(r *http.Request) {
			d := []byte(r.Header.Get("X-Sdk-Date"))
			d[len(d)-2]++
			r.Header.Set("X-Sdk-Date", string(d))
		}},
		"body": {"PUT", jobPath(8992), `{"job_desc":"a"}`, func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(`{"job_desc":"b"}`))
		}},
		"method": {"GET", jobPath(8992), "", func(r *http.Request) { r.Method = "DELETE" }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			// Untampered, the same request passes: the refusal below is the
			// tampering's doing.
			var opts []reqOpt
			if tc.body != "" {
				opts = append(opts, withSigned("content-type"))
			}
			ok := h.do(tc.method, tc.path, tc.body, opts...)
			if ok.status != 200 {
				t.Fatalf("untampered: %d %s", ok.status, ok.raw)
			}
			r := h.do(tc.method, tc.path, tc.body, append(opts, withTamper(tc.tamper))...)
			expectError(t, r, 401, "APIG.0301", "Incorrect IAM authentication information: verify aksk signature fail")
			if r.str("request_id") != r.header.Get("X-Request-Id") {
				t.Fatalf("request_id %q differs from X-Request-Id %q", r.str("request_id"), r.header.Get("X-Request-Id"))
			}
		})
	}
	for _, id := range []int64{8992, 8993} {
		if _, ok := h.emu.Job(id); !ok {
			t.Fatalf("job %d is gone: a refused request changed it", id)
		}
	}
}

// TestAuth_refusals covers every other reason the gateway gives.
func TestAuth_refusals(t *testing.T) {
	h := newHarness(t, Config{})
	now := h.clock.Now()
	empty, wrong := "", "not-the-token"
	cases := map[string]struct {
		opts []reqOpt
		want string
	}{
		"no credentials":        {[]reqOpt{withNoAuth()}, "no Authorization or X-Auth-Token header"},
		"unknown access key":    {[]reqOpt{withKeys("NOSUCHKEY", DefaultSecretKey)}, "access key not found"},
		"wrong secret":          {[]reqOpt{withKeys(DefaultAccessKey, "wrong")}, "verify aksk signature fail"},
		"date 16 minutes early": {[]reqOpt{withSignedAt(now.Add(-16 * time.Minute))}, "x-sdk-date expired"},
		"date 16 minutes late":  {[]reqOpt{withSignedAt(now.Add(16 * time.Minute))}, "x-sdk-date expired"},
		"x-sdk-date not signed": {[]reqOpt{withTamper(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "host;x-sdk-date", "host", 1))
		})}, "x-sdk-date is not a signed header"},
		"x-sdk-date malformed": {[]reqOpt{withTamper(func(r *http.Request) { r.Header.Set("X-Sdk-Date", "2024-01-02T03:04:05Z") })},
			"x-sdk-date invalid"},
		"unsorted signed headers": {[]reqOpt{withTamper(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "host;x-sdk-date", "x-sdk-date;host", 1))
		})}, "SignedHeaders must be lower-case, sorted and unique"},
		"signed header missing": {[]reqOpt{withSigned("x-project-id"), withHeader("X-Project-Id", DefaultProjectID),
			withTamper(func(r *http.Request) { r.Header.Del("X-Project-Id") })}, "signed header x-project-id missing"},
		"other scheme":          {[]reqOpt{withTamper(func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") })}, "unsupported Authorization scheme"},
		"malformed header":      {[]reqOpt{withTamper(func(r *http.Request) { r.Header.Set("Authorization", "SDK-HMAC-SHA256 Access=AK") })}, "malformed Authorization header"},
		"temp without token":    {[]reqOpt{withTemp(&empty, true)}, "x-security-token missing"},
		"temp with wrong token": {[]reqOpt{withTemp(&wrong, true)}, "x-security-token invalid"},
		"temp token not signed": {[]reqOpt{withTemp(nil, false)}, "x-security-token is not a signed header"},
		"legacy wrong region":   {[]reqOpt{withLegacy(), withRegion("ap-southeast-1")}, "Credential region ap-southeast-1 is not eu-de"},
		"legacy date mismatch": {[]reqOpt{withLegacy(), withTamper(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20240102/", "/20240101/", 1))
		})}, "Credential date does not match x-sdk-date"},
		"unknown token":          {[]reqOpt{withToken("MIInosuchtoken")}, "token invalid"},
		"permanent key as temp":  {[]reqOpt{withKeys(DefaultTempAccessKey, DefaultTempSecretKey)}, "x-security-token missing"},
		"temp key signs with SK": {[]reqOpt{withKeys(DefaultTempAccessKey, DefaultSecretKey), withHeader("X-Security-Token", DefaultSecurityToken), withSigned("x-security-token")}, "verify aksk signature fail"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := h.do("GET", jobsPath, "", tc.opts...)
			expectError(t, r, 401, "APIG.0301", "Incorrect IAM authentication information: "+tc.want)
		})
	}
	// Within the 15 minutes, either side, is fine.
	for _, d := range []time.Duration{-14 * time.Minute, 14 * time.Minute} {
		if r := h.do("GET", jobsPath, "", withSignedAt(now.Add(d))); r.status != 200 {
			t.Fatalf("skew %s refused: %d %s", d, r.status, r.raw)
		}
	}
}

// TestAuth_projectMismatch: a path or X-Project-Id naming another project is
// refused with ModelArts.0210 after authentication succeeded.
func TestAuth_projectMismatch(t *testing.T) {
	h := newHarness(t, Config{})
	other := "/v1/ffffffffffffffffffffffffffffffff/visualization-jobs"
	expectError(t, h.do("GET", other, ""), 400, "ModelArts.0210", "ffffffffffffffffffffffffffffffff")
	expectError(t, h.do("GET", other, "", withToken(DefaultToken)), 400, "ModelArts.0210", "Invalid project ID")
	r := h.do("GET", jobsPath, "", withHeader("X-Project-Id", "ffff"), withSigned("x-project-id"))
	expectError(t, r, 400, "ModelArts.0210", "X-Project-Id")
	if r := h.do("GET", jobsPath, "", withHeader("X-Project-Id", DefaultProjectID), withSigned("x-project-id")); r.status != 200 {
		t.Fatalf("matching X-Project-Id refused: %d %s", r.status, r.raw)
	}
}

func iamBody(user, password, domain, scope string) string {
	return `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"` + user + `","password":"` +
		password + `","domain":{"name":"` + domain + `"}}}}` + scope + `}}`
}

var projectScope = `,"scope":{"project":{"id":"` + DefaultProjectID + `"}}`

// TestIAM_issuesProjectToken: IAM answers 201 with X-Subject-Token, and the
// token opens the API until its TTL ends.
func TestIAM_issuesProjectToken(t *testing.T) {
	h := newHarness(t, Config{TokenTTL: time.Hour})
	r := h.do("POST", "/v3/auth/tokens", iamBody(DefaultUser, DefaultPassword, DefaultDomain, projectScope), withNoAuth())
	if r.status != 201 {
		t.Fatalf("IAM: %d %s", r.status, r.raw)
	}
	tok := r.header.Get("X-Subject-Token")
	if tok == "" || strings.Contains(string(r.raw), tok) {
		t.Fatalf("token %q missing from the header or leaked into the body", tok)
	}
	body, _ := r.body["token"].(map[string]any)
	issuedAt, _ := body["issued_at"].(string)
	expiresAt, _ := body["expires_at"].(string)
	issued, _ := time.Parse(time.RFC3339, issuedAt)
	expires, _ := time.Parse(time.RFC3339, expiresAt)
	if !issued.Equal(h.clock.Now()) || expires.Sub(issued) != time.Hour {
		t.Fatalf("issued_at %v expires_at %v, want now and now+1h", body["issued_at"], body["expires_at"])
	}
	if !strings.HasSuffix(expiresAt, ".000Z") {
		t.Fatalf("expires_at %q is not RFC 3339 with milliseconds", body["expires_at"])
	}
	project, _ := body["project"].(map[string]any)
	if project["id"] != DefaultProjectID || project["name"] != DefaultProjectName {
		t.Fatalf("project %v", project)
	}
	user, _ := body["user"].(map[string]any)
	methods, _ := body["methods"].([]any)
	if user["name"] != DefaultUser || len(methods) != 1 || methods[0] != "password" {
		t.Fatalf("user or methods wrong: %s", r.raw)
	}
	if r := h.do("GET", jobsPath, "", withToken(tok)); r.status != 200 {
		t.Fatalf("issued token refused: %d %s", r.status, r.raw)
	}
	if got := h.emu.Requests()[0].Auth; got != "iam" {
		t.Fatalf("IAM request recorded as %q", got)
	}

	h.clock.Add(time.Hour)
	expectError(t, h.do("GET", jobsPath, "", withToken(tok)), 401, "APIG.0301", "token expired")
	if r := h.do("GET", jobsPath, "", withToken(DefaultToken)); r.status != 200 {
		t.Fatalf("static token must never expire: %d", r.status)
	}

	// By project name, too.
	r = h.do("POST", "/v3/auth/tokens", iamBody(DefaultUser, DefaultPassword, DefaultDomain,
		`,"scope":{"project":{"name":"`+DefaultProjectName+`"}}`), withNoAuth())
	if r.status != 201 {
		t.Fatalf("scope by name: %d %s", r.status, r.raw)
	}
}

// TestIAM_expireTokens: ExpireTokens ends every issued token at once, and a
// new one works again.
func TestIAM_expireTokens(t *testing.T) {
	h := newHarness(t, Config{})
	issue := func() string {
		r := h.do("POST", "/v3/auth/tokens", iamBody(DefaultUser, DefaultPassword, DefaultDomain, projectScope), withNoAuth())
		return r.header.Get("X-Subject-Token")
	}
	a, b := issue(), issue()
	if a == b {
		t.Fatal("two logins got the same token")
	}
	h.emu.ExpireTokens()
	for _, tok := range []string{a, b} {
		expectError(t, h.do("GET", jobsPath, "", withToken(tok)), 401, "APIG.0301", "token expired")
	}
	if r := h.do("GET", jobsPath, "", withToken(issue())); r.status != 200 {
		t.Fatalf("a token issued after ExpireTokens is refused: %d", r.status)
	}
	if r := h.do("GET", jobsPath, "", withToken(DefaultToken)); r.status != 200 {
		t.Fatalf("ExpireTokens touched the static token: %d", r.status)
	}
}

// TestIAM_refusals covers wrong credentials, unscoped and foreign-project
// requests, bad bodies and methods.
func TestIAM_refusals(t *testing.T) {
	h := newHarness(t, Config{})
	cases := map[string]struct {
		body   string
		status int
		want   string
	}{
		"wrong password":   {iamBody(DefaultUser, "nope", DefaultDomain, projectScope), 401, "The username or password is wrong."},
		"wrong user":       {iamBody("someone", DefaultPassword, DefaultDomain, projectScope), 401, "The username or password is wrong."},
		"wrong domain":     {iamBody(DefaultUser, DefaultPassword, "other", projectScope), 401, "The username or password is wrong."},
		"unscoped":         {iamBody(DefaultUser, DefaultPassword, DefaultDomain, ""), 400, "unscoped"},
		"domain scoped":    {iamBody(DefaultUser, DefaultPassword, DefaultDomain, `,"scope":{"domain":{"name":"x"}}`), 401, "domain"},
		"unknown project":  {iamBody(DefaultUser, DefaultPassword, DefaultDomain, `,"scope":{"project":{"id":"ffff"}}`), 401, "project"},
		"unknown name":     {iamBody(DefaultUser, DefaultPassword, DefaultDomain, `,"scope":{"project":{"name":"ap-southeast-1"}}`), 401, "project"},
		"not JSON":         {"auth=1", 400, "not valid JSON"},
		"forged token":     {`{"auth":{"identity":{"methods":["token"],"token":{"id":"x"}}}}`, 401, "invalid or expired"},
		"no password part": {`{"auth":{"identity":{"methods":["password"]}}}`, 400, "password"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := h.do("POST", "/v3/auth/tokens", tc.body, withNoAuth())
			e, _ := r.body["error"].(map[string]any)
			if r.status != tc.status || e == nil || e["code"] != float64(tc.status) || !strings.Contains(fmt.Sprint(e["message"]), tc.want) {
				t.Fatalf("got %d %s, want %d with %q", r.status, r.raw, tc.status, tc.want)
			}
			if r.header.Get("X-Subject-Token") != "" {
				t.Fatal("a refused login got a token")
			}
		})
	}
	r := h.do("GET", "/v3/auth/tokens", "", withNoAuth())
	if r.status != 405 || r.header.Get("Allow") != "POST" {
		t.Fatalf("GET /v3/auth/tokens: %d %s", r.status, r.raw)
	}
}
