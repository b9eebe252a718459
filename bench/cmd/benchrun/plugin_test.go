package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// buildBaseline builds the baseline provider of this module for the tests
// that start a real provider process.
func buildBaseline(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and starts a provider")
	}
	bin := filepath.Join(t.TempDir(), "terraform-provider-baseline")
	cmd := exec.Command("go", "build", "-o", bin, "../../baseline")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestMeasureStartup_servesTheSchemaOverGRPC(t *testing.T) {
	bin := buildBaseline(t)
	st, err := measureStartup(context.Background(), bin, os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	if st.Handshake <= 0 || st.Schema < st.Handshake {
		t.Fatalf("handshake %v, schema %v: the schema cannot be served before the handshake", st.Handshake, st.Schema)
	}
}

func TestMeasureStartup_notAPluginIsAnError(t *testing.T) {
	if _, err := measureStartup(context.Background(), "/bin/echo", nil); err == nil {
		t.Fatal("echo passed for a provider")
	}
}

func TestStartDebug_reattachAndCleanup(t *testing.T) {
	bin := buildBaseline(t)
	ps := newProcSet()
	defer ps.stopAll()
	dp, err := startDebug(context.Background(), ps, bin, os.Environ(), "registry.terraform.io")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dp.Reattach, `"registry.terraform.io/bench/baseline"`) {
		t.Fatalf("reattach %s", dp.Reattach)
	}
	rss, err := dp.peakRSS()
	if err != nil || rss < 1<<20 {
		t.Fatalf("peak RSS %d, %v", rss, err)
	}
	pid := dp.cmd.Process.Pid
	ps.stopAll()
	if err := syscall.Kill(pid, 0); err == nil {
		t.Fatalf("provider %d still runs after stopAll", pid)
	}
}
