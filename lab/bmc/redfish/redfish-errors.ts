/**
 * The ONE place Redfish error bodies come from.
 *
 *   handler throws FleetlabError('BMC_*', what-and-where, {args, property})
 *        │  lab/base/errors.ts gives HTTP status + Base message id for the name
 *        ▼
 *   redfishErrorReply(e) ──▶ status + {"error": {code, message, "@Message.ExtendedInfo": [...]}}
 *
 * The Base message texts below are also what `/redfish/v1/Registries/Base` serves, so a client
 * that resolves MessageIds against the registry finds every id we emit.
 */
import { ERRORS, FleetlabError, isFleetlabError } from '../../base/errors.ts';
import type { ErrorDef, ErrorName } from '../../base/errors.ts';

export const BASE_REGISTRY_VERSION = '1.15.0';
export const BASE_PREFIX = 'Base.1.15.';

interface BaseMessage {
  message: string;
  severity: 'OK' | 'Warning' | 'Critical';
  resolution: string;
  /** Number of %n arguments in `message`. */
  args: number;
}

/** The Base registry messages fleetlab emits (texts follow the DMTF Base registry). */
export const BASE_MESSAGES: Record<string, BaseMessage> = {
  Success: { message: 'The request completed successfully.', severity: 'OK', resolution: 'None.', args: 0 },
  GeneralError: {
    message: 'A general error has occurred.  See Resolution for information on how to resolve the error, or @Message.ExtendedInfo if Resolution is not provided.',
    severity: 'Critical',
    resolution: 'None.',
    args: 0,
  },
  NoValidSession: {
    message: 'There is no valid session established with the implementation.',
    severity: 'Critical',
    resolution: 'Establish a session before attempting any operations.',
    args: 0,
  },
  InsufficientPrivilege: {
    message: 'There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.',
    severity: 'Critical',
    resolution: 'Either abandon the operation or change the associated access rights and resubmit the request if the operation failed.',
    args: 0,
  },
  ResourceNotFound: {
    message: "The requested resource of type %1 named '%2' was not found.",
    severity: 'Critical',
    resolution: 'Provide a valid resource identifier and resubmit the request.',
    args: 2,
  },
  OperationNotAllowed: {
    message: 'The HTTP method is not allowed on this resource.',
    severity: 'Critical',
    resolution: 'None.',
    args: 0,
  },
  MalformedJSON: {
    message: 'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
    severity: 'Critical',
    resolution: 'Ensure that the request body is valid JSON and resubmit the request.',
    args: 0,
  },
  PropertyUnknown: {
    message: 'The property %1 is not in the list of valid properties for the resource.',
    severity: 'Warning',
    resolution: 'Remove the unknown property from the request body and resubmit the request if the operation failed.',
    args: 1,
  },
  PropertyValueNotInList: {
    message: "The value '%1' for the property %2 is not in the list of acceptable values.",
    severity: 'Warning',
    resolution: 'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.',
    args: 2,
  },
  PropertyValueTypeError: {
    message: "The value '%1' for the property %2 is not a type that the property can accept.",
    severity: 'Warning',
    resolution: 'Correct the value for the property in the request body and resubmit the request if the operation failed.',
    args: 2,
  },
  PropertyNotWritable: {
    message: 'The property %1 is a read-only property and cannot be assigned a value.',
    severity: 'Warning',
    resolution: 'Remove the property from the request body and resubmit the request if the operation failed.',
    args: 1,
  },
  ActionNotSupported: {
    message: 'The action %1 is not supported by the resource.',
    severity: 'Critical',
    resolution: 'The action supplied cannot be resubmitted to the implementation.  Perhaps the action was invalid, the wrong resource was the target or the implementation documentation may be of assistance.',
    args: 1,
  },
  ActionParameterMissing: {
    message: 'The action %1 requires the parameter %2 to be present in the request body.',
    severity: 'Critical',
    resolution: 'Supply the action with the required parameter in the request body when the request is resubmitted.',
    args: 2,
  },
  ActionParameterNotSupported: {
    message: 'The parameter %1 for the action %2 is not supported on the target resource.',
    severity: 'Warning',
    resolution: 'Remove the parameter supplied and resubmit the request if the operation failed.',
    args: 2,
  },
  ActionParameterValueNotInList: {
    message: "The value '%1' for the parameter %2 in the action %3 is not in the list of acceptable values.",
    severity: 'Warning',
    resolution: 'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.',
    args: 3,
  },
  PreconditionFailed: {
    message: 'The ETag supplied did not match the ETag required to change this resource.',
    severity: 'Critical',
    resolution: 'Try the operation again using the appropriate ETag.',
    args: 0,
  },
  PreconditionRequired: {
    message: 'A precondition header or annotation is required to change this resource.',
    severity: 'Critical',
    resolution: 'Try the operation again using an If-Match or If-None-Match header and appropriate ETag.',
    args: 0,
  },
  ResourceInUse: {
    message: 'The change to the requested resource failed because the resource is in use or in transition.',
    severity: 'Warning',
    resolution: 'Remove the condition and resubmit the request if the operation failed.',
    args: 0,
  },
  NoOperation: {
    message: 'The request body submitted contain no data to act upon and no changes to the resource took place.',
    severity: 'Warning',
    resolution: 'Add properties in the JSON object and resubmit the request.',
    args: 0,
  },
  UnrecognizedRequestBody: {
    message: 'The service detected a malformed request body that it was unable to interpret.',
    severity: 'Warning',
    resolution: 'Correct the request body and resubmit the request if it failed.',
    args: 0,
  },
  QueryNotSupported: {
    message: 'Querying is not supported by the implementation.',
    severity: 'Warning',
    resolution: 'Remove the query parameters and resubmit the request if the operation failed.',
    args: 0,
  },
  SessionLimitExceeded: {
    message: 'The session establishment failed due to the number of simultaneous sessions exceeding the limit of the implementation.',
    severity: 'Critical',
    resolution: 'Reduce the number of other sessions before trying to establish the session or increase the limit of simultaneous sessions (if supported).',
    args: 0,
  },
  InternalError: {
    message: 'The request failed due to an internal service error.  The service is still operational.',
    severity: 'Critical',
    resolution: 'Resubmit the request.  If the problem persists, consider resetting the service.',
    args: 0,
  },
  ServiceTemporarilyUnavailable: {
    message: 'The service is temporarily unavailable.  Retry in %1 seconds.',
    severity: 'Critical',
    resolution: 'Wait for the indicated retry duration and retry the operation.',
    args: 1,
  },
};

