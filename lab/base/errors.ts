/**
 * The one registry of fleetlab error codes (fastify's FST_ERR_* habit). Every error a user can
 * see carries a stable `FLEETLAB_ERR_*` code; protocol mappings (HTTP status, Redfish message id,
 * IPMI completion code) live next to the code so no emulator invents its own.
 */
export interface ErrorDef {
  code: string;
  http?: number;
  redfish?: string;
  ipmiCompletion?: number;
  /** Process exit code when this error ends a CLI command. */
  exit?: number;
}

export const ERRORS = {
  SPEC_INVALID: { code: 'FLEETLAB_ERR_SPEC_INVALID', exit: 2 },
  SCENARIO_INVALID: { code: 'FLEETLAB_ERR_SCENARIO_INVALID', exit: 2 },
  SCENARIO_LOAD: { code: 'FLEETLAB_ERR_SCENARIO_LOAD', exit: 2 },
  /** A suite file (defineSuite) that does not load or validate, or a run in it that would not start. */
  SUITE_INVALID: { code: 'FLEETLAB_ERR_SUITE_INVALID', exit: 2 },
  USAGE: { code: 'FLEETLAB_ERR_USAGE', exit: 2 },
  PARAM_INVALID: { code: 'FLEETLAB_ERR_PARAM_INVALID', exit: 2 },
  DHCP_MALFORMED: { code: 'FLEETLAB_ERR_DHCP_MALFORMED' },
  DHCP_TIMEOUT: { code: 'FLEETLAB_ERR_DHCP_TIMEOUT' },
  TFTP_MALFORMED: { code: 'FLEETLAB_ERR_TFTP_MALFORMED' },
  TFTP_TIMEOUT: { code: 'FLEETLAB_ERR_TFTP_TIMEOUT' },
  TFTP_ERROR: { code: 'FLEETLAB_ERR_TFTP_ERROR' },
  HTTP_FETCH: { code: 'FLEETLAB_ERR_HTTP_FETCH' },
  IPXE_SCRIPT: { code: 'FLEETLAB_ERR_IPXE_SCRIPT' },
  IPXE_UNKNOWN_COMMAND: { code: 'FLEETLAB_ERR_IPXE_UNKNOWN_COMMAND' },
  BOOT_NO_DEVICE: { code: 'FLEETLAB_ERR_BOOT_NO_DEVICE' },
  IMAGE_CHECKSUM: { code: 'FLEETLAB_ERR_IMAGE_CHECKSUM' },
  DISK_WRITE: { code: 'FLEETLAB_ERR_DISK_WRITE' },
  AGENT: { code: 'FLEETLAB_ERR_AGENT' },
  POWER_LOST: { code: 'FLEETLAB_ERR_POWER_LOST' },
  NODE_TIMEOUT: { code: 'FLEETLAB_ERR_NODE_TIMEOUT' },
  /** A node booted from disk but fails its post-boot health check (wrong image, powered off, image probe). */
  HEALTH_CHECK: { code: 'FLEETLAB_ERR_HEALTH_CHECK' },
  TARGET: { code: 'FLEETLAB_ERR_TARGET' },
  /** A fault selected nodes it cannot act on (a sim-only fault kind on qemu nodes): a warning, the run goes on. */
  FAULT_UNSUPPORTED: { code: 'FLEETLAB_ERR_FAULT_UNSUPPORTED' },
  TARGET_START: { code: 'FLEETLAB_ERR_TARGET_START' },
  /** `--target ./x.ts | package`: the module is missing, fails to load, or exports no defineTarget(). */
  TARGET_LOAD: { code: 'FLEETLAB_ERR_TARGET_LOAD', exit: 2 },
  /** A target mapping file (external target): unreadable, bad JSON, or problems at their paths. */
  MAPPING_INVALID: { code: 'FLEETLAB_ERR_MAPPING_INVALID', exit: 2 },
  /** `--target container`: the image is neither local nor pullable. */
  CONTAINER_IMAGE: { code: 'FLEETLAB_ERR_CONTAINER_IMAGE', exit: 2 },
  RUN_LOG_MISSING: { code: 'FLEETLAB_ERR_RUN_LOG_MISSING', exit: 2 },
  // qemu tier: host plumbing (ip/tc/nft) and VM processes.
  NETNS: { code: 'FLEETLAB_ERR_NETNS' },
  QEMU: { code: 'FLEETLAB_ERR_QEMU' },
  QEMU_UNAVAILABLE: { code: 'FLEETLAB_ERR_QEMU_UNAVAILABLE', exit: 2 },
  TESTBED_MISMATCH: { code: 'FLEETLAB_ERR_TESTBED_MISMATCH', exit: 2 },
  /** The run needs root (or a capability) for something it would start: checked before anything starts. */
  NEEDS_ROOT: { code: 'FLEETLAB_ERR_NEEDS_ROOT', exit: 2 },
  RUN_EMPTY: { code: 'FLEETLAB_ERR_RUN_EMPTY', exit: 2 },
  /** A bug: an exception that is not a FleetlabError reached a node's boot path. */
  INTERNAL: { code: 'FLEETLAB_ERR_INTERNAL' },
  /** layers.json (the layer table the architecture check reads) is malformed. */
  LAYERS_INVALID: { code: 'FLEETLAB_ERR_LAYERS_INVALID', exit: 2 },
  // BMC-facing errors: one mapping for HTTP status, Redfish Base message and IPMI completion code.
  // IPMI-only completion codes (IPMI v2.0 table 5-2 and command-specific codes of §22, §28, §31).
  BMC_INSUFFICIENT_PRIVILEGE: { code: 'FLEETLAB_ERR_BMC_INSUFFICIENT_PRIVILEGE', http: 403, redfish: 'Base.1.15.InsufficientPrivilege', ipmiCompletion: 0xd4 },
  BMC_REQUEST_LENGTH: { code: 'FLEETLAB_ERR_BMC_REQUEST_LENGTH', ipmiCompletion: 0xc7 },
  BMC_PARAM_UNSUPPORTED: { code: 'FLEETLAB_ERR_BMC_PARAM_UNSUPPORTED', ipmiCompletion: 0x80 },
  BMC_PRIVILEGE_LIMIT: { code: 'FLEETLAB_ERR_BMC_PRIVILEGE_LIMIT', ipmiCompletion: 0x81 },
  BMC_SESSION_UNKNOWN: { code: 'FLEETLAB_ERR_BMC_SESSION_UNKNOWN', ipmiCompletion: 0x87 },
  BMC_RESERVATION: { code: 'FLEETLAB_ERR_BMC_RESERVATION', ipmiCompletion: 0xc5 },
  BMC_USER_UNKNOWN: { code: 'FLEETLAB_ERR_BMC_USER_UNKNOWN', ipmiCompletion: 0x81 },
  BMC_PRIVILEGE_EXCEEDED: { code: 'FLEETLAB_ERR_BMC_PRIVILEGE_EXCEEDED', ipmiCompletion: 0x86 },
  BMC_UNAUTHORIZED: { code: 'FLEETLAB_ERR_BMC_UNAUTHORIZED', http: 401, redfish: 'Base.1.15.NoValidSession' },
  BMC_NOT_FOUND: { code: 'FLEETLAB_ERR_BMC_NOT_FOUND', http: 404, redfish: 'Base.1.15.ResourceNotFound', ipmiCompletion: 0xcb },
  BMC_METHOD: { code: 'FLEETLAB_ERR_BMC_METHOD', http: 405, redfish: 'Base.1.15.OperationNotAllowed' },
  BMC_MALFORMED_JSON: { code: 'FLEETLAB_ERR_BMC_MALFORMED_JSON', http: 400, redfish: 'Base.1.15.MalformedJSON' },
  BMC_PROPERTY_UNKNOWN: { code: 'FLEETLAB_ERR_BMC_PROPERTY_UNKNOWN', http: 400, redfish: 'Base.1.15.PropertyUnknown' },
  BMC_PROPERTY_VALUE: { code: 'FLEETLAB_ERR_BMC_PROPERTY_VALUE', http: 400, redfish: 'Base.1.15.PropertyValueNotInList', ipmiCompletion: 0xcc },
  BMC_ACTION_PARAM: { code: 'FLEETLAB_ERR_BMC_ACTION_PARAM', http: 400, redfish: 'Base.1.15.ActionParameterNotSupported', ipmiCompletion: 0xcc },
  BMC_PRECONDITION: { code: 'FLEETLAB_ERR_BMC_PRECONDITION', http: 412, redfish: 'Base.1.15.PreconditionFailed' },
  /** A write without If-Match to a resource whose BMC requires one (DSP0266: 428; the iLO persona). */
  BMC_PRECONDITION_REQUIRED: { code: 'FLEETLAB_ERR_BMC_PRECONDITION_REQUIRED', http: 428, redfish: 'Base.1.15.PreconditionRequired' },
  BMC_CONFLICT: { code: 'FLEETLAB_ERR_BMC_CONFLICT', http: 409, redfish: 'Base.1.15.ResourceInUse', ipmiCompletion: 0xd5 },
  BMC_SESSION_LIMIT: { code: 'FLEETLAB_ERR_BMC_SESSION_LIMIT', http: 503, redfish: 'Base.1.15.SessionLimitExceeded', ipmiCompletion: 0xc0 },
  BMC_INTERNAL: { code: 'FLEETLAB_ERR_BMC_INTERNAL', http: 500, redfish: 'Base.1.15.InternalError', ipmiCompletion: 0xff },
  BMC_INVALID_COMMAND: { code: 'FLEETLAB_ERR_BMC_INVALID_COMMAND', ipmiCompletion: 0xc1 },
  BMC_UNAVAILABLE: { code: 'FLEETLAB_ERR_BMC_UNAVAILABLE', http: 503, redfish: 'Base.1.15.ServiceTemporarilyUnavailable', ipmiCompletion: 0xc0 },
  BMC_PROPERTY_TYPE: { code: 'FLEETLAB_ERR_BMC_PROPERTY_TYPE', http: 400, redfish: 'Base.1.15.PropertyValueTypeError' },
  BMC_PROPERTY_READONLY: { code: 'FLEETLAB_ERR_BMC_PROPERTY_READONLY', http: 400, redfish: 'Base.1.15.PropertyNotWritable' },
  BMC_ACTION_PARAM_MISSING: { code: 'FLEETLAB_ERR_BMC_ACTION_PARAM_MISSING', http: 400, redfish: 'Base.1.15.ActionParameterMissing' },
  BMC_ACTION_PARAM_VALUE: { code: 'FLEETLAB_ERR_BMC_ACTION_PARAM_VALUE', http: 400, redfish: 'Base.1.15.ActionParameterValueNotInList' },
  /** A power action asking for the state the system is already in (Ironic treats 400/409 here as success). */
  BMC_ALREADY_IN_STATE: { code: 'FLEETLAB_ERR_BMC_ALREADY_IN_STATE', http: 409, redfish: 'Base.1.15.NoOperation' },
  /** A PATCH with nothing to change ({} or only annotations): DSP0266 answers 400 NoOperation. */
  BMC_NO_OPERATION: { code: 'FLEETLAB_ERR_BMC_NO_OPERATION', http: 400, redfish: 'Base.1.15.NoOperation' },
  BMC_PAYLOAD_TOO_LARGE: { code: 'FLEETLAB_ERR_BMC_PAYLOAD_TOO_LARGE', http: 413, redfish: 'Base.1.15.GeneralError' },
  /** A request body that is not application/json (the Base registry has no media-type message; this is its nearest). */
  BMC_UNSUPPORTED_MEDIA_TYPE: { code: 'FLEETLAB_ERR_BMC_UNSUPPORTED_MEDIA_TYPE', http: 415, redfish: 'Base.1.15.UnrecognizedRequestBody' },
  /** `bmc serve --persona` / startRedfishServer persona naming no registered persona. */
  BMC_PERSONA_UNKNOWN: { code: 'FLEETLAB_ERR_BMC_PERSONA_UNKNOWN', exit: 2 },
  /** A `$` query parameter the service does not implement (DSP0266: 501). */
  BMC_QUERY_UNSUPPORTED: { code: 'FLEETLAB_ERR_BMC_QUERY_UNSUPPORTED', http: 501, redfish: 'Base.1.15.QueryNotSupported' },
  // BMC clients (lab/clients/): what talking to a BMC fleetlab does not own can end in. No protocol
  // mappings here: these describe the client's view, not an answer an emulator gives.
  /** The BMC refused the credentials (HTTP 401, RAKP 2 HMAC invalid / unauthorized name). */
  BMC_CLIENT_AUTH: { code: 'FLEETLAB_ERR_BMC_CLIENT_AUTH' },
  /** The credentials are good but the account lacks the privilege (HTTP 403, IPMI 0xD4, role over limit). */
  BMC_CLIENT_PRIVILEGE: { code: 'FLEETLAB_ERR_BMC_CLIENT_PRIVILEGE' },
  /** No answer in time, after the bounded retries. */
  BMC_CLIENT_TIMEOUT: { code: 'FLEETLAB_ERR_BMC_CLIENT_TIMEOUT' },
  /** The connection was refused or kept being reset, after the bounded retries. */
  BMC_CLIENT_UNREACHABLE: { code: 'FLEETLAB_ERR_BMC_CLIENT_UNREACHABLE' },
  /** The BMC does not implement the resource, action or command (HTTP 404/405/501, IPMI 0xC1). */
  BMC_CLIENT_UNSUPPORTED: { code: 'FLEETLAB_ERR_BMC_CLIENT_UNSUPPORTED' },
  /** Any other error answer (HTTP status, IPMI completion code, 503 that outlived the retries). */
  BMC_CLIENT_REFUSED: { code: 'FLEETLAB_ERR_BMC_CLIENT_REFUSED' },
  /** The BMC's certificate is not trusted (no CA file given, wrong CA, name mismatch). */
  BMC_CLIENT_TLS: { code: 'FLEETLAB_ERR_BMC_CLIENT_TLS' },
  /** A Redfish task (task monitor) ended in Exception/Killed/Cancelled, or did not end in time. */
  BMC_CLIENT_TASK: { code: 'FLEETLAB_ERR_BMC_CLIENT_TASK' },
  /** The client tool (ipmitool, ipmipower) is missing or failed in a way that names no BMC answer. */
  BMC_CLIENT_TOOL: { code: 'FLEETLAB_ERR_BMC_CLIENT_TOOL' },
  /** An answer the client cannot read (not JSON, unexpected tool output). */
  BMC_CLIENT_RESPONSE: { code: 'FLEETLAB_ERR_BMC_CLIENT_RESPONSE' },
  /** Bad client options (no password source, a CA file that cannot be read, CA file and insecure together). */
  BMC_CLIENT_OPTIONS: { code: 'FLEETLAB_ERR_BMC_CLIENT_OPTIONS', exit: 2 },
  // Hardware inventory (lab/config/inventory/): the file listing machines fleetlab did not create.
  /** The inventory file does not load or validate (every problem with its path). */
  INVENTORY_INVALID: { code: 'FLEETLAB_ERR_INVENTORY_INVALID', exit: 2 },
  /** A credential reference cannot be resolved at use time (env var unset, file unreadable or empty). */
  INVENTORY_CREDENTIAL: { code: 'FLEETLAB_ERR_INVENTORY_CREDENTIAL', exit: 2 },
  /** A power or boot action on a machine whose inventory entry lacks `allowPowerControl: true`. */
  INVENTORY_POWER_NOT_ALLOWED: { code: 'FLEETLAB_ERR_INVENTORY_POWER_NOT_ALLOWED', exit: 2 },
  // Shards (harness/shard): one run split over processes or machines, then merged.
  /** `fleetlab merge`: a directory is not a shard run, or the shards are not of one run. */
  MERGE_INVALID: { code: 'FLEETLAB_ERR_MERGE_INVALID', exit: 2 },
  /** A shard's log ends without run.end (killed, node lost): its unfinished nodes stay unfinished in the merge. */
  SHARD_DIED: { code: 'FLEETLAB_ERR_SHARD_DIED' },
  /** The shard coordinator (`fleetlab serve reference`) cannot be reached or answered wrongly. */
  SHARD_COORDINATOR: { code: 'FLEETLAB_ERR_SHARD_COORDINATOR', exit: 2 },
  /** `fleetlab k8s render --apply`: no reachable cluster, or the API server refused an object. */
  KUBERNETES_APPLY: { code: 'FLEETLAB_ERR_KUBERNETES_APPLY', exit: 1 },
  // hardware tier (lab/nodes/hardware/): machines known only by their inventory entry.
  /** A machine was powered on but no DHCP request from its boot MACs reached the site relay in `timings.powerOnToDhcpMs`. */
  HARDWARE_NO_PXE: { code: 'FLEETLAB_ERR_HARDWARE_NO_PXE' },
  /** The lab interface a site's machines boot on cannot be used (missing, or already someone else's bridge port). */
  HARDWARE_LAB_INTERFACE: { code: 'FLEETLAB_ERR_HARDWARE_LAB_INTERFACE', exit: 2 },
  /** `--param tier=hardware` without `--inventory FILE`, or an inventory with another tier. */
  HARDWARE_INVENTORY_REQUIRED: { code: 'FLEETLAB_ERR_HARDWARE_INVENTORY_REQUIRED', exit: 2 },
  // SSH verification of provisioned machines (lab/clients/ssh/): each way a node can fail it.
  /** Bad SSH client options (no key and no password, an unreadable key file, an unknown check). */
  SSH_OPTIONS: { code: 'FLEETLAB_ERR_SSH_OPTIONS', exit: 2 },
  /** The TCP connection or SSH handshake did not complete (refused, unreachable, timed out). */
  SSH_CONNECT: { code: 'FLEETLAB_ERR_SSH_CONNECT' },
  /** The server refused every offered authentication (key, password). */
  SSH_AUTH: { code: 'FLEETLAB_ERR_SSH_AUTH' },
  /** The server's host key is not the pinned / recorded one. */
  SSH_HOST_KEY: { code: 'FLEETLAB_ERR_SSH_HOST_KEY' },
  /** A command could not be run, or did not finish in time. */
  SSH_COMMAND: { code: 'FLEETLAB_ERR_SSH_COMMAND' },
  /** Check `image`: /etc/fleetlab-image does not name the expected image (or is missing). */
  SSH_CHECK_IMAGE: { code: 'FLEETLAB_ERR_SSH_CHECK_IMAGE' },
  /** Check `rootfs`: no root filesystem mounted, or not the expected type. */
  SSH_CHECK_ROOTFS: { code: 'FLEETLAB_ERR_SSH_CHECK_ROOTFS' },
  /** Check `disks`: an expected disk is not present. */
  SSH_CHECK_DISKS: { code: 'FLEETLAB_ERR_SSH_CHECK_DISKS' },
  /** Check `nic`: the lab NIC does not carry the address the lab reached the node on. */
  SSH_CHECK_NIC: { code: 'FLEETLAB_ERR_SSH_CHECK_NIC' },
} as const satisfies Record<string, ErrorDef>;

