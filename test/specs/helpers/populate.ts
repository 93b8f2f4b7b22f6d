// Gives a test namespace something for each family to report: a veth pair with an address,
// an MPTCP endpoint, and a TCP connection that leaves a tcp_metrics entry behind.
import { sh } from '../../helpers/netns.js';

// A loopback TCP exchange; closing it makes the kernel save metrics for 127.0.0.1.
const TCP_EXCHANGE = `
const net = require('node:net');
const server = net.createServer((s) => s.on('data', () => s.end()));
server.listen(0, '127.0.0.1', () => {
  const c = net.connect(server.address().port, '127.0.0.1', () => c.write('x'.repeat(65536)));
  c.on('close', () => server.close());
  c.resume();
});`;

export function populateNetns(ns: string): void {
  sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  sh('ip', ['-n', ns, 'link', 'add', 'nlk0', 'type', 'veth', 'peer', 'name', 'nlk1']);
  sh('ip', ['-n', ns, 'link', 'set', 'nlk0', 'up']);
  sh('ip', ['-n', ns, 'link', 'set', 'nlk1', 'up']);
  sh('ip', ['-n', ns, 'addr', 'add', '10.255.0.1/24', 'dev', 'nlk0']);
  sh('ip', ['-n', ns, 'mptcp', 'endpoint', 'add', '10.255.0.1', 'id', '1', 'signal']);
  sh('ip', ['netns', 'exec', ns, process.execPath, '-e', TCP_EXCHANGE]);
}

/** Things that make families notify: a device and an MPTCP endpoint come and go. */
export function stirNetns(ns: string): void {
  sh('ip', ['-n', ns, 'link', 'add', 'nlk2', 'type', 'veth', 'peer', 'name', 'nlk3']);
  sh('ip', ['-n', ns, 'link', 'set', 'nlk2', 'up']);
  sh('ip', ['-n', ns, 'link', 'del', 'nlk2']);
  sh('ip', ['-n', ns, 'mptcp', 'endpoint', 'add', '10.255.0.2', 'id', '2', 'subflow']);
  sh('ip', ['-n', ns, 'mptcp', 'endpoint', 'del', 'id', '2']);
}
