import { ValidationError } from './errors.js';

/** Splits "host:port" (IPv6 hosts in brackets; empty host = all interfaces). Throws ValidationError naming what. */
export function splitHostPort(addr: string, what = 'listenAddress'): [string, number] {
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  if (i < 0 || addr.slice(i + 1) === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new ValidationError(`${what} "${addr}" must be host:port`);
  return [addr.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0', port];
}
