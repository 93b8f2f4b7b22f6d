/*
 * nlkit native addon: AF_NETLINK sockets for Node.js over N-API, a libuv poll handle and, while a
 * large stream is read, the libuv thread pool.
 * The JS-facing contract is src/socket/native.ts. OS failures are returned as -errno numbers;
 * only wrong argument types (and out-of-range send bounds) throw.
 */
#define _GNU_SOURCE
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define META_STRIDE 6
#define MAX_RECORDS 1024           /* datagrams (records) per batch, for event-loop fairness */
#define SCRATCH_INITIAL (64 * 1024)
#define SCRATCH_MIN_FREE (32 * 1024)
#define OVERFLOW_SIZE ((size_t)16 << 20) /* the largest datagram read is SCRATCH_MIN_FREE more */
#define OVERFLOW_KEEP ((size_t)256 << 10) /* touched overflow pages beyond this go back to the OS */
#define CONTROL_SIZE 256
#define FIRST_BATCH (32 * 1024)    /* the limit of a batch read on the loop thread on wakeup */
#define MAX_BATCH_LIMIT ((size_t)1 << 30)
#define RING 2                     /* batches read ahead at most, besides the one JS works on */

/* One batch of datagrams as read: the bytes, their records, and whether reading stopped at a
 * limit (so that more is probably waiting). */
typedef struct nlk_batch {
  uint8_t *data;
  size_t cap;
  int32_t *meta;      /* (MAX_RECORDS + 2) records */
  size_t used;
  size_t count;
  bool more;
} nlk_batch;

/*
 * Reading has two modes. Idle (requests, subscriptions): a uv_poll handle wakes the loop thread,
 * which reads what is ready and hands it to JS. Streaming (a batch stopped at its limit, as in
 * every large dump): a worker on the libuv thread pool reads the following batches into a ring
 * while JS works on the previous one. A dump's next datagrams are built by the kernel only inside
 * recvmsg, so this lets the kernel's work and JS's run at the same time instead of in turn.
 * The worker reads only while JS wants data (pause() stops it after its current batch, so the
 * kernel's receive queue fills and paces the sender) and only while a ring slot is free; it
 * leaves streaming mode when a read finds the queue empty, and the poll takes over again.
 * Ownership: ring slots [head, head + nready) belong to the loop thread, the next one to the
 * worker while it runs; the fields marked "mu" are shared and read or written under the mutex.
 */
typedef struct nlk_handle {
  int fd;             /* -1 once close() was called */
  int close_fd;       /* the descriptor still to close once nothing uses it, or -1 */
  napi_env env;
  uv_poll_t poll;
  uv_async_t async;   /* the worker's "a batch is ready" */
  bool poll_init;     /* uv_poll_init succeeded (uv_close needed) */
  bool async_init;    /* uv_async_init succeeded (uv_close needed) */
  int uv_live;        /* initialised libuv handles whose close callback has not run */
  bool polling;       /* start() without a later pause()/close(): JS wants data */
  bool poll_active;   /* uv_poll_start is in effect */
  bool closing;       /* close() was called (or the finalizer ran) */
  bool wrapped;       /* the JS object still exists (its finalizer has not run) */
  bool ref_wanted;    /* desired uv_ref state */
  bool work_busy;     /* the worker is queued or running (loop thread only) */
  napi_ref self;      /* weak ref to the JS object, strong while polling (from napi_wrap) */
  napi_ref cb;
  napi_async_context ctx;
  size_t max_batch;
  uv_work_t work;
  int work_fd;        /* the descriptor for the worker (fd may become -1 meanwhile) */
  uv_mutex_t mu;
  size_t head, nready; /* mu */
  bool streaming;     /* mu: the last batch read stopped at a limit */
  bool want;          /* mu: polling, for the worker */
  bool stop;          /* mu: closing, for the worker */
  size_t limit;       /* mu: max_batch, for the worker */
  nlk_batch ring[RING];
} nlk_handle;

static const napi_type_tag HANDLE_TAG = {0x6e6c6b6974686e64ULL, 0x9a3c5e7f1b2d4c6aULL};

/* ---- small helpers ---------------------------------------------------------------------- */

static napi_value num(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

static napi_value undefined(napi_env env) {
  napi_value r;
  napi_get_undefined(env, &r);
  return r;
}

static napi_value neg_errno(napi_env env, int e) {
  return num(env, -(double)e);
}

/* Reads argc arguments; missing ones are undefined. */
static bool get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return false;
  for (size_t i = argc; i < n; i++) argv[i] = undefined(env);
  return true;
}

