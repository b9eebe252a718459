package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// This file renders the measured outcomes of the fault matrix into
// docs/reliability.md and compares the document with them.

// requestIDRe matches the request ID a diagnostic quotes: it differs per run.
var (
	requestIDRe = regexp.MustCompile(` \(request ID [^)]*\)`)
	sentenceEnd = regexp.MustCompile(`\.\s+[A-Z]`)
	// localAddrRe matches the emulator's local address with its port, which
	// differs per run, where it does not end the cause's first sentence.
	localAddrRe = regexp.MustCompile(`(^|[^0-9])127\.0\.0\.1:[0-9]+`)
)

// detailKey is the part of a diagnostic's detail that says what failed and
// why: the sentence naming the job and the first sentence of the cause,
// without what differs between runs (request IDs, local ports).
func detailKey(detail string) string {
	paras := strings.Split(detail, "\n\n")
	key := strings.TrimSuffix(strings.TrimSpace(paras[0]), ".")
	if len(paras) < 2 {
		return key
	}
	cause := requestIDRe.ReplaceAllString(strings.TrimSpace(paras[1]), "")
	cause = localAddrRe.ReplaceAllString(cause, "${1}127.0.0.1:…")
	const noAnswer = "The request did not get an answer from ModelArts: "
	if strings.HasPrefix(cause, noAnswer) {
		// The error chain names the URL with its local port and the local
		// address; its last link is the cause.
		chain := strings.TrimSuffix(cause, ".")
		return key + ": " + noAnswer + "… " + chain[strings.LastIndex(chain, ": ")+2:]
	}
	if loc := sentenceEnd.FindStringIndex(cause); loc != nil {
		cause = cause[:loc[0]]
	}
	return key + ": " + strings.TrimSuffix(cause, ".")
}

// countOf writes n with the singular or plural noun.
func countOf(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// outcomeText is a cell's outcome as the document states it.
func outcomeText(row *matrixRow, res *cellResult) string {
	attempts := res.counts[row.op]
	lookup := row.op == "create" && res.counts["list"] >= 2
	if res.ok() {
		s := "ok"
		if attempts > 1 {
			s += " after " + countOf(attempts-1, "retry", "retries")
		}
		if res.renewed {
			s += " with a new IAM token"
		}
		switch {
		case lookup && attempts > 1:
			s += "; after each lost answer a lookup by name showed that no job had been made"
		case lookup:
			s += "; the job was found by name after the answer was lost"
		}
		return s
	}
	s := "fails after " + countOf(attempts, "attempt", "attempts")
	switch {
	case lookup && strings.Contains(res.detail, "saved in the state as tainted"):
		s += " and a lookup by name that found the job, saved in the state as tainted"
	case lookup:
		s += " and a lookup by name that found no job"
	}
	if res.rpcErr != nil {
		return s + ": RPC error: " + res.rpcErr.Error()
	}
	return s + ": " + res.summary + ": " + detailKey(res.detail)
}

// summaryText is the short form of a cell for the overview table.
func summaryText(row *matrixRow, res *cellResult) string {
	attempts := res.counts[row.op]
	var notes []string
	switch {
	case res.ok() && attempts > 1 && !res.renewed:
		notes = append(notes, countOf(attempts-1, "retry", "retries"))
	case !res.ok() && attempts > 1:
		notes = append(notes, countOf(attempts, "attempt", "attempts"))
	}
	if res.renewed {
		notes = append(notes, "new token")
	}
	if row.op == "create" && res.counts["list"] >= 2 {
		notes = append(notes, "lookup")
	}
	s := "✗ fails"
	if res.ok() {
		s = "✓ ok"
	}
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, ", ") + ")"
	}
	return s
}

// requestsText lists the requests the emulator saw during the operation.
func requestsText(res *cellResult) string {
	var parts []string
	total := 0
	for _, op := range []string{"iam", "list", "create", "get", "update", "stop", "restart", "delete"} {
		if n := res.counts[op]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", op, n))
			total += n
		}
	}
	if total == 0 {
		return "none"
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}

func markdownCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

