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
  TARGET: { code: 'FLEETLAB_ERR_TARGET' },
  TARGET_START: { code: 'FLEETLAB_ERR_TARGET_START' },
  RUN_LOG_MISSING: { code: 'FLEETLAB_ERR_RUN_LOG_MISSING', exit: 2 },
  // BMC-facing errors: one mapping for HTTP status, Redfish Base message and IPMI completion code.
  BMC_UNAUTHORIZED: { code: 'FLEETLAB_ERR_BMC_UNAUTHORIZED', http: 401, redfish: 'Base.1.15.NoValidSession' },
  BMC_NOT_FOUND: { code: 'FLEETLAB_ERR_BMC_NOT_FOUND', http: 404, redfish: 'Base.1.15.ResourceNotFound', ipmiCompletion: 0xcb },
  BMC_METHOD: { code: 'FLEETLAB_ERR_BMC_METHOD', http: 405, redfish: 'Base.1.15.OperationNotAllowed' },
  BMC_MALFORMED_JSON: { code: 'FLEETLAB_ERR_BMC_MALFORMED_JSON', http: 400, redfish: 'Base.1.15.MalformedJSON' },
  BMC_PROPERTY_UNKNOWN: { code: 'FLEETLAB_ERR_BMC_PROPERTY_UNKNOWN', http: 400, redfish: 'Base.1.15.PropertyUnknown' },
  BMC_PROPERTY_VALUE: { code: 'FLEETLAB_ERR_BMC_PROPERTY_VALUE', http: 400, redfish: 'Base.1.15.PropertyValueNotInList', ipmiCompletion: 0xcc },
  BMC_ACTION_PARAM: { code: 'FLEETLAB_ERR_BMC_ACTION_PARAM', http: 400, redfish: 'Base.1.15.ActionParameterNotSupported', ipmiCompletion: 0xcc },
  BMC_PRECONDITION: { code: 'FLEETLAB_ERR_BMC_PRECONDITION', http: 412, redfish: 'Base.1.15.PreconditionFailed' },
  BMC_CONFLICT: { code: 'FLEETLAB_ERR_BMC_CONFLICT', http: 409, redfish: 'Base.1.15.ResourceInUse', ipmiCompletion: 0xd5 },
  BMC_SESSION_LIMIT: { code: 'FLEETLAB_ERR_BMC_SESSION_LIMIT', http: 503, redfish: 'Base.1.15.SessionLimitExceeded', ipmiCompletion: 0xc0 },
  BMC_INTERNAL: { code: 'FLEETLAB_ERR_BMC_INTERNAL', http: 500, redfish: 'Base.1.15.InternalError', ipmiCompletion: 0xff },
  BMC_INVALID_COMMAND: { code: 'FLEETLAB_ERR_BMC_INVALID_COMMAND', ipmiCompletion: 0xc1 },
  BMC_UNAVAILABLE: { code: 'FLEETLAB_ERR_BMC_UNAVAILABLE', http: 503, redfish: 'Base.1.15.ServiceTemporarilyUnavailable', ipmiCompletion: 0xc0 },
} as const satisfies Record<string, ErrorDef>;

export type ErrorName = keyof typeof ERRORS;

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
