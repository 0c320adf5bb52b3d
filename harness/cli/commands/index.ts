/** The CLI's subcommands, one file each. Add a line here when you add a command. */
import type { Command } from '../command.ts';
import { bmcServe } from './bmc-serve.ts';
import { runCommand } from './run.ts';
import { reportCommand } from './report.ts';
import { compareCommand } from './compare.ts';
import { labGcCommand } from './lab-gc.ts';
import { faultsCommand } from './faults.ts';
import { doctorCommand } from './doctor.ts';
import { scenariosCommand } from './scenarios.ts';
import { suiteCommand } from './suite.ts';
import { schemaCommand } from './schema.ts';
import { inventoryCheckCommand } from './inventory-check.ts';
import { targetsCommand } from './targets.ts';
import { initTargetCommand } from './init-target.ts';
import { dhcpLoadCommand } from './dhcp-load.ts';
import { serveReferenceCommand } from './serve-reference.ts';
import { mergeCommand } from './merge.ts';
import { k8sRenderCommand } from './k8s-render.ts';
import { serveCoordinatorCommand } from './serve-coordinator.ts';
import { showReportCommand } from './show-report.ts';
import { initScenarioCommand } from './init-scenario.ts';

export const commands: Command[] = [
  runCommand,
  bmcServe,
  reportCommand,
  compareCommand,
  labGcCommand,
  faultsCommand,
  schemaCommand,
  targetsCommand,
  initTargetCommand,
  scenariosCommand,
  doctorCommand,
  suiteCommand,
  inventoryCheckCommand,
  dhcpLoadCommand,
  serveReferenceCommand,
  serveCoordinatorCommand,
  mergeCommand,
  k8sRenderCommand,
  showReportCommand,
  initScenarioCommand,
];