static nlk_handle *get_handle(napi_env env, napi_value v) {
  napi_valuetype t;
  bool tagged = false;
  void *p = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_object ||
      napi_check_object_type_tag(env, v, &HANDLE_TAG, &tagged) != napi_ok || !tagged ||
      napi_unwrap(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, NULL, "nlkit: expected a native netlink handle");
    return NULL;
  }
  return p;
}

static bool get_number(napi_env env, napi_value v, const char *what, double *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) {
    char msg[96];
    snprintf(msg, sizeof msg, "nlkit: %s must be a number", what);
    napi_throw_type_error(env, NULL, msg);
    return false;
  }
  napi_get_value_double(env, v, out);
  return true;
}

static bool get_i32(napi_env env, napi_value v, const char *what, int32_t *out) {
  double d;
  if (!get_number(env, v, what, &d)) return false;
  napi_get_value_int32(env, v, out);
  return true;
}

static bool get_u32(napi_env env, napi_value v, const char *what, uint32_t *out) {
  double d;
  if (!get_number(env, v, what, &d)) return false;
  napi_get_value_uint32(env, v, out);
  return true;
}

static struct sockaddr_nl make_addr(uint32_t port_id, uint32_t groups) {
  struct sockaddr_nl sa;
  memset(&sa, 0, sizeof sa);
  sa.nl_family = AF_NETLINK;
  sa.nl_pid = port_id;
  sa.nl_groups = groups;
  return sa;
}

/* ---- lifetime ---------------------------------------------------------------------------- */

static void maybe_free(nlk_handle *h) {
  if (h->wrapped || h->uv_live > 0 || h->work_busy) return;
  for (int i = 0; i < RING; i++) {
    free(h->ring[i].data);
    free(h->ring[i].meta);
  }
  uv_mutex_destroy(&h->mu);
  free(h);
}

/* The descriptor is closed once neither a libuv handle nor the worker can still use it. */
static void finish_close(nlk_handle *h) {
  if (h->uv_live > 0 || h->work_busy) return;
  if (h->close_fd >= 0) {
    close(h->close_fd);
    h->close_fd = -1;
  }
  maybe_free(h);
}

static void on_uv_close(uv_handle_t *p) {
  nlk_handle *h = p->data;
  h->uv_live--;
  finish_close(h);
}

static void set_want(nlk_handle *h, bool want) {
  uv_mutex_lock(&h->mu);
  h->want = want;
  uv_mutex_unlock(&h->mu);
}

static void stop_polling(napi_env env, nlk_handle *h) {
  if (!h->polling) return;
  h->polling = false;
  set_want(h, false);
  if (h->poll_active) {
    uv_poll_stop(&h->poll);
    h->poll_active = false;
  }
  if (h->self && h->wrapped) napi_reference_unref(env, h->self, NULL);
}

/* Everything close() does; also used by the finalizer. Needs the JS thread (env). */
static void do_close(napi_env env, nlk_handle *h) {
  if (h->closing) return;
  stop_polling(env, h);
  h->closing = true;
  uv_mutex_lock(&h->mu);
  h->stop = true;
  uv_mutex_unlock(&h->mu);
  int fd = h->fd;
  h->fd = -1;
  if (h->cb) {
    napi_delete_reference(env, h->cb);
    h->cb = NULL;
  }
  if (h->ctx) {
    napi_async_destroy(env, h->ctx);
    h->ctx = NULL;
  }
  if (h->poll_init || h->async_init) {
    h->close_fd = fd;
    if (h->poll_init) uv_close((uv_handle_t *)&h->poll, on_uv_close);
    if (h->async_init) uv_close((uv_handle_t *)&h->async, on_uv_close);
  } else if (fd >= 0) {
    close(fd);
  }
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  nlk_handle *h = data;
  h->wrapped = false; /* first, so that do_close leaves the self reference alone */
  do_close(env, h);
  if (h->self) {
    napi_delete_reference(env, h->self);
    h->self = NULL;
  }
  maybe_free(h);
}

/* ---- open -------------------------------------------------------------------------------- */

