// Package provider implements the ModelArts Terraform provider on top of
// terraform-plugin-framework. It maps Terraform configuration and state to
// calls of internal/client and never speaks HTTP itself.
package provider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var (
	_ provider.Provider                  = &modelartsProvider{}
	_ provider.ProviderWithFunctions     = &modelartsProvider{}
	_ provider.ProviderWithListResources = &modelartsProvider{}
	_ provider.ProviderWithActions       = &modelartsProvider{}
)

// New returns a constructor of the provider for the given build version,
// in the shape providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &modelartsProvider{version: version, getenv: os.Getenv}
	}
}

type modelartsProvider struct {
	version string
	// getenv is os.Getenv outside unit tests of the configuration resolver.
	getenv func(string) string
}

func (p *modelartsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "modelarts"
	resp.Version = p.version
}

func (p *modelartsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The ModelArts provider reads and manages ModelArts visualization jobs " +
			"(managed TensorBoard and MindInsight instances) on Open Telekom Cloud and Huawei Cloud.\n\n" +
			"Every argument is optional in the configuration and is resolved in this order: the configuration, " +
			"then the environment variables named in its description (the first one set wins), then the default. " +
			"Credentials come from the first of these sources that has any: the provider block, the environment, " +
			"the Huawei Cloud CLI's shared config file, the instance metadata of a cloud server; in that source, " +
			"exactly one authentication method must be complete: AK/SK (`access_key` and `secret_key`, plus " +
			"`security_token` for temporary keys), IAM password (`user_name`, `password` and `domain_name`) or a " +
			"ready `token`. `assume_role` then takes on an IAM agency with them.",
		Attributes: map[string]schema.Attribute{
			"region": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Region of the ModelArts service, for example `eu-de` (Open Telekom Cloud) or " +
					"`ap-southeast-1` (Huawei Cloud): lower-case letters and digits joined by hyphens. Used to build " +
					"the default endpoints and to find the project. " + envDoc(envRegion) + " On a cloud server, " +
					"defaults to the server's region (instance metadata).",
			},
			"project_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "ID of the project that owns the visualization jobs (32 hexadecimal characters); " +
					"it is part of every API path and scopes IAM tokens. " + envDoc(envProjectID) + " When unset, the " +
					"provider asks IAM once for the project named `project_name` (default: the region), or takes the " +
					"cloud server's project from the instance metadata.",
			},
			"project_name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Name of the project to look up in IAM when `project_id` is unset, for a " +
					"sub-project such as `eu-de_ml`. " + envDoc(envProjectName) + " Defaults to the region.",
			},
			"shared_config_file": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Path of the Huawei Cloud CLI's (`hcloud`) config file, read when neither the " +
					"provider block nor the environment has credentials. " + envDoc(envSharedConfigFile) +
					" Defaults to `~/.hcloud/config.json` (not an error when that file does not exist).",
			},
			"profile": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Profile of the shared config file to use: AK/SK profiles (temporary with a " +
					"security token) give keys, `region` and `projectId`; an `ecsAgency` profile means the instance " +
					"metadata. " + envDoc(envProfile) + " Defaults to the file's `current` profile.",
			},
			"access_key": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Access key ID (AK) for request signing. " + envDoc(envAccessKey),
			},
			"secret_key": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Secret access key (SK) for request signing. " + envDoc(envSecretKey),
			},
			"security_token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Security token of temporary AK/SK credentials; sent and signed as " +
					"`X-Security-Token`. Requires `access_key` and `secret_key`. " + envDoc(envSecurityToken),
			},
			"token": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "A ready, project-scoped IAM token sent as `X-Auth-Token`. " + envDoc(envToken),
			},
			"user_name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "IAM user name for password authentication. " + envDoc(envUserName),
			},
			"password": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "IAM user password for password authentication. " + envDoc(envPassword),
			},
			"domain_name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Name of the account (domain) the IAM user belongs to, for password " +
					"authentication. " + envDoc(envDomainName),
			},
			"cloud": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Domain suffix of the cloud used to build default endpoints: " +
					"`otc.t-systems.com` (Open Telekom Cloud), `myhuaweicloud.com` (Huawei Cloud) or " +
					"`myhuaweicloud.eu` (Huawei Cloud Europe), or the domain of a private cloud. " + envDoc(envCloud) +
					" Defaults to the region's cloud: `otc.t-systems.com` for `eu-de`, `eu-nl` and `eu-ch2`, " +
					"`myhuaweicloud.eu` for `eu-west-101`, else `myhuaweicloud.com`.",
			},
			"auth_url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "IAM v3 endpoint used for password authentication, `assume_role` (at the " +
					"`v3.0` API beside it) and the project lookup. " + envDoc(envAuthURL) +
					" Defaults to `https://iam.{region}.{cloud}/v3`.",
			},
			"endpoints": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Overrides of service endpoints, keyed by service. The only key is `modelarts` " +
					"(default `https://modelarts.{region}.{cloud}`); use it for private clouds, proxies or the " +
					"bundled emulator. Any other key is an error. When the map is not set, `modelarts` falls back to the " +
					"`HW_MODELARTS_ENDPOINT` environment variable.",
			},
			"insecure": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Skip TLS certificate verification. Only for test environments: a warning is " +
					"shown whenever it is on. " + envDoc(envInsecure) + " Defaults to `false`.",
			},
			"ca_file": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Path of a PEM file (a regular file under 1 MiB) with additional certificate " +
					"authorities to trust. " + envDoc(envCAFile),
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				Validators: []validator.Int64{
					int64validator.Between(0, maxRetriesLimit),
				},
				MarkdownDescription: "How many times one request is retried after throttling (HTTP 429), a " +
					"gateway or availability error (502, 503, 504) or a reset connection, with exponential " +
					"backoff and jitter that honours `Retry-After`. " + envDoc(envMaxRetries) + " Defaults to `5`.",
			},
			"request_timeout": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How long one attempt of a request may wait for the response headers, and " +
					"again for reading the body, as a Go duration between `1s` and `10m`. An attempt that runs " +
					"over (a server that accepts the connection and never answers, or drips its answer) counts as " +
					"a transient failure: reads and deletes are retried, and a create, stop or restart is checked " +
					"for whether it took effect before it is sent again. The whole operation is bounded by its " +
					"`timeouts` block. " + envDoc(envRequestTimeout) + " Defaults to `60s`.",
			},
		},
		Blocks: map[string]schema.Block{
			"assume_role": schema.SingleNestedBlock{
				MarkdownDescription: "Take on an IAM agency: the provider asks IAM " +
					"(`POST {auth_url root}/v3.0/OS-CREDENTIAL/securitytokens`) for the agency's temporary keys with " +
					"the credentials of any source, signs with them and renews them before they expire.",
				Attributes: map[string]schema.Attribute{
					"agency_name": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Name of the agency. " + envDoc(envAgencyName),
					},
					"domain_name": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Name of the account (domain) that owns the agency. " + envDoc(envAgencyDomain) +
							" Defaults to `domain_name`.",
					},
					"duration": schema.Int64Attribute{
						Optional:   true,
						Validators: []validator.Int64{int64validator.Between(minAgencyDuration, maxAgencyDuration)},
						MarkdownDescription: "Lifetime of the agency's keys in seconds, 900 to 43200. " +
							envDoc(envAgencyDuration) + " Defaults to `3600`.",
					},
				},
			},
		},
	}
}

