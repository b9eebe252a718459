package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

// The resource identity of modelarts_visualization_job (Terraform 1.12 and
// later): the project and the job ID, which never change for the life of a
// job. It is what `terraform query` returns for each job, and what an import
// block's `identity` argument gives instead of `id`.

// IdentitySchema makes the resource a resource.ResourceWithIdentity.
func (r *visualizationJobResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"project_id": identityschema.StringAttribute{
				OptionalForImport: true,
				Description: "ID of the project that owns the job. Defaults to the provider's project_id on " +
					"import; a different project is an error, since the provider manages one project.",
			},
			"job_id": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "Numeric ID of the visualization job, as a string (\"8992\"): the resource's id.",
			},
		},
	}
}

// jobIdentityModel maps the identity schema.
type jobIdentityModel struct {
	ProjectID types.String `tfsdk:"project_id"`
	JobID     types.String `tfsdk:"job_id"`
}

// projectOf returns the project a client was configured for, or "" without
// a client.
func projectOf(c *client.Client) string {
	if c == nil {
		return ""
	}
	return c.ProjectID()
}

// jobIdentity is the identity of job id in the client's project.
func jobIdentity(c *client.Client, id string) jobIdentityModel {
	return jobIdentityModel{ProjectID: types.StringValue(projectOf(c)), JobID: types.StringValue(id)}
}

// setJobIdentity writes the identity of job id. A nil target is a Terraform
// that does not know identities (before 1.12): nothing to do.
func setJobIdentity(ctx context.Context, target *tfsdk.ResourceIdentity, c *client.Client, id string, diags *diag.Diagnostics) {
	if target == nil || id == "" {
		return
	}
	diags.Append(target.Set(ctx, jobIdentity(c, id))...)
}

// checkJobIdentity compares the identity stored with a resource to the job
// the state names and to the provider's project, before any request: a
// job of another project is not this provider's to read (its ID would name
// some other job, or none), and an identity never changes.
func checkJobIdentity(ctx context.Context, stored *tfsdk.ResourceIdentity, c *client.Client, id string, diags *diag.Diagnostics) bool {
	if stored == nil || stored.Raw.IsNull() || stored.Raw.IsFullyNull() {
		return true // before Terraform 1.12, or a state written before identities
	}
	var got jobIdentityModel
	if d := stored.Get(ctx, &got); d.HasError() {
		diags.Append(d...)
		return false
	}
	project := projectOf(c)
	if p := got.ProjectID.ValueString(); p != "" && project != "" && p != project {
		diags.AddError("Visualization Job Belongs to Another Project",
			fmt.Sprintf("The state holds visualization job %q of project %q, but the provider is configured for "+
				"project %q. A job's identity never changes: configure the provider with project_id = %q for this "+
				"resource (a provider alias), or remove it from the state with terraform state rm.",
				id, p, project, p))
		return false
	}
	if j := got.JobID.ValueString(); j != "" && j != id {
		diags.AddError("Visualization Job Identity Mismatch",
			fmt.Sprintf("The state's id is %q but its identity names job %q. A job's identity never changes; the "+
				"state was edited by hand. Remove the resource with terraform state rm and import it again.", id, j))
		return false
	}
	return true
}

// importJobByIdentity handles an import block's `identity = { job_id = ...
// }`: it checks the identity, sets the id that Read starts from and keeps
// the identity, with the provider's project filled in.
func importJobByIdentity(ctx context.Context, c *client.Client, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var got jobIdentityModel
	resp.Diagnostics.Append(req.Identity.Get(ctx, &got)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := got.JobID.ValueString()
	if err := checkPositiveInteger(id); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("job_id"), "Invalid Import Identity",
			fmt.Sprintf("identity.job_id must be the numeric ID of a visualization job, a positive integer such "+
				"as \"8992\", but it is %q: %s.", id, err))
		return
	}
	project := projectOf(c)
	if p := got.ProjectID.ValueString(); p != "" && project != "" && p != project {
		resp.Diagnostics.AddAttributeError(path.Root("project_id"), "Invalid Import Identity",
			fmt.Sprintf("identity.project_id is %q, but the provider is configured for project %q: a provider "+
				"manages the jobs of one project. Leave project_id out, or import through a provider with "+
				"project_id = %q.", p, project, p))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	setJobIdentity(ctx, resp.Identity, c, id, &resp.Diagnostics)
}