static int open_in_netns(const char *path, int protocol) {
  int nsfd = open(path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) return -errno;
  int selffd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (selffd < 0) {
    int e = errno;
    close(nsfd);
    return -e;
  }
  int result;
  if (setns(nsfd, CLONE_NEWNET) < 0) {
    result = -errno;
  } else {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
    result = fd < 0 ? -errno : fd;
    if (setns(selffd, CLONE_NEWNET) < 0) {
      napi_fatal_error("nlkit.open", NAPI_AUTO_LENGTH,
                       "could not return the thread to its own network namespace after "
                       "creating a socket in another one (setns failed)",
                       NAPI_AUTO_LENGTH);
    }
  }
  close(selffd);
  close(nsfd);
  return result;
}

static napi_value nl_open(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int32_t protocol;
  if (!get_i32(env, argv[0], "protocol", &protocol)) return NULL;

  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  int fd;
  if (t == napi_string) {
    size_t len = 0;
    napi_get_value_string_utf8(env, argv[1], NULL, 0, &len);
    char *path = malloc(len + 1);
    if (!path) return neg_errno(env, ENOMEM);
    napi_get_value_string_utf8(env, argv[1], path, len + 1, &len);
    if (strlen(path) != len) { /* embedded NUL */
      free(path);
      napi_throw_type_error(env, NULL, "nlkit: netnsPath must not contain NUL characters");
      return NULL;
    }
    fd = open_in_netns(path, protocol);
    free(path);
  } else if (t == napi_null || t == napi_undefined) {
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
    if (fd < 0) fd = -errno;
  } else {
    napi_throw_type_error(env, NULL, "nlkit: netnsPath must be a string or null");
    return NULL;
  }
  if (fd < 0) return num(env, fd);

  nlk_handle *h = calloc(1, sizeof *h);
  if (!h) {
    close(fd);
    return neg_errno(env, ENOMEM);
  }
  h->fd = fd;
  h->close_fd = -1;
  h->env = env;
  h->wrapped = true;
  h->ref_wanted = true;
  h->max_batch = 256 * 1024;
  if (uv_mutex_init(&h->mu) != 0) {
    close(fd);
    free(h);
    return neg_errno(env, ENOMEM);
  }

  napi_value obj;
  if (napi_create_object(env, &obj) != napi_ok ||
      napi_type_tag_object(env, obj, &HANDLE_TAG) != napi_ok ||
      napi_wrap(env, obj, h, finalize, NULL, &h->self) != napi_ok) {
    close(fd);
    uv_mutex_destroy(&h->mu);
    free(h);
    return NULL; /* an exception is pending */
  }
  return obj;
}

/* ---- plain socket calls -------------------------------------------------------------------- */

#define HANDLE_OR_THROW(argv0)                   \
  nlk_handle *h = get_handle(env, (argv0));      \
  if (!h) return NULL;

static napi_value nl_bind(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  HANDLE_OR_THROW(argv[0]);
  uint32_t port_id, groups;
  if (!get_u32(env, argv[1], "portId", &port_id) || !get_u32(env, argv[2], "groups", &groups))
    return NULL;
  if (h->fd < 0) return neg_errno(env, EBADF);
  struct sockaddr_nl sa = make_addr(port_id, groups);
  if (bind(h->fd, (struct sockaddr *)&sa, sizeof sa) < 0) return neg_errno(env, errno);
  return num(env, 0);
}

static napi_value nl_getsockname(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  HANDLE_OR_THROW(argv[0]);
  if (h->fd < 0) return neg_errno(env, EBADF);
  struct sockaddr_nl sa;
  socklen_t len = sizeof sa;
  memset(&sa, 0, sizeof sa);
  if (getsockname(h->fd, (struct sockaddr *)&sa, &len) < 0) return neg_errno(env, errno);
  napi_value arr, v;
  napi_create_array_with_length(env, 2, &arr);
  napi_create_uint32(env, sa.nl_pid, &v);
  napi_set_element(env, arr, 0, v);
  napi_create_uint32(env, sa.nl_groups, &v);
  napi_set_element(env, arr, 1, v);
  return arr;
}

static napi_value nl_setsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return NULL;
  HANDLE_OR_THROW(argv[0]);
  int32_t level, name, value;
  if (!get_i32(env, argv[1], "level", &level) || !get_i32(env, argv[2], "name", &name) ||
      !get_i32(env, argv[3], "value", &value))
    return NULL;
  if (h->fd < 0) return neg_errno(env, EBADF);
  int v = value;
  if (setsockopt(h->fd, level, name, &v, sizeof v) < 0) return neg_errno(env, errno);
  return num(env, 0);
}

