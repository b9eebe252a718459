// Command baseline is the practical floor a ModelArts data source can reach:
// a minimal terraform-plugin-framework provider whose
// baseline_visualization_job data source has the same attributes (and the
// same timeouts block) as modelarts_visualization_job, and fills them from
// one plain GET with a ready X-Auth-Token. It does no signing, no input
// validation, no retries and no error mapping, so the difference between it
// and the real provider in `make bench` is what those cost.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
)

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider in debug mode (prints TF_REATTACH_PROVIDERS)")
	address := flag.String("address", "registry.terraform.io/bench/baseline", "provider address in debug mode")
	flag.Parse()
	quietSDKLogsUnlessAsked()

	err := providerserver.Serve(context.Background(), newProvider, providerserver.ServeOpts{
		Address: *address,
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}

// quietSDKLogsUnlessAsked is the provider's own (main.go of the root module):
// the baseline must pay for SDK logging exactly when the provider does.
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
