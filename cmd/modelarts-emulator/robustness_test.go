package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRun_timeouts: the server closes connections whose headers or body do
// not arrive, and idle keep-alive connections, yet the latency and hang
// faults outlast -read-timeout; a shutdown releases a hanging request.
func TestRun_timeouts(t *testing.T) {
	base, _, stop := start(t, "-quiet", "-read-header-timeout", "200ms", "-read-timeout", "300ms", "-idle-timeout", "300ms",
		"-fault", "latency=600ms,op=create", "-fault", "kind=hang,op=get")
	addr := strings.TrimPrefix(base, "http://")

	closedWithin := func(what, send string, within time.Duration) {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		start := time.Now()
		if _, err := io.WriteString(conn, send); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(conn)
		if strings.HasSuffix(send, "\r\n\r\n") { // a whole request: read its answer first
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		_, err = io.ReadAll(r)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("%s: the server kept the connection open for 5s", what)
		}
		if el := time.Since(start); el > within {
			t.Fatalf("%s: closed after %s, want within %s", what, el, within)
		}
	}
	closedWithin("headers that never end", "GET "+jobs+" HTTP/1.1\r\nHost: x\r\n", 2*time.Second)
	closedWithin("a body that never ends", "PUT "+jobs+"/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{", 2*time.Second)
	closedWithin("an idle keep-alive connection", "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", 2*time.Second)

	// A create delayed beyond -read-timeout is still served: its body was
	// read before the delay (padded past the server's 4 KiB read buffer, so
	// that reading it after the delay would hit the expired deadline).
	padded := `{"job_name":"slow","train_url":"/b/"` + strings.Repeat(" ", 16<<10) + `}`
	if status, body := call(t, "POST", base+jobs, padded); status != 200 || body["job_id"] != 1.0 {
		t.Fatalf("delayed create: %d %v", status, body)
	}
	// A hang outlasts -read-timeout: the client's own limit ends it.
	client := &http.Client{Timeout: 800 * time.Millisecond}
	req, _ := http.NewRequest("GET", base+jobs+"/1", nil)
	sign(req, nil)
	_, err := client.Do(req)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("hang: want the client's timeout, got %v", err)
	}

	// Shutting down with a request hanging: it is released, run returns.
	hung := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("GET", base+jobs+"/1", nil)
		sign(req, nil)
		_, err := http.DefaultClient.Do(req)
		hung <- err
	}()
	time.Sleep(100 * time.Millisecond)
	began := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("run with a hanging request: %v", err)
	}
	if el := time.Since(began); el > 3*time.Second {
		t.Fatalf("shutdown took %s", el)
	}
	if err := <-hung; err == nil {
		t.Fatal("the hanging request got an answer")
	}
}

// TestRun_unsavableStateRefusesCreate: when -state cannot be written, a
// create answers 500 and the job is not kept; once the file can be written
// again the next create gets the ID the refused one did not take.
func TestRun_unsavableStateRefusesCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state.json")
	base, logs, stop := start(t, "-state", state, "-start-delay", "0")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	status, body := call(t, "POST", base+jobs, `{"job_name":"unsaved","train_url":"/b/"}`)
	if status != 500 || body["error_code"] != "ModelArts.0010" || body["is_success"] != false {
		t.Fatalf("create with an unwritable state: %d %v", status, body)
	}
	if _, body := call(t, "GET", base+jobs, ""); body["job_total_count"] != 0.0 {
		t.Fatalf("the refused job is listed: %v", body)
	}
	if !strings.Contains(logs.String(), "saving state") {
		t.Fatalf("the failure is not logged:\n%s", logs)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if status, body := call(t, "POST", base+jobs, `{"job_name":"saved","train_url":"/b/"}`); status != 200 || body["job_id"] != 1.0 {
		t.Fatalf("create once writable: %d %v", status, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(state); err != nil || !strings.Contains(string(b), `"saved"`) || strings.Contains(string(b), "unsaved") {
		t.Fatalf("state file: %v\n%s", err, b)
	}
}

// TestRun_helpDocumentsFaults: -help names every fault kind, the keys of the
// later ones, the timeout flags and the three documented FaultStatus recipes.
func TestRun_helpDocumentsFaults(t *testing.T) {
	var help bytes.Buffer
	if err := run(context.Background(), []string{"-help"}, io.Discard, &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-help: %v", err)
	}
	for _, want := range []string{"empty-body", "wrong-job-id", "duplicate-key", "ignore-page", "huge-total", "normalize",
		"hang", "drip", "body-job-id=", "total=", "-read-timeout", "-read-header-timeout", "-idle-timeout",
		"status=404,code=APIG.0101,job=8992", "status=404,code=ModelArts.0015,op=get,times=3", "status=400,code=ModelArts.0105,op=delete"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("-help lacks %q", want)
		}
	}
	// Every example in the help parses.
	for _, line := range strings.Split(help.String(), "\n") {
		if spec, ok := strings.CutPrefix(strings.TrimSpace(line), "-fault "); ok && strings.Contains(spec, "=") {
			if err := run(context.Background(), []string{"-listen", "256.0.0.1:99999", "-fault", spec}, io.Discard, io.Discard); err == nil ||
				strings.Contains(err.Error(), "invalid command line") {
				t.Errorf("example -fault %s: %v", spec, err)
			}
		}
	}
	if err := run(context.Background(), []string{"-fault", "kind=ignore-page,op=get"}, io.Discard, io.Discard); err == nil {
		t.Error("-fault kind=ignore-page,op=get accepted")
	}
}