static napi_value nl_getsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  HANDLE_OR_THROW(argv[0]);
  int32_t level, name;
  if (!get_i32(env, argv[1], "level", &level) || !get_i32(env, argv[2], "name", &name))
    return NULL;
  if (h->fd < 0) return neg_errno(env, EBADF);
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(h->fd, level, name, &v, &len) < 0) return neg_errno(env, errno);
  napi_value obj;
  napi_create_object(env, &obj);
  napi_set_named_property(env, obj, "value", num(env, v));
  return obj;
}

static napi_value nl_list_memberships(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  HANDLE_OR_THROW(argv[0]);
  if (h->fd < 0) return neg_errno(env, EBADF);

  uint32_t small[8];
  uint32_t *buf = small;
  socklen_t cap = sizeof small, len;
  for (;;) {
    len = cap;
    if (getsockopt(h->fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, buf, &len) < 0) {
      int e = errno;
      if (buf != small) free(buf);
      return neg_errno(env, e);
    }
    if (len <= cap) break;
    /* The kernel reports the size it needs in optlen: retry with that. */
    if (buf != small) free(buf);
    cap = (len + 3) & ~(socklen_t)3;
    buf = malloc(cap);
    if (!buf) return neg_errno(env, ENOMEM);
  }

  napi_value arr, v;
  napi_create_array(env, &arr);
  uint32_t n = 0;
  for (size_t w = 0; w < len / sizeof(uint32_t); w++) {
    for (unsigned bit = 0; bit < 32; bit++) {
      if (buf[w] & (UINT32_C(1) << bit)) {
        napi_create_uint32(env, (uint32_t)(w * 32 + bit + 1), &v);
        napi_set_element(env, arr, n++, v);
      }
    }
  }
  if (buf != small) free(buf);
  return arr;
}

