// change <value>: sets myvar and waits for the ACK (seed 002's change.c). Without a value it
// sends UPD without NLE_MYVAR, to show the kernel's error and its extended ACK.
import { NLE_MYVAR } from './protocol.js';
import { connect, parseTarget, runIfMain, u32Arg } from './run.js';

export async function main(args: string[]): Promise<void> {
  const target = parseTarget(args);
  const value = target.args[0] === undefined ? undefined : u32Arg(target.args[0], 'value');
  await using nlex = await connect(target);
  await nlex.request('upd', (w) => {
    if (value !== undefined) w.u32(NLE_MYVAR, value);
  });
  console.log(`myvar set to ${value}`);
}

runIfMain(import.meta.url, main);
