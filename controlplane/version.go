package main

import (
	"fmt"

	"go.etcd.io/etcd/api/v3/version"
	k8sversion "k8s.io/component-base/version"
)

// versions names what this binary was built from; setup.sh injects Kubernetes'
// release with -ldflags (-X k8s.io/component-base/version.gitVersion=...), as
// Kubernetes' own build does, so the API server's /version reports it.
func versions() string {
	return fmt.Sprintf("kubernetes %s etcd %s", k8sversion.Get().GitVersion, version.Version)
}
