// Every scenario `floe bench` knows, in the order a full run executes them. Adding one is
// adding it here; a scenario that needs a system that does not exist yet lists it anyway and
// reports it as not available.

import type { Scenario } from '../lib/scenario.ts';
import { commandsScenario } from './commands.ts';
import { memoryScenario } from './memory.ts';
import { mixedScenario } from './mixed.ts';
import { evictionScenario } from './eviction.ts';
import { durableScenario } from './durable.ts';
import { failoverScenario } from './failover.ts';

export const scenarios: readonly Scenario[] = [commandsScenario, durableScenario, mixedScenario, memoryScenario, evictionScenario, failoverScenario];

export function findScenario(name: string): Scenario | undefined {
  return scenarios.find((s) => s.name === name);
}
