# env.sh - source it (". hack/env.sh") to get the single-machine control plane's paths and Keystone ids:
#   KUBECTL           the kubectl built by hack/build-kube.sh
#   STACKUBE_STATE    state directory (default /var/lib/stackube)
#   KUBECONFIG_ADMIN  cluster-admin kubeconfig (client certificate, system:masters)
#   ALPHA_PROJECT_ID, BETA_PROJECT_ID, DEMO_DOMAIN_ID (+ ADMIN_PROJECT_ID, SERVICE_PROJECT_ID), once
#                     hack/keystone-up.sh has written $STACKUBE_STATE/keystone-ids.env
# It changes no shell options, so it is safe to source in an interactive shell.
# shellcheck shell=bash
STACKUBE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export STACKUBE_ROOT
export STACKUBE_STATE=${STACKUBE_STATE:-/var/lib/stackube}
KUBECTL=$STACKUBE_ROOT/.cache/kube/$(sed -n 's/^KUBE_VERSION=//p' "$STACKUBE_ROOT/hack/versions.env")/bin/kubectl
export KUBECTL
export KUBECONFIG_ADMIN=$STACKUBE_STATE/pki/admin.kubeconfig
if [ -r "$STACKUBE_STATE/keystone-ids.env" ]; then
  while IFS='=' read -r _stackube_k _stackube_v; do
    case $_stackube_k in [A-Z]*_ID) export "$_stackube_k=$_stackube_v" ;; esac
  done < "$STACKUBE_STATE/keystone-ids.env"
  unset _stackube_k _stackube_v
fi
