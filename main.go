// Command terraform-provider-modelarts serves the ModelArts Terraform provider
// over the Terraform plugin protocol version 6.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider in debug mode for use with delve")
	flag.Parse()
	quietSDKLogsUnlessAsked()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/tf-modelarts/modelarts",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}

// quietSDKLogsUnlessAsked turns off the logs of terraform-plugin-go and the
// framework when no log was asked for. Without any TF_LOG* variable Terraform
// discards what a provider logs, but the SDK still writes a TRACE line for
// every RPC, which Terraform reads and drops: make bench measured that as a
// third of the plan time of 1,000 data sources. Setting any TF_LOG* variable
// (or TF_ACC_LOG_PATH) keeps every log as it was.
func quietSDKLogsUnlessAsked() {
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_LOG") || strings.HasPrefix(kv, "TF_ACC_LOG_PATH=") {
			return
		}
	}
	for _, k := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER"} {
		_ = os.Setenv(k, "OFF")
	}
}
