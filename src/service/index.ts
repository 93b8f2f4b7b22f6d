// The other end of the wire: a userspace Netlink endpoint with the kernel's semantics. One
// dispatcher (classic message types or Generic Netlink with nlctrl), two transports: a real
// socket (serve) and the in-memory network nlkit/testing's fake kernel uses.
export { Dispatcher, type DispatcherOptions, type Observer, type OperationSpec } from './dispatcher.js';
export { NetlinkService, type ClassicOperation } from './classic.js';
export { GenlService, ServedFamily, type GenlFamilySpec, type GenlOperation, type GenlServiceOptions } from './genl.js';
export { serve, type Admission, type ServeOptions, type ServeStats, type Served } from './socket.js';
export { buildAck, writeDone, writePolicyDescription } from './ack.js';
export * from './types.js';
