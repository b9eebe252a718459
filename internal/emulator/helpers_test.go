package emulator

import (
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

// jobsPath is the collection path of the default project.
const jobsPath = "/v1/" + DefaultProjectID + "/visualization-jobs"

// fakeClock is a settable clock for Config.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testEscape encodes as section 5 says, by way of url.QueryEscape (which
// already keeps exactly A-Z a-z 0-9 - _ . ~) with its "+" for space undone.
// It is a second implementation, so the verifier is not checked against its
// own reading of the spec.
func testEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// testSign is a minimal SDK-HMAC-SHA256 signer written from section 5 of the
// spec for these tests. signed lists the lower-case headers to sign (sorted
// here); legacyScope, when set ("region/service"), selects the legacy
// Credential= form. It sets X-Sdk-Date and Authorization.
func testSign(req *http.Request, body []byte, ak, sk string, at time.Time, signed []string, legacyScope string) {
	date := at.UTC().Format("20060102T150405Z")
	req.Header.Set("X-Sdk-Date", date)
	signed = append([]string(nil), signed...)
	sort.Strings(signed)

	var segs []string
	for _, s := range strings.Split(req.URL.Path, "/") {
		segs = append(segs, testEscape(s))
	}
	uri := strings.Join(segs, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	q := req.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var qparts []string
	for _, k := range keys {
		vals := append([]string(nil), q[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			qparts = append(qparts, testEscape(k)+"="+testEscape(v))
		}
	}
	var hdrs strings.Builder
	for _, h := range signed {
		v := req.Header.Get(h)
		if h == "host" {
			v = req.Host
		}
		hdrs.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	bodySum := sha256.Sum256(body)
	canonical := strings.Join([]string{req.Method, uri, strings.Join(qparts, "&"), hdrs.String(),
		strings.Join(signed, ";"), hex.EncodeToString(bodySum[:])}, "\n")
	canonSum := sha256.Sum256([]byte(canonical))

	mac := func(key []byte, s string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(s))
		return m.Sum(nil)
	}
	if legacyScope == "" {
		sts := "SDK-HMAC-SHA256\n" + date + "\n" + hex.EncodeToString(canonSum[:])
		req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+ak+", SignedHeaders="+strings.Join(signed, ";")+
			", Signature="+hex.EncodeToString(mac([]byte(sk), sts)))
		return
	}
	scope := date[:8] + "/" + legacyScope + "/sdk_request"
	key := []byte("SDK" + sk)
	for _, p := range strings.Split(scope, "/") {
		key = mac(key, p)
	}
	sts := "SDK-HMAC-SHA256\n" + date + "\n" + scope + "\n" + hex.EncodeToString(canonSum[:])
	req.Header.Set("Authorization", "SDK-HMAC-SHA256 Credential="+ak+"/"+scope+", SignedHeaders="+
		strings.Join(signed, ";")+", Signature="+hex.EncodeToString(mac(key, sts)))
}

// harness is an emulator behind an httptest server, with a fake clock.
type harness struct {
	t      *testing.T
	emu    *Emulator
	srv    *httptest.Server
	clock  *fakeClock
	now    func() time.Time // the emulator's clock, for signing
	client *http.Client
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	clock := newFakeClock()
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	emu := New(cfg)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	// No keep-alive: a fault that closes a connection must not be retried
	// silently by the transport on a reused one.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	return &harness{t: t, emu: emu, srv: srv, clock: clock, now: cfg.Now, client: client}
}

// reqConf is how one test request is authenticated and altered.
type reqConf struct {
	auth        string // "aksk" (default), "legacy", "temp", "token", "none"
	ak, sk      string
	secToken    *string // temp: X-Security-Token to send (default the right one)
	signSecTok  bool    // temp: sign X-Security-Token (default true)
	token       string
	headers     map[string]string
	extraSigned []string
	at          time.Time
	region      string // legacy: region of the credential scope
	tamper      func(*http.Request)
}

type reqOpt func(*reqConf)

func withToken(tok string) reqOpt { return func(c *reqConf) { c.auth, c.token = "token", tok } }
func withNoAuth() reqOpt          { return func(c *reqConf) { c.auth = "none" } }
func withLegacy() reqOpt          { return func(c *reqConf) { c.auth = "legacy" } }
func withKeys(ak, sk string) reqOpt {
	return func(c *reqConf) { c.ak, c.sk = ak, sk }
}
func withTemp(tok *string, signed bool) reqOpt {
	return func(c *reqConf) { c.auth, c.secToken, c.signSecTok = "temp", tok, signed }
}
func withHeader(k, v string) reqOpt {
	return func(c *reqConf) {
		if c.headers == nil {
			c.headers = map[string]string{}
		}
		c.headers[k] = v
	}
}
func withSigned(h ...string) reqOpt {
	return func(c *reqConf) { c.extraSigned = append(c.extraSigned, h...) }
}
func withSignedAt(t time.Time) reqOpt         { return func(c *reqConf) { c.at = t } }
func withRegion(r string) reqOpt              { return func(c *reqConf) { c.region = r } }
func withTamper(f func(*http.Request)) reqOpt { return func(c *reqConf) { c.tamper = f } }

// result is an answer, with its JSON body decoded when it is JSON.
type result struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r result) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

func (r result) num(key string) int64 {
	f, _ := r.body[key].(float64)
	return int64(f)
}

func (h *harness) newRequest(method, path, body string, opts ...reqOpt) *http.Request {
	h.t.Helper()
	c := reqConf{auth: "aksk", ak: DefaultAccessKey, sk: DefaultSecretKey, signSecTok: true, region: DefaultProjectName}
	for _, o := range opts {
		o(&c)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	at := c.at
	if at.IsZero() {
		at = h.now()
	}
	signed := append([]string{"host", "x-sdk-date"}, c.extraSigned...)
	switch c.auth {
	case "aksk":
		testSign(req, []byte(body), c.ak, c.sk, at, signed, "")
	case "legacy":
		testSign(req, []byte(body), c.ak, c.sk, at, signed, c.region+"/modelarts")
	case "temp":
		tok := DefaultSecurityToken
		if c.secToken != nil {
			tok = *c.secToken
		}
		if tok != "" {
			req.Header.Set("X-Security-Token", tok)
			if c.signSecTok {
				signed = append(signed, "x-security-token")
			}
		}
		testSign(req, []byte(body), DefaultTempAccessKey, DefaultTempSecretKey, at, signed, "")
	case "token":
		req.Header.Set("X-Auth-Token", c.token)
	}
	if c.tamper != nil {
		c.tamper(req)
	}
	return req
}

func (h *harness) do(method, path, body string, opts ...reqOpt) result {
	h.t.Helper()
	r, err := h.try(method, path, body, opts...)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// try is do for goroutines other than the test's: it reports instead of
// stopping the test.
func (h *harness) try(method, path, body string, opts ...reqOpt) (result, error) {
	resp, err := h.client.Do(h.newRequest(method, path, body, opts...))
	if err != nil {
		return result{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, fmt.Errorf("%s %s: reading body: %w", method, path, err)
	}
	res := result{status: resp.StatusCode, header: resp.Header, raw: raw}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &res.body); err != nil {
			return res, fmt.Errorf("%s %s: body is not JSON: %w\n%s", method, path, err, raw)
		}
	}
	if resp.Header.Get("X-Request-Id") == "" {
		return res, fmt.Errorf("%s %s: answer without X-Request-Id", method, path)
	}
	return res, nil
}

// expectError checks an error answer's status and code and that its message
// contains want.
func expectError(t *testing.T, r result, status int, code, want string) {
	t.Helper()
	if r.status != status || r.str("error_code") != code {
		t.Fatalf("got %d %s, want %d %s; body %s", r.status, r.str("error_code"), status, code, r.raw)
	}
	msg := r.str("error_message") + r.str("error_msg")
	if !strings.Contains(msg, want) {
		t.Fatalf("message %q does not contain %q", msg, want)
	}
	if strings.HasPrefix(code, "ModelArts.") && r.body["is_success"] != false {
		t.Fatalf("service error without is_success false: %s", r.raw)
	}
}

// create creates a job and returns its ID.
func (h *harness) create(name string, extra ...string) int64 {
	h.t.Helper()
	fields := []string{`"job_name":"` + name + `"`, `"train_url":"/bucket/` + name + `/"`}
	body := "{" + strings.Join(append(fields, extra...), ",") + "}"
	r := h.do("POST", jobsPath, body)
	if r.status != 200 || r.body["is_success"] != true {
		h.t.Fatalf("create %s: %d %s", name, r.status, r.raw)
	}
	return r.num("job_id")
}

func jobPath(id int64) string { return jobsPath + "/" + strconv.FormatInt(id, 10) }

// listed returns job i of a list answer, or nil when there is none.
func (r result) listed(i int) map[string]any {
	jobs, _ := r.body["jobs"].([]any)
	if i >= len(jobs) {
		return nil
	}
	job, _ := jobs[i].(map[string]any)
	return job
}

// keysOf returns the sorted keys of a JSON object answer.
func keysOf(r result) string {
	keys := make([]string, 0, len(r.body))
	for k := range r.body {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

// gatewayShaped reports whether an answer is exactly the API gateway's error
// shape: error_code, error_msg and a request_id equal to X-Request-Id.
func gatewayShaped(r result) bool {
	return keysOf(r) == "error_code,error_msg,request_id" && r.str("request_id") == r.header.Get("X-Request-Id") &&
		strings.HasPrefix(r.header.Get("Content-Type"), "application/json")
}

// modelArtsShaped reports whether an answer is exactly the service's error
// shape: is_success false, error_code and error_message.
func modelArtsShaped(r result) bool {
	return keysOf(r) == "error_code,error_message,is_success" && r.body["is_success"] == false &&
		strings.HasPrefix(r.header.Get("Content-Type"), "application/json")
}
