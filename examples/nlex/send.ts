// send <portid> <text>: one message to another user socket on NETLINK_USERSOCK (seed 003).
import { MessageWriter, NETLINK_USERSOCK, NLMSG_MIN_TYPE, NetlinkSocket } from '../../src/index.js';
import { UsageError, parseTarget, runIfMain, u32Arg } from './run.js';

export async function main(args: string[]): Promise<void> {
  const [port, ...words] = parseTarget(args).args;
  if (port === undefined || words.length === 0) throw new UsageError('send <portid> <text>');
  const to = u32Arg(port, 'portid');
  await using sock = await NetlinkSocket.open(NETLINK_USERSOCK);
  const w = new MessageWriter().begin(NLMSG_MIN_TYPE, 0, 0, sock.portId);
  w.header(new TextEncoder().encode(`${words.join(' ')}\0`)); // the text as the payload, as strcpy(NLMSG_DATA(nlh), ...)
  sock.send(w.end().finish(), { portId: to });
  console.log(`sent to port ${to}`);
}

runIfMain(import.meta.url, main);
