package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

// dnsCheckTimeout bounds the lookup of a host built from an unknown cloud.
const dnsCheckTimeout = 3 * time.Second

// connect does what resolveConfig leaves to the network: it reads the instance
// metadata (the last credential source), looks the project up in IAM when
// project_id is unset, builds the client and, for temporary keys, obtains them
// once so that a refusal is reported here.
func (p *modelartsProvider) connect(ctx context.Context, cfg *resolvedConfig, terraformVersion string,
	diags *diag.Diagnostics) (*client.Client, bool) {
	ua := userAgent(p.version, terraformVersion)
	if cfg.AuthMethod == authMetadata {
		md, err := client.ReadInstanceMetadata(ctx, cfg.MetadataEndpoint, ua)
		if err != nil {
			diags.AddAttributeError(path.Root("access_key"), "Missing ModelArts Credentials", noCredentialsDetail(*cfg, err))
			return nil, false
		}
		tflog.Info(ctx, "using the temporary keys of the instance metadata service", map[string]any{
			"metadata_endpoint": cfg.MetadataEndpoint, "region_id": md.RegionID, "project_id": md.ProjectID,
		})
		regionSource := "configuration or environment"
		if cfg.Region == "" {
			cfg.Region, regionSource = md.RegionID, "the instance metadata"
		}
		if cfg.ProjectID == "" && cfg.ProjectName == "" && projectIDRE.MatchString(md.ProjectID) {
			cfg.ProjectID = md.ProjectID
		}
		diags.Append(cfg.deriveEndpoints(regionSource)...)
		if diags.HasError() {
			return nil, false
		}
	}
	if !checkCloudResolves(ctx, *cfg, diags) {
		return nil, false
	}
	hc, err := httpClient(*cfg)
	if err != nil {
		diags.AddError("Unable to Create ModelArts API Client",
			"The provider configuration was resolved but the HTTP client could not be built: "+err.Error())
		return nil, false
	}

	if cfg.ProjectID == "" {
		name := cfg.ProjectName
		if name == "" {
			name = cfg.Region
		}
		if name == "" {
			diags.AddAttributeError(path.Root("project_id"), "Missing Project ID",
				"ModelArts API paths contain the project ID. Set project_id ("+strings.Join(envProjectID, " or ")+
					"), or set region or project_name so that the provider can ask IAM for the project's ID.")
			return nil, false
		}
		opts := append([]client.Option{client.WithHTTPClient(hc), client.WithUserAgent(ua), client.WithLogger(tflogLogger)},
			authOptions(*cfg)...)
		project, err := client.FindProject(ctx, name, opts...)
		if err != nil {
			var nf *client.ProjectNotFoundError
			if errors.As(err, &nf) {
				listed := "IAM lists no project for these credentials"
				if len(nf.Available) > 0 {
					listed = "IAM lists " + quoteList(nf.Available)
				}
				diags.AddAttributeError(path.Root("project_name"), "Project Not Found",
					fmt.Sprintf("The provider asked IAM at %s for the project named %q, to find the project ID, and "+
						"there is none: %s. Set project_name (%s) to one of them, or set project_id.",
						hostOf(cfg.AuthURL), name, listed, strings.Join(envProjectName, " or ")))
				return nil, false
			}
			diags.AddAttributeError(path.Root("project_id"), "Unable to Find Project",
				iamFailureDetail(fmt.Sprintf("look up the project named %q (project_id is not set)", name), *cfg, err))
			return nil, false
		}
		if !projectIDRE.MatchString(project.ID) {
			diags.AddAttributeError(path.Root("project_id"), "Unable to Find Project",
				fmt.Sprintf("IAM at %s answered the lookup of project %q with an ID that is not 32 hexadecimal "+
					"characters. Set project_id.", hostOf(cfg.AuthURL), name))
			return nil, false
		}
		cfg.ProjectID = project.ID
		tflog.Info(ctx, "project_id is not set: using the project IAM names after the region", map[string]any{
			"project_name": project.Name, "project_id": project.ID,
		})
	}

	c, err := newAPIClient(*cfg, hc, ua)
	if err != nil {
		diags.AddError("Unable to Create ModelArts API Client",
			"The provider configuration was resolved but the API client could not be built: "+err.Error())
		return nil, false
	}
	if err := c.CheckCredentials(ctx); err != nil {
		if cfg.AgencyName != "" {
			diags.AddAttributeError(path.Root("assume_role"), "Unable to Assume IAM Agency",
				iamFailureDetail(fmt.Sprintf("obtain temporary keys of agency %q in domain %q", cfg.AgencyName,
					cfg.AgencyDomain), *cfg, err))
		} else {
			diags.AddError("Unable to Read Instance Metadata Credentials",
				fmt.Sprintf("The instance metadata service at %s gave no temporary keys: %s. Check that the cloud "+
					"server has an agency, or set credentials in the provider block or the environment.",
					cfg.MetadataEndpoint, err))
		}
		return nil, false
	}
	return c, true
}