func renderReliabilityDoc(results map[string]map[string]*cellResult) string {
	var b strings.Builder
	b.WriteString(reliabilityIntro)

	b.WriteString("## Overview\n\nRows are faults, columns operations. ✓ the operation succeeded, ✗ it failed with a " +
		"diagnostic naming the job and the cause; the details below quote it.\n\n| Fault |")
	for _, r := range matrixRows {
		fmt.Fprintf(&b, " %s |", shortRowTitle(r))
	}
	b.WriteString("\n|---|")
	for range matrixRows {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, f := range matrixFaults {
		fmt.Fprintf(&b, "| %s |", f.title)
		for _, r := range matrixRows {
			if f.want(r).na != "" {
				b.WriteString(" — |")
				continue
			}
			fmt.Fprintf(&b, " %s |", summaryText(r, results[r.key][f.key]))
		}
		b.WriteString("\n")
	}
	b.WriteString(notApplicableLegend())

	b.WriteString("\n## Details\n\nOutcome: what Terraform reported (for a failure, the diagnostic's summary and the " +
		"key part of its detail; request IDs and local addresses left out). Requests: what the emulator received " +
		"while the provider performed the operation, by kind (`iam` is a token request; `get` after a create, a stop " +
		"or a restart is the provider polling the job's status). Time: how long the provider took for the " +
		"operation. Requests and time are measured anew by every run and vary a little; the outcomes do not.\n")
	for _, r := range matrixRows {
		fmt.Fprintf(&b, "\n### %s\n\nFaults hit `%s`.\n\n| Fault | Injected | Outcome | Requests | Time |\n|---|---|---|---|---|\n",
			r.title, r.request)
		for _, f := range matrixFaults {
			if na := f.want(r).na; na != "" {
				fmt.Fprintf(&b, "| %s | %s | — not applicable: %s | — | — |\n", f.title, markdownCell(f.injected), markdownCell(na))
				continue
			}
			res := results[r.key][f.key]
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %.2f s |\n", f.title, markdownCell(f.injected),
				markdownCell(outcomeText(r, res)), requestsText(res), res.duration.Seconds())
		}
	}
	return b.String()
}

// notApplicableLegend explains the "—" cells of the overview: for each
// fault with such cells, the rows and why the fault has no meaning there.
func notApplicableLegend() string {
	var b strings.Builder
	for _, f := range matrixFaults {
		var rows []string
		reason := ""
		for _, r := range matrixRows {
			if na := f.want(r).na; na != "" {
				rows = append(rows, shortRowTitle(r))
				reason = na
			}
		}
		if len(rows) > 0 {
			fmt.Fprintf(&b, "- %s (%s): %s.\n", f.title, strings.Join(rows, ", "), markdownCell(reason))
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "\n— not applicable: the fault has no meaning for the operation, and the cell is neither run nor counted.\n\n" + b.String()
}

func shortRowTitle(r *matrixRow) string {
	return map[string]string{
		"data_source": "Data source", "list": "List data source", "create": "Create", "read": "Read",
		"update": "Update", "stop": "Stop", "restart": "Restart", "delete": "Delete",
	}[r.key]
}

// stableView blanks the columns of the document that vary between runs
// (Requests and Time), leaving what the comparison is about.
func stableView(doc string) string {
	var out []string
	var volatile map[int]bool
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "|") {
			volatile = nil
			out = append(out, line)
			continue
		}
		cells := strings.Split(line, " | ")
		if volatile == nil {
			volatile = map[int]bool{}
			for i, cell := range cells {
				name := strings.Trim(cell, "| ")
				if name == "Requests" || name == "Time" {
					volatile[i] = true
				}
			}
		}
		for i := range cells {
			if volatile[i] {
				cells[i] = "…"
			}
		}
		out = append(out, strings.Join(cells, " | "))
	}
	return strings.Join(out, "\n")
}

func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d is\n\t%s\nbut measured\n\t%s", i+1, wl, gl)
		}
	}
	return "none"
}

