// ML2/linuxbridge binding, as os-vif's linux_bridge plugin (and libvirt) do it for Nova: the host end
// `tap<port[:11]>` is enslaved to the network's bridge `brq<net[:11]>`. The Neutron linuxbridge agent then adds
// the VXLAN/VLAN interface to that bridge, installs the security-group rules for the tap and reports the port
// ACTIVE. The agent does not enslave the taps of `compute:*` ports itself (Nova's VIF plugging does), so we must.
import { assertValidVif, linuxBridgeName, tapName, type BindingDriver, type Vif } from './types.js';
import { NodeCommandError, getLink, ipOnLink, isAdminUp, mustRun, type Runner } from './runner.js';

/** Options of `linuxBridgeDriver`. */
export interface LinuxBridgeDriverOptions {
  runner: Runner;
}

/** The `linuxbridge` BindingDriver. Never touches a bridge it did not need: unplug leaves the bridge to the agent. */
export function linuxBridgeDriver(opts: LinuxBridgeDriverOptions): BindingDriver {
  const { runner } = opts;
  return {
    name: 'linuxbridge',
    hostIfName: (vif) => tapName(vif.portId),

    async plug(vif: Vif): Promise<void> {
      assertValidVif(vif);
      const tap = tapName(vif.portId);
      const bridge = linuxBridgeName(vif.networkId);
      await ensureBridge(runner, bridge);
      // MTU first: the link is complete before it joins the bridge and comes up, so it never forwards with the
      // wrong MTU (and the bridge, whose MTU follows its smallest port, never adopts a stale one).
      await mustRun(runner, 'ip', ['link', 'set', 'dev', tap, 'mtu', String(vif.mtu)]);
      await mustRun(runner, 'ip', ['link', 'set', 'dev', tap, 'master', bridge, 'up']);
    },

    async unplug(vif: Vif): Promise<void> {
      const tap = tapName(vif.portId);
      // Detaching first keeps the bridge consistent if the delete fails; a missing link means nothing to do.
      if (!(await ipOnLink(runner, ['link', 'set', 'dev', tap, 'nomaster']))) return;
      await ipOnLink(runner, ['link', 'del', 'dev', tap]);
    },

    async isPlugged(vif: Vif): Promise<boolean> {
      assertValidVif(vif);
      const bridge = linuxBridgeName(vif.networkId);
      const tap = await getLink(runner, tapName(vif.portId));
      if (!tap || tap.master !== bridge || !isAdminUp(tap) || tap.mtu !== vif.mtu) return false;
      const br = await getLink(runner, bridge);
      return br !== undefined && isAdminUp(br);
    },
  };
}

/**
 * Makes sure `bridge` exists and is up; idempotent and safe against a concurrent creator (the agent, or another
 * plug of the same network). A bridge we create is configured as the agent configures its own: no STP, no
 * forwarding delay, and no IPv6 on the host side, so the host is not reachable over link-local from tenant pods.
 * Rejects with NodeCommandError.
 */
export async function ensureBridge(runner: Runner, bridge: string): Promise<void> {
  const link = await getLink(runner, bridge);
  if (link && isAdminUp(link)) return;
  if (!link) {
    const args = ['link', 'add', 'name', bridge, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0'];
    const r = await runner.run('ip', args);
    // "File exists": someone else created it between our look and our add; it is theirs to configure.
    if (r.code !== 0 && !/File exists/.test(r.stderr)) throw new NodeCommandError('ip', args, { code: r.code, stderr: r.stderr });
  }
  // Only a bridge that is still down is ours to finish (an agent's is up at once); IPv6 goes off before "up",
  // which is when the kernel would add a link-local address.
  await disableIpv6(runner, bridge);
  await mustRun(runner, 'ip', ['link', 'set', 'dev', bridge, 'up']);
}

async function disableIpv6(runner: Runner, dev: string): Promise<void> {
  const args = ['-q', '-w', `net.ipv6.conf.${dev}.disable_ipv6=1`];
  const r = await runner.run('sysctl', args);
  // "cannot stat": the kernel runs without IPv6, so there is nothing to turn off.
  if (r.code !== 0 && !/cannot stat/.test(r.stderr)) throw new NodeCommandError('sysctl', args, { code: r.code, stderr: r.stderr });
}
