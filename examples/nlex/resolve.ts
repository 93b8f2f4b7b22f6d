// resolve: the family id and multicast group id of nlex, asked of nlctrl (seed 002's resolver).
import { GenlController } from '../../src/index.js';
import { NLEX_GENL_NAME } from './protocol.js';
import { UsageError, openSocket, parseTarget, runIfMain } from './run.js';

export async function main(args: string[]): Promise<void> {
  const target = parseTarget(args);
  if (target.variant !== 'genl') throw new UsageError('resolve: only the genl variant has a family to resolve');
  await using ctrl = new GenlController(await openSocket(target), { ownsSocket: true });
  const family = await ctrl.family(NLEX_GENL_NAME);
  console.log(`family ${family.familyName} id ${family.familyId} version ${family.version}`);
  for (const g of family.mcastGroups) console.log(`group ${g.name} id ${g.id}`);
}

runIfMain(import.meta.url, main);
