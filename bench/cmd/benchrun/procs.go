package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// procSet remembers every long-lived process benchrun starts (emulators,
// providers in debug mode) so that all of them are stopped on every exit
// path, an error or a signal included. Each runs in its own process group, so
// stopping it also stops anything it started.
type procSet struct {
	mu    sync.Mutex
	procs map[int]*exec.Cmd
}

func newProcSet() *procSet { return &procSet{procs: map[int]*exec.Cmd{}} }

// start starts cmd in a new process group and remembers it.
func (p *procSet) start(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		return err
	}
	p.mu.Lock()
	p.procs[cmd.Process.Pid] = cmd
	p.mu.Unlock()
	return nil
}

// stop ends one process (and its group): SIGTERM, then SIGKILL after a grace
// period, and reaps it.
func (p *procSet) stop(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	p.mu.Lock()
	_, ours := p.procs[cmd.Process.Pid]
	delete(p.procs, cmd.Process.Pid)
	p.mu.Unlock()
	if !ours {
		return
	}
	pid := cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-done
	}
}

// stopAll stops every process still running.
func (p *procSet) stopAll() {
	p.mu.Lock()
	cmds := make([]*exec.Cmd, 0, len(p.procs))
	for _, c := range p.procs {
		cmds = append(cmds, c)
	}
	p.mu.Unlock()
	for _, c := range cmds {
		p.stop(c)
	}
}

// groupCommand is exec.CommandContext whose cancellation kills the whole
// process group: cancelling a terraform plan must also stop the providers
// terraform started.
func groupCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// emulator is one running modelarts-emulator.
type emulator struct {
	URL string
	Log string // path of its request log (stderr)
	cmd *exec.Cmd
}

var emulatorURL = regexp.MustCompile(`listening on (http://127\.0\.0\.1:[0-9]+)`)

// startEmulator starts the emulator binary with the seed file and extra
// flags, and waits until it prints its URL.
func startEmulator(ctx context.Context, ps *procSet, bin, seed, logPath string, extra ...string) (*emulator, error) {
	args := append([]string{"-listen", "127.0.0.1:0", "-seed", seed, "-start-delay", "0"}, extra...)
	cmd := exec.Command(bin, args...)
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := ps.start(cmd); err != nil {
		return nil, err
	}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := emulatorURL.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case u := <-urlc:
		return &emulator{URL: u, Log: logPath, cmd: cmd}, nil
	case <-time.After(20 * time.Second):
	case <-ctx.Done():
	}
	ps.stop(cmd)
	return nil, fmt.Errorf("emulator %v did not print its URL; log: %s", extra, tail(logPath, 20))
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// countStatuses counts request log lines by answered status, from offset on
// (the emulator logs one line per request: "... status=429 ...").
func countStatuses(path string, offset int64) (map[int]int, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, offset, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, offset, err
	}
	counts := map[int]int{}
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadString('\n')
		if !strings.HasSuffix(line, "\n") {
			// A partial last line is counted on the next call.
			break
		}
		offset += int64(len(line))
		if st, ok := parseStatus(line); ok {
			counts[st]++
		}
		if err != nil {
			break
		}
	}
	return counts, offset, nil
}

var statusField = regexp.MustCompile(` status=([0-9]{1,3}) `)

func parseStatus(line string) (int, bool) {
	m := statusField.FindStringSubmatch(line)
	if m == nil {
		return 0, false
	}
	var st int
	_, err := fmt.Sscanf(m[1], "%d", &st)
	return st, err == nil
}

// errInterrupted is returned when a signal stopped the run.
var errInterrupted = errors.New("interrupted")
