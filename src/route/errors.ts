// Errors of the rtnetlink layer: always a NetlinkError (so one `catch` and `err.code` cover the
// kernel's refusals and ours), with a message that names the object: `EEXIST: route 10.0.0.0/24
// table main already exists`, `ENODEV: link "nope" not found`.
import { EADDRNOTAVAIL, EEXIST, EINVAL, ENOENT, ESRCH, NetlinkError, errnoDescription, errnoName } from '../wire/index.js';


/** A NetlinkError whose message is `CODE: text`; the kernel's error, when there was one, is its cause. */
export function routeError(errno: number, text: string, kernel?: NetlinkError): NetlinkError {
  const err = new NetlinkError(errno, {
    ...(kernel?.request !== undefined ? { request: kernel.request } : {}),
    ...(kernel?.extack !== undefined ? { extack: kernel.extack } : {}),
    syscall: kernel?.syscall ?? 'rtnetlink',
  });
  const code = errnoName(errno);
  if (code !== err.code) Object.defineProperty(err, 'code', { value: code, enumerable: true });
  err.message = `${code}: ${text}`;
  if (kernel) err.cause = kernel;
  return err;
}

/** A bad argument, found before anything was sent. */
export function invalid(text: string): NetlinkError {
  return routeError(EINVAL, text);
}

/** What a change was about, for naming it when the kernel refuses. */
export interface Subject {
  /** 'add', 'delete', 'change', 'replace', 'move'... */
  verb: string;
  /** `route 10.0.0.0/24 table main`, `link "va"`. */
  object: string;
  /** Errnos that mean "it is not there" for this kind of object (ENOENT, ESRCH, EADDRNOTAVAIL...). */
  missing?: number[];
}

function extackText(err: NetlinkError): string {
  const ext = err.extack;
  if (!ext?.message) return '';
  return ext.attribute ? `: ${ext.message} (attribute ${ext.attribute})` : `: ${ext.message}`;
}

/**
 * The kernel's refusal of a change, reworded to name the object. Anything that is not a
 * NetlinkError (a closed socket, a bug) passes through unchanged.
 */
export function kernelError(err: unknown, subject: Subject): unknown {
  if (!(err instanceof NetlinkError) || err.syscall !== 'netlink') return err;
  const n = -err.errno;
  if (n === EEXIST) return routeError(n, `${subject.object} already exists`, err);
  if ((subject.missing ?? [ENOENT]).includes(n)) return routeError(n, `${subject.object} not found`, err);
  return routeError(n, `cannot ${subject.verb} ${subject.object}: ${errnoDescription(n)}${extackText(err)}`, err);
}
