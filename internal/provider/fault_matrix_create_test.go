package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

// The create row of the fault matrix: an apply that makes a job under the
// fault. A create that loses its answer must neither make a second job nor
// orphan the one it made: the cells assert the lookup by name, and the test
// below the answer that comes after the timeout.

var createRow = &matrixRow{
	key: "create", title: "Resource: create",
	request: "POST /v1/{project}/visualization-jobs", op: "create", rpc: rpcApplyResourceChange,
	summary: "Unable to Create Visualization Job", subject: `Could not create visualization job "tb-fault"`,
	steps: func(c *faultCell) []resource.TestStep {
		return []resource.TestStep{c.faultStep(c.resourceConfig(c.newJob(), c.sent("made under faults"), true))}
	},
}

// slowAnswerHandler performs every create at once but holds its answer back
// until the client gives up: a gateway that is slow on the way back. The
// emulator's latency fault cannot model it, since it delays before the
// operation.
type slowAnswerHandler struct {
	emu  *emulator.Emulator
	slow atomic.Bool
}

func (h *slowAnswerHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.slow.Load() || requestOp(r.Method, r.URL.Path) != "create" {
		h.emu.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	h.emu.ServeHTTP(rec, r)
	select {
	case <-r.Context().Done():
		return
	case <-time.After(matrixLatency):
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// A create whose answer does not arrive within the create timeout may still
// have made the job. The provider must not forget it: the next apply must
// find exactly one job of that name, not a second one beside an orphan.
func TestFaultMatrix_createAnswerPastTimeoutLeavesNoOrphan(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	emu := emulator.New(emulator.Config{StartDelay: 100 * time.Millisecond, StopDelay: 100 * time.Millisecond})
	h := &slowAnswerHandler{emu: emu}
	h.slow.Store(true)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	env := &testEnv{emu: emu, url: srv.URL}
	cfg := env.providerBlock("aksk") + `resource "modelarts_visualization_job" "tb" {
  job_name  = "tb-slow"
  train_url = "/bucket/slow/"
  timeouts {
    create = "2s"
  }
}
`
	jobsNamed := func(name string) int {
		n := 0
		for _, j := range emu.Jobs() {
			if j.JobName == name {
				n++
			}
		}
		return n
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy: func(*terraform.State) error {
			if n := jobsNamed("tb-slow"); n != 0 {
				return fmt.Errorf("%d jobs named tb-slow outlived the destroy", n)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg,
				// The job the late answer made is found by name and saved
				// as tainted: the next apply replaces it instead of making
				// a second one beside an orphan.
				ExpectError: errRe(`Visualization Job Did Not Start.*did not finish within its timeout of 2s.*tainted`),
			},
			{
				PreConfig: func() { h.slow.Store(false) },
				Config:    cfg,
				Check: func(*terraform.State) error {
					if n := jobsNamed("tb-slow"); n != 1 {
						return fmt.Errorf("%d jobs named tb-slow after the second apply, want 1", n)
					}
					return nil
				},
			},
		},
	})
}
