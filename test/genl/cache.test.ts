// The controller's cache and nlctrl's notifications. This kernel cannot be made to register or
// remove a family (no loadable modules here), so a user-space stand-in for nlctrl answers on
// NETLINK_USERSOCK, speaking nlctrl's own messages, and multicasts its family events: the
// controller is the real one, over a real socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_VERSION,
  CTRL_CMD_DELFAMILY,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_NEWFAMILY,
  GENL_ID_CTRL,
  GenlController,
  MessageWriter,
  NETLINK_USERSOCK,
  NLMSG_ERROR,
  NetlinkSocket,
  genlHeader,
} from '../../src/index.js';
import { useNetns } from '../helpers/netns.js';

const ns = useNetns('nlkit-cache');
const NOTIFY_MASK = 1 << (GENL_ID_CTRL - 1); // nlctrl's notify group is number 16

function familyMessage(cmd: number, seq: number, id: number, name: string): Uint8Array {
  const w = new MessageWriter();
  w.begin(GENL_ID_CTRL, 0, seq, 0).genlHeader(cmd, 2);
  w.u16(CTRL_ATTR_FAMILY_ID, id).string(CTRL_ATTR_FAMILY_NAME, name).u32(CTRL_ATTR_VERSION, 1);
  return w.end().finish();
}

function ack(seq: number, req: Uint8Array): Uint8Array {
  const w = new MessageWriter();
  w.begin(NLMSG_ERROR, 0x100, seq, 0);
  w.header(4);
  w.header(req.subarray(0, 16));
  return w.end().finish();
}

/** Answers GETFAMILY for 'demo' with id `ids[n]` on the n-th request; counts requests. */
async function standIn(sock: NetlinkSocket, ids: number[]): Promise<{ served: number }> {
  const state = { served: 0 };
  void (async () => {
    while (state.served < ids.length) {
      const d = await sock.receive().catch(() => undefined);
      if (!d) return;
      for (const m of d.messages) {
        assert.equal(genlHeader(m).cmd, CTRL_CMD_GETFAMILY);
        sock.send(familyMessage(CTRL_CMD_NEWFAMILY, m.seq, ids[state.served]!, 'demo'), { portId: d.portId });
        sock.send(ack(m.seq, m.raw), { portId: d.portId });
        state.served++;
      }
    }
  })();
  return state;
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

test('a cached family is forgotten when its controller announces it removed, and asked for again', async () => {
  await using nlctrl = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  const sock = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name, peer: nlctrl.portId });
  await using ctrl = new GenlController(sock, { ownsSocket: true });
  const served = await standIn(nlctrl, [0x30, 0x31]);

  assert.equal((await ctrl.family('demo')).familyId, 0x30);
  assert.equal((await ctrl.family('demo')).familyId, 0x30, 'second lookup from the cache');
  assert.equal(served.served, 1);

  nlctrl.send(familyMessage(CTRL_CMD_DELFAMILY, 0, 0x30, 'demo'), { groups: NOTIFY_MASK });
  await settle();
  assert.equal(ctrl.cacheSize, 0);
  assert.equal((await ctrl.family('demo')).familyId, 0x31, 'asked again after the removal');
  assert.equal(served.served, 2);
});

test('a notification from anyone but the controller does not touch the cache', async () => {
  await using nlctrl = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  await using forger = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name });
  const sock = await NetlinkSocket.open(NETLINK_USERSOCK, { netns: ns.name, peer: nlctrl.portId });
  await using ctrl = new GenlController(sock, { ownsSocket: true });
  await standIn(nlctrl, [0x40]);
  await ctrl.family('demo');
  forger.send(familyMessage(CTRL_CMD_DELFAMILY, 0, 0x40, 'demo'), { groups: NOTIFY_MASK });
  await settle();
  assert.equal(ctrl.cacheSize, 2, 'still cached by name and id');
});
