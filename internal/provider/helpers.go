package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

// clientFromProviderData is the one Configure helper of every data source and
// resource. It returns nil, without a diagnostic, before the provider is
// configured (the framework calls Configure early during validation).
func clientFromProviderData(data any, diags *diag.Diagnostics) *client.Client {
	if data == nil {
		return nil
	}
	c, ok := data.(*client.Client)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *client.Client, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return c
}

// requireClient reports whether the provider handed over its client, and
// otherwise adds the error every data source and resource gives when asked to
// work (what names the work) before the provider was configured.
func requireClient(c *client.Client, diags *diag.Diagnostics, what string) bool {
	if c == nil {
		diags.AddError("Provider Not Configured",
			"The ModelArts provider was not configured before "+what+". This is a bug in the provider; please report it.")
		return false
	}
	return true
}

// tflogLogger forwards the client's request log to tflog. The client already
// redacts credentials; this only picks the subsystem-free Debug level.
func tflogLogger(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ctx, msg, fields)
}
