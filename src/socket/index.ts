// The socket layer: one NetlinkSocket per file descriptor, requests, dumps, subscriptions.
export { NetlinkSocket, DumpStream, type OpenOptions } from './socket.js';
export { SocketClosedError } from './errors.js';
export { netnsPath, NETNS_RUN_DIR } from './netns.js';
export type * from './types.js';