/** What a handler attaches to a FleetlabError so the body can name the property and fill the message. */
export interface RedfishErrorDetails {
  /** Message arguments (%1, %2, …) in order. */
  args?: string[];
  /** JSON pointer into the request body, e.g. '#/Boot/BootSourceOverrideTarget'. */
  property?: string;
  /** Extra response headers (Allow on 405, Retry-After on 503, WWW-Authenticate on 401). */
  headers?: Record<string, string>;
  /** Further messages after the error's own (one per offending PATCH property), in ExtendedInfo order. */
  more?: { name: ErrorName & `BMC_${string}`; args?: string[]; property?: string }[];
}

/** Shorthand used by handlers: `throw rfError('BMC_PROPERTY_UNKNOWN', 'Boot/Foo: …', {args: ['Boot/Foo']})`. */
export function rfError(name: ErrorName, message: string, details: RedfishErrorDetails = {}): FleetlabError {
  return new FleetlabError(name, message, details as Record<string, unknown>);
}

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

function fill(template: string, args: readonly string[]): string {
  return template.replace(/%(\d+)/g, (m, n: string) => args[Number(n) - 1] ?? m);
}

/** One `@Message.ExtendedInfo` entry: the Base message `id` filled with `args`, naming `property`. */
function messageInfo(id: string, args: string[], property: string | undefined): Record<string, unknown> {
  const short = id.slice(id.lastIndexOf('.') + 1);
  const msg = BASE_MESSAGES[short] ?? BASE_MESSAGES.GeneralError!;
  const info: Record<string, unknown> = {
    '@odata.type': '#Message.v1_1_1.Message',
    MessageId: id,
    Message: fill(msg.message, args),
    MessageArgs: args,
    MessageSeverity: msg.severity,
    Severity: msg.severity,
    Resolution: msg.resolution,
  };
  if (property) info.RelatedProperties = [property];
  return info;
}

/** Map any thrown value to a Redfish error reply. Non-fleetlab errors become 500 InternalError. */
export function redfishErrorReply(e: unknown): ErrorReply {
  const fe = isFleetlabError(e) ? e : new FleetlabError('BMC_INTERNAL', e instanceof Error ? e.message : String(e));
  const details = (fe.details ?? {}) as RedfishErrorDetails;
  const status = fe.def.http ?? 500;
  const id = fe.def.redfish ?? ERRORS.BMC_INTERNAL.redfish;
  const more = (details.more ?? []).map((m) => messageInfo((ERRORS[m.name] as ErrorDef).redfish ?? id, m.args ?? [], m.property));
  const info = messageInfo(id, details.args ?? [], details.property);
  return {
    status,
    headers: details.headers ?? {},
    body: {
      error: {
        code: id,
        message: fe.message,
        '@Message.ExtendedInfo': [info, ...more],
        Oem: { Fleetlab: { Code: fe.code } },
      },
    },
  };
}

/** The Base message registry document served under /redfish/v1/Registries/Base/…. */
export function baseRegistryDocument(): unknown {
  const messages: Record<string, unknown> = {};
  for (const [k, m] of Object.entries(BASE_MESSAGES)) {
    messages[k] = {
      Description: m.message,
      Message: m.message,
      Severity: m.severity,
      MessageSeverity: m.severity,
      NumberOfArgs: m.args,
      ParamTypes: Array.from({ length: m.args }, () => 'string'),
      Resolution: m.resolution,
    };
  }
  return {
    '@odata.type': '#MessageRegistry.v1_6_0.MessageRegistry',
    Id: `Base.${BASE_REGISTRY_VERSION}`,
    Name: 'Base Message Registry',
    Language: 'en',
    Description: 'The subset of the DMTF Base message registry that fleetlab emits.',
    RegistryPrefix: 'Base',
    RegistryVersion: BASE_REGISTRY_VERSION,
    OwningEntity: 'DMTF',
    Messages: messages,
  };
}
