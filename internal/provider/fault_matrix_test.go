package provider

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

// The fault matrix runs every operation of the provider against every fault
// the emulator can inject, through the real Terraform CLI, and renders the
// outcomes into docs/reliability.md. Without -update-fault-matrix the test
// compares the outcomes it measured with the committed document, so the
// document cannot drift from the behaviour.
//
// The files: this one holds the columns (faults, with what each operation
// must do under them) and the test; fault_matrix_cell_test.go the machinery
// of one cell (its emulator, the measurement, the assertions);
// fault_matrix_doc_test.go the rendering of the document; and
// fault_matrix_<operation>_test.go the rows, each with the Terraform steps
// that perform its operation.

var updateFaultMatrix = flag.Bool("update-fault-matrix", false,
	"rewrite docs/reliability.md from the outcomes TestFaultMatrix measures")

const reliabilityDoc = "../../docs/reliability.md"

// matrixShortTimeout is the timeout of the operation under test in the
// columns with a short timeout (latency, hang, drip); matrixLatency is far
// beyond it, so only a provider that ignores its timeout would wait that long.
const (
	matrixShortTimeout = "2s"
	matrixLatency      = 30 * time.Second
	matrixLongTimeout  = "60s"
	// matrixHangLimit is the longest an operation with the short timeout may
	// take before the cell counts as a hang: the timeout plus slack for a
	// loaded machine, still far below matrixLatency.
	matrixHangLimit = 12 * time.Second
)

// The request rate every cell allows: no operation may send more than
// matrixMaxRate requests per second to one job (or to the collection of
// jobs), on average over the operation, plus matrixBurst.
const (
	matrixMaxRate = 10
	matrixBurst   = 2
)

// rpcKind is the provider RPC that performs a row's operation.
type rpcKind int

const (
	rpcReadDataSource rpcKind = iota + 1
	rpcReadResource
	rpcApplyResourceChange
)

// matrixRow is one operation of the provider.
type matrixRow struct {
	key   string // subtest name
	title string // heading in the document
	// request is the API request the faults hit; op is its emulator name.
	request    string
	op         string
	rpc        rpcKind
	idempotent bool
	// job is the ID of the job the operation acts on; empty when it acts on
	// none yet (list, create).
	job string
	// summary and subject are the diagnostic's summary and the sentence of
	// its detail that names the job (or, without one, what was asked).
	summary string
	subject string
	// steps are the cell's Terraform steps: setup without faults, then the
	// step whose first RPC of the row's kind is the operation under test
	// (see faultCell.faultStep).
	steps func(c *faultCell) []resource.TestStep
}

// matrixRows are the rows in the document's order; each is defined in the
// fault_matrix_<operation>_test.go of its operation.
var matrixRows = []*matrixRow{
	dataSourceRow, listRow, createRow, readRow, updateRow, stopRow, restartRow, deleteRow,
}

// trigger is a fault that is not an emulator Fault: it starts when the first
// request of the operation under test arrives.
type trigger int32

const (
	triggerNone trigger = iota
	// triggerExpireTokens expires every IAM token, as if the token's life
	// ended between two requests of a run.
	triggerExpireTokens
	// triggerClockSkew moves the gateway's clock 20 minutes ahead, past the
	// 15 minutes of skew an AK/SK signature may have.
	triggerClockSkew
)

const matrixClockSkew = 20 * time.Minute

// want is the outcome a cell must have.
type want struct {
	// na, when set, says why the fault has no meaning for the row: the cell
	// is not run, the document shows "—" and gives the reason.
	na string
	ok bool
	// attempts is how many requests of the operation's own kind (the row's
	// op) the emulator must see: 1 + retries.
	attempts int
	// minGets is the least number of GETs of the job the operation must send
	// (a wait that had to outlast answers).
	minGets int
	// lookup: create looked the job up by name after losing the answer.
	lookup bool
	// renewed: the request was answered 401 and sent again with a new token.
	renewed bool
	// keepsJob: the job the row acts on still exists in the emulator when
	// the operation ends.
	keepsJob bool
	// cause is a pattern (errRe syntax) of the failure's cause in the detail.
	cause string
	// summary and subject, when set, replace the row's: the failure is
	// reported by another diagnostic.
	summary, subject string
}

