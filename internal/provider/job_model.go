package provider

import (
	"fmt"
	"strings"
	"time"

	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

// jobFields holds the fields of a visualization job as the API describes it
// (section "Querying the Details About a Visualization Job"), plus two
// derived fields for people reading plans. Data sources and the resource
// embed it so the three kinds expose the same names.
//
// Null versus empty: a field the API left out is null; a field the API sent
// empty (for example job_desc "") is the empty string. status_name and
// created_at are null exactly when status and create_time are.
type jobFields struct {
	JobID             types.Int64   `tfsdk:"job_id"`
	JobName           types.String  `tfsdk:"job_name"`
	JobDesc           types.String  `tfsdk:"job_desc"`
	Status            types.Int64   `tfsdk:"status"`
	StatusName        types.String  `tfsdk:"status_name"`
	CreateTime        types.Int64   `tfsdk:"create_time"`
	CreatedAt         types.String  `tfsdk:"created_at"`
	Duration          types.Int64   `tfsdk:"duration"`
	TrainURL          types.String  `tfsdk:"train_url"`
	ServiceURL        types.String  `tfsdk:"service_url"`
	ResourceID        types.String  `tfsdk:"resource_id"`
	RemainingDuration types.Float64 `tfsdk:"remaining_duration"`
}

// jobFieldsFromAPI is the one mapping from the API's job to Terraform values.
func jobFieldsFromAPI(j *client.VisualizationJob) jobFields {
	f := nullJobFields()
	if j == nil {
		return f
	}
	f.JobID = types.Int64PointerValue(j.JobID)
	f.JobName = types.StringPointerValue(j.JobName)
	f.JobDesc = types.StringPointerValue(j.JobDesc)
	f.Status = types.Int64PointerValue(j.Status)
	if j.Status != nil {
		f.StatusName = types.StringValue(statusName(*j.Status))
	}
	f.CreateTime = types.Int64PointerValue(j.CreateTime)
	if j.CreateTime != nil {
		f.CreatedAt = types.StringValue(formatEpochMillis(*j.CreateTime))
	}
	f.Duration = types.Int64PointerValue(j.Duration)
	f.TrainURL = types.StringPointerValue(j.TrainURL)
	f.ServiceURL = types.StringPointerValue(j.ServiceURL)
	f.ResourceID = types.StringPointerValue(j.ResourceID)
	f.RemainingDuration = types.Float64PointerValue(j.RemainingDuration)
	return f
}

// nullJobFields is a job about which nothing is known, as when a read with
// fail_on_error = false got an error back.
func nullJobFields() jobFields {
	return jobFields{
		JobID: types.Int64Null(), JobName: types.StringNull(), JobDesc: types.StringNull(),
		Status: types.Int64Null(), StatusName: types.StringNull(),
		CreateTime: types.Int64Null(), CreatedAt: types.StringNull(), Duration: types.Int64Null(),
		TrainURL: types.StringNull(), ServiceURL: types.StringNull(), ResourceID: types.StringNull(),
		RemainingDuration: types.Float64Null(),
	}
}

// formatEpochMillis renders an epoch-milliseconds timestamp as RFC 3339 in
// UTC, keeping milliseconds only when they are not zero.
func formatEpochMillis(ms int64) string {
	return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano)
}

// Attribute descriptions shared by the data sources and the resource, so the
// generated documentation says the same thing everywhere.
var jobFieldDescriptions = map[string]string{
	"job_id":      "Numeric ID of the visualization job (a Long in the API).",
	"job_name":    "Name of the job: 1 to 20 letters, digits, `-` or `_`.",
	"job_desc":    "Description of the job, up to 256 characters. An empty description is `\"\"`; null only when the API omitted the field.",
	"status":      "Status code of the job. Codes: " + statusTableMarkdown() + ".",
	"status_name": "Name of `status` from the API's status table, for example `JOBSTAT_RUNNING`. A code the table does not know shows as `UNKNOWN(<code>)`.",
	"create_time": "Creation time as a Unix epoch in **milliseconds**.",
	"created_at":  "Creation time in RFC 3339 format, UTC (for example `2019-08-07T03:48:56Z`), derived from `create_time`.",
	"duration":    "Running time of the job in **milliseconds**. It grows while the job runs.",
	"train_url":   "OBS path the job reads TensorBoard or MindInsight summary files from, for example `/bucket/train/`.",
	"service_url": "Address of the TensorBoard or MindInsight web UI of the job, served while the job is running.",
	"resource_id": "Billing resource ID of the job (a UUID).",
	"remaining_duration": "Time left before the job stops itself (auto-stop), as the API reports it. " +
		"Only some API versions send it; null when absent.",
}

