/**
 * ironic.conf for a fleetlab-started, all-in-one, standalone Ironic (Debian python3-ironic).
 *
 *   run dir/ ─ ironic.conf, ironic.sqlite, ironic.log
 *            ├ http/   [deploy] http_root: boot.ipxe, pxelinux.cfg/<mac>, <uuid>/deploy_{kernel,ramdisk}
 *            ├ tftp/   [pxe] tftp_root (unused with dhcp_provider=none, but must exist)
 *            └ state/  state_path, locks, image caches, deploy logs
 *
 * Why these values (ARCHITECTURE.md "Targets"): noauth + rpc_transport=none = API and conductor
 * in one process; `dhcp_provider=none` because fleetlab's DHCP points iPXE at Ironic's boot.ipxe;
 * `[service_catalog] endpoint_override` is required under noauth for any non-fake deploy;
 * `[ipmi] min_command_interval=1` (default 5 makes power ops 10-15 s; 0 divides by zero);
 * short heartbeat / polling intervals so a simulated deploy takes seconds, not minutes.
 */
import { join } from 'node:path';

export interface IronicConfigOptions {
  /** Run directory; every path Ironic writes lives below it. */
  dir: string;
  /** Address and port of the REST API (127.0.0.1 and a free port in tests). */
  host: string;
  port: number;
  /** URL under which fleetlab serves `<dir>/http` (Ironic writes boot.ipxe and per-node scripts there). */
  httpUrl: string;
  /** [api] ramdisk_heartbeat_timeout, s: agents heartbeat at 0.3-0.6 of this. */
  heartbeatTimeoutS?: number;
  /** [conductor] deploy_callback_timeout, s: a deploy without agent callback fails after this. */
  deployCallbackTimeoutS?: number;
  /** [conductor] sync_power_state_interval, s (0 = off: the lab owns power, Ironic should not "fix" it). */
  syncPowerStateIntervalS?: number;
  debug?: boolean;
  /** Extra `[section] key = value` lines, applied last (override anything above). */
  extra?: Record<string, Record<string, string | number | boolean>>;
}

export function ironicConfPaths(dir: string) {
  return {
    conf: join(dir, 'ironic.conf'),
    db: join(dir, 'ironic.sqlite'),
    log: join(dir, 'ironic.log'),
    httpRoot: join(dir, 'http'),
    tftpRoot: join(dir, 'tftp'),
    state: join(dir, 'state'),
  };
}

export function ironicConf(o: IronicConfigOptions): string {
  const p = ironicConfPaths(o.dir);
  const api = `http://${o.host}:${o.port}`;
  const hb = o.heartbeatTimeoutS ?? 6;
  const sections: Record<string, Record<string, string | number | boolean>> = {
    DEFAULT: {
      auth_strategy: 'noauth',
      rpc_transport: 'none',
      host: 'fleetlab-conductor',
      debug: o.debug ?? false,
      log_file: p.log,
      state_path: p.state,
      tempdir: join(p.state, 'tmp'),
      enabled_hardware_types: 'ipmi,redfish,fake-hardware',
      enabled_boot_interfaces: 'ipxe,pxe,fake',
      enabled_deploy_interfaces: 'direct,ramdisk,fake',
      enabled_power_interfaces: 'ipmitool,redfish,fake',
      enabled_management_interfaces: 'ipmitool,redfish,fake',
      enabled_network_interfaces: 'noop',
      enabled_inspect_interfaces: 'no-inspect',
      enabled_console_interfaces: 'no-console',
      enabled_raid_interfaces: 'no-raid',
      enabled_vendor_interfaces: 'no-vendor,ipmitool',
      enabled_bios_interfaces: 'no-bios',
      enabled_rescue_interfaces: 'no-rescue',
      default_network_interface: 'noop',
    },
    api: {
      host_ip: o.host,
      port: o.port,
      api_workers: 1,
      ramdisk_heartbeat_timeout: hb,
    },
    database: { connection: `sqlite:///${p.db}` },
    dhcp: { dhcp_provider: 'none' },
    conductor: {
      automated_clean: false,
      deploy_callback_timeout: o.deployCallbackTimeoutS ?? 300,
      check_provision_state_interval: 2,
      sync_power_state_interval: o.syncPowerStateIntervalS ?? 0,
      power_state_change_timeout: 30,
      file_url_allowed_paths: `/var/lib/ironic,/shared/html,/templates,/opt/cache/files,/vagrant,${o.dir}`,
      // A fresh conductor on every run: no take-over sweeps.
      sync_local_state_interval: 0,
    },
    deploy: {
      http_url: o.httpUrl,
      http_root: p.httpRoot,
      fast_track: false,
      fast_track_timeout: Math.min(hb, 300),
      default_boot_option: 'local',
    },
    pxe: {
      tftp_root: p.tftpRoot,
      tftp_master_path: join(p.state, 'tftp_master'),
      images_path: join(p.state, 'images'),
      instance_master_path: join(p.state, 'master_images'),
    },
    agent: {
      command_wait_interval: 1,
      post_deploy_get_power_state_retry_interval: 1,
      post_deploy_get_power_state_retries: 15,
      deploy_logs_collect: 'never',
      deploy_logs_local_path: join(p.state, 'deploy-logs'),
      command_timeout: 30,
      max_command_attempts: 2,
    },
    ipmi: { min_command_interval: 1, command_retry_timeout: 20 },
    redfish: { connection_attempts: 3, connection_retry_interval: 1 },
    service_catalog: { endpoint_override: api },
    oslo_concurrency: { lock_path: join(p.state, 'locks') },
  };
  for (const [section, kv] of Object.entries(o.extra ?? {})) {
    sections[section] = { ...(sections[section] ?? {}), ...kv };
  }
  const out: string[] = ['# written by fleetlab (harness/targets/ironic/ironic-config.ts)'];
  for (const [section, kv] of Object.entries(sections)) {
    out.push('', `[${section}]`);
    for (const [k, v] of Object.entries(kv)) out.push(`${k} = ${String(v)}`);
  }
  return out.join('\n') + '\n';
}
