package provider

import (
	"fmt"
	"strings"
)

// statusNames is the job status table of the ModelArts API reference
// ("Job Status Reference"); 22 appears only in the SDK's table.
var statusNames = map[int64]string{
	0:  "JOBSTAT_UNKNOWN",
	1:  "JOBSTAT_INIT",
	2:  "JOBSTAT_IMAGE_CREATING",
	3:  "JOBSTAT_IMAGE_FAILED",
	4:  "JOBSTAT_SUBMIT_TRYING",
	5:  "JOBSTAT_SUBMIT_FAILED",
	6:  "JOBSTAT_DELETE_FAILED",
	7:  "JOBSTAT_WAITING",
	8:  "JOBSTAT_RUNNING",
	9:  "JOBSTAT_KILLING",
	10: "JOBSTAT_COMPLETED",
	11: "JOBSTAT_FAILED",
	12: "JOBSTAT_KILLED",
	13: "JOBSTAT_CANCELED",
	14: "JOBSTAT_LOST",
	15: "JOBSTAT_SCALING",
	16: "JOBSTAT_SUBMIT_MODEL_FAILED",
	17: "JOBSTAT_DEPLOY_SERVICE_FAILED",
	18: "JOBSTAT_CHECK_INIT",
	19: "JOBSTAT_CHECK_RUNNING",
	20: "JOBSTAT_CHECK_RUNNING_COMPLETED",
	21: "JOBSTAT_CHECK_FAILED",
	22: "MOUNT_FAILED",
}

// Status codes the provider acts on.
const (
	statusRunning   int64 = 8
	statusKilling   int64 = 9
	statusCompleted int64 = 10
	statusFailed    int64 = 11
	statusKilled    int64 = 12
	statusCanceled  int64 = 13
)

// statusName returns the name of a status code. A code the table does not
// know is shown as UNKNOWN(n) rather than failing: the service may add codes.
func statusName(code int64) string {
	if name, ok := statusNames[code]; ok {
		return name
	}
	return fmt.Sprintf("UNKNOWN(%d)", code)
}

// statusIsFailure reports whether a job in this status will never reach
// RUNNING without a restart: every *_FAILED code, and LOST.
func statusIsFailure(code int64) bool {
	return code == 14 || strings.HasSuffix(statusNames[code], "FAILED")
}

// statusIsStopped reports whether a job is stopped and can be restarted.
func statusIsStopped(code int64) bool {
	switch code {
	case statusCompleted, statusFailed, statusKilled, statusCanceled:
		return true
	}
	return false
}

// statusTableMarkdown renders the status table for attribute descriptions.
func statusTableMarkdown() string {
	var b strings.Builder
	for code := int64(0); code <= 22; code++ {
		if code > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "`%d` %s", code, statusNames[code])
	}
	return b.String()
}