// iamFailureDetail describes a failed IAM request: the host, the status and
// code IAM answered (or why it could not be reached) and what to check.
func iamFailureDetail(what string, cfg resolvedConfig, err error) string {
	host := hostOf(cfg.AuthURL)
	detail := "The provider could not " + what + ".\n\n"
	var apiErr *client.APIError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &apiErr):
		code := ""
		if apiErr.Code != "" {
			code = ", code " + apiErr.Code
		}
		detail += fmt.Sprintf("IAM at %s answered HTTP %d%s: %s", host, apiErr.StatusCode, code, apiErr.Message)
		if apiErr.RequestID != "" {
			detail += " (request ID " + apiErr.RequestID + ")"
		}
		detail += ".\n\n"
	case errors.As(err, &dnsErr):
		detail += fmt.Sprintf("The IAM host %s does not resolve: %s.\n\n", host, err)
	default:
		detail += fmt.Sprintf("IAM at %s could not be reached: %s.\n\n", host, err)
	}
	if cfg.AuthURLDerived {
		detail += fmt.Sprintf("The IAM endpoint %s was built from region %q and cloud %q: check both, or set "+
			"auth_url. ", cfg.AuthURL, cfg.Region, cfg.Cloud)
	} else {
		detail += "Check auth_url (" + cfg.AuthURL + "). "
	}
	switch cfg.AuthMethod {
	case authPassword:
		detail += "Check user_name, password and domain_name (the account name, not the user's)."
	case authMetadata:
		detail += "The credentials are the cloud server's temporary keys: check its agency."
	default:
		detail += "Check that the credentials (from " + cfg.Source + ") belong to the account and are allowed to do this."
	}
	return detail
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(no host)"
	}
	return u.Host
}

// checkCloudResolves looks up the ModelArts host built from an explicit cloud
// that is not one of the known ones, so that a mistyped cloud is reported as
// such, naming the region and cloud that built the host.
func checkCloudResolves(ctx context.Context, cfg resolvedConfig, diags *diag.Diagnostics) bool {
	if !cfg.EndpointDerived || !cfg.CloudExplicit {
		return true
	}
	for _, known := range knownClouds {
		if cfg.Cloud == known {
			return true
		}
	}
	host := hostOf(cfg.Endpoint)
	ctx, cancel := context.WithTimeout(ctx, dnsCheckTimeout)
	defer cancel()
	if _, err := net.DefaultResolver.LookupHost(ctx, host); err != nil {
		diags.AddAttributeError(path.Root("cloud"), "Unknown Cloud",
			fmt.Sprintf("The ModelArts endpoint %s was built from region %q and cloud %q, and its host does not "+
				"resolve: %s. cloud is usually one of %s; for a private cloud, check the domain, or set "+
				"endpoints = { modelarts = \"https://...\" }.", cfg.Endpoint, cfg.Region, cfg.Cloud, err,
				strings.Join(knownClouds, ", ")))
		return false
	}
	return true
}
