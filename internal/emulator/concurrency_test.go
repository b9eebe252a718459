package emulator

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrency_mixedOperations runs creates, reads, lists, updates, stops,
// deletes and IAM logins from many goroutines (run with -race): IDs stay
// unique and the counts add up.
func TestConcurrency_mixedOperations(t *testing.T) {
	h := newHarness(t, Config{Quota: 1000, StartDelay: -1, StopDelay: -1, RateLimit: 1e6, DeleteDelay: time.Millisecond})
	h.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	h.emu.AddFault(Fault{Kind: FaultLatency, Latency: time.Microsecond, Op: "get"})
	const workers, perWorker = 8, 15
	var wg sync.WaitGroup
	ids := make(chan int64, workers*perWorker)
	for w := range workers {
		wg.Go(func() {
			do := func(method, path, body string, opts ...reqOpt) result {
				r, err := h.try(method, path, body, opts...)
				if err != nil {
					t.Error(err)
				}
				return r
			}
			for i := range perWorker {
				r := do("POST", jobsPath, fmt.Sprintf(`{"job_name":"w%d-%d","train_url":"/b/"}`, w, i))
				if r.status != 200 {
					t.Errorf("create: %d %s", r.status, r.raw)
					return
				}
				id := r.num("job_id")
				ids <- id
				do("GET", jobPath(id), "")
				do("GET", jobsPath+"?per_page=5&sortBy=status", "")
				do("PUT", jobPath(id), `{"job_desc":"x"}`)
				if i%3 == 0 {
					do("POST", jobPath(id)+"/stop", "")
				}
				if i%5 == 0 {
					do("DELETE", jobPath(id), "")
				}
				if i%7 == 0 {
					do("POST", "/v3/auth/tokens", iamBody(DefaultUser, DefaultPassword, DefaultDomain, projectScope), withNoAuth())
				}
				_ = h.emu.Jobs()
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("job ID %d handed out twice", id)
		}
		seen[id] = true
	}
	if len(seen) != workers*perWorker || h.emu.RequestCount("create") != workers*perWorker {
		t.Fatalf("%d IDs, %d creates", len(seen), h.emu.RequestCount("create"))
	}
	if got := len(h.emu.Requests()); got != h.emu.RequestCount("") {
		t.Fatalf("%d records, count %d", got, h.emu.RequestCount(""))
	}
}

// BenchmarkGet measures signed GETs of one job, in parallel through
// httptest, signing included. Report it as GETs/second:
//
//	go test -run '^$' -bench BenchmarkGet ./internal/emulator
func BenchmarkGet(b *testing.B) {
	clock := newFakeClock()
	emu := New(Config{Now: clock.Now})
	if err := emu.Seed(Job{JobID: 8992, JobName: "resnet50-tb", Status: StatusRunning, TrainURL: "/ml-bucket/resnet50/train/"}); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	url := srv.URL + jobPath(8992)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 1024)
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			testSign(req, nil, DefaultAccessKey, DefaultSecretKey, clock.Now(), []string{"host", "x-sdk-date"}, "")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			n, _ := resp.Body.Read(buf)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(buf[:n]), `"job_id":8992`) {
				b.Errorf("GET: %d %s", resp.StatusCode, buf[:n])
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "GETs/s")
}
