package main

import (
	"strings"
	"testing"
	"time"
)

// stream is `go test -json` output of two packages: one passes with a slow
// and a fast test, the other fails in a subtest.
const stream = `{"Action":"start","Package":"example/a"}
{"Action":"run","Package":"example/a","Test":"TestSlow"}
{"Action":"output","Package":"example/a","Test":"TestSlow","Output":"=== RUN   TestSlow\n"}
{"Action":"output","Package":"example/a","Test":"TestSlow","Output":"slow-test-noise\n"}
{"Action":"pass","Package":"example/a","Test":"TestSlow","Elapsed":12.34}
{"Action":"run","Package":"example/a","Test":"TestFast"}
{"Action":"pass","Package":"example/a","Test":"TestFast","Elapsed":0.01}
{"Action":"pass","Package":"example/a","Elapsed":12.5}
not json: copied through
{"Action":"run","Package":"example/b","Test":"TestBroken"}
{"Action":"run","Package":"example/b","Test":"TestBroken/fine"}
{"Action":"output","Package":"example/b","Test":"TestBroken/fine","Output":"passing-subtest-noise\n"}
{"Action":"pass","Package":"example/b","Test":"TestBroken/fine","Elapsed":1}
{"Action":"run","Package":"example/b","Test":"TestBroken/case"}
{"Action":"output","Package":"example/b","Test":"TestBroken/case","Output":"    broken_test.go:9: want 1, got 2\n"}
{"Action":"fail","Package":"example/b","Test":"TestBroken/case","Elapsed":2}
{"Action":"fail","Package":"example/b","Test":"TestBroken","Elapsed":2.05}
{"Action":"output","Package":"example/b","Output":"FAIL\n"}
{"Action":"fail","Package":"example/b","Elapsed":2.1}
`

func TestRun_progressFailuresAndSlowest(t *testing.T) {
	var out strings.Builder
	ok, err := run(strings.NewReader(stream), newFormatter(&out, time.Second, 2))
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Error("a failed test was reported as success")
	}
	got := out.String()
	for _, want := range []string{
		"ok      12.3s  example/a TestSlow\n",
		"ok      12.5s  example/a\n",
		"not json: copied through\n",
		"broken_test.go:9: want 1, got 2\n",
		"FAIL       2s  example/b TestBroken\n",
		"FAIL     2.1s  example/b\n",
		"2 packages, 2 tests passed, 0 skipped, 1 failed\n",
		"slowest:\n    12.3s  example/a TestSlow\n       2s  example/b TestBroken\n",
		"FAILED: example/b TestBroken, example/b\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for _, noise := range []string{"TestFast", "slow-test-noise", "passing-subtest-noise"} {
		if strings.Contains(got, noise) {
			t.Errorf("output shows %q, which belongs to a passing or fast test:\n%s", noise, got)
		}
	}
}

func TestRun_emptyInputFails(t *testing.T) {
	var out strings.Builder
	ok, err := run(strings.NewReader("no events here\n"), newFormatter(&out, time.Second, 3))
	if err != nil {
		t.Fatal(err)
	}
	if ok || !strings.Contains(out.String(), "no test result") {
		t.Errorf("input without results passed: %q", out.String())
	}
}
