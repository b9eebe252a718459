// Command modelarts-emulator serves a local ModelArts visualization-job API
// with IAM and the API gateway's authentication (internal/emulator), for
// demos and manual tests of the Terraform provider without a cloud account.
//
//	modelarts-emulator -seed examples/emulator/jobs.json
//
// On start it prints its URL and the provider settings that point at it. It
// stops cleanly on SIGINT or SIGTERM, saving -state if one was given.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "modelarts-emulator:", err)
		os.Exit(1)
	}
}

// errUsage is returned after the flag package has already explained a bad
// command line.
var errUsage = errors.New("invalid command line")

// faultFlags collects repeated -fault values.
type faultFlags []emulator.Fault

func (f *faultFlags) String() string { return "" }

func (f *faultFlags) Set(v string) error {
	fault, err := emulator.ParseFault(v)
	if err != nil {
		return err
	}
	*f = append(*f, fault)
	return nil
}

const usageHeader = `Usage: modelarts-emulator [flags]

Serves a local ModelArts visualization-job API (/v1/{project_id}/visualization-jobs)
and IAM (POST /v3/auth/tokens) that check credentials like the real API gateway.
The default credentials are public test values.

Flags:
`

const usageFaults = `
-fault syntax (repeatable; faults are tried in order, the first that fires
answers, latency faults add up and combine with it):
  comma-separated key=value pairs
    kind=KIND           one of the kinds below
    status=503          HTTP status (status, non-json, not-success, empty-body)
    code=APIG.0202      error_code (status, not-success); an APIG. code gets the
                        gateway's shape {"error_code","error_msg","request_id"},
                        any other the service's, with "is_success": false
    retry-after=1       Retry-After header value (seconds or an HTTP date)
    latency=500ms       delay (latency); pause before each byte (drip, default 1s)
    body-job-id=777     job_id written into the answer (wrong-job-id, duplicate-key;
                        default the real ID + 1000)
    total=1000000000000 job_total_count (huge-total; default 1000000000000)
    op=get              only this operation: get list create update delete stop restart iam
    job=8992            only requests naming this job ID
    skip=1              let this many matching requests pass first
    times=2             fire this many times (default: forever)
    probability=0.3     fire with this probability (needs -fault-seed)
  Without kind, status= means a status fault and latency= a latency fault.
  Kinds:
    status         answer status/code; the operation is not performed
    latency        wait, then serve
    reset          reset the connection; not performed
    reset-after    perform, then reset the connection (the lost answer)
    truncate       perform, send half the body, close
    non-json       an nginx HTML page (default 502)
    not-success    a 200 (or status=) with "is_success": false
    empty-body     status (default 404) with an empty body, no Content-Type
    wrong-job-id   get and list answers name another job_id (get, list only)
    duplicate-key  get answers add "Job_ID": <other id> after job_id (get only)
    ignore-page    lists always serve page 1 (list only)
    huge-total     lists report job_total_count=total (list only)
    normalize      store job_desc trimmed, train_url ending in "/", job_type in
                   lower case (create, update only)
    hang           never answer until the client leaves or the emulator stops
    drip           perform, then send the body one byte per latency
  Examples:
    -fault status=503,times=2,op=get,retry-after=1
        two 503s for reads, then normal answers
    -fault status=404,code=APIG.0101,job=8992
        the gateway's 404 "API does not exist" for every path naming job 8992
        (a wrong endpoint or base path)
    -fault status=404,code=ModelArts.0015,op=get,times=3
        "job does not exist" for the first 3 reads, as an eventually
        consistent service answers just after a create
    -fault status=400,code=ModelArts.0105,op=delete
        DELETE refused "wrong state" whatever the job's status
    -fault kind=drip,latency=1s,op=get
`

