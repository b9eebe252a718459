package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// pluginMagicCookie is the go-plugin handshake Terraform uses: a provider
// started without it refuses to serve.
const pluginMagicCookie = "TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"

// rawCodec sends and receives protobuf messages as bytes, so benchrun can ask
// a provider for its schema without the tfplugin6 stubs (which
// terraform-plugin-go keeps internal). Its name is "proto" so the server
// decodes the request with its usual codec.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }

func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

// startupTimes are the two moments of a provider's start, from the exec.
type startupTimes struct {
	Handshake time.Duration // the go-plugin handshake line is on stdout: it listens
	Schema    time.Duration // GetProviderSchema answered: it serves
}

// parseHandshake returns the network and address of a go-plugin handshake
// line "1|6|unix|/tmp/plugin123|grpc|".
func parseHandshake(line string) (network, addr string, err error) {
	parts := strings.Split(strings.TrimSpace(line), "|")
	if len(parts) < 5 || parts[1] != "6" || parts[4] != "grpc" {
		return "", "", fmt.Errorf("not a protocol 6 gRPC handshake: %q", line)
	}
	return parts[2], parts[3], nil
}

// measureStartup starts bin as Terraform would, then times the handshake line
// and the first GetProviderSchema answer. The process is killed afterwards.
func measureStartup(ctx context.Context, bin string, env []string) (startupTimes, error) {
	var st startupTimes
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := groupCommand(ctx, bin)
	cmd.Env = append(env, pluginMagicCookie, "PLUGIN_PROTOCOL_VERSIONS=6", "PLUGIN_MIN_PORT=10000", "PLUGIN_MAX_PORT=25000")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return st, err
	}
	cmd.Stderr = io.Discard
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return st, err
	}
	defer func() {
		_ = cmd.Cancel()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return st, fmt.Errorf("reading the handshake of %s: %w", bin, err)
	}
	st.Handshake = time.Since(start)
	network, addr, err := parseHandshake(line)
	if err != nil {
		return st, err
	}
	target := addr
	if network == "unix" {
		target = "unix://" + addr
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return st, err
	}
	defer conn.Close()
	req, resp := []byte{}, []byte(nil)
	if err := conn.Invoke(ctx, "/tfplugin6.Provider/GetProviderSchema", &req, &resp, grpc.ForceCodec(rawCodec{})); err != nil {
		return st, fmt.Errorf("GetProviderSchema: %w", err)
	}
	st.Schema = time.Since(start)
	if len(resp) == 0 {
		return st, fmt.Errorf("GetProviderSchema of %s answered an empty schema", bin)
	}
	return st, nil
}

// debugProvider is a provider started with -debug: Terraform attaches to it
// through TF_REATTACH_PROVIDERS instead of starting it, so benchrun knows its
// PID and can read its peak RSS after a plan.
type debugProvider struct {
	cmd      *exec.Cmd
	Reattach string // value for TF_REATTACH_PROVIDERS
	stderr   *countingWriter
}

// countingWriter counts and discards what a process writes.
type countingWriter struct{ n atomic.Int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return len(p), nil
}

// parseReattach finds the reattach configuration in the debug banner of
// terraform-plugin-go and rewrites the provider's registry host to host
// (OpenTofu looks providers up under registry.opentofu.org).
func parseReattach(banner, host string) (string, error) {
	const marker = "TF_REATTACH_PROVIDERS='"
	for _, line := range strings.Split(banner, "\n") {
		i := strings.Index(line, marker)
		if i < 0 || strings.Contains(line, "PowerShell") {
			continue
		}
		js := strings.TrimSuffix(strings.TrimSpace(line[i+len(marker):]), "'")
		js = strings.ReplaceAll(js, `'"'"'`, `'`)
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(js), &m); err != nil {
			return "", fmt.Errorf("reattach configuration %q: %w", js, err)
		}
		out := make(map[string]json.RawMessage, len(m))
		for addr, cfg := range m {
			parts := strings.SplitN(addr, "/", 3)
			if len(parts) == 3 && host != "" {
				addr = host + "/" + parts[1] + "/" + parts[2]
			}
			out[addr] = cfg
		}
		b, err := json.Marshal(out)
		return string(b), err
	}
	return "", fmt.Errorf("no TF_REATTACH_PROVIDERS in %q", banner)
}

// startDebug starts bin -debug and waits for its reattach configuration.
func startDebug(ctx context.Context, ps *procSet, bin string, env []string, host string) (*debugProvider, error) {
	cmd := exec.Command(bin, "-debug")
	cmd.Env = env
	stderr := &countingWriter{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := ps.start(cmd); err != nil {
		return nil, err
	}
	found := make(chan string, 1)
	go func() {
		var banner strings.Builder
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			banner.WriteString(sc.Text() + "\n")
			if !sent && strings.Contains(sc.Text(), "TF_REATTACH_PROVIDERS='") {
				found <- banner.String()
				sent = true
			}
		}
	}()
	select {
	case banner := <-found:
		r, err := parseReattach(banner, host)
		if err != nil {
			ps.stop(cmd)
			return nil, err
		}
		return &debugProvider{cmd: cmd, Reattach: r, stderr: stderr}, nil
	case <-time.After(20 * time.Second):
	case <-ctx.Done():
	}
	ps.stop(cmd)
	return nil, fmt.Errorf("%s -debug printed no reattach configuration", bin)
}

// stderrBytes is how much the provider has written to stderr so far.
func (d *debugProvider) stderrBytes() int64 { return d.stderr.n.Load() }

// peakRSS is the provider's high-water resident set size in bytes (VmHWM).
func (d *debugProvider) peakRSS() (int64, error) {
	return vmHWM(d.cmd.Process.Pid)
}

// vmHWM reads a process's peak resident set size from /proc.
func vmHWM(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	return parseVmHWM(string(b))
}

func parseVmHWM(status string) (int64, error) {
	for _, line := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) != 2 || f[1] != "kB" {
				return 0, fmt.Errorf("unexpected VmHWM line %q", line)
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc status")
}
