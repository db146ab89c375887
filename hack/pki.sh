#!/usr/bin/env bash
# pki.sh - create (idempotently) the CA, certificates, service-account key pair and kubeconfigs of the
# single-machine control plane under $STACKUBE_STATE/pki. A certificate is (re)issued only when it is missing,
# not signed by the current CA, expires within 30 days, or its subject/SANs/usage changed; kubeconfigs are
# rewritten only when their content changes. Keys are EC P-256 (fast to make) except the RSA service-account key.
# Usage: hack/pki.sh
. "$(dirname "$0")/lib.sh"
ensure_dirs
install -d -m 755 "$PKI"
cd "$PKI"

CA_DAYS=3650
LEAF_DAYS=365
RENEW_BEFORE=$((30 * 86400))
issued=()

newkey_ec() { (umask 077; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.tmp" 2>/dev/null && mv "$1.tmp" "$1"); }

# --- CA
if [ ! -s ca.key ] || [ ! -s ca.crt ] || ! openssl x509 -in ca.crt -noout -checkend "$RENEW_BEFORE" >/dev/null 2>&1; then
  newkey_ec ca.key
  openssl req -x509 -new -key ca.key -sha256 -days "$CA_DAYS" -out ca.crt.tmp -config /dev/stdin <<'EOF'
[req]
distinguished_name = dn
x509_extensions = v3
prompt = no
[dn]
CN = stackube-ca
[v3]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
EOF
  mv ca.crt.tmp ca.crt
  issued+=(ca)
fi

# Which existing certificates are signed by the current CA and still valid in 30 days (one openssl run).
declare -A valid=()
while read -r line; do
  case $line in *": OK") valid[${line%: OK}]=1 ;; esac
done < <(shopt -s nullglob; crts=(*.crt); [ ${#crts[@]} -eq 0 ] ||
         openssl verify -attime $((EPOCHSECONDS + RENEW_BEFORE)) -CAfile ca.crt "${crts[@]}" 2>/dev/null)

# leaf NAME SUBJECT EKU [SAN] : issue NAME.crt/NAME.key signed by the CA (EKU serverAuth or clientAuth).
leaf() {
  local name=$1 subj=$2 eku=$3 san=${4:-} spec
  spec="subject=$subj eku=$eku san=$san"
  if [ -s "$name.key" ] && [ -n "${valid[$name.crt]:-}" ] && [ "$(cat "$name.spec" 2>/dev/null)" = "$spec" ]; then
    return 0
  fi
  [ -s "$name.key" ] || newkey_ec "$name.key"
  local ext
  ext=$(printf '%s\n' \
    "basicConstraints = critical, CA:FALSE" \
    "keyUsage = critical, digitalSignature" \
    "extendedKeyUsage = $eku" \
    "subjectKeyIdentifier = hash" \
    "authorityKeyIdentifier = keyid" \
    ${san:+"subjectAltName = $san"})
  openssl req -new -key "$name.key" -subj "$subj" -out "$name.csr"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" \
    -days "$LEAF_DAYS" -sha256 -extfile <(echo "$ext") -out "$name.crt.tmp" 2>/dev/null
  mv "$name.crt.tmp" "$name.crt"
  rm -f "$name.csr"
  echo "$spec" > "$name.spec"
  issued+=("$name")
}

APISERVER_SAN="DNS:localhost, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, IP:127.0.0.1, IP:10.96.0.1"
leaf kube-apiserver             "/CN=kube-apiserver"                                  serverAuth "$APISERVER_SAN"
leaf admin                      "/O=system:masters/CN=stackube-admin"                 clientAuth
leaf kube-controller-manager    "/CN=system:kube-controller-manager"                  clientAuth
leaf kube-scheduler             "/CN=system:kube-scheduler"                           clientAuth
leaf webhook                    "/CN=stackube-webhook"                                serverAuth "DNS:localhost, IP:127.0.0.1"
# etcd serves and peers over TLS and only accepts clients with a certificate from our CA.
leaf etcd-server                "/CN=etcd"                                            serverAuth "DNS:localhost, IP:127.0.0.1"
leaf etcd-peer                  "/CN=etcd-peer"                                       "serverAuth, clientAuth" "DNS:localhost, IP:127.0.0.1"
leaf apiserver-etcd-client      "/CN=kube-apiserver-etcd-client"                      clientAuth
leaf webhook-client             "/CN=stackube-webhook"                                clientAuth
leaf apiserver-webhook-client   "/CN=kube-apiserver-webhook-client"                   clientAuth
# The node (hack/node-up.sh). The kubelet's client certificate puts it in group system:nodes as
# system:node:<name>, which the Node authorizer expects; its serving certificate names the node's Hostname
# address, which the apiserver dials for exec/logs/port-forward; the apiserver's client certificate for those
# calls is authorized by the kubelet through a SubjectAccessReview (ClusterRole system:kubelet-api-admin).
leaf kubelet                    "/O=system:nodes/CN=system:node:$NODE_NAME"            clientAuth
leaf kubelet-serving            "/O=system:nodes/CN=system:node:$NODE_NAME"            serverAuth "DNS:$NODE_NAME, DNS:localhost, IP:127.0.0.1"
leaf apiserver-kubelet-client   "/CN=kube-apiserver-kubelet-client"                   clientAuth

# --- service-account token signing key pair
if [ ! -s sa.key ] || [ ! -s sa.pub ]; then
  (umask 077; openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key.tmp 2>/dev/null && mv sa.key.tmp sa.key)
  openssl pkey -in sa.key -pubout -out sa.pub
  issued+=(sa)
fi

# --- kubeconfigs
b64() { base64 -w0 < "$1"; }
# kubeconfig FILE SERVER USER CERT_NAME : a kubeconfig for SERVER, verified with the CA, using client cert CERT_NAME.
kubeconfig() {
  local file=$1 server=$2 user=$3 cert=$4
  write_if_changed "$file" 600 <<EOF || true
apiVersion: v1
kind: Config
clusters:
- name: stackube
  cluster:
    server: $server
    certificate-authority-data: $(b64 ca.crt)
users:
- name: $user
  user:
    client-certificate-data: $(b64 "$cert.crt")
    client-key-data: $(b64 "$cert.key")
contexts:
- name: $user@stackube
  context:
    cluster: stackube
    user: $user
current-context: $user@stackube
preferences: {}
EOF
}
API=https://127.0.0.1:6443
kubeconfig admin.kubeconfig              "$API" stackube-admin                  admin
kubeconfig controller-manager.kubeconfig "$API" system:kube-controller-manager  kube-controller-manager
kubeconfig scheduler.kubeconfig          "$API" system:kube-scheduler           kube-scheduler
kubeconfig webhook.kubeconfig            "$API" stackube-webhook                webhook-client
kubeconfig kubelet.kubeconfig            "$API" "system:node:$NODE_NAME"        kubelet
# The two files kube-apiserver reads to call the stackube webhook (the "cluster" is the webhook server).
kubeconfig authn-webhook.kubeconfig https://127.0.0.1:8443/authenticate kube-apiserver-webhook-client apiserver-webhook-client
kubeconfig authz-webhook.kubeconfig https://127.0.0.1:8443/authorize    kube-apiserver-webhook-client apiserver-webhook-client

chmod 600 ./*.key
chmod 644 ./*.crt sa.pub
if [ ${#issued[@]} -gt 0 ]; then ts "pki: issued ${issued[*]}"; else ts "pki: up to date"; fi
