// recv: prints its port id, then each message another user socket sends it (seed 003), with
// the sender's port id from the socket address, until SIGINT/SIGTERM.
import { NETLINK_USERSOCK, NetlinkSocket } from '../../src/index.js';
import { runIfMain } from './run.js';

export async function main(_args: string[], signal: AbortSignal): Promise<void> {
  await using sock = await NetlinkSocket.open(NETLINK_USERSOCK);
  signal.addEventListener('abort', () => sock.close(), { once: true });
  console.log(`recv: port ${sock.portId}`);
  for await (const d of sock.datagrams()) {
    if (d.kind === 'overrun') continue;
    for (const m of d.messages) {
      const text = new TextDecoder().decode(m.payload).replace(/\0.*$/s, '');
      console.log(`${d.portId}: ${text}`);
    }
  }
}

runIfMain(import.meta.url, main);