// run parses args, serves until ctx ends, then shuts down and saves -state.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("modelarts-emulator", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), usageHeader)
		flags.PrintDefaults()
		fmt.Fprint(flags.Output(), usageFaults)
	}
	var (
		cfg       emulator.Config
		faults    faultFlags
		listen    = flags.String("listen", "127.0.0.1:8449", "address to listen on (port 0 picks a free one)")
		seedFile  = flags.String("seed", "", "JSON `file` of jobs to start with (ignored when -state exists)")
		stateFile = flags.String("state", "", "state `file`: loaded at start if it exists, saved after each change and at shutdown")
		latency   = flags.Duration("latency", 0, "delay added to every request")
		quiet     = flags.Bool("quiet", false, "do not log requests")
		// No WriteTimeout: it counts from the end of the request, so it
		// would cut the deliberate delays of the latency, hang and drip
		// faults. The emulator bounds each write of an answer itself.
		readHeaderTimeout = flags.Duration("read-header-timeout", 10*time.Second, "time allowed to read a request's headers (0: the -read-timeout)")
		readTimeout       = flags.Duration("read-timeout", time.Minute, "time allowed to read a whole request, body included (0: none)")
		idleTimeout       = flags.Duration("idle-timeout", 2*time.Minute, "time a keep-alive connection may stay idle (0: the -read-timeout)")
	)
	flags.StringVar(&cfg.ProjectID, "project-id", emulator.DefaultProjectID, "project ID")
	flags.StringVar(&cfg.ProjectName, "project-name", emulator.DefaultProjectName, "project name (the region)")
	flags.StringVar(&cfg.AccessKey, "access-key", emulator.DefaultAccessKey, "permanent access key (AK)")
	flags.StringVar(&cfg.SecretKey, "secret-key", emulator.DefaultSecretKey, "permanent secret key (SK)")
	flags.StringVar(&cfg.TempAccessKey, "temp-access-key", emulator.DefaultTempAccessKey, "temporary access key")
	flags.StringVar(&cfg.TempSecretKey, "temp-secret-key", emulator.DefaultTempSecretKey, "temporary secret key")
	flags.StringVar(&cfg.SecurityToken, "security-token", emulator.DefaultSecurityToken, "security token of the temporary keys")
	flags.StringVar(&cfg.User, "user", emulator.DefaultUser, "IAM user name")
	flags.StringVar(&cfg.Password, "password", emulator.DefaultPassword, "IAM password")
	flags.StringVar(&cfg.Domain, "domain", emulator.DefaultDomain, "IAM domain (account) name")
	flags.StringVar(&cfg.Token, "token", emulator.DefaultToken, "ready X-Auth-Token that never expires")
	flags.StringVar(&cfg.ConsoleHost, "console-host", emulator.DefaultConsoleHost, "host of the jobs' service_url")
	flags.DurationVar(&cfg.StartDelay, "start-delay", emulator.DefaultStartDelay, "time from create/restart to RUNNING (0: none)")
	flags.DurationVar(&cfg.StopDelay, "stop-delay", emulator.DefaultStopDelay, "time a stopped job stays KILLING (0: none)")
	flags.DurationVar(&cfg.DeleteDelay, "delete-delay", 0, "time a deleted job stays visible")
	flags.DurationVar(&cfg.TokenTTL, "token-ttl", emulator.DefaultTokenTTL, "lifetime of IAM-issued tokens")
	flags.DurationVar(&cfg.HourScale, "hour-scale", emulator.DefaultHourScale, "length of one hour of auto-stop (schedule.duration)")
	flags.IntVar(&cfg.Quota, "quota", emulator.DefaultQuota, "maximum running jobs")
	flags.IntVar(&cfg.MaxJobs, "max-jobs", emulator.DefaultMaxJobs, "maximum jobs in all")
	flags.Float64Var(&cfg.RateLimit, "rate-limit", 0, "requests per second before 429 (0: unlimited)")
	flags.Var(&faults, "fault", "inject a fault described by `spec` (repeatable; syntax below)")
	flags.Int64Var(&cfg.Seed, "fault-seed", 0, "seed that makes fault probabilities effective (0: probabilities ignored)")
	flags.BoolVar(&cfg.NumbersAsStrings, "numbers-as-strings", false, "write job_id, status, create_time, duration as JSON strings")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %s\n", strings.Join(flags.Args(), " "))
		flags.Usage()
		return errUsage
	}

	// On the command line 0 means none; in emulator.Config, zero means the
	// default and a negative value means none.
	for _, d := range []*time.Duration{&cfg.StartDelay, &cfg.StopDelay} {
		if *d == 0 {
			*d = -1
		}
	}
	for _, n := range []*int{&cfg.Quota, &cfg.MaxJobs} {
		if *n == 0 {
			*n = -1
		}
	}

	logger := log.New(stderr, "modelarts-emulator: ", log.LstdFlags|log.Lmicroseconds)
	if !*quiet {
		cfg.Logf = logger.Printf
	}
	var emu *emulator.Emulator
	if *stateFile != "" {
		// A change that cannot be saved is refused (500) and undone, so the
		// file always holds what clients were told.
		cfg.OnChange = func() error {
			if err := emu.SaveState(*stateFile); err != nil {
				logger.Printf("saving state: %v", err)
				return err
			}
			return nil
		}
	}
	emu = emulator.New(cfg)

	loaded := false
	if *stateFile != "" {
		_, err := os.Stat(*stateFile)
		switch {
		case err == nil:
			if err := emu.LoadState(*stateFile); err != nil {
				return err
			}
			loaded = true
			logger.Printf("loaded %d jobs from state %s", len(emu.Jobs()), *stateFile)
		case !errors.Is(err, iofs.ErrNotExist):
			return fmt.Errorf("state file: %w", err)
		}
	}
	if !loaded && *seedFile != "" {
		jobs, err := emulator.LoadSeedFile(*seedFile)
		if err != nil {
			return err
		}
		if err := emu.Seed(jobs...); err != nil {
			return fmt.Errorf("seeding from %s: %w", *seedFile, err)
		}
		logger.Printf("seeded %d jobs from %s", len(jobs), *seedFile)
	}
	if *latency > 0 {
		emu.AddFault(emulator.Fault{Kind: emulator.FaultLatency, Latency: *latency})
	}
	for _, f := range faults {
		emu.AddFault(f)
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	printSettings(stdout, "http://"+ln.Addr().String(), cfg)

	srv := &http.Server{Handler: emu, ReadHeaderTimeout: *readHeaderTimeout, ReadTimeout: *readTimeout, IdleTimeout: *idleTimeout}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Shutdown waits for running handlers: release the hanging and
	// dripping ones first.
	emu.Close()
	err = srv.Shutdown(shutdownCtx)
	if *stateFile != "" {
		if saveErr := emu.SaveState(*stateFile); saveErr != nil {
			err = errors.Join(err, saveErr)
		}
	}
	logger.Printf("stopped")
	return err
}