export type ErrorName = keyof typeof ERRORS;

/** What every code starts with; production code names codes only through ERRORS (lint-enforced). */
export const CODE_PREFIX = 'FLEETLAB_ERR_';

/** A code without its prefix (`FLEETLAB_ERR_AGENT` → `AGENT`), for compact summaries. */
export function shortCode(code: string): string {
  return code.startsWith(CODE_PREFIX) ? code.slice(CODE_PREFIX.length) : code;
}

/** IPMI completion code of a BMC_* error (0xFF "unspecified" when the entry has none). */
export function ipmiCompletion(name: ErrorName): number {
  const def: ErrorDef = ERRORS[name];
  return def.ipmiCompletion ?? 0xff;
}

/**
 * Completion code for an injected BMC error fault (`BmcFaults.errorStatus`): an HTTP status maps
 * through the BMC_* entries (500 → 0xFF, 503 → 0xC0); a value 0x80–0xFF is taken as a code.
 */
export function ipmiCompletionForStatus(status: number): number {
  if (status >= 0x80 && status <= 0xff) return status;
  for (const def of Object.values(ERRORS) as ErrorDef[]) if (def.http === status && def.ipmiCompletion !== undefined) return def.ipmiCompletion;
  return 0xff;
}

export class FleetlabError extends Error {
  readonly code: string;
  readonly def: ErrorDef;
  constructor(
    name: ErrorName,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.def = ERRORS[name];
    this.code = this.def.code;
    this.name = 'FleetlabError';
  }
}

export function isFleetlabError(e: unknown): e is FleetlabError {
  return e instanceof FleetlabError;
}
