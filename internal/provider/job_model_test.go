package provider

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

func ptr[T any](v T) *T { return &v }

// sameJobFields compares with attr.Value.Equal: Float64 values hold pointers,
// so == would compare addresses.
func sameJobFields(a, b jobFields) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range va.NumField() {
		x, _ := va.Field(i).Interface().(attr.Value)
		y, _ := vb.Field(i).Interface().(attr.Value)
		if x == nil || !x.Equal(y) {
			return false
		}
	}
	return true
}

func TestJobFieldsFromAPI_full(t *testing.T) {
	got := jobFieldsFromAPI(&client.VisualizationJob{
		JobID: ptr(int64(197)), JobName: ptr("apiTest-11"), JobDesc: ptr(""), Status: ptr(int64(7)),
		CreateTime: ptr(int64(1565149736000)), Duration: ptr(int64(33000)), TrainURL: ptr("/b/"),
		ServiceURL: ptr("https://c/modelarts2/tensorboard/p/197/"), ResourceID: ptr("e17dd874"),
		RemainingDuration: ptr(1.5),
	})
	want := jobFields{
		JobID: types.Int64Value(197), JobName: types.StringValue("apiTest-11"), JobDesc: types.StringValue(""),
		Status: types.Int64Value(7), StatusName: types.StringValue("JOBSTAT_WAITING"),
		CreateTime: types.Int64Value(1565149736000), CreatedAt: types.StringValue("2019-08-07T03:48:56Z"),
		Duration: types.Int64Value(33000), TrainURL: types.StringValue("/b/"),
		ServiceURL: types.StringValue("https://c/modelarts2/tensorboard/p/197/"), ResourceID: types.StringValue("e17dd874"),
		RemainingDuration: types.Float64Value(1.5),
	}
	if !sameJobFields(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

// A field the API left out is null, never a zero value.
func TestJobFieldsFromAPI_omittedFieldsAreNull(t *testing.T) {
	got := jobFieldsFromAPI(&client.VisualizationJob{JobID: ptr(int64(5))})
	want := nullJobFields()
	want.JobID = types.Int64Value(5)
	if !sameJobFields(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
	if got := jobFieldsFromAPI(nil); !sameJobFields(got, nullJobFields()) {
		t.Errorf("nil job: got %+v", got)
	}
}

func TestStatusName(t *testing.T) {
	for code, want := range map[int64]string{
		0: "JOBSTAT_UNKNOWN", 8: "JOBSTAT_RUNNING", 13: "JOBSTAT_CANCELED", 22: "MOUNT_FAILED",
		23: "UNKNOWN(23)", -1: "UNKNOWN(-1)",
	} {
		if got := statusName(code); got != want {
			t.Errorf("statusName(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestStatusIsFailure(t *testing.T) {
	failures := map[int64]bool{3: true, 5: true, 6: true, 11: true, 14: true, 16: true, 17: true, 21: true, 22: true}
	for code := int64(0); code <= 25; code++ {
		if got := statusIsFailure(code); got != failures[code] {
			t.Errorf("statusIsFailure(%d) = %v, want %v", code, got, failures[code])
		}
	}
}

func TestFormatEpochMillis(t *testing.T) {
	for ms, want := range map[int64]string{
		0:             "1970-01-01T00:00:00Z",
		1565149736000: "2019-08-07T03:48:56Z",
		1565149736123: "2019-08-07T03:48:56.123Z",
	} {
		if got := formatEpochMillis(ms); got != want {
			t.Errorf("formatEpochMillis(%d) = %q, want %q", ms, got, want)
		}
	}
}

func TestCheckPositiveInteger(t *testing.T) {
	for s, ok := range map[string]bool{
		"1": true, "8992": true, "9223372036854775807": true,
		"": false, "0": false, "-1": false, "abc": false, "007": false, "+5": false, " 5": false,
		"1.0": false, "9223372036854775808": false,
	} {
		if err := checkPositiveInteger(s); (err == nil) != ok {
			t.Errorf("checkPositiveInteger(%q) = %v, want ok=%v", s, err, ok)
		}
	}
}

func TestWarnUnsafeJobs_capped(t *testing.T) {
	jobs := make([]client.VisualizationJob, 25)
	for i := range jobs {
		jobs[i] = client.VisualizationJob{JobID: ptr(int64(i + 1)), JobDesc: ptr("a\x1b[2Jb")}
	}
	jobs = append(jobs, client.VisualizationJob{JobID: ptr(int64(99)), JobDesc: ptr("plain")})
	var diags diag.Diagnostics
	warnUnsafeJobs(&diags, jobs)
	if got := diags.WarningsCount(); got != maxTextWarnings+1 {
		t.Fatalf("%d warnings, want %d (one per job up to the cap, then one summary)", got, maxTextWarnings+1)
	}
	if last := diags[len(diags)-1].Detail(); !strings.Contains(last, "15 more jobs") {
		t.Errorf("summary %q does not count the 15 other jobs", last)
	}
}

func TestHasUnsafeText(t *testing.T) {
	for s, want := range map[string]bool{
		"TensorBoard for run 1": false, "日本語 ok": false, "tab\there": true, "esc\x1b]0;t\x07": true,
		"c1\u009b": true, "bidi\u202e": true, "isolate\u2066": true, "": false,
	} {
		if got := hasUnsafeText(s); got != want {
			t.Errorf("hasUnsafeText(%q) = %t, want %t", s, got, want)
		}
	}
}
