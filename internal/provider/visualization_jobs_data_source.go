package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

var (
	_ datasource.DataSource              = &visualizationJobsDataSource{}
	_ datasource.DataSourceWithConfigure = &visualizationJobsDataSource{}
)

// Sort keys the list API accepts (query parameter sortBy), and the sort the
// API applies when none is given.
var listSortKeys = []string{"job_id", "job_name", "job_desc", "create_time", "status"}

const (
	defaultSortBy = "job_id"
	defaultOrder  = "asc"
)

// listFilters are the filters of the list data source and of the list
// resource (terraform query), which take the same arguments.
var listFilters = struct {
	status                []validator.Int64
	search, sortBy, order []validator.String
	statusDoc, searchDoc  string
	sortByDoc, orderDoc   string
}{
	status:    []validator.Int64{knownStatusCode{}},
	search:    []validator.String{stringvalidator.LengthBetween(1, 64)},
	sortBy:    []validator.String{stringvalidator.OneOf(listSortKeys...)},
	order:     []validator.String{stringvalidator.OneOf("asc", "desc")},
	statusDoc: "Only jobs with this status code, for example `8` for running jobs. Codes: " + statusTableMarkdown() + ".",
	searchDoc: "Only jobs whose name contains this text (1 to 64 characters).",
	sortByDoc: "Sort key: one of `" + strings.Join(listSortKeys, "`, `") + "`. Defaults to `" + defaultSortBy + "`.",
	orderDoc:  "Sort order, `asc` or `desc`. Defaults to `" + defaultOrder + "`.",
}

// NewVisualizationJobsDataSource is the constructor of modelarts_visualization_jobs.
func NewVisualizationJobsDataSource() datasource.DataSource {
	return &visualizationJobsDataSource{}
}

type visualizationJobsDataSource struct {
	client *client.Client
}

func (d *visualizationJobsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_visualization_jobs"
}

func (d *visualizationJobsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the visualization jobs of the project, optionally filtered and sorted. Every " +
			"page is read (up to 1,000 jobs per request), so the list is complete. No match is an empty list, " +
			"not an error.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Identifier of this listing, made of the filters and the sort, with the defaults " +
					"filled in, for example `status=8,search=\"resnet\",sort_by=job_id,order=asc`.",
			},
			"status": schema.Int64Attribute{
				Optional: true, Validators: listFilters.status, MarkdownDescription: listFilters.statusDoc,
			},
			"search_content": schema.StringAttribute{
				Optional: true, Validators: listFilters.search, MarkdownDescription: listFilters.searchDoc,
			},
			"sort_by": schema.StringAttribute{
				Optional: true, Validators: listFilters.sortBy, MarkdownDescription: listFilters.sortByDoc,
			},
			"order": schema.StringAttribute{
				Optional: true, Validators: listFilters.order, MarkdownDescription: listFilters.orderDoc,
			},
			"jobs": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The matching jobs, in the requested order. Empty (not null) when nothing matches.",
				NestedObject:        schema.NestedAttributeObject{Attributes: jobDataSourceAttributes()},
			},
			"job_total_count": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "Number of jobs that match the filters, as ModelArts counts them.",
			},
			"job_count_limit": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "How many more visualization jobs the project may create.",
			},
			"quotas": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "Maximum number of visualization jobs that may run at the same time.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.BlockWithOpts(ctx, timeouts.Opts{
				ReadDescription: "How long reading every page may take, retries included, as a Go duration such " +
					"as `30s` or `5m`. Defaults to `5m`.",
			}),
		},
	}
}

