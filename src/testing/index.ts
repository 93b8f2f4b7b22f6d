// nlkit/testing: unit-test Netlink clients without root. See FakeKernel.
export { fakeKernel, FakeKernel, type FakeKernelOptions, type FakeSocketOptions, type ReceivedMessage } from './fake-kernel.js';
export { GenlService, NetlinkService, ServedFamily, ServiceError, type ClassicOperation, type Context, type GenlFamilySpec, type GenlOperation, type MessageSpec, type Request } from '../service/index.js';