// printSettings prints the URL and the provider settings that reach this
// emulator. The credentials it prints are the emulator's own test values.
func printSettings(w io.Writer, url string, cfg emulator.Config) {
	q := strconv.Quote
	fmt.Fprintf(w, "modelarts-emulator listening on %s\n\n", url)
	fmt.Fprintf(w, `# Terraform provider configuration (AK/SK):
provider "modelarts" {
  region     = %s
  project_id = %s
  access_key = %s
  secret_key = %s
  auth_url   = %s
  endpoints  = { modelarts = %s }
}
# Other identities the emulator accepts:
#   security_token = %s with access_key = %s, secret_key = %s
#   user_name = %s, password = %s, domain_name = %s
#   token = %s

# Or in the environment, with an empty provider "modelarts" {} block:
export HW_MODELARTS_ENDPOINT=%s
export HW_REGION_NAME=%s
export HW_PROJECT_ID=%s
export HW_ACCESS_KEY=%s
export HW_SECRET_KEY=%s
export HW_AUTH_URL=%s

`, q(cfg.ProjectName), q(cfg.ProjectID), q(cfg.AccessKey), q(cfg.SecretKey), q(url+"/v3"), q(url),
		q(cfg.SecurityToken), q(cfg.TempAccessKey), q(cfg.TempSecretKey), q(cfg.User), q(cfg.Password), q(cfg.Domain), q(cfg.Token),
		shellQuote(url), shellQuote(cfg.ProjectName), shellQuote(cfg.ProjectID), shellQuote(cfg.AccessKey), shellQuote(cfg.SecretKey), shellQuote(url+"/v3"))
}

// shellQuote quotes a value for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
