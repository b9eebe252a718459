package client

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func BenchmarkSign(b *testing.B) {
	req, err := http.NewRequest(http.MethodGet, "https://modelarts.eu-de.otc.t-systems.com/v1/"+testProjectID+"/visualization-jobs/197", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("X-Project-Id", testProjectID)
	s := Signer{AccessKey: testAK, SecretKey: testSK}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Sign(req, nil, now); err != nil {
			b.Fatal(err)
		}
	}
}

// benchServerEnv makes the test binary a bare job server (see TestBenchServerProcess).
const benchServerEnv = "MODELARTS_CLIENT_BENCH_SERVER"

func benchJobHandler() http.Handler {
	body := []byte(sampleJob)
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header()["Content-Type"] = jsonVals
		_, _ = w.Write(body)
	})
}

// TestBenchServerProcess is not a test: BenchmarkGetVisualizationJob runs the test
// binary as a child process with benchServerEnv set, to serve from outside the
// process whose allocations the benchmark counts.
func TestBenchServerProcess(t *testing.T) {
	if os.Getenv(benchServerEnv) != "1" {
		t.Skip("helper process for BenchmarkGetVisualizationJob")
	}
	srv := httptest.NewServer(benchJobHandler())
	defer srv.Close()
	fmt.Println(srv.URL)
	_, _ = io.Copy(io.Discard, os.Stdin) // serve until the parent closes stdin
}

func childServer(b *testing.B) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchServerProcess$")
	cmd.Env = append(os.Environ(), benchServerEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://") {
		b.Fatalf("child server: %q %v", line, err)
	}
	return strings.TrimSpace(line)
}

// BenchmarkGetVisualizationJob measures a signed GET and its decoding over loopback.
// "in-process" counts the httptest server's allocations too; "child-server" serves
// from another process, so allocs/op is the client's alone (net/http's client side
// included).
func BenchmarkGetVisualizationJob(b *testing.B) {
	run := func(b *testing.B, url string) {
		c, err := New(WithBaseURL(url+basePath), WithProjectID(testProjectID), WithAccessKey(testAK, testSK, ""))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			j, err := c.GetVisualizationJob(ctx, "197")
			if err != nil || *j.JobID != 197 {
				b.Fatal(err)
			}
		}
	}
	b.Run("in-process", func(b *testing.B) {
		srv := httptest.NewServer(benchJobHandler())
		defer srv.Close()
		run(b, srv.URL)
	})
	b.Run("child-server", func(b *testing.B) {
		run(b, childServer(b))
	})
	// The floor: a bare net/http GET of the same body, unsigned and not decoded.
	b.Run("child-server-bare-net-http", func(b *testing.B) {
		url := childServer(b) + jobsPath + "/197"
		dt, ok := http.DefaultTransport.(*http.Transport)
		if !ok {
			b.Fatalf("http.DefaultTransport is %T", http.DefaultTransport)
		}
		hc := &http.Client{Transport: dt.Clone()}
		b.ReportAllocs()
		for b.Loop() {
			resp, err := hc.Get(url)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

// listPage1000 is a list page of 1000 jobs as the API sends it.
func listPage1000() []byte {
	var sb strings.Builder
	sb.WriteString(`{"is_success":true,"job_total_count":1000,"job_count_limit":100,"quotas":10,"jobs":[`)
	for i := range 1000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"job_id":%d,"job_name":"job-%d","job_desc":"tensorboard for run %d","status":8,"create_time":1565149736000,`+
			`"duration":"33000","train_url":"/bucket/train/%d/","service_url":"https://console.example/modelarts2/tensorboard/%s/%d/",`+
			`"resource_id":"e17dd874-b5e0-4e9b-aaf0-22b045ad8571","remaining_duration":null}`, i+1, i, i, i, testProjectID, i)
	}
	sb.WriteString("]}")
	return []byte(sb.String())
}

func BenchmarkDecodeListPage1000(b *testing.B) {
	data := listPage1000()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		_, p, err := decodeListPage(data)
		if err != nil || len(p.Jobs) != 1000 {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckKeysListPage1000 is the duplicate-key scan alone, the part of
// BenchmarkDecodeListPage1000 that encoding/json does not do: it allocates nothing.
func BenchmarkCheckKeysListPage1000(b *testing.B) {
	data := listPage1000()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := checkKeys(data, "jobs"); err != nil {
			b.Fatal(err)
		}
	}
}
