// nlex-server: nlex served from userspace on NETLINK_USERSOCK, for machines without the kernel
// modules. Generic Netlink (with a minimal nlctrl) on port NLEX_SERVER_PORT, the classic bus on
// the next port id, since their message types collide.
import { NETLINK_USERSOCK, NetlinkSocket } from '../../src/index.js';
import { GenlService, NetlinkService, serve } from '../../src/service/index.js';
import * as P from './protocol.js';
import { aborted, runIfMain } from './run.js';
import { registerNlexFamily, serveClassic } from './service.js';

export async function main(_args: string[], signal: AbortSignal): Promise<void> {
  const genl = new GenlService({ listController: false }); // its nlctrl knows nlex only
  registerNlexFamily(genl, { id: P.NLEX_SERVER_FAMILY_ID, group: P.NLEX_SERVER_GENL_GROUP });
  const classic = serveClassic(new NetlinkService());
  // A datagram on NETLINK_USERSOCK says nothing of its sender's capabilities, so the modules'
  // CAP_NET_ADMIN check cannot be made: every local user may change myvar here.
  const opts = { privileged: 'everyone' } as const;
  const genlSock = await NetlinkSocket.open(NETLINK_USERSOCK, { portId: P.NLEX_SERVER_PORT });
  const classicSock = await NetlinkSocket.open(NETLINK_USERSOCK, { portId: P.NLEX_SERVER_CLASSIC_PORT });
  const served = [serve(genl, genlSock, opts), serve(classic, classicSock, opts)];
  console.log(`nlex-server: ready, genl on port ${P.NLEX_SERVER_PORT}, classic on port ${P.NLEX_SERVER_CLASSIC_PORT} (NETLINK_USERSOCK)`);
  await aborted(signal);
  for (const s of served) s.close();
}

runIfMain(import.meta.url, main);
