package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleBenchOutput = `goos: linux
goarch: amd64
pkg: github.com/tf-modelarts/terraform-provider-modelarts/internal/client
cpu: Intel(R) Xeon(R) CPU @ 2.20GHz
BenchmarkSign-2   	  200000	      5016 ns/op	     912 B/op	      13 allocs/op
BenchmarkGetVisualizationJob/child-server-2         	   10000	    100220 ns/op	    7001 B/op	      59 allocs/op
BenchmarkSign-2   	  200000	      4000 ns/op	     912 B/op	      13 allocs/op
BenchmarkGetVisualizationJob/child-server-2         	   10000	     90000 ns/op	    7001 B/op	      61 allocs/op
BenchmarkSign-2   	  200000	      6000.5 ns/op	     912 B/op	      13 allocs/op
BenchmarkGetVisualizationJob/child-server-2         	   10000	     95000 ns/op	    7001 B/op	      60 allocs/op
BenchmarkNoMem-2   	  10	      12 ns/op
PASS
ok  	github.com/tf-modelarts/terraform-provider-modelarts/internal/client	12.3s
`

func TestParseBenchOutput_mediansPerBenchmarkWithoutProcsSuffix(t *testing.T) {
	got := parseBenchOutput("./internal/client/", sampleBenchOutput)
	if len(got) != 3 {
		t.Fatalf("got %d benchmarks: %+v", len(got), got)
	}
	sign, ok := findBench(got, "BenchmarkSign")
	if !ok || sign.NsPerOp.Median != 5016 || sign.NsPerOp.Min != 4000 || sign.NsPerOp.Max != 6000.5 || len(sign.NsPerOp.Runs) != 3 {
		t.Fatalf("BenchmarkSign = %+v", sign)
	}
	get, ok := findBench(got, "BenchmarkGetVisualizationJob/child-server")
	if !ok || get.AllocsPerOp.Median != 60 || get.BytesPerOp.Median != 7001 {
		t.Fatalf("child-server = %+v", get)
	}
	nomem, _ := findBench(got, "BenchmarkNoMem")
	if nomem.AllocsPerOp.measured() || nomem.NsPerOp.Median != 12 {
		t.Fatalf("a benchmark without -benchmem columns must have unmeasured allocs: %+v", nomem)
	}
}

func TestParseHandshake(t *testing.T) {
	network, addr, err := parseHandshake("1|6|unix|/tmp/plugin123|grpc|\n")
	if err != nil || network != "unix" || addr != "/tmp/plugin123" {
		t.Fatalf("got %q %q %v", network, addr, err)
	}
	if _, _, err := parseHandshake("1|5|unix|/tmp/p|grpc|"); err == nil {
		t.Fatal("protocol 5 accepted as a protocol 6 handshake")
	}
	if _, _, err := parseHandshake("This binary is a plugin."); err == nil {
		t.Fatal("the not-a-plugin banner accepted as a handshake")
	}
}

func TestParseReattach_rewritesRegistryHost(t *testing.T) {
	banner := "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n" +
		"\tTF_REATTACH_PROVIDERS='{\"registry.terraform.io/tf-modelarts/modelarts\":{\"Protocol\":\"grpc\",\"ProtocolVersion\":6,\"Pid\":42,\"Test\":true,\"Addr\":{\"Network\":\"unix\",\"String\":\"/tmp/plugin1\"}}}'\n\n"
	got, err := parseReattach(banner, "registry.opentofu.org")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, `"registry.opentofu.org/tf-modelarts/modelarts":{`) || !strings.Contains(got, `"Pid":42`) {
		t.Fatalf("got %s", got)
	}
	if _, err := parseReattach("no banner here", ""); err == nil {
		t.Fatal("a missing banner must be an error")
	}
}

func TestParseVmHWM(t *testing.T) {
	got, err := parseVmHWM("Name:\tx\nVmPeak:\t  900 kB\nVmHWM:\t   81234 kB\nVmRSS:\t 100 kB\n")
	if err != nil || got != 81234*1024 {
		t.Fatalf("got %d %v", got, err)
	}
	if _, err := parseVmHWM("Name:\tx\n"); err == nil {
		t.Fatal("a status without VmHWM must be an error")
	}
}

func TestCountStatuses_countsCompleteLinesFromOffset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "emu.log")
	first := "modelarts-emulator: 2026/01/01 GET /v1/p/visualization-jobs/1 op=get job=1 auth=aksk status=200 request_id=a in 1ms\n" +
		"modelarts-emulator: 2026/01/01 GET /v1/p/visualization-jobs/2 op=get job=2 auth= status=429 request_id=b in 0s\n"
	if err := os.WriteFile(path, []byte(first+"modelarts-emulator: partial status=429"), 0o644); err != nil {
		t.Fatal(err)
	}
	counts, off, err := countStatuses(path, 0)
	if err != nil || counts[200] != 1 || counts[429] != 1 || off != int64(len(first)) {
		t.Fatalf("counts %v offset %d err %v", counts, off, err)
	}
	if err := os.WriteFile(path, []byte(first+"modelarts-emulator: GET op=get status=429 request_id=c in 0s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	counts, _, err = countStatuses(path, off)
	if err != nil || counts[429] != 1 || counts[200] != 0 {
		t.Fatalf("second read counted %v (%v), want only the new 429", counts, err)
	}
}
