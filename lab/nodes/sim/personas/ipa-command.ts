/**
 * An IPA command as the agent API reports it (ironic-python-agent's command history entries),
 * and the small helpers every command body uses: the error shape and the agent.step event.
 *
 *   POST /v1/commands {name: "deploy.execute_deploy_step"} ─▶ CommandResult {command_name:
 *   "execute_deploy_step", command_status: RUNNING ▸ SUCCEEDED | FAILED, command_result | command_error}
 */
import type { AgentContext } from '../agent-persona.ts';

export type CommandStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface CommandError {
  type: string;
  code: number;
  message: string;
  details: string;
}

export interface CommandResult {
  id: string;
  command_name: string;
  command_params: Record<string, unknown>;
  command_status: CommandStatus;
  command_error: CommandError | null;
  command_result: unknown;
}

/** What an async command's body settles with. */
export type CommandOutcome = { ok: true; result: unknown } | { ok: false; error: CommandError };

export function cmdError(type: string, message: string): CommandError {
  return { type, code: 500, message, details: message };
}

export function cmdFailed(type: string, message: string): CommandOutcome {
  return { ok: false, error: cmdError(type, message) };
}

/** One agent.step event (the persona's progress, as the report's agent timeline shows it). */
export function ipaStep(ctx: AgentContext, step: string, detail?: string): void {
  ctx.emit({ kind: 'agent.step', node: ctx.node.name, persona: 'ipa', step, ...(detail ? { detail } : {}) });
}
