/**
 * ipmitool's and ipmipower's failure texts mapped to the registry's BMC_CLIENT_* codes, so a
 * wrong password, a too-weak account, a silent BMC and a command the BMC lacks are four
 * different errors whichever tool reported them. Order matters: privilege texts also say
 * "unauthorized", and every session failure ends in "Unable to establish … session".
 */
import type { ErrorName } from '../../base/errors.ts';

const RULES: [RegExp, ErrorName][] = [
  [/insufficient privilege|requires at ?least \w+ privilege|privilege level (exceeds|insufficient)|requested (maximum )?privilege|unauthorized role|invalid role|privilege-level/i, 'BMC_CLIENT_PRIVILEGE'],
  [/rakp 2 hmac is invalid|rakp 4 .*invalid|unauthorized name|invalid integrity check|password invalid|username invalid|k_g invalid|authentication type|invalid session id/i, 'BMC_CLIENT_AUTH'],
  [/get auth capabilities error|no response from remote controller|connection timeout|session timeout|timed out/i, 'BMC_CLIENT_TIMEOUT'],
  [/invalid command|not supported|unsupported|parameter not supported|rsp=0xc1|invalid data field|command not available/i, 'BMC_CLIENT_UNSUPPORTED'],
  [/address lookup|hostname invalid|name or service not known|connection refused|network is unreachable/i, 'BMC_CLIENT_UNREACHABLE'],
];

/**
 * What `ipmitool -v` prints whatever the command: the registry load and its IPMB address probe
 * (PICMG/VITA Get Properties, which most BMCs answer "Invalid command"). Not the failure.
 */
const NOISE = [/^Loading IANA PEN Registry/i, /^Discovered IPMB address/i, /^Invalid completion code received: Invalid command$/i];

function meaningful(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !NOISE.some((re) => re.test(l)));
}

/** Registry name for a tool's failure, from its stderr (and stdout: ipmipower reports there). */
export function classifyIpmiFailure(text: string): ErrorName {
  const lines = meaningful(text).join('\n');
  for (const [re, name] of RULES) if (re.test(lines)) return name;
  return 'BMC_CLIENT_REFUSED';
}

/** The lines worth quoting in an error. */
export function failureSummary(text: string): string {
  return meaningful(text).slice(-3).join(' | ');
}