// reliabilityIntro is the fixed part of docs/reliability.md: the retry
// policy the measured outcomes follow from.
const reliabilityIntro = `# Reliability under faults

<!-- Generated by TestFaultMatrix (internal/provider/fault_matrix_*_test.go); do not edit by hand. Rewrite it with
     go test ./internal/provider -run TestFaultMatrix -update-fault-matrix
     Without the flag the test fails when the outcomes below differ from the ones it measures. -->

The provider runs unattended in pipelines, so it must survive what networks and API gateways do: throttle, time out,
drop connections, answer with an HTML page, or refuse credentials. This page shows, for every operation and every
fault, what happens: success after how many retries, or which error. Every cell is a test: the real Terraform CLI runs
the provider (through ` + "`terraform-plugin-testing`" + `) against the project's ModelArts emulator, which injects
the fault; the test asserts the outcome, the number of requests and that a failure's diagnostic names the job and the
cause. No cell may panic, hang past its timeout or crash the plugin.

## Retry policy

- **Retried for every request:** HTTP 429 (throttled) and 503 (unavailable): the gateway refused the request before
  the service acted on it, so even a create can be sent again. Also failures before anything was sent (a refused
  connection, a temporary DNS failure, the IAM token request failing with 429 or 5xx).
- **Retried only for idempotent requests** (reads, the description update ` + "`PUT`" + `, ` + "`DELETE`" + `): HTTP 502
  and 504 (also with a non-JSON HTML page from a proxy), a reset or closed connection, and a 2xx answer whose body is
  cut short. The service may have acted on such a request; sending a read, a ` + "`PUT`" + ` of the same description
  or a ` + "`DELETE`" + ` again does no harm (a second ` + "`DELETE`" + ` answering "not found" counts as success).
- **Never retried:** HTTP 500 (ModelArts' own internal error, ModelArts.0010), any other 4xx, and a 200 whose body
  says ` + "`\"is_success\": false`" + `: these are answers, and sending the request again would get the same one.
  The diagnostic quotes the HTTP status, the ModelArts error code and message, and the request ID.
- **Backoff:** exponential with full jitter, the wait before retry *k* random in [0, min(30 s, 0.5 s × 2^(k−1))].
  ` + "`Retry-After`" + ` (seconds or an HTTP date) replaces the computed wait, capped at 2 minutes. A request is
  retried at most ` + "`max_retries`" + ` times (provider argument or ` + "`HW_MAX_RETRIES`" + `, default 5, 0 to 50);
  the budget counts per request, not per run.
- **Timeouts:** the ` + "`timeouts`" + ` block (read 5 minutes, create, update and delete 20 minutes by default) bounds
  the whole operation: every attempt, every backoff wait and the polling for the job's status. A wait that would end
  after the deadline is not started; the diagnostic then says that the operation did not finish within its timeout and
  quotes the last answer.
- **Create is not idempotent:** the client sends ` + "`POST`" + ` again only after 429 or 503, which say the service did
  not act. When the answer is lost (a reset connection, a truncated body, 500, 502, 504 or the create timeout), the
  provider lists the jobs with the same name and adopts the one that appeared since it listed them before creating.
  If none did and the failure was transient (a reset, a cut-off answer, 502 or 504), it sends the create again, at most
  3 times in all; after a 500 it reports the error. One apply never makes two jobs. A create that runs into its timeout
  is looked up once more with a short grace period, so a job whose answer came too late is saved in the state as
  tainted and replaced by the next apply, never orphaned
  (` + "`TestFaultMatrix_createAnswerPastTimeoutLeavesNoOrphan`" + `).
- **Stop and restart are not idempotent either** (a second stop of a stopping job is refused): the client sends them
  again only after 429 or 503. After a 502, a 504 or a lost answer the provider reads the job: if its status shows the
  stop or restart took effect, it waits for the job as usual; if not, it sends the request again (at most 3 times).
- **"Does not exist" is ModelArts' own answer only** (HTTP 404 with ` + "`ModelArts.0015`" + ` in a ModelArts body). A
  404 from the API gateway (` + "`APIG.0101`" + `, "API does not exist"), a proxy's HTML page or an empty 404 says
  nothing about the job: the operation fails, names the host and path and says that the endpoint is probably wrong;
  a refresh keeps the job in the state and a delete does not report success. Only the wait right after a create takes
  ` + "`ModelArts.0015`" + ` for a service that has not caught up yet, for up to 60 s.
- **Answers are checked against the question:** a details answer about another job, or with two keys that differ
  only by case, is malformed; so is a list whose pages repeat (a server ignoring ` + "`page`" + `), and a list
  announcing more jobs than the provider holds (50,000) fails on its first page.
- **Pacing:** every repeat or wait of one operation (polling, a refused delete, a check after a lost answer) follows
  one poll schedule whose interval starts at 200 ms and grows; a ` + "`DELETE`" + ` refused with
  ` + "`ModelArts.0105`" + ` while the job is not being stopped is sent 3 times, then reported.
- **Expired tokens:** with IAM password authentication the token is renewed 5 minutes before it expires; a 401 from
  ModelArts drops it, and the request is sent once more with a new token (for a create too: the gateway refused it
  before the service saw it). A ready ` + "`token`" + ` cannot be renewed, and AK/SK signatures need none.
- **Clock skew:** AK/SK signatures carry ` + "`X-Sdk-Date`" + `; the gateway refuses one more than 15 minutes away from
  its clock (HTTP 401, APIG.0301). That is not retried; the diagnostic says to check the clock.

## How the matrix is measured

Each cell has its own emulator (AK/SK authentication unless the fault needs another; jobs start and stop in
100 ms) and runs the operation once through Terraform: the data sources in a plan-only step; the create in an apply;
the refresh in the plan after an import; the update, stop, restart and delete in an apply after the job was imported.
The fault is put in place just before that step and removed as soon as the provider finishes the operation, so
"persistent" means for the whole operation, and "N times" means the first N requests of the operation's kind. A
cell that succeeds then also passes Terraform's checks that the state matches the configuration (no diff after
apply and refresh). Every cell also asserts that the operation sent no more than 10 requests per second to one job
(or to the collection of jobs), on average over the operation plus a burst of 2, and every refresh that the job
stayed in the state with its own ID. A column whose fault has no meaning for an operation shows "—" there.

Under load, ` + "`TestLoad_fiveHundredDataSourcesWithFaults`" + ` plans 500 ` + "`modelarts_visualization_job`" + ` data
sources while about one answer in ten fails (8% HTTP 503, 2% HTTP 429 with ` + "`Retry-After`" + `, drawn from a fixed
seed): the plan must succeed, every job must be read with the right values, and the faulted run may send at most 25%
more requests than a run without faults (about 11% more are expected), so retries stay bounded.

`

