// cri-pods - the few CRI calls the node scripts need while the kubelet is stopped (Debian has no crictl, and the
// module proxy lacks a cri-tools version that builds cleanly). hack/build-node.sh builds it inside the kubelet's
// build module (k8s.io/cri-api at the pinned Kubernetes version) into .cache/kube/<version>/bin/cri-pods.
//
//	cri-pods -endpoint unix:///path/containerd.sock ls       one line per pod sandbox: id state handler namespace/name
//	cri-pods -endpoint unix:///path/containerd.sock rm-all   stop (CNI DEL, tasks killed) and remove every sandbox
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func main() {
	endpoint := flag.String("endpoint", "", "CRI endpoint, unix:///path/to.sock")
	timeout := flag.Duration("timeout", 2*time.Minute, "overall deadline")
	flag.Parse()
	if *endpoint == "" || flag.NArg() != 1 || (flag.Arg(0) != "ls" && flag.Arg(0) != "rm-all") {
		fmt.Fprintln(os.Stderr, "usage: cri-pods -endpoint unix:///path/to.sock ls|rm-all")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	conn, err := grpc.NewClient(*endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fail("connect %s: %v", *endpoint, err)
	}
	defer conn.Close()
	rt := runtimeapi.NewRuntimeServiceClient(conn)
	list, err := rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		fail("ListPodSandbox: %v", err)
	}
	failed := 0
	for _, p := range list.Items {
		m := p.GetMetadata()
		if flag.Arg(0) == "ls" {
			fmt.Printf("%s %s %s %s/%s\n", p.Id, p.State, orDefault(p.RuntimeHandler), m.GetNamespace(), m.GetName())
			continue
		}
		if _, err := rt.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: p.Id}); err != nil {
			fmt.Fprintf(os.Stderr, "StopPodSandbox %s (%s/%s): %v\n", p.Id, m.GetNamespace(), m.GetName(), err)
			failed++
			continue
		}
		if _, err := rt.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: p.Id}); err != nil {
			fmt.Fprintf(os.Stderr, "RemovePodSandbox %s (%s/%s): %v\n", p.Id, m.GetNamespace(), m.GetName(), err)
			failed++
			continue
		}
		fmt.Printf("removed pod sandbox %.12s %s/%s\n", p.Id, m.GetNamespace(), m.GetName())
	}
	if failed > 0 {
		os.Exit(1)
	}
}

func orDefault(h string) string {
	if h == "" {
		return "(default)"
	}
	return h
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "cri-pods: "+format+"\n", args...)
	os.Exit(1)
}
