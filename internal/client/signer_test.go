package client

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
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
	CanonicalRequest string            `json:"canonical_request"`
	StringToSign     string            `json:"string_to_sign"`
	Authorization    string            `json:"authorization"`
}

func loadVectors(t *testing.T) []signingVector {
	t.Helper()
	data, err := os.ReadFile("testdata/signing-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []signingVector
	if err := json.Unmarshal(data, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 7 {
		t.Fatalf("only %d vectors loaded", len(vs))
	}
	return vs
}

// signedSet returns the vector's headers named in SignedHeaders of its authorization.
func (v signingVector) signedSet(t *testing.T, u *url.URL) []header {
	t.Helper()
	_, after, ok := strings.Cut(v.Authorization, "SignedHeaders=")
	if !ok {
		t.Fatalf("%s: no SignedHeaders in %q", v.Name, v.Authorization)
	}
	names, _, _ := strings.Cut(after, ",")
	var hs []header
	for _, name := range strings.Split(names, ";") {
		found := false
		for k, val := range v.Headers {
			if strings.EqualFold(k, name) {
				hs = append(hs, header{name: k, value: val}) // mixed case on purpose
				found = true
			}
		}
		if !found && name == "host" {
			hs = append(hs, header{name: "host", value: u.Host})
			found = true
		}
		if !found {
			t.Fatalf("%s: signed header %q not among the vector's headers", v.Name, name)
		}
	}
	// Reverse so that canonicalRequest must sort.
	for i, j := 0, len(hs)-1; i < j; i, j = i+1, j-1 {
		hs[i], hs[j] = hs[j], hs[i]
	}
	return hs
}

func TestSigner_vectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			u, err := url.Parse(v.URL)
			if err != nil {
				t.Fatal(err)
			}
			hs := v.signedSet(t, u)
			body := []byte(v.Body)

			cr := canonicalRequest(v.Method, u, hs, body)
			if cr != v.CanonicalRequest {
				t.Fatalf("canonical request:\n got %q\nwant %q", cr, v.CanonicalRequest)
			}
			sts := stringToSign(cr, v.XSdkDate)
			if sts != v.StringToSign {
				t.Fatalf("string to sign:\n got %q\nwant %q", sts, v.StringToSign)
			}
			sig := signatureHex(v.SK, sts)
			if !strings.HasSuffix(v.Authorization, "Signature="+sig) {
				t.Fatalf("signature %s does not end %q", sig, v.Authorization)
			}
			auth := Signer{AccessKey: v.AK, SecretKey: v.SK}.authorization(v.Method, u, normalizeHeaders(hs), body, v.XSdkDate)
			if auth != v.Authorization {
				t.Fatalf("authorization:\n got %q\nwant %q", auth, v.Authorization)
			}
		})
	}
}

// The independent verifier used by the fake servers must itself agree with the vectors.
func TestVerifySDKHMAC_vectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			req, err := http.NewRequest(v.Method, v.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = req.URL.Host
			for k, val := range v.Headers {
				req.Header.Set(k, val)
			}
			req.Header.Set("Authorization", v.Authorization)
			if err := verifySDKHMAC(req, []byte(v.Body), v.AK, v.SK); err != nil {
				t.Fatalf("verifier rejects a published vector: %v", err)
			}
			if err := verifySDKHMAC(req, []byte(v.Body+" "), v.AK, v.SK); err == nil {
				t.Fatal("verifier accepts a changed body")
			}
			if err := verifySDKHMAC(req, []byte(v.Body), v.AK, "wrong"); err == nil {
				t.Fatal("verifier accepts a wrong secret key")
			}
		})
	}
}

