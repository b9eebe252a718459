package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

// syncBuffer is a bytes.Buffer safe for the server's and the test's
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sign is a minimal SDK-HMAC-SHA256 signer written from section 5 of the API
// spec (Access= form, host and x-sdk-date signed, no query parameters with
// repeated keys).
func sign(req *http.Request, body []byte) {
	date := time.Now().UTC().Format("20060102T150405Z")
	req.Header.Set("X-Sdk-Date", date)
	uri := req.URL.EscapedPath()
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	q := req.URL.Query()
	var keys []string
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var qs []string
	for _, k := range keys {
		qs = append(qs, k+"="+strings.ReplaceAll(url.QueryEscape(q.Get(k)), "+", "%20"))
	}
	bodySum := sha256.Sum256(body)
	canonical := req.Method + "\n" + uri + "\n" + strings.Join(qs, "&") + "\nhost:" + req.Host + "\nx-sdk-date:" + date +
		"\n\nhost;x-sdk-date\n" + hex.EncodeToString(bodySum[:])
	canonSum := sha256.Sum256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(emulator.DefaultSecretKey))
	mac.Write([]byte("SDK-HMAC-SHA256\n" + date + "\n" + hex.EncodeToString(canonSum[:])))
	req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+emulator.DefaultAccessKey+
		", SignedHeaders=host;x-sdk-date, Signature="+hex.EncodeToString(mac.Sum(nil)))
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// start runs the command in the background and returns its URL and a stop
// function that ends it and returns run's error.
func start(t *testing.T, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"-listen", "127.0.0.1:0"}, args...), out, errOut) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			stop := func() error {
				cancel()
				select {
				case err := <-done:
					return err
				case <-time.After(10 * time.Second):
					t.Fatal("run did not stop")
					return nil
				}
			}
			t.Cleanup(func() { cancel() })
			return m[1], errOut, stop
		}
		select {
		case err := <-done:
			t.Fatalf("run ended before listening: %v\n%s", err, errOut)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no URL printed:\n%s", out)
		}
	}
}

func call(t *testing.T, method, target, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sign(req, []byte(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s %s: %v: %s", method, target, err, raw)
	}
	return resp.StatusCode, m
}

const jobs = "/v1/" + emulator.DefaultProjectID + "/visualization-jobs"

// TestRun_servesSeedAndKeepsState: the command serves the example jobs to a
// signed request, applies -fault, saves -state on change and at shutdown, and
// a second run picks the state up instead of the seed.
func TestRun_servesSeedAndKeepsState(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	base, logs, stop := start(t, "-seed", "../../examples/emulator/jobs.json", "-state", state,
		"-fault", "status=503,times=1,op=list,retry-after=1", "-start-delay", "0")

	status, body := call(t, "GET", base+jobs+"/8992", "")
	if status != 200 || body["job_name"] != "resnet50-tb" || body["status"] != 8.0 || body["train_url"] != "/ml-bucket/resnet50/train/" {
		t.Fatalf("job 8992: %d %v", status, body)
	}
	if status, body := call(t, "GET", base+jobs+"?per_page=100", ""); status != 503 || body["error_code"] != "APIG.0202" {
		t.Fatalf("-fault did not fire: %d %v", status, body)
	}
	if status, body := call(t, "GET", base+jobs+"?per_page=100", ""); status != 200 || body["job_total_count"] != 5.0 {
		t.Fatalf("list: %d %v", status, body)
	}
	status, body = call(t, "POST", base+jobs, `{"job_name":"from-cmd","train_url":"/b/"}`)
	if status != 200 || body["job_id"] != 8994.0 {
		t.Fatalf("create: %d %v", status, body)
	}
	if saved, err := os.ReadFile(state); err != nil || !strings.Contains(string(saved), "from-cmd") {
		t.Fatalf("state not saved on change: %v %s", err, saved)
	}
	// -start-delay 0 means none, not the default.
	if _, body := call(t, "GET", base+jobs+"/8994", ""); body["status"] != 8.0 {
		t.Fatalf("new job not running at once: %v", body)
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	log := logs.String()
	if !strings.Contains(log, "GET "+jobs+"/8992 op=get job=8992 auth=aksk status=200") || !strings.Contains(log, "stopped") {
		t.Fatalf("request log:\n%s", log)
	}
	if strings.Contains(log, emulator.DefaultSecretKey) || strings.Contains(log, "Signature=") {
		t.Fatalf("secret in the log:\n%s", log)
	}

	base, _, stop = start(t, "-seed", "../../examples/emulator/jobs.json", "-state", state, "-quiet")
	if status, body := call(t, "GET", base+jobs+"/8994", ""); status != 200 || body["job_name"] != "from-cmd" {
		t.Fatalf("state not loaded: %d %v", status, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestRun_printsProviderSettings: the start banner holds the URL and the
// settings a provider block needs.
func TestRun_printsProviderSettings(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-quiet", "-project-id", "p1", "-access-key", "AK1"}, out, io.Discard)
	}()
	for !listening.MatchString(out.String()) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	base := listening.FindStringSubmatch(out.String())[1]
	for _, want := range []string{
		`endpoints  = { modelarts = "` + base + `" }`, `auth_url   = "` + base + `/v3"`, `project_id = "p1"`,
		`access_key = "AK1"`, `secret_key = "` + emulator.DefaultSecretKey + `"`, "export HW_PROJECT_ID=p1",
		"export HW_AUTH_URL=" + base + "/v3", "export HW_MODELARTS_ENDPOINT=" + base, `user_name = "` + emulator.DefaultUser + `"`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
}

// TestRun_badCommandLines: bad flags and files are errors, -help is not.
func TestRun_badCommandLines(t *testing.T) {
	var help bytes.Buffer
	if err := run(context.Background(), []string{"-help"}, io.Discard, &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-help: %v", err)
	}
	for _, want := range []string{emulator.DefaultAccessKey, emulator.DefaultSecretKey, emulator.DefaultProjectID,
		"status=503,times=2,op=get,retry-after=1", "reset-after"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("-help lacks %q", want)
		}
	}
	dir := t.TempDir()
	badSeed := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(badSeed, []byte(`[{"job_id":1},{"job_id":1}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string][]string{
		"unknown flag":   {"-nope"},
		"bad fault":      {"-fault", "kind=explode"},
		"extra argument": {"serve"},
		"missing seed":   {"-seed", filepath.Join(dir, "none.json")},
		"duplicate ids":  {"-seed", badSeed},
		"bad listen":     {"-listen", "256.0.0.1:99999"},
	} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
