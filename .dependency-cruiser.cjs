/** Layer rules from CONVENTIONS.md, enforced at error level. */
const products = ['controllers', 'webhooks', 'cni/daemon', 'csi', 'proxy', 'cli'];
const productRules = products.flatMap((p) =>
  products.filter((q) => q !== p).map((q) => ({
    name: `product-${p.replace('/', '-')}-not-${q.replace('/', '-')}`,
    comment: 'products never import each other; move shared code down into domain, kube or openstack',
    severity: 'error',
    from: { path: `^src/${p}/` },
    to: { path: `^src/${q}/` },
  })));
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'lib-imports-nothing-internal', severity: 'error', from: { path: '^src/lib/' }, to: { path: '^src/(?!lib/)' } },
    { name: 'lib-node-builtins-only', severity: 'error', from: { path: '^src/lib/' }, to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer'] } },
    { name: 'config-telemetry-api-only-lib', severity: 'error', from: { path: '^src/(config|telemetry|api)/' }, to: { path: '^src/(?!(lib|config|telemetry|api)/)' } },
    { name: 'config-telemetry-api-not-each-other', severity: 'error', from: { path: '^src/(config|telemetry|api)/' }, to: { path: '^src/(config|telemetry|api)/', pathNot: '^src/$1/' } },
    { name: 'openstack-not-kube', severity: 'error', from: { path: '^src/openstack/' }, to: { path: '^src/kube/' } },
    { name: 'kube-not-openstack', severity: 'error', from: { path: '^src/kube/' }, to: { path: '^src/openstack/' } },
    { name: 'openstack-service-isolation', severity: 'error', from: { path: '^src/openstack/(keystone|neutron|cinder)/' }, to: { path: '^src/openstack/(keystone|neutron|cinder)/', pathNot: '^src/openstack/$1/' } },
    { name: 'domain-is-pure', severity: 'error', from: { path: '^src/domain/' }, to: { path: '^src/(openstack|kube|controllers|webhooks|cni|csi|proxy|cli|cmd|telemetry)/' } },
    { name: 'domain-no-npm', severity: 'error', from: { path: '^src/domain/' }, to: { dependencyTypes: ['npm'] } },
    { name: 'cni-plugin-thin', severity: 'error', from: { path: '^src/cni/plugin/' }, to: { path: '^src/(?!(cni/spec|cni/plugin|lib)/)' } },
    { name: 'only-cmd-imports-cmd', severity: 'error', from: { pathNot: '^src/cmd/' }, to: { path: '^src/cmd/' } },
    { name: 'fastify-only-in-webhooks', severity: 'error', from: { path: '^src/', pathNot: '^src/(webhooks|cmd)/' }, to: { path: 'node_modules/(fastify|@fastify)/' } },
    { name: 'grpc-only-in-csi', severity: 'error', from: { path: '^src/', pathNot: '^src/(csi|cmd)/' }, to: { path: 'node_modules/@grpc/' } },
    { name: 'client-node-only-in-kube', severity: 'error', from: { path: '^src/', pathNot: '^src/kube/' }, to: { path: 'node_modules/@kubernetes/client-node/' } },
    ...productRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