// matrixFault is one column: a fault, how it is injected, and what each
// operation must do under it.
type matrixFault struct {
	key, title string
	// injected says how the fault is injected, for the document.
	injected string
	faults   func(op string) []emulator.Fault
	trigger  trigger
	auth     string // authMethods key; "aksk" when empty
	// shortTimeout gives the operation under test matrixShortTimeout.
	shortTimeout  bool
	providerExtra string
	// seedJobs, when positive, seeds that many more jobs, so that listing
	// them takes more than one page.
	seedJobs int
	// normalized makes the configuration send values a server normalises
	// (white space around job_desc, train_url without its trailing slash).
	normalized bool
	want       func(r *matrixRow) want
}

func statusFaults(kind emulator.FaultKind, status, times int, retryAfter string) func(string) []emulator.Fault {
	return func(op string) []emulator.Fault {
		return []emulator.Fault{{Kind: kind, Op: op, Status: status, Times: times, RetryAfter: retryAfter}}
	}
}

// okAfterRetries returns a want function for transient faults that clear
// after retries: every operation succeeds. Idempotent requests are retried by
// the client; create, stop and restart are sent again by the resource only
// after checking that the lost attempt took no effect (create by a lookup by
// name, which the create row asserts).
func okAfterRetries(retries int) func(r *matrixRow) want {
	return func(r *matrixRow) want {
		return want{ok: true, attempts: 1 + retries, lookup: r.op == "create"}
	}
}

// okOnce is for faults that lose the answer of a request that was carried
// out: idempotent requests are sent again, the others are found to have
// taken effect.
func okOnce(r *matrixRow) want {
	if r.idempotent {
		return want{ok: true, attempts: 2}
	}
	return want{ok: true, attempts: 1, lookup: r.op == "create"}
}

func always(w want) func(r *matrixRow) want {
	return func(*matrixRow) want { return w }
}

// timedOut is the want of the faults after which no answer comes within the
// short timeout: the operation's own timeout ends it. A create that ran out
// of time still looks for the job by name, so a late answer cannot leave an
// orphan.
func timedOut(r *matrixRow) want {
	return want{attempts: 1, lookup: r.op == "create", cause: `did not finish within its timeout of 2s`}
}

// onlyRows applies w to the rows named by keys; for the others the fault has
// no meaning, for the reason given.
func onlyRows(w func(r *matrixRow) want, reason string, keys ...string) func(r *matrixRow) want {
	return func(r *matrixRow) want {
		if !slices.Contains(keys, r.key) {
			return want{na: reason}
		}
		return w(r)
	}
}

// endpointNotFound is the want of a 404 that did not come from ModelArts (a
// gateway's code, a proxy's page, an empty body): it says nothing about the
// job, so every operation fails with a detail that names the host and path
// and says that the endpoint is probably wrong. A refresh keeps the job in
// the state, a delete does not report success, and the job is untouched.
func endpointNotFound(r *matrixRow) want {
	return want{attempts: 1, keepsJob: r.job != "",
		cause: `404.*127\.0\.0\.1:[0-9]+/v1/[^ ]*/visualization-jobs.*endpoint.*probably wrong`}
}

