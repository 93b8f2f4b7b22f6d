// The service answers the way the kernel does, byte for byte: the same malformed and invalid
// requests go to the kernel's own netdev family (and nlctrl) and to a GenlService replica of
// them with the same policy, from sockets bound to the same port id with the same options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GenlController,
  MessageWriter,
  NETLINK_GENERIC,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NetlinkSocket,
  CTRL_CMD_GETFAMILY,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_FAMILY_ID,
  GENL_ID_CTRL,
  type Policy,
} from '../../src/index.js';
import { fakeKernel } from '../../src/testing/index.js';
import { useNetns } from '../helpers/netns.js';

const ns = useNetns('nlkit-parity');
/** Both sides bind the same port id (it is in every reply header); a fresh one per test, as a closed socket frees its own late. */
let PORT = 0x4e4c5000;
const DEV_GET = 1;
const IFINDEX = 1;
// netdev's dev-get do policy (Documentation/netlink/specs/netdev.yaml): ifindex u32, min 1.
const DEV_GET_POLICY: Policy = { maxType: IFINDEX, attrs: { [IFINDEX]: { type: 'u32', min: 1 } } };

function genl(type: number, cmd: number, fill?: (w: MessageWriter) => void, flags = NLM_F_REQUEST | NLM_F_ACK, seq = 77): Uint8Array {
  const w = new MessageWriter().begin(type, flags, seq, PORT).genlHeader(cmd, 1);
  fill?.(w);
  return w.end().finish();
}

async function answer(sock: NetlinkSocket, request: Uint8Array): Promise<string> {
  const got = sock.receive({ timeout: 5000 });
  sock.send(request);
  return Buffer.from((await got).bytes).toString('hex');
}

for (const opts of [
  { capAck: true, extendedAck: true },
  { capAck: false, extendedAck: true },
  { capAck: false, extendedAck: false },
]) {
  test(`errors and ACKs match the kernel's (NETLINK_CAP_ACK ${opts.capAck ? 'on' : 'off'}, NETLINK_EXT_ACK ${opts.extendedAck ? 'on' : 'off'})`, async () => {
    PORT++;
    await using real = await NetlinkSocket.open(NETLINK_GENERIC, { netns: ns.name, portId: PORT, ...opts });
    const ctrl = new GenlController(real);
    const netdev = await ctrl.family('netdev');
    ctrl.close();

    await using kernel = fakeKernel();
    kernel.genl.family({
      name: 'netdev',
      id: netdev.familyId,
      ops: [{ cmd: DEV_GET, policy: DEV_GET_POLICY, do: () => {} }],
    });
    const fake = await kernel.socket(NETLINK_GENERIC, { portId: PORT, ...opts });

    const id = netdev.familyId;
    const trailing = genl(id, DEV_GET, (w) => w.u32(IFINDEX, 1));
    const withTrailing = new Uint8Array(trailing.byteLength + 3);
    withTrailing.set(trailing);
    new DataView(withTrailing.buffer).setUint32(0, withTrailing.byteLength, true);
    const reserved = genl(id, DEV_GET);
    reserved[18] = 1;
    const cases: Array<[string, Uint8Array]> = [
      ['u32 of two bytes', genl(id, DEV_GET, (w) => w.u16(IFINDEX, 1))],
      ['below the policy minimum', genl(id, DEV_GET, (w) => w.u32(IFINDEX, 0))],
      ['unknown attribute', genl(id, DEV_GET, (w) => w.u32(7, 1))],
      ['attribute past the end', genl(id, DEV_GET, (w) => w.u32(IFINDEX, 1), NLM_F_REQUEST | NLM_F_ACK, 80).map((b, i) => (i === 20 ? 40 : b))],
      ['bytes after the attributes', withTrailing],
      ['reserved header byte', reserved],
      ['reserved flags', genl(id, DEV_GET, undefined, NLM_F_REQUEST | NLM_F_ACK | 0x800)],
      ['unknown command', genl(id, 99)],
      ['no genl header', new MessageWriter().begin(id, NLM_F_REQUEST | NLM_F_ACK, 78, PORT).end().finish()],
      ['unknown family', genl(0x3f0, 1)],
      ['not a request, ACK asked', genl(id, DEV_GET, undefined, NLM_F_ACK)],
      ['a control message', new MessageWriter().begin(3, NLM_F_REQUEST | NLM_F_ACK, 79, PORT).end().finish()],
      ['nlctrl: no attribute', genl(GENL_ID_CTRL, CTRL_CMD_GETFAMILY)],
      ['nlctrl: unknown family', genl(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, (w) => w.string(CTRL_ATTR_FAMILY_NAME, 'no-such-family'))],
      ['nlctrl: u16 of one byte', genl(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, (w) => w.u8(CTRL_ATTR_FAMILY_ID, 1))],
      ['nlctrl: name too long', genl(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, (w) => w.string(CTRL_ATTR_FAMILY_NAME, 'a-name-of-twenty-bytes'))],
    ];
    for (const [what, request] of cases) {
      assert.equal(await answer(fake, request), await answer(real, request), what);
    }
  });
}

test("a dump's NLMSG_DONE matches the kernel's", async () => {
  PORT++;
  await using real = await NetlinkSocket.open(NETLINK_GENERIC, { netns: ns.name, portId: PORT });
  await using kernel = fakeKernel();
  const fake = await kernel.socket(NETLINK_GENERIC, { portId: PORT });
  const request = genl(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, undefined, NLM_F_REQUEST | NLM_F_DUMP, 90);
  const lastOf = async (sock: NetlinkSocket): Promise<string> => {
    sock.send(request);
    for (;;) {
      const d = await sock.receive({ timeout: 5000 });
      const last = d.messages.at(-1)!;
      if (last.type === 3) return Buffer.from(last.raw).toString('hex');
    }
  };
  assert.equal(await lastOf(fake), await lastOf(real));
});