// The document check must ignore what varies between runs and nothing else.
func TestFaultMatrix_docComparesOutcomesOnly(t *testing.T) {
	// iam requests change the Requests column but no outcome.
	results := func(d time.Duration, iam int, detail string) map[string]map[string]*cellResult {
		m := map[string]map[string]*cellResult{}
		for _, r := range matrixRows {
			m[r.key] = map[string]*cellResult{}
			for _, f := range matrixFaults {
				m[r.key][f.key] = &cellResult{duration: d, counts: map[string]int{r.op: 1, "iam": iam}}
			}
		}
		m["stop"]["500"].summary, m["stop"]["500"].detail = "Unable to Update Visualization Job", detail
		return m
	}
	const detail = "Could not update visualization job \"8992\".\n\nModelArts answered HTTP 500 with error code " +
		"ModelArts.0010: boom (request ID %s).\n\nTry again."
	base := stableView(renderReliabilityDoc(results(time.Second, 2, fmt.Sprintf(detail, "aaa"))))
	if got := stableView(renderReliabilityDoc(results(3*time.Second, 5, fmt.Sprintf(detail, "bbb")))); got != base {
		t.Errorf("times, request counts or request IDs changed the compared view: %s", firstDifference(base, got))
	}
	changed := results(time.Second, 2, strings.Replace(fmt.Sprintf(detail, "aaa"), "HTTP 500", "HTTP 502", 1))
	if got := stableView(renderReliabilityDoc(changed)); got == base {
		t.Error("a changed outcome left the compared view the same")
	}
	if !strings.Contains(base, `fails after 1 attempt: Unable to Update Visualization Job: Could not update visualization `+
		`job "8992": ModelArts answered HTTP 500 with error code ModelArts.0010: boom |`) {
		t.Errorf("the failed cell is not rendered as expected:\n%s", base)
	}
}

func TestFaultMatrix_detailKeyDropsLocalAddresses(t *testing.T) {
	got := detailKey("Could not update visualization job \"8992\".\n\nThe request did not get an answer from " +
		"ModelArts: stopping: stopping visualization job \"8992\": Post \"http://127.0.0.1:40123/v1/p/visualization-jobs/8992/stop\": " +
		"read tcp 127.0.0.1:51234->127.0.0.1:40123: read: connection reset by peer.\n\nCheck the endpoint.")
	want := `Could not update visualization job "8992": The request did not get an answer from ModelArts: … connection reset by peer`
	if got != want {
		t.Errorf("detailKey = %q, want %q", got, want)
	}
	got = detailKey("Could not read visualization job \"8992\".\n\nThe operation did not finish within its timeout of 2s. " +
		"Full error: getting visualization job \"8992\": context deadline exceeded.\n\nIncrease the timeout.")
	want = `Could not read visualization job "8992": The operation did not finish within its timeout of 2s`
	if got != want {
		t.Errorf("detailKey = %q, want %q", got, want)
	}
	// A 404 that did not come from ModelArts names the host with its port.
	got = detailKey("Could not read visualization job \"8992\".\n\nModelArts answered HTTP 404 from " +
		"127.0.0.1:40123/v1/p/visualization-jobs/8992 with error code APIG.0101: API does not exist (request ID abc); " +
		"the endpoint is probably wrong.\n\nCheck the endpoint.")
	want = `Could not read visualization job "8992": ModelArts answered HTTP 404 from 127.0.0.1:…/v1/p/visualization-jobs/8992 ` +
		`with error code APIG.0101: API does not exist; the endpoint is probably wrong`
	if got != want {
		t.Errorf("detailKey = %q, want %q", got, want)
	}
}
