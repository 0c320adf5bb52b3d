/** A lease as read back from a real DHCP server's lease file (the oracle for "which node got what"). */
export interface DhcpLease {
  ip: string;
  /** Lower-case colon hex. */
  mac: string;
  /** Expiry, seconds since the epoch (0 = infinite). */
  expires: number;
  hostname?: string;
}

/** dnsmasq lease file: `<expiry> <mac> <ip> <hostname|*> <client-id|*>` per line. */
export function parseDnsmasqLeases(text: string): DhcpLease[] {
  const out: DhcpLease[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !/^\d+$/.test(f[0] ?? '')) continue; // skip 'duid' lines and blanks
    const [exp, mac, ip, host] = f as [string, string, string, string];
    out.push({ ip, mac: mac.toLowerCase(), expires: Number(exp), ...(host !== '*' ? { hostname: host } : {}) });
  }
  return out;
}

/**
 * Kea memfile CSV (`address,hwaddr,client_id,valid_lifetime,expire,subnet_id,…,state,…`). The file
 * is an append log: the last row of an address wins; state 0 = default (assigned), 1 = declined,
 * 2 = expired-reclaimed; valid_lifetime 0 rows are releases.
 */
export function parseKeaLeases(text: string): DhcpLease[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').split(',');
  const col = (name: string) => header.indexOf(name);
  const [ia, im, iv, ie, is, ih] = [col('address'), col('hwaddr'), col('valid_lifetime'), col('expire'), col('state'), col('hostname')];
  const byIp = new Map<string, DhcpLease | null>();
  for (const l of lines) {
    const f = l.split(',');
    const ip = f[ia] ?? '';
    if (!ip) continue;
    const state = Number(f[is] ?? 0);
    if (Number(f[iv] ?? 0) === 0 || state !== 0) {
      byIp.set(ip, null);
      continue;
    }
    const host = ih >= 0 ? f[ih] : '';
    byIp.set(ip, { ip, mac: (f[im] ?? '').toLowerCase(), expires: Number(f[ie] ?? 0), ...(host ? { hostname: host } : {}) });
  }
  return [...byIp.values()].filter((x): x is DhcpLease => x !== null);
}