static napi_value nl_send(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv)) return NULL;
  HANDLE_OR_THROW(argv[0]);

  bool is_ta = false;
  napi_is_typedarray(env, argv[1], &is_ta);
  if (!is_ta) {
    napi_throw_type_error(env, NULL, "nlkit: send data must be a Uint8Array or Buffer");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length_elems = 0;
  void *data = NULL;
  /* napi_get_typedarray_info's data already points at the view's first byte (byteOffset applied). */
  napi_get_typedarray_info(env, argv[1], &type, &length_elems, &data, NULL, NULL);
  if (type != napi_uint8_array && type != napi_uint8_clamped_array && type != napi_int8_array) {
    napi_throw_type_error(env, NULL, "nlkit: send data must be a Uint8Array or Buffer");
    return NULL;
  }
  double off_d, len_d;
  uint32_t port_id, groups;
  if (!get_number(env, argv[2], "offset", &off_d) || !get_number(env, argv[3], "length", &len_d) ||
      !get_u32(env, argv[4], "portId", &port_id) || !get_u32(env, argv[5], "groups", &groups))
    return NULL;
  /* Range first (this also rejects NaN and Infinity), then integrality: the casts are safe. */
  if (!(off_d >= 0) || !(len_d >= 0) || off_d > (double)length_elems ||
      len_d > (double)length_elems - off_d || off_d != (double)(size_t)off_d ||
      len_d != (double)(size_t)len_d) {
    napi_throw_range_error(env, NULL, "nlkit: send offset/length outside the data view");
    return NULL;
  }
  if (h->fd < 0) return neg_errno(env, EBADF);

  struct sockaddr_nl sa = make_addr(port_id, groups);
  struct iovec iov = {.iov_base = (uint8_t *)data + (size_t)off_d, .iov_len = (size_t)len_d};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = &sa;
  msg.msg_namelen = sizeof sa;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t n;
  do {
    n = sendmsg(h->fd, &msg, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return neg_errno(env, errno);
  return num(env, (double)n);
}

/* ---- the read loop ------------------------------------------------------------------------- */

static void add_record(nlk_batch *b, int32_t off, int32_t len, uint32_t pid, uint32_t groups,
                       uint32_t group, int32_t nsid) {
  int32_t *m = b->meta + b->count * META_STRIDE;
  m[0] = off;
  m[1] = len;
  m[2] = (int32_t)pid;
  m[3] = (int32_t)groups;
  m[4] = (int32_t)group;
  m[5] = nsid;
  b->count++;
}

static void add_error(nlk_batch *b, int neg) {
  add_record(b, 0, neg, 0, 0, 0, -1);
}

/* Grows the batch buffer so that at least `need` bytes are free after `used` (doubling). */
static bool grow(nlk_batch *b, size_t need) {
  if (b->cap - b->used >= need) return true;
  size_t cap = b->cap ? b->cap : SCRATCH_INITIAL;
  while (cap - b->used < need) {
    if (cap > SIZE_MAX / 2) return false;
    cap *= 2;
  }
  uint8_t *p = realloc(b->data, cap);
  if (!p) return false;
  b->data = p;
  b->cap = cap;
  return true;
}

/* The second iovec of every read: 16 MiB of address space per thread (the loop thread and the
 * pool threads that read ahead), reserved but not backed, so only the pages a large datagram
 * touches cost memory. One read per datagram, where sizing each one with MSG_PEEK first cost a
 * second syscall and (since every netlink recvmsg, peeks too, lets the kernel build more of a
 * dump) let the queue run far ahead of the reader and go cache-cold. NULL when mmap failed. */
static _Thread_local uint8_t *overflow_area;
static _Thread_local bool overflow_tried;

static uint8_t *overflow(void) {
  if (!overflow_tried) {
    overflow_tried = true;
    void *p = mmap(NULL, OVERFLOW_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    overflow_area = p == MAP_FAILED ? NULL : p;
  }
  return overflow_area;
}

/* Appends the ready datagrams of fd to b until EAGAIN or a limit, and sets b->more when it stopped
 * at a limit. Pure C (no N-API, no handle fields): it runs on the loop thread and on the worker.
 * Each datagram is read once into the batch's free space (at least SCRATCH_MIN_FREE, the most the
 * kernel puts in a dump datagram for a reader like this one) followed by the overflow area; the
 * part that landed in the overflow is copied after the rest. A datagram larger than both is
 * dropped and reported as an EMSGSIZE record (ENOMEM when the batch could not grow) that carries
 * its size in the offset field and its sender's port id and groups. */
static void drain(nlk_batch *b, int fd, size_t limit) {
  int consecutive_errors = 0;
  uint8_t *extra = overflow();
  b->more = false;
  /* Each iteration adds at most one record, so b->meta (MAX_RECORDS + 2) never overflows. */
  for (;;) {
    if (b->count >= MAX_RECORDS || b->used >= limit) {
      b->more = true;
      return;
    }
    if (!grow(b, SCRATCH_MIN_FREE)) {
      add_error(b, -ENOMEM);
      return;
    }
    size_t room = b->cap - b->used;
    struct sockaddr_nl sa;
    union {
      char buf[CONTROL_SIZE];
      struct cmsghdr align;
    } control;
    struct iovec iov[2] = {{.iov_base = b->data + b->used, .iov_len = room},
                           {.iov_base = extra, .iov_len = extra ? OVERFLOW_SIZE : 0}};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    memset(&sa, 0, sizeof sa);
    msg.msg_name = &sa;
    msg.msg_namelen = sizeof sa;
    msg.msg_iov = iov;
    msg.msg_iovlen = extra ? 2 : 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;

    /* MSG_TRUNC: the return value is the datagram's full length even when it did not fit. */
    ssize_t n = recvmsg(fd, &msg, MSG_TRUNC | MSG_DONTWAIT);
    if (n < 0) {
      int e = errno;
      if (e == EINTR) continue;
      if (e == EAGAIN || e == EWOULDBLOCK) return;
      /* ENOBUFS (receive queue overrun) and other socket errors are reported once by the
       * kernel; the next recvmsg works again. Two in a row means something is really wrong. */
      add_error(b, -e);
      if (++consecutive_errors >= 2) return;
      continue;
    }
    consecutive_errors = 0;
    size_t len = (size_t)n;
    if (len > room) {
      size_t spill = len - room;
      bool fits = (msg.msg_flags & MSG_TRUNC) == 0 && len <= INT32_MAX;
      if (fits && !grow(b, len)) fits = false; /* realloc keeps the first `room` bytes */
      if (!fits) {
        add_record(b, len > INT32_MAX ? INT32_MAX : (int32_t)len,
                   (msg.msg_flags & MSG_TRUNC) ? -EMSGSIZE : -ENOMEM, sa.nl_pid, sa.nl_groups, 0,
                   -1);
      } else {
        memcpy(b->data + b->used + room, extra, spill);
      }
      if (spill > OVERFLOW_KEEP && extra) madvise(extra, spill < OVERFLOW_SIZE ? spill : OVERFLOW_SIZE, MADV_DONTNEED);
      if (!fits) continue;
    }

    uint32_t group = 0;
    int32_t nsid = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_NETLINK) continue;
      if (c->cmsg_type == NETLINK_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct nl_pktinfo))) {
        struct nl_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof pi);
        group = pi.group;
      } else if (c->cmsg_type == NETLINK_LISTEN_ALL_NSID && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
        int v;
        memcpy(&v, CMSG_DATA(c), sizeof v);
        nsid = v;
      }
    }
    /* MSG_CTRUNC cannot happen with CONTROL_SIZE bytes for the netlink cmsgs (pktinfo, nsid,
     * credentials); if it ever did, the fields that did not fit stay at their defaults. */

    add_record(b, (int32_t)b->used, (int32_t)len, sa.nl_pid, sa.nl_groups, group, nsid);
    b->used += len;
  }
}