var matrixFaults = []*matrixFault{
	{
		key: "latency", title: "Latency beyond the timeout",
		injected: fmt.Sprintf("every request of the operation answered after %d s; the operation's timeout is %s",
			int(matrixLatency.Seconds()), matrixShortTimeout),
		faults: func(op string) []emulator.Fault {
			return []emulator.Fault{{Kind: emulator.FaultLatency, Op: op, Latency: matrixLatency}}
		},
		shortTimeout: true,
		want:         timedOut,
	},
	{
		key: "429_retry_after", title: "429 with `Retry-After`",
		injected: "HTTP 429 APIG.0308 with `Retry-After: 1`, 2 times, then normal answers",
		faults:   statusFaults(emulator.FaultStatus, http.StatusTooManyRequests, 2, "1"),
		want:     always(want{ok: true, attempts: 3}),
	},
	{
		key: "429", title: "429 without `Retry-After`",
		injected: "HTTP 429 APIG.0308, 2 times, then normal answers",
		faults:   statusFaults(emulator.FaultStatus, http.StatusTooManyRequests, 2, ""),
		want:     always(want{ok: true, attempts: 3}),
	},
	{
		key: "500", title: "500",
		injected: "HTTP 500 ModelArts.0010 on every request of the operation",
		faults:   statusFaults(emulator.FaultStatus, http.StatusInternalServerError, 0, ""),
		want: func(r *matrixRow) want {
			return want{attempts: 1, lookup: r.op == "create", cause: `ModelArts answered HTTP 500 with error code ModelArts\.0010`}
		},
	},
	{
		key: "502", title: "502",
		injected: "HTTP 502 APIG.0202, 2 times, then normal answers",
		faults:   statusFaults(emulator.FaultStatus, http.StatusBadGateway, 2, ""),
		want:     okAfterRetries(2),
	},
	{
		key: "503", title: "503",
		injected: "HTTP 503 APIG.0202, 2 times, then normal answers",
		faults:   statusFaults(emulator.FaultStatus, http.StatusServiceUnavailable, 2, ""),
		want:     always(want{ok: true, attempts: 3}),
	},
	{
		key: "503_persistent", title: "503 persistent, `max_retries = 2`",
		injected:      "HTTP 503 APIG.0202 on every request of the operation; provider `max_retries = 2`",
		faults:        statusFaults(emulator.FaultStatus, http.StatusServiceUnavailable, 0, ""),
		providerExtra: "  max_retries = 2",
		want:          always(want{attempts: 3, cause: `ModelArts answered HTTP 503 with error code APIG\.0202.*retries ran out`}),
	},
	{
		key: "504", title: "504",
		injected: "HTTP 504 APIG.0201, 2 times, then normal answers",
		faults:   statusFaults(emulator.FaultStatus, http.StatusGatewayTimeout, 2, ""),
		want:     okAfterRetries(2),
	},
	{
		key: "reset", title: "Connection reset",
		injected: "TCP reset before the request is processed, once",
		faults:   statusFaults(emulator.FaultReset, 0, 1, ""),
		want:     okAfterRetries(1),
	},
	{
		key: "reset_after", title: "Connection reset after processing (lost answer)",
		injected: "the request is processed, then the connection is reset without an answer, once",
		faults:   statusFaults(emulator.FaultResetAfter, 0, 1, ""),
		want:     okOnce,
	},
	{
		key: "truncated", title: "Truncated body",
		injected: "the request is processed; its answer keeps the full `Content-Length` but only half the body, once",
		faults:   statusFaults(emulator.FaultTruncate, 0, 1, ""),
		want:     okOnce,
	},
	{
		key: "html_502", title: "HTML error page (502)",
		injected: "HTTP 502 with an nginx `text/html` page, 2 times, then normal answers",
		faults:   statusFaults(emulator.FaultNonJSON, http.StatusBadGateway, 2, ""),
		want:     okAfterRetries(2),
	},
	{
		key: "not_success", title: "200 with `is_success: false`",
		injected: "HTTP 200 `{\"is_success\": false, \"error_code\": \"ModelArts.0010\"}` on every request of the operation",
		faults:   statusFaults(emulator.FaultNotSuccess, 0, 0, ""),
		want:     always(want{attempts: 1, cause: `ModelArts answered HTTP 200 with error code ModelArts\.0010`}),
	},
	{
		key: "token_expired", title: "401 token expired mid-run",
		injected: "IAM password authentication; every issued token expires when the operation's first request arrives",
		trigger:  triggerExpireTokens,
		auth:     "password",
		want:     always(want{ok: true, attempts: 2, renewed: true}),
	},
	{
		key: "clock_skew", title: "Clock skew",
		injected: fmt.Sprintf("AK/SK signing; the gateway's clock jumps %d minutes ahead when the operation's first request arrives",
			int(matrixClockSkew.Minutes())),
		trigger: triggerClockSkew,
		want: always(want{attempts: 1,
			cause: `ModelArts answered HTTP 401 with error code APIG\.0301: Incorrect IAM authentication information: x-sdk-date expired.*clock`}),
	},
	{
		key: "gateway_404", title: "Gateway 404 (wrong endpoint)",
		injected: "HTTP 404 APIG.0101 \"API does not exist\" from the gateway on every request of the operation, " +
			"as with a wrong base path in the endpoint",
		faults: func(op string) []emulator.Fault {
			return []emulator.Fault{{Kind: emulator.FaultStatus, Op: op, Status: http.StatusNotFound, Code: "APIG.0101"}}
		},
		want: endpointNotFound,
	},
	{
		key: "html_404", title: "HTML 404 page",
		injected: "HTTP 404 with an nginx `text/html` page on every request of the operation",
		faults:   statusFaults(emulator.FaultNonJSON, http.StatusNotFound, 0, ""),
		want:     endpointNotFound,
	},
	{
		key: "empty_404", title: "Empty 404",
		injected: "HTTP 404 with an empty body and no `Content-Type` on every request of the operation",
		faults:   statusFaults(emulator.FaultEmptyBody, http.StatusNotFound, 0, ""),
		want:     endpointNotFound,
	},
	{
		key: "wrong_job_id", title: "Answer about another job",
		injected: "the details answer for job 8992 says `\"job_id\": 9992`, on every request of the operation",
		faults:   statusFaults(emulator.FaultWrongJobID, 0, 0, ""),
		want: onlyRows(always(want{attempts: 1, cause: `malformed.*answer for job 8992 describes job 9992`}),
			"only a job's details answer (`GET` of one job) names the job the request asked for; in a list a job_id is "+
				"the data itself, and the other requests' answers name none",
			"data_source", "read"),
	},
	{
		key: "duplicate_key", title: "Duplicate key differing by case",
		injected: "the details answer carries `\"job_id\": 8992` and then `\"Job_ID\": 9992`, which `encoding/json` " +
			"would fold into one, on every request of the operation",
		faults: statusFaults(emulator.FaultDuplicateKey, 0, 0, ""),
		want: onlyRows(always(want{attempts: 1, cause: `malformed.*duplicate key`}),
			"the emulator adds the key to details answers only (`GET` of one job); the decoder that refuses it is the "+
				"same for every answer",
			"data_source", "read"),
	},
	{
		key: "ignore_page", title: "List ignoring `page`",
		injected: "2,502 jobs (3 pages of 1,000); the list answers page 1 whatever `page` asks for",
		faults:   statusFaults(emulator.FaultIgnorePage, 0, 0, ""),
		seedJobs: 2500,
		want: onlyRows(always(want{attempts: 2, cause: `inconsistent list pages`}),
			"only the list data source reads pages", "list"),
	},
	{
		key: "huge_total", title: "Huge `job_total_count`",
		injected: "the list answers the real jobs with `\"job_total_count\": 1000000000000`",
		faults:   statusFaults(emulator.FaultHugeTotal, 0, 0, ""),
		want: onlyRows(always(want{attempts: 1, cause: `list too large`}),
			"only the list data source reads pages", "list"),
	},
	{
		key: "not_found_after_create", title: "ModelArts.0015 for the first 3 reads",
		injected: "HTTP 404 ModelArts.0015 \"job does not exist\" for the first 3 `GET`s of the job, as an eventually " +
			"consistent service answers right after a create",
		faults: func(string) []emulator.Fault {
			return []emulator.Fault{{Kind: emulator.FaultStatus, Op: "get", Status: http.StatusNotFound,
				Code: "ModelArts.0015", Times: 3}}
		},
		want: onlyRows(always(want{ok: true, attempts: 1, minGets: 4}),
			"only a create waits for a job the service may not show yet; for any other operation ModelArts.0015 is "+
				"the answer that the job is gone", "create"),
	},
	{
		key: "delete_refused", title: "DELETE refused in any status",
		injected: "HTTP 400 ModelArts.0105 (\"wrong state\") to every `DELETE`, whatever the job's status",
		faults: func(string) []emulator.Fault {
			return []emulator.Fault{{Kind: emulator.FaultStatus, Op: "delete", Status: http.StatusBadRequest,
				Code: "ModelArts.0105"}}
		},
		want: onlyRows(always(want{attempts: 3, keepsJob: true,
			cause: `ModelArts refused to delete the job in status 8 [A-Z_]+ \(3 times\)`}),
			"only the delete sends `DELETE`", "delete"),
	},
	{
		key: "normalize", title: "Server-normalised values",
		injected: "the configuration sends `job_desc` with spaces around it and `train_url` without its " +
			"trailing `/`; ModelArts stores and returns them trimmed and with the `/`",
		faults:     statusFaults(emulator.FaultNormalize, 0, 0, ""),
		normalized: true,
		want: onlyRows(always(want{ok: true, attempts: 1}),
			"only the create and the description update send values a server could normalise", "create", "update"),
	},
	{
		key: "hang", title: "No answer (hang)",
		injected: "the connection is accepted and never answered; the operation's timeout is " + matrixShortTimeout,
		faults:   statusFaults(emulator.FaultHang, 0, 0, ""),
		// The request is not carried out, so even a create fails plainly.
		shortTimeout: true,
		want:         timedOut,
	},
	{
		key: "drip", title: "Answer dripping one byte a second",
		injected: "the request is processed; the answer's headers come at once, its body one byte per second; the " +
			"operation's timeout is " + matrixShortTimeout,
		faults: func(op string) []emulator.Fault {
			return []emulator.Fault{{Kind: emulator.FaultDrip, Op: op, Latency: time.Second}}
		},
		shortTimeout: true,
		want: func(r *matrixRow) want {
			switch r.op {
			case "create":
			default:
				return timedOut(r)
			}
			// The job was made: the lookup finds it and the state keeps it,
			// tainted, so the next apply replaces it instead of orphaning it.
			return want{attempts: 1, lookup: true, summary: "Visualization Job Did Not Start",
				subject: `Could not start visualization job "`,
				cause:   `did not finish within its timeout of 2s.*saved in the state as tainted`}
		},
	},
}

