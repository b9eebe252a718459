package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"
)

var _ function.Function = statusNameFunction{}

// NewStatusNameFunction is the constructor of provider::modelarts::status_name.
func NewStatusNameFunction() function.Function {
	return statusNameFunction{}
}

type statusNameFunction struct{}

func (f statusNameFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "status_name"
}

func (f statusNameFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Name of a visualization job status code",
		MarkdownDescription: "Returns the name of a job status code from the API's status table, the same name " +
			"as the `status_name` attribute shows, so outputs and conditions can test `status` without a lookup " +
			"table in HCL. A code the table does not know returns `UNKNOWN(<code>)` rather than an error, because " +
			"ModelArts may add codes. Codes: " + statusTableMarkdown() + ".",
		Parameters: []function.Parameter{
			function.Int64Parameter{
				Name:                "code",
				MarkdownDescription: "Status code of a job, for example the `status` attribute of `modelarts_visualization_job`.",
			},
		},
		Return: function.StringReturn{},
	}
}

func (f statusNameFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var code int64
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &code))
	if resp.Error != nil {
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, statusName(code)))
}