static void on_poll(uv_poll_t *p, int status, int events);
static void read_work(uv_work_t *w);
static void read_done(uv_work_t *w, int status);

/* Brings the libuv handles in line with the state: the poll runs only while JS wants data and
 * nothing is streaming or waiting in the ring; the async handle keeps the loop alive only while a
 * batch JS wants waits for it. Loop thread. Returns uv_poll_start's error, if any. */
static int sync_handles(napi_env env, nlk_handle *h) {
  int r = 0;
  if (!h->poll_init || h->closing) return 0;
  uv_mutex_lock(&h->mu);
  bool pending = h->streaming || h->nready > 0;
  bool ready = h->nready > 0;
  uv_mutex_unlock(&h->mu);
  bool want = h->polling && !h->work_busy && !pending;
  if (want != h->poll_active) {
    if (!want) {
      uv_poll_stop(&h->poll);
      h->poll_active = false;
    } else if ((r = uv_poll_start(&h->poll, UV_READABLE, on_poll)) == 0) {
      h->poll_active = true;
    } else {
      stop_polling(env, h);
    }
  }
  if (h->polling && ready && h->ref_wanted)
    uv_ref((uv_handle_t *)&h->async);
  else
    uv_unref((uv_handle_t *)&h->async);
  return r;
}

/* Starts the worker when streaming, wanted, and a ring slot is free. Loop thread. */
static void kick(nlk_handle *h) {
  if (h->work_busy || !h->polling || h->closing) return;
  uv_mutex_lock(&h->mu);
  bool go = h->streaming && h->nready < RING;
  uv_mutex_unlock(&h->mu);
  if (!go) return;
  h->work_fd = h->fd;
  h->work.data = h;
  if (uv_queue_work(h->poll.loop, &h->work, read_work, read_done) == 0) {
    h->work_busy = true;
  } else {
    uv_mutex_lock(&h->mu); /* no worker: the poll takes over */
    h->streaming = false;
    uv_mutex_unlock(&h->mu);
  }
}

/* Gives the oldest ready slot back to the worker. */
static void release_head(nlk_handle *h) {
  uv_mutex_lock(&h->mu);
  h->head = (h->head + 1) % RING;
  h->nready--;
  uv_mutex_unlock(&h->mu);
}

/* The JS arguments for a batch: a fresh Buffer holding a copy of its bytes, and its records. */
static bool batch_args(napi_env env, const nlk_batch *b, napi_value *argv) {
  napi_value ab;
  void *ab_data = NULL;
  size_t meta_bytes = b->count * META_STRIDE * sizeof(int32_t);
  if (napi_create_buffer_copy(env, b->used, b->data, NULL, &argv[0]) != napi_ok ||
      napi_create_arraybuffer(env, meta_bytes, &ab_data, &ab) != napi_ok)
    return false;
  memcpy(ab_data, b->meta, meta_bytes);
  if (napi_create_typedarray(env, napi_int32_array, b->count * META_STRIDE, ab, 0, &argv[1]) !=
      napi_ok)
    return false;
  argv[2] = num(env, (double)b->count);
  return true;
}

