// Command controlplane is one multi-call binary holding the sandbox lane's real
// Kubernetes control plane: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok, each built from the Go modules its project publishes.
//
// Usage: controlplane COMPONENT [flags]   (or a symlink named after the component)
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

// components maps a component's name to the command its upstream main() builds.
var components = map[string]func() *cobra.Command{
	"kube-apiserver":          apiserver.NewAPIServerCommand,
	"kube-controller-manager": controllermanager.NewControllerManagerCommand,
	"kube-scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
}

func main() {
	name, args := filepath.Base(os.Args[0]), os.Args[1:]
	if name == "controlplane" {
		if len(args) == 0 {
			fmt.Fprintln(os.Stderr, "usage: controlplane etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kwok|version [flags]")
			os.Exit(2)
		}
		name, args = args[0], args[1:]
	}
	switch name {
	case "etcd":
		// etcdmain reads its flags from the argument list it is given, program name first.
		etcdmain.Main(append([]string{"etcd"}, args...))
		return
	case "kwok":
		os.Exit(runKwok(args))
	case "version":
		fmt.Println(versions())
		return
	}
	// Each component names itself after os.Args[0]: its user agent, and so the field manager its
	// writes stand under (kube-controller-manager, kube-scheduler), as with its own binary.
	os.Args[0] = name
	newCommand, ok := components[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "controlplane: unknown component %q\n", name)
		os.Exit(2)
	}
	command := newCommand()
	command.SetArgs(args)
	os.Exit(cli.Run(command))
}
