package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
)

// privateGetter is the part of the framework's private state that plan
// modifiers can read. Its GetKey is safe on a nil *ProviderData: no private
// state reads as no key.
type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

// adoptAfterImport reports whether a change of an attribute the API does not
// return is the first configured value after an import: the state has no
// value (the import could not read one) and the resource was imported and
// not updated since. Such a value is adopted rather than a reason to replace
// the job the user just imported.
func adoptAfterImport(ctx context.Context, stateNull bool, private privateGetter) (bool, diag.Diagnostics) {
	if !stateNull {
		return false, nil
	}
	v, diags := private.GetKey(ctx, privateImported)
	return string(v) == "true", diags
}

// stringReplaceUnlessImported replaces the job when the attribute changes,
// except to adopt the first configured value after an import.
func stringReplaceUnlessImported() planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		adopt, diags := adoptAfterImport(ctx, req.StateValue.IsNull(), req.Private)
		resp.Diagnostics.Append(diags...)
		resp.RequiresReplace = !adopt
	}, replaceUnlessImportedDescription, replaceUnlessImportedDescription)
}

// int64ReplaceUnlessImported is stringReplaceUnlessImported for numbers.
func int64ReplaceUnlessImported() planmodifier.Int64 {
	return int64planmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.Int64Request, resp *int64planmodifier.RequiresReplaceIfFuncResponse) {
		adopt, diags := adoptAfterImport(ctx, req.StateValue.IsNull(), req.Private)
		resp.Diagnostics.Append(diags...)
		resp.RequiresReplace = !adopt
	}, replaceUnlessImportedDescription, replaceUnlessImportedDescription)
}

const replaceUnlessImportedDescription = "Changing the value replaces the job, except that the first value " +
	"configured after an import is adopted."