// jobDataSourceAttributes returns the computed job attributes for data source
// schemas (the singular data source and the list elements).
func jobDataSourceAttributes() map[string]dsschema.Attribute {
	d := jobFieldDescriptions
	return map[string]dsschema.Attribute{
		"job_id":             dsschema.Int64Attribute{Computed: true, MarkdownDescription: d["job_id"]},
		"job_name":           dsschema.StringAttribute{Computed: true, MarkdownDescription: d["job_name"]},
		"job_desc":           dsschema.StringAttribute{Computed: true, MarkdownDescription: d["job_desc"]},
		"status":             dsschema.Int64Attribute{Computed: true, MarkdownDescription: d["status"]},
		"status_name":        dsschema.StringAttribute{Computed: true, MarkdownDescription: d["status_name"]},
		"create_time":        dsschema.Int64Attribute{Computed: true, MarkdownDescription: d["create_time"]},
		"created_at":         dsschema.StringAttribute{Computed: true, MarkdownDescription: d["created_at"]},
		"duration":           dsschema.Int64Attribute{Computed: true, MarkdownDescription: d["duration"]},
		"train_url":          dsschema.StringAttribute{Computed: true, MarkdownDescription: d["train_url"]},
		"service_url":        dsschema.StringAttribute{Computed: true, MarkdownDescription: d["service_url"]},
		"resource_id":        dsschema.StringAttribute{Computed: true, MarkdownDescription: d["resource_id"]},
		"remaining_duration": dsschema.Float64Attribute{Computed: true, MarkdownDescription: d["remaining_duration"]},
	}
}

// warnUnsafeText adds one warning for a job whose strings hold characters
// that a terminal interprets rather than shows: C0 and C1 controls (an
// escape sequence can retitle the window or hide text) and the Unicode bidi
// controls (U+202A to U+202E, U+2066 to U+2069), which reorder what is
// printed. The values go into the state unchanged: they are the job's data.
func warnUnsafeText(diags *diag.Diagnostics, id string, j *client.VisualizationJob) {
	if j == nil {
		return
	}
	var fields []string
	for _, f := range []struct {
		name string
		v    *string
	}{
		{"job_name", j.JobName}, {"job_desc", j.JobDesc}, {"train_url", j.TrainURL},
		{"service_url", j.ServiceURL}, {"resource_id", j.ResourceID}, {"job_type", j.JobType},
	} {
		if f.v != nil && hasUnsafeText(*f.v) {
			fields = append(fields, f.name)
		}
	}
	if len(fields) == 0 {
		return
	}
	diags.AddWarning("Visualization Job Text Holds Control Characters",
		fmt.Sprintf("ModelArts returned %s of visualization job %s with control or text-direction characters. "+
			"The values are kept as they are in the state, but Terraform prints them raw, so a terminal may "+
			"show the plan differently from what it says. Check the job in the ModelArts console; "+
			"jsonencode() of the value shows the characters escaped.", strings.Join(fields, ", "), id))
}

// hasUnsafeText reports whether s holds a C0 or C1 control (tab and newline
// included: they do not belong in these fields) or a bidi control.
func hasUnsafeText(s string) bool {
	for _, r := range s {
		switch {
		case r < 0x20, r >= 0x7f && r <= 0x9f:
			return true
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			return true
		}
	}
	return false
}
