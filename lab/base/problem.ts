/**
 * Validation collects every problem with its path instead of stopping at the first, so a user
 * fixes a spec in one go: `lab.sites[3].link.down: expected a rate like '20mbit'`.
 */
import { FleetlabError } from './errors.ts';

export interface Problem {
  /** Dotted/bracketed path from the document root, e.g. `lab.sites[3].link.down`. */
  path: string;
  message: string;
}

export class Problems {
  readonly list: Problem[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  get ok(): boolean {
    return this.list.length === 0;
  }
  /** Throw one error listing all problems (exit code 2 via the error registry). */
  throwIfAny(what: 'SPEC_INVALID' | 'SCENARIO_INVALID' | 'PARAM_INVALID' = 'SPEC_INVALID'): void {
    if (this.ok) return;
    const lines = this.list.map((p) => `  ${p.path}: ${p.message}`).join('\n');
    throw new FleetlabError(what, `${this.list.length} problem(s):\n${lines}`, { problems: this.list });
  }
}

export function formatProblems(list: Problem[]): string {
  return list.map((p) => `${p.path}: ${p.message}`).join('\n');
}
