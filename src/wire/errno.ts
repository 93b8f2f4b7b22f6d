// Linux errno numbers (asm-generic/errno-base.h and errno.h) that nlkit's own code tests for or
// answers with. The kernel reports them negated in NLMSG_ERROR, the addon returns them negated.
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const EMSGSIZE = 90;
export const ENOPROTOOPT = 92;
export const EPROTONOSUPPORT = 93;
export const EOPNOTSUPP = 95;
export const EADDRINUSE = 98;
export const EADDRNOTAVAIL = 99;
export const ENOBUFS = 105;
export const ECONNREFUSED = 111;