/* Calls the JS callback; an exception it throws becomes an uncaught exception. */
static void call_js(nlk_handle *h, napi_value cb, napi_value *argv) {
  napi_env env = h->env;
  napi_value recv = NULL, result;
  /* napi_make_callback needs an object as `this`: the handle object (strongly held while
   * polling), or the global object if that is gone. */
  if (h->self) napi_get_reference_value(env, h->self, &recv);
  if (recv == NULL) napi_get_global(env, &recv);
  napi_status st = napi_make_callback(env, h->ctx, recv, cb, 3, argv, &result);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (st == napi_pending_exception || pending) {
    napi_value exc;
    if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
  }
}

/* Hands JS the batches that are ready now, in order, while it wants them (the callback may pause
 * or close). Each is copied out first, so its slot is free for the worker while JS works on it.
 * Batches the worker finishes meanwhile wait for the next turn of the event loop, so a long
 * stream never keeps timers and other I/O waiting. */
static void deliver_ready(nlk_handle *h) {
  napi_env env = h->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  uv_mutex_lock(&h->mu);
  size_t turn = h->nready;
  uv_mutex_unlock(&h->mu);
  for (; turn > 0 && h->polling && !h->closing; turn--) {
    uv_mutex_lock(&h->mu);
    nlk_batch *b = &h->ring[h->head];
    uv_mutex_unlock(&h->mu);
    napi_value cb = NULL, argv[3];
    if (h->cb) napi_get_reference_value(env, h->cb, &cb);
    bool ok = cb != NULL && batch_args(env, b, argv);
    release_head(h);
    kick(h);
    if (ok) call_js(h, cb, argv);
  }
  kick(h);
  sync_handles(env, h);
  napi_close_handle_scope(env, scope);
}

static void on_poll(uv_poll_t *p, int status, int events) {
  (void)events;
  nlk_handle *h = p->data;
  if (status < 0) h->poll_active = false; /* libuv stopped the handle */
  if (h->closing || !h->polling || h->work_busy) return;
  /* The poll runs only with the ring empty and the worker idle: its head slot is free. */
  nlk_batch *b = &h->ring[h->head];
  b->used = 0;
  b->count = 0;
  b->more = false;
  bool dead = false;
  if (status < 0) {
    /* libuv reports EPOLLERR as an error status (UV_EBADF) and stops the handle. On a netlink
     * socket EPOLLERR means sk_err is set (ENOBUFS after an overrun): fetch and clear it with
     * SO_ERROR, then read on and re-arm the poll. */
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0) {
      add_error(b, status);
      dead = true;
    } else if (soerr) {
      add_error(b, -soerr);
    }
  }
  /* A short first batch: when more is waiting (a dump has begun), the worker takes over after
   * 32 KiB rather than after max_batch read here while JS waits. */
  if (!dead) drain(b, h->fd, h->max_batch < FIRST_BATCH ? h->max_batch : FIRST_BATCH);
  uv_mutex_lock(&h->mu);
  if (b->count > 0) h->nready = 1;
  h->streaming = b->more;
  uv_mutex_unlock(&h->mu);
  if (b->count > 0) deliver_ready(h);
  if (dead && !h->closing) stop_polling(h->env, h);
  sync_handles(h->env, h);
}

/* The worker: reads batches into free ring slots while JS wants them and the stream goes on. */
static void read_work(uv_work_t *w) {
  nlk_handle *h = w->data;
  uv_mutex_lock(&h->mu);
  while (h->want && !h->stop && h->streaming && h->nready < RING) {
    nlk_batch *b = &h->ring[(h->head + h->nready) % RING];
    size_t limit = h->limit;
    uv_mutex_unlock(&h->mu);
    b->used = 0;
    b->count = 0;
    drain(b, h->work_fd, limit);
    uv_mutex_lock(&h->mu);
    if (b->count > 0) {
      h->nready++;
      if (!h->stop) uv_async_send(&h->async);
    }
    h->streaming = b->more;
  }
  uv_mutex_unlock(&h->mu);
}

static void read_done(uv_work_t *w, int status) {
  (void)status; /* never cancelled */
  nlk_handle *h = w->data;
  h->work_busy = false;
  if (h->closing) {
    finish_close(h);
    return;
  }
  deliver_ready(h);
}

static void on_async(uv_async_t *a) {
  nlk_handle *h = a->data;
  if (!h->closing) deliver_ready(h);
}

