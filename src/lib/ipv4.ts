// IPv4 addresses and CIDRs as numbers: parsing, containment, overlap. Pure; no I/O.

/** An IPv4 network: its address as an unsigned 32-bit number and its prefix length. */
export interface Ipv4Cidr {
  readonly address: number;
  readonly prefix: number;
}

/** Parses dotted-quad IPv4 text (no leading zeros, as Kubernetes' CEL isIP); undefined when it is not one. Pure. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** Formats an unsigned 32-bit number as dotted-quad text. Pure. */
export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Parses "a.b.c.d/n" (host bits must be zero unless `loose`); undefined when it is not a valid IPv4 CIDR. Pure. */
export function parseIpv4Cidr(text: string, loose = false): Ipv4Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIpv4(text.slice(0, slash));
  const pl = text.slice(slash + 1);
  if (address === undefined || !/^(0|[1-9][0-9]?)$/.test(pl)) return undefined;
  const prefix = Number(pl);
  if (prefix > 32) return undefined;
  const network = address - (address % 2 ** (32 - prefix));
  if (network !== address && !loose) return undefined;
  return { address: network, prefix };
}

/** Number of addresses in a CIDR. Pure. */
export function cidrSize(c: Ipv4Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** Whether an address lies inside a CIDR. Pure. */
export function cidrContains(c: Ipv4Cidr, ip: number): boolean {
  return ip >= c.address && ip < c.address + cidrSize(c);
}

/** Whether two CIDRs share at least one address. Pure. */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.address < b.address + cidrSize(b) && b.address < a.address + cidrSize(a);
}

/** Canonical text of a CIDR ("10.0.0.0/24"). Pure. */
export function formatCidr(c: Ipv4Cidr): string {
  return `${formatIpv4(c.address)}/${c.prefix}`;
}
