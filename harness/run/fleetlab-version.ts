/** fleetlab's version for run.start (`versions.fleetlab`): package.json's, 'unknown' if unreadable. */
import { readFileSync } from 'node:fs';

const PACKAGE_JSON = new URL('../../package.json', import.meta.url);

export function fleetlabVersion(): string {
  try {
    return (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
