/** The CLI's subcommands, one file each. Add a line here when you add a command. */
import type { Command } from '../command.ts';

export const commands: Command[] = [];