func (d *visualizationJobsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *visualizationJobsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data visualizationJobsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !requireClient(d.client, &resp.Diagnostics, "listing visualization jobs") {
		return
	}
	timeout, diags := data.Timeouts.Read(ctx, defaultReadTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	opts := data.listOptions()
	page, err := d.client.ListAllVisualizationJobs(ctx, opts)
	if err != nil {
		resp.Diagnostics.AddError("Unable to List Visualization Jobs", errorDetail("list the visualization jobs of the project", "", err, timeout))
		return
	}
	data.setPage(page)
	warnUnsafeJobs(&resp.Diagnostics, page.Jobs)
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}

// maxTextWarnings caps the control-character warnings of one listing: one
// per job up to it, then one that counts the rest.
const maxTextWarnings = 10

// warnUnsafeJobs adds warnUnsafeText's warning for each listed job whose
// strings hold control characters, up to maxTextWarnings.
func warnUnsafeJobs(diags *diag.Diagnostics, jobs []client.VisualizationJob) {
	shown, more := 0, 0
	for i := range jobs {
		var one diag.Diagnostics
		id := "(no ID)"
		if jobs[i].JobID != nil {
			id = fmt.Sprint(*jobs[i].JobID)
		}
		warnUnsafeText(&one, id, &jobs[i])
		if len(one) == 0 {
			continue
		}
		if shown == maxTextWarnings {
			more++
			continue
		}
		shown++
		diags.Append(one...)
	}
	if more > 0 {
		diags.AddWarning("Visualization Job Text Holds Control Characters",
			fmt.Sprintf("%d more jobs of this listing hold control or text-direction characters.", more))
	}
}

// visualizationJobsDataSourceModel maps the modelarts_visualization_jobs data source.
type visualizationJobsDataSourceModel struct {
	ID            types.String   `tfsdk:"id"`
	Status        types.Int64    `tfsdk:"status"`
	SearchContent types.String   `tfsdk:"search_content"`
	SortBy        types.String   `tfsdk:"sort_by"`
	Order         types.String   `tfsdk:"order"`
	Jobs          []jobFields    `tfsdk:"jobs"`
	JobTotalCount types.Int64    `tfsdk:"job_total_count"`
	JobCountLimit types.Int64    `tfsdk:"job_count_limit"`
	Quotas        types.Int64    `tfsdk:"quotas"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

func (m *visualizationJobsDataSourceModel) listOptions() client.ListOptions {
	opts := client.ListOptions{
		SearchContent: m.SearchContent.ValueString(),
		SortBy:        m.SortBy.ValueString(),
		Order:         m.Order.ValueString(),
	}
	if !m.Status.IsNull() {
		opts.Status = m.Status.ValueInt64Pointer()
	}
	return opts
}

// setPage maps a complete listing. The id names the filters, so two listings
// with different filters in one configuration are told apart in logs.
func (m *visualizationJobsDataSourceModel) setPage(p *client.ListPage) {
	m.Jobs = make([]jobFields, 0, len(p.Jobs))
	for i := range p.Jobs {
		m.Jobs = append(m.Jobs, jobFieldsFromAPI(&p.Jobs[i]))
	}
	m.JobTotalCount = types.Int64Value(p.JobTotalCount)
	m.JobCountLimit = types.Int64Value(p.JobCountLimit)
	m.Quotas = types.Int64Value(p.Quotas)
	m.ID = types.StringValue(m.listingID())
}

// listingID names the listing by its filters and its sort, the API's
// defaults filled in, so that the id says what was asked for.
func (m *visualizationJobsDataSourceModel) listingID() string {
	status := "any"
	if !m.Status.IsNull() {
		status = fmt.Sprint(m.Status.ValueInt64())
	}
	sortBy, order := m.SortBy.ValueString(), m.Order.ValueString()
	if sortBy == "" {
		sortBy = defaultSortBy
	}
	if order == "" {
		order = defaultOrder
	}
	return fmt.Sprintf("status=%s,search=%q,sort_by=%s,order=%s", status, m.SearchContent.ValueString(), sortBy, order)
}

// knownStatusCode checks at validate time that status is a code of the
// status table, so a typo lists nothing instead of failing at plan.
type knownStatusCode struct{}

var _ validator.Int64 = knownStatusCode{}

func (knownStatusCode) Description(context.Context) string {
	return "must be a job status code from 0 to 22"
}

func (v knownStatusCode) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (knownStatusCode) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	code := req.ConfigValue.ValueInt64()
	if _, ok := statusNames[code]; ok {
		return
	}
	codes := make([]string, 0, len(statusNames))
	for c := int64(0); c < int64(len(statusNames)); c++ {
		codes = append(codes, fmt.Sprintf("%d %s", c, statusNames[c]))
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Unknown Job Status Code",
		fmt.Sprintf("%s must be a ModelArts job status code, but it is %d. For example status = 8 lists the running "+
			"jobs. The codes: %s.", req.Path, code, strings.Join(codes, ", ")))
}