func TestSigner_Sign_reproducesHostVector(t *testing.T) {
	v := loadVectors(t)[0]
	if v.Name != "get-job-host-signed" {
		t.Fatalf("first vector is %q", v.Name)
	}
	req, err := http.NewRequest(v.Method, v.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	date, _ := time.Parse(sdkDateLayout, v.XSdkDate)
	if err := (Signer{AccessKey: v.AK, SecretKey: v.SK}).Sign(req, nil, date.In(time.FixedZone("CET", 3600))); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("X-Sdk-Date"); got != v.XSdkDate {
		t.Errorf("X-Sdk-Date = %q, want %q (UTC)", got, v.XSdkDate)
	}
	if got := req.Header.Get("Authorization"); got != v.Authorization {
		t.Errorf("Authorization:\n got %q\nwant %q", got, v.Authorization)
	}
}

func TestSigner_Sign_signsSecurityTokenAndProjectID(t *testing.T) {
	body := []byte(`{"job_name":"a b"}`)
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:8443/base/v1/p/visualization-jobs?b=2&a=x%20y", bytes.NewReader(body))
	req.Header.Set("X-Project-Id", testProjectID)
	req.Header.Set("X-Security-Token", testSecToken)
	req.Header.Set("Content-Type", "application/json")
	if err := (Signer{AccessKey: testTempAK, SecretKey: testTempSK}).Sign(req, body, time.Now()); err != nil {
		t.Fatal(err)
	}
	auth := req.Header.Get("Authorization")
	if !strings.Contains(auth, "SignedHeaders=host;x-project-id;x-sdk-date;x-security-token,") {
		t.Errorf("signed headers wrong: %s", auth)
	}
	req.Host = req.URL.Host // what a server sees
	if err := verifySDKHMAC(req, body, testTempAK, testTempSK); err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Security-Token", "other")
	if err := verifySDKHMAC(req, body, testTempAK, testTempSK); err == nil {
		t.Fatal("a changed security token still verifies: it was not signed")
	}
}

func TestSigner_Sign_usesRequestHost(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "http://10.0.0.1:9000/x", nil)
	req.Host = "modelarts.example:443"
	if err := (Signer{AccessKey: "a", SecretKey: "b"}).Sign(req, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := verifySDKHMAC(req, nil, "a", "b"); err != nil {
		t.Fatalf("signature over req.Host does not verify: %v", err)
	}
}

func TestSigner_Sign_badInput(t *testing.T) {
	good, _ := http.NewRequest(http.MethodGet, "http://h/x", nil)
	cases := map[string]struct {
		s   Signer
		req *http.Request
	}{
		"nil request":    {Signer{"a", "b"}, nil},
		"nil URL":        {Signer{"a", "b"}, &http.Request{}},
		"no access key":  {Signer{"", "b"}, good},
		"no secret key":  {Signer{"a", ""}, good},
		"both keys zero": {Signer{}, good},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if err := tc.s.Sign(tc.req, nil, time.Now()); err == nil {
				t.Fatal("no error")
			}
		})
	}
	// A request without a header map gets one rather than a panic.
	r := &http.Request{Method: "GET", URL: &url.URL{Scheme: "http", Host: "h", Path: "/x"}}
	if err := (Signer{"a", "b"}).Sign(r, nil, time.Now()); err != nil || r.Header.Get("Authorization") == "" {
		t.Fatalf("Sign on a request without headers: %v", err)
	}
}

func TestCanonicalURI(t *testing.T) {
	cases := map[string]string{
		"":                         "/",
		"/":                        "/",
		"/path":                    "/path/",
		"/path/":                   "/path/",
		"/a%2Fb/c":                 "/a%2Fb/c/",
		"/a%20b/~x-y_z.w":          "/a%20b/~x-y_z.w/",
		"/caf%C3%A9":               "/caf%C3%A9/",
		"/a+b/c:d@e":               "/a%2Bb/c%3Ad%40e/",
		"/a%zz":                    "/a%25zz/", // undecodable: kept raw, then encoded
		"/v1/p/visualization-jobs": "/v1/p/visualization-jobs/",
		"/base//double":            "/base//double/",
		"/%7euser":                 "/~user/",
		"/%2a":                     "/%2A/",
	}
	for in, want := range cases {
		if got := string(appendCanonicalURI(nil, in)); got != want {
			t.Errorf("canonical URI of %q = %q, want %q", in, got, want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	cases := map[string]string{
		"":                    "",
		"limit=1":             "limit=1",
		"b=2&a=1&a=0":         "a=0&a=1&b=2",
		"k":                   "k=",
		"k=&j":                "j=&k=",
		"q=a+b":               "q=a%20b",
		"q=a%20b":             "q=a%20b",
		"q=%2f%7E":            "q=%2F~",
		"x=%zz":               "x=%25zz",
		"a=1&&b=2":            "a=1&b=2",
		"B=1&a=2":             "B=1&a=2",
		"sortBy=x&sort_by=y":  "sortBy=x&sort_by=y",
		"s=%22job%20a%2Fb%22": "s=%22job%20a%2Fb%22",
		"e=%C3%A9&e=z":        "e=z&e=%C3%A9",
	}
	for in, want := range cases {
		if got := string(appendCanonicalQuery(nil, in)); got != want {
			t.Errorf("canonical query of %q = %q, want %q", in, got, want)
		}
	}
}

// FuzzSigner_Sign checks that Sign never panics and that whatever it signs, a server
// rebuilding the canonical request from the spec accepts.
func FuzzSigner_Sign(f *testing.F) {
	f.Add("/v1/p/visualization-jobs/197", "order=desc&page=1", []byte(`{"a":1}`), "tok")
	f.Add("/a%2Fb/ c", "q=a+b&q=%41", []byte{}, "")
	f.Add("", "k", []byte(nil), "x")
	f.Fuzz(func(t *testing.T, path, rawQuery string, body []byte, token string) {
		u := &url.URL{Scheme: "https", Host: "modelarts.example:443", Path: path, RawQuery: rawQuery}
		req, err := http.NewRequest(http.MethodPut, u.String(), bytes.NewReader(body))
		if err != nil {
			return
		}
		if token != "" && validHeaderValue(token) {
			req.Header.Set("X-Security-Token", token)
		}
		if err := (Signer{AccessKey: "ak", SecretKey: "sk"}).Sign(req, body, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := url.ParseQuery(req.URL.RawQuery); err != nil {
			return // the spec verifier cannot rebuild a query net/url refuses
		}
		if _, err := url.PathUnescape(req.URL.EscapedPath()); err != nil {
			return
		}
		req.Host = req.URL.Host
		if err := verifySDKHMAC(req, body, "ak", "sk"); err != nil {
			t.Fatalf("path %q query %q: %v", path, rawQuery, err)
		}
	})
}