static napi_value nl_start(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  HANDLE_OR_THROW(argv[0]);
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t != napi_function && t != napi_undefined && t != napi_null) {
    napi_throw_type_error(env, NULL, "nlkit: start callback must be a function or undefined");
    return NULL;
  }
  double max_batch;
  if (!get_number(env, argv[2], "maxBatchBytes", &max_batch)) return NULL;
  if (h->closing) return neg_errno(env, EBADF);
  if (t != napi_function && !h->cb) {
    napi_throw_type_error(env, NULL, "nlkit: start needs a callback the first time");
    return NULL;
  }

  for (int i = 0; i < RING; i++) {
    if (!h->ring[i].meta) {
      h->ring[i].meta = malloc((MAX_RECORDS + 2) * META_STRIDE * sizeof(int32_t));
      if (!h->ring[i].meta) return neg_errno(env, ENOMEM);
    }
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return neg_errno(env, EINVAL);
  /* The async handle first: the poll's existence then implies both (see sync_handles). */
  if (!h->async_init) {
    int r = uv_async_init(loop, &h->async, on_async);
    if (r < 0) return num(env, r);
    h->async.data = h;
    h->async_init = true;
    h->uv_live++;
    uv_unref((uv_handle_t *)&h->async);
  }
  if (!h->poll_init) {
    int r = uv_poll_init(loop, &h->poll, h->fd);
    if (r < 0) return num(env, r);
    h->poll.data = h;
    h->poll_init = true;
    h->uv_live++;
    if (!h->ref_wanted) uv_unref((uv_handle_t *)&h->poll);
  }
  if (!h->ctx) {
    napi_value name;
    napi_create_string_utf8(env, "nlkit:NetlinkSocket", NAPI_AUTO_LENGTH, &name);
    if (napi_async_init(env, argv[0], name, &h->ctx) != napi_ok) return NULL;
  }
  if (t == napi_function) {
    if (h->cb) napi_delete_reference(env, h->cb);
    h->cb = NULL;
    if (napi_create_reference(env, argv[1], 1, &h->cb) != napi_ok) return NULL;
  }
  if (!(max_batch >= 1)) max_batch = 1;
  h->max_batch = max_batch > (double)MAX_BATCH_LIMIT ? MAX_BATCH_LIMIT : (size_t)max_batch;

  uv_mutex_lock(&h->mu);
  h->limit = h->max_batch;
  bool ready = h->nready > 0;
  uv_mutex_unlock(&h->mu);
  if (!h->polling) {
    h->polling = true;
    set_want(h, true);
    /* A started handle keeps its JS object alive, like any active libuv handle. */
    napi_reference_ref(env, h->self, NULL);
    /* A stream paused midway resumes on the worker; batches read before the pause are delivered
     * from the loop, never from inside start(). */
    kick(h);
    if (ready) uv_async_send(&h->async);
    int r = sync_handles(env, h);
    if (r < 0) return num(env, r);
  }
  return num(env, 0);
}

static napi_value nl_pause(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  HANDLE_OR_THROW(argv[0]);
  stop_polling(env, h);
  if (!h->closing) sync_handles(env, h);
  return undefined(env);
}

static napi_value nl_ref(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  HANDLE_OR_THROW(argv[0]);
  bool on;
  if (napi_get_value_bool(env, argv[1], &on) != napi_ok) {
    napi_throw_type_error(env, NULL, "nlkit: ref's second argument must be a boolean");
    return NULL;
  }
  h->ref_wanted = on;
  if (h->poll_init && !h->closing) {
    if (on)
      uv_ref((uv_handle_t *)&h->poll);
    else
      uv_unref((uv_handle_t *)&h->poll);
    sync_handles(env, h);
  }
  return undefined(env);
}

static napi_value nl_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  HANDLE_OR_THROW(argv[0]);
  do_close(env, h);
  return undefined(env);
}

static napi_value nl_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  HANDLE_OR_THROW(argv[0]);
  return num(env, h->fd);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"open", NULL, nl_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bind", NULL, nl_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getsockname", NULL, nl_getsockname, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setsockopt", NULL, nl_setsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getsockopt", NULL, nl_getsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"listMemberships", NULL, nl_list_memberships, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, nl_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"start", NULL, nl_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pause", NULL, nl_pause, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ref", NULL, nl_ref, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, nl_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fd", NULL, nl_fd, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return NULL;
  return exports;
}
