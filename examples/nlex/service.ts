// nlex in userspace: the operations of the kernel modules (examples/kernel/nlex_*.c) written
// against nlkit's service layer. A policy, a permission and a handler per operation; the layer
// does the rest as the kernel does (validation, extended ACK, ACK, ECHO).
import { GenlService, NetlinkService, type ServedFamily } from '../../src/service/index.js';
import * as P from './protocol.js';

/** The classic bus: UPD sets myvar and notifies NLEX_GRP_MYVAR, GET replies with it. */
export function serveClassic(service: NetlinkService): NetlinkService {
  let myvar = 0;
  return service
    .handle(P.NLEX_MSG_UPD, {
      adminPerm: true,
      policy: P.NLEX_POLICY,
      do: (_req, ctx) => {
        myvar = ctx.require(P.NLE_MYVAR, P.NLEX_MISSING_MYVAR).u32();
        ctx.notify(P.NLEX_GRP_MYVAR, { type: P.NLEX_MSG_UPD, write: (w) => w.u32(P.NLE_MYVAR, myvar) });
      },
    })
    .handle(P.NLEX_MSG_GET, {
      policy: P.NLEX_POLICY,
      do: () => ({ type: P.NLEX_MSG_GET, write: (w) => w.u32(P.NLE_MYVAR, myvar) }),
    });
}

/** The Generic Netlink family `nlex`, with ids of its own choosing or allocated. */
export function registerNlexFamily(genl: GenlService, ids: { id?: number; group?: number } = {}): ServedFamily {
  let myvar = 0;
  return genl.family({
    name: P.NLEX_GENL_NAME,
    id: ids.id,
    version: P.NLEX_GENL_VERSION,
    policy: P.NLEX_POLICY,
    groups: [{ name: P.NLEX_GENL_MCGRP_NAME, id: ids.group }],
    ops: [
      {
        cmd: P.NLEX_CMD_UPD,
        adminPerm: true,
        do: (_req, ctx) => {
          myvar = ctx.require(P.NLE_MYVAR, P.NLEX_MISSING_MYVAR).u32();
          ctx.notify(P.NLEX_GENL_MCGRP_NAME, { cmd: P.NLEX_CMD_UPD, write: (w) => w.u32(P.NLE_MYVAR, myvar) });
        },
      },
      { cmd: P.NLEX_CMD_GET, do: () => ({ cmd: P.NLEX_CMD_GET, write: (w) => w.u32(P.NLE_MYVAR, myvar) }) },
    ],
  });
}
