// neutron-seed.mjs - idempotently create the external network of the single-machine cloud and write
// $STACKUBE_STATE/neutron-ids.env; with --check-agents [--since=EPOCH_S], only exit 0 when the linuxbridge, DHCP
// and L3 agents report alive, having started after EPOCH_S (hack/neutron-up.sh polls that). Get-or-create only: it never deletes anything.
// The external network `stackube-external` is flat on the physnet `provider` (the veth stkext0 that
// neutron-up.sh makes), with the subnet 203.0.113.0/24 (TEST-NET-3): the gateway 203.0.113.1 lives in the netns
// stackube-ext, router gateways and floating IPs come from .10-.250.
// Usage: STACKUBE_STATE=/var/lib/stackube node hack/neutron-seed.mjs [--check-agents]
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STATE = process.env.STACKUBE_STATE ?? '/var/lib/stackube';
const KS = process.env.KEYSTONE_URL ?? 'http://127.0.0.1:5000/v3';
const NEUTRON = `${process.env.NEUTRON_URL ?? 'http://127.0.0.1:9696'}/v2.0`;
const EXTERNAL = { name: 'stackube-external', physnet: 'provider', cidr: '203.0.113.0/24', gateway: '203.0.113.1', pool: ['203.0.113.10', '203.0.113.250'] };
const AGENTS = ['neutron-linuxbridge-agent', 'neutron-dhcp-agent', 'neutron-l3-agent'];

async function call(method, url, { token, body, ok = [200, 201, 204] } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers['X-Auth-Token'] = token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (!ok.includes(res.status)) throw new Error(`${method} ${url}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return { headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

async function adminToken() {
  const password = readFileSync(join(STATE, 'secrets', 'admin.password'), 'utf8').trim();
  const r = await call('POST', `${KS}/auth/tokens`, { body: { auth: {
    identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } },
    scope: { project: { name: 'admin', domain: { id: 'default' } } },
  } } });
  return { token: r.headers.get('x-subject-token'), projectId: r.json.token.project.id };
}

async function main() {
  const { token, projectId } = await adminToken();
  const api = (method, path, opts = {}) => call(method, NEUTRON + path, { ...opts, token });
  if (process.argv.includes('--check-agents')) {
    const agents = (await api('GET', '/agents')).json.agents;
    // A restarted agent counts only once it has reported since its start (the previous process's heartbeat keeps
    // it "alive" for agent_down_time): --since=<epoch seconds> is when the agents were started.
    const since = Number(process.argv.find((a) => a.startsWith('--since='))?.slice(8) ?? 0);
    const reported = (a) => Date.parse(`${a.started_at.replace(' ', 'T')}Z`) / 1000 >= since;
    const alive = new Set(agents.filter((a) => a.alive && reported(a)).map((a) => a.binary));
    const missing = AGENTS.filter((a) => !alive.has(a));
    if (missing.length) throw new Error(`agents not alive yet: ${missing.join(', ')}`);
    return;
  }
  const q = (params) => new URLSearchParams(params).toString();
  let net = (await api('GET', `/networks?${q({ name: EXTERNAL.name, 'router:external': 'true' })}`)).json.networks[0];
  if (!net) {
    net = (await api('POST', '/networks', { body: { network: {
      name: EXTERNAL.name, project_id: projectId, 'router:external': true, shared: false,
      'provider:network_type': 'flat', 'provider:physical_network': EXTERNAL.physnet,
      description: 'Stackube single-machine cloud: router gateways and floating IPs',
    } } })).json.network;
    console.log(`neutron-seed: created network ${EXTERNAL.name} (${net.id})`);
  }
  let sub = (await api('GET', `/subnets?${q({ network_id: net.id, cidr: EXTERNAL.cidr })}`)).json.subnets[0];
  if (!sub) {
    sub = (await api('POST', '/subnets', { body: { subnet: {
      name: `${EXTERNAL.name}-v4`, network_id: net.id, project_id: projectId, ip_version: 4, cidr: EXTERNAL.cidr,
      gateway_ip: EXTERNAL.gateway, enable_dhcp: false, allocation_pools: [{ start: EXTERNAL.pool[0], end: EXTERNAL.pool[1] }],
    } } })).json.subnet;
    console.log(`neutron-seed: created subnet ${sub.name} (${sub.id})`);
  }
  const ids = [`EXTERNAL_NETWORK_ID=${net.id}`, `EXTERNAL_SUBNET_ID=${sub.id}`, ''].join('\n');
  const file = join(STATE, 'neutron-ids.env');
  writeFileSync(`${file}.tmp`, ids, { mode: 0o644 });
  chmodSync(`${file}.tmp`, 0o644);
  renameSync(`${file}.tmp`, file);
}

main().catch((err) => {
  console.error(`neutron-seed: ${err.message}`);
  process.exit(1);
});
