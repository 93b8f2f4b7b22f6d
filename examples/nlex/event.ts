// event: prints myvar each time it changes, from the multicast group, until SIGINT/SIGTERM
// (seed 002's event.c). Only the peer's notifications count: on NETLINK_USERSOCK anyone may
// send to the group.
import { connect, parseTarget, runIfMain } from './run.js';

export async function main(args: string[], signal: AbortSignal): Promise<void> {
  await using nlex = await connect(parseTarget(args));
  const events = nlex.sock.subscribe(nlex.group, { signal, from: nlex.peer });
  console.log('listening');
  for await (const item of events) {
    if (item.kind === 'overrun') console.error('overrun: notifications were lost');
    else console.log(`myvar=${nlex.myvar(item)}`);
  }
}

runIfMain(import.meta.url, main);
