/**
 * The reference DHCP server's configuration, events and handle: types shared by the server
 * (dhcp-server.ts), its lease pool and responder, and the targets that start it.
 */
export interface DhcpSubnetConfig {
  name: string;
  /** CIDR, e.g. '127.20.0.0/24'. */
  subnet: string;
  /** The site relay's giaddr, e.g. '127.20.0.1'. */
  relay: string;
  poolStart: string;
  poolEnd: string;
  /** Option 3; defaults to the relay address. */
  router?: string;
}

export interface BootFileQuery {
  mac: string;
  /** Option 93 (0 BIOS, 7 EFI x64, 16 x64 HTTP, ...) or null when the client sent none. */
  arch: number | null;
  /** Option 60 as sent ('' when absent). */
  vendorClass: string;
  /** Option 77 (first class), e.g. 'iPXE', or null. */
  userClass: string | null;
  giaddr: string;
}

export interface BootFileAnswer {
  /** Boot file name (TFTP path) or full URL (iPXE / HTTPClient). */
  file: string;
  /** Option 60 in the reply; defaults to 'PXEClient' / 'HTTPClient' for those classes. */
  vendorClassEcho?: string;
}

export type DhcpServerEvent =
  | { type: 'discover' | 'request' | 'release' | 'decline' | 'inform'; mac: string; giaddr: string; xid: number; subnet: string | null }
  | { type: 'offer' | 'ack'; mac: string; ip: string; giaddr: string; xid: number; subnet: string; file: string | null; to: string }
  | { type: 'nak'; mac: string; giaddr: string; xid: number; reason: string; to: string }
  | { type: 'pool-exhausted'; mac: string; giaddr: string; subnet: string }
  | { type: 'no-subnet'; mac: string; giaddr: string }
  | { type: 'ignored'; mac: string; reason: string }
  | { type: 'malformed'; error: string; from: string }
  /** The request was valid but answering it failed (e.g. the bootFile callback threw). */
  | { type: 'error'; error: string; mac: string; from: string }
  | { type: 'send-error'; error: string; to: string };

export interface DhcpServerOptions {
  host: string;
  port: number;
  subnets: DhcpSubnetConfig[];
  /** siaddr and TFTP server for PXE ROMs. */
  nextServer: string;
  /** TFTP port when not 69 (informational: PXE ROMs always use 69; the sim reads it from the config). */
  tftpPort?: number;
  bootFile: (c: BootFileQuery) => BootFileAnswer | null;
  /** Lease time in seconds (option 51), default 3600. */
  leaseSecs?: number;
  /** How long an OFFER holds its address, seconds (default 60). */
  offerSecs?: number;
  onEvent?: (e: DhcpServerEvent) => void;
}

export interface DhcpLeaseInfo {
  mac: string;
  ip: string;
  subnet: string;
  state: 'offered' | 'bound';
  expires: number;
}

export interface DhcpServer {
  address: { host: string; port: number };
  leases(): DhcpLeaseInfo[];
  close(): Promise<void>;
}