// matrixWorkers is how many cells run at once. Cells spend much of their
// time waiting (backoff, Retry-After, timeouts, Terraform start-up), so a
// few more than the cores keep them busy without thrashing.
func matrixWorkers() int {
	return min(max(3*runtime.GOMAXPROCS(0), 4), 8)
}

// applicableCells is the number of cells whose fault has a meaning for the
// row: the cells the document reports.
func applicableCells() int {
	n := 0
	for _, r := range matrixRows {
		for _, f := range matrixFaults {
			if f.want(r).na == "" {
				n++
			}
		}
	}
	return n
}

func TestFaultMatrix(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	results := map[string]map[string]*cellResult{}
	var resultsMu sync.Mutex
	sem := make(chan struct{}, matrixWorkers())
	start := time.Now()

	// Cells run as concurrent subtests started from goroutines rather than
	// with t.Parallel, so that their concurrency is matrixWorkers and not
	// -parallel (the number of cores), which would leave the cores idle
	// while cells wait on backoff and timeouts.
	var rowsWG sync.WaitGroup
	for _, row := range matrixRows {
		rowsWG.Add(1)
		go func() {
			defer rowsWG.Done()
			t.Run(row.key, func(t *testing.T) {
				var wg sync.WaitGroup
				for _, f := range matrixFaults {
					if f.want(row).na != "" {
						continue
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						t.Run(f.key, func(t *testing.T) {
							sem <- struct{}{}
							defer func() { <-sem }()
							runFaultCell(t, row, f, func(res *cellResult) {
								resultsMu.Lock()
								defer resultsMu.Unlock()
								if results[row.key] == nil {
									results[row.key] = map[string]*cellResult{}
								}
								results[row.key][f.key] = res
							})
						})
					}()
				}
				wg.Wait()
			})
		}()
	}
	rowsWG.Wait()
	cells := applicableCells()
	t.Logf("fault matrix: %d cells (of %d rows × %d faults, the others not applicable) in %s on %d workers",
		cells, len(matrixRows), len(matrixFaults), time.Since(start).Round(100*time.Millisecond), matrixWorkers())

	measured := 0
	for _, m := range results {
		measured += len(m)
	}
	if measured != cells {
		t.Logf("%d of %d cells measured (a -run filter or a failed cell): %s not compared", measured, cells, reliabilityDoc)
		return
	}
	doc := renderReliabilityDoc(results)
	if *updateFaultMatrix {
		if t.Failed() {
			t.Fatalf("not rewriting %s: some cells failed their assertions", reliabilityDoc)
		}
		if err := os.WriteFile(reliabilityDoc, []byte(doc), 0o644); err != nil {
			t.Fatalf("writing %s: %v", reliabilityDoc, err)
		}
		t.Logf("wrote %s", reliabilityDoc)
		return
	}
	committed, err := os.ReadFile(reliabilityDoc)
	if err != nil {
		t.Fatalf("reading %s: %v; generate it with: go test ./internal/provider -run TestFaultMatrix -update-fault-matrix", reliabilityDoc, err)
	}
	if got, want := stableView(doc), stableView(string(committed)); got != want {
		t.Errorf("%s does not match the measured outcomes (first difference: %s); rerun "+
			"go test ./internal/provider -run TestFaultMatrix -update-fault-matrix and review the diff",
			reliabilityDoc, firstDifference(want, got))
	}
}

// runFaultCell runs one cell and hands its measurement to record. The
// assertions run even when a Terraform step failed (resource.UnitTest then
// ends the goroutine with t.Fatal), so a failing cell still reports
// everything that is wrong with it.
func runFaultCell(t *testing.T, row *matrixRow, f *matrixFault, record func(*cellResult)) {
	t.Helper()
	c := newFaultCell(t, row, f)
	defer func() {
		c.check(t)
		if c.result == nil {
			return
		}
		record(c.result)
		t.Logf("%s under %s: %s; requests %s; %s", row.key, f.key, outcomeText(row, c.result),
			requestsText(c.result), c.result.duration.Round(10*time.Millisecond))
		if t.Failed() && c.result.detail != "" {
			t.Logf("the diagnostic's detail:\n%s", c.result.detail)
		}
	}()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: c.factories(),
		Steps:                    row.steps(c),
	})
}
