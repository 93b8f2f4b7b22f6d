// get: asks for myvar and prints the reply.
import { connect, parseTarget, runIfMain } from './run.js';

export async function main(args: string[]): Promise<void> {
  await using nlex = await connect(parseTarget(args));
  const [reply] = await nlex.request('get');
  console.log(`myvar=${reply ? nlex.myvar(reply) : '?'}`);
}

runIfMain(import.meta.url, main);