func (p *modelartsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var model providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}

	cfg, diags := resolveConfig(model, p.getenv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if cfg.Insecure {
		resp.Diagnostics.AddAttributeWarning(path.Root("insecure"),
			"TLS Certificate Verification Disabled",
			"insecure = true (or "+envInsecure[0]+"/"+envInsecure[1]+") turns off TLS certificate verification "+
				"for ModelArts and IAM. Anyone on the network path can read and change the traffic, credentials "+
				"included. Use ca_file to trust a private certificate authority instead.")
	}
	c, ok := p.connect(ctx, &cfg, req.TerraformVersion, &resp.Diagnostics)
	if !ok {
		return
	}
	tflog.Debug(ctx, "configured ModelArts client", map[string]any{
		"auth_method":       cfg.AuthMethod.String(),
		"credential_source": cfg.Source,
		"agency_name":       cfg.AgencyName,
		"endpoint":          cfg.Endpoint,
		"project_id":        cfg.ProjectID,
	})

	resp.DataSourceData = c
	resp.ResourceData = c
	resp.ListResourceData = c
	resp.ActionData = c
}

func (p *modelartsProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewVisualizationJobDataSource,
		NewVisualizationJobsDataSource,
	}
}

func (p *modelartsProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewVisualizationJobResource,
	}
}

func (p *modelartsProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{
		NewVisualizationJobStopAction,
		NewVisualizationJobRestartAction,
	}
}

func (p *modelartsProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewVisualizationJobListResource,
	}
}

func (p *modelartsProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{
		NewStatusNameFunction,
	}
}

// providerModel maps the provider block.
type providerModel struct {
	Region        types.String `tfsdk:"region"`
	ProjectID     types.String `tfsdk:"project_id"`
	AccessKey     types.String `tfsdk:"access_key"`
	SecretKey     types.String `tfsdk:"secret_key"`
	SecurityToken types.String `tfsdk:"security_token"`
	Token         types.String `tfsdk:"token"`
	UserName      types.String `tfsdk:"user_name"`
	Password      types.String `tfsdk:"password"`
	DomainName    types.String `tfsdk:"domain_name"`
	Cloud         types.String `tfsdk:"cloud"`
	AuthURL       types.String `tfsdk:"auth_url"`
	Endpoints     types.Map    `tfsdk:"endpoints"`
	Insecure      types.Bool   `tfsdk:"insecure"`
	CAFile        types.String `tfsdk:"ca_file"`
	MaxRetries    types.Int64  `tfsdk:"max_retries"`
	// RequestTimeout is request_timeout, a Go duration.
	RequestTimeout types.String `tfsdk:"request_timeout"`

	ProjectName      types.String     `tfsdk:"project_name"`
	SharedConfigFile types.String     `tfsdk:"shared_config_file"`
	Profile          types.String     `tfsdk:"profile"`
	AssumeRole       *assumeRoleModel `tfsdk:"assume_role"`
}

// assumeRoleModel maps the assume_role block; nil when the block is absent.
type assumeRoleModel struct {
	AgencyName types.String `tfsdk:"agency_name"`
	DomainName types.String `tfsdk:"domain_name"`
	Duration   types.Int64  `tfsdk:"duration"`
}
