/**
 * Credential references resolved at the moment a client needs them, never earlier and never
 * into anything that is logged: the inventory holds `{env: 'VAR'}` or `{file: '/path'}`, and only
 * the client constructor sees the value. Errors name the reference (variable or path), not the value.
 */
import { readFileSync } from 'node:fs';
import { FleetlabError } from '../../base/errors.ts';
import type { CredentialRef, InventoryMachine } from './inventory-schema.ts';

/** The secret a reference points at; `where` is its inventory path for messages. */
export function resolveCredential(ref: CredentialRef, where: string): string {
  if ('env' in ref) {
    const v = process.env[ref.env];
    if (v === undefined || v === '') throw new FleetlabError('INVENTORY_CREDENTIAL', `${where}: environment variable ${ref.env} is not set`, { env: ref.env });
    return v;
  }
  let text: string;
  try {
    text = readFileSync(ref.file, 'utf8');
  } catch (e) {
    throw new FleetlabError('INVENTORY_CREDENTIAL', `${where}: cannot read ${ref.file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { file: ref.file });
  }
  // First line, as ipmitool -f reads a password file.
  const v = text.split(/\r?\n/)[0] ?? '';
  if (v === '') throw new FleetlabError('INVENTORY_CREDENTIAL', `${where}: ${ref.file} is empty`, { file: ref.file });
  return v;
}

export interface MachineCredentials {
  username: string;
  password: string;
}

/** Username and password of one machine's BMC. */
export function machineCredentials(m: InventoryMachine): MachineCredentials {
  const at = `inventory machine ${m.name} credentials`;
  return { username: resolveCredential(m.credentials.username, `${at}.username`), password: resolveCredential(m.credentials.password, `${at}.password`) };
}
