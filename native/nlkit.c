/*
 * nlkit native addon: AF_NETLINK sockets for Node.js over N-API and a libuv poll handle.
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
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define META_STRIDE 6
#define MAX_RECORDS 1024           /* datagrams (records) per wakeup, for event-loop fairness */
#define SCRATCH_INITIAL (64 * 1024)
#define SCRATCH_MIN_FREE (32 * 1024)
#define CONTROL_SIZE 256
#define MAX_BATCH_LIMIT ((size_t)1 << 30)

typedef struct nlk_handle {
  int fd;             /* -1 once close() was called */
  int close_fd;       /* the descriptor still to close in the uv close callback, or -1 */
  napi_env env;
  uv_poll_t poll;
  bool poll_init;     /* uv_poll_init succeeded (uv_close needed) */
  bool uv_live;       /* the poll handle is initialised and its close callback has not run */
  bool polling;       /* start() without a later pause()/close() */
  bool closing;       /* close() was called (or the finalizer ran) */
  bool wrapped;       /* the JS object still exists (its finalizer has not run) */
  bool ref_wanted;    /* desired uv_ref state */
  napi_ref self;      /* weak ref to the JS object, strong while polling (from napi_wrap) */
  napi_ref cb;
  napi_async_context ctx;
  size_t max_batch;
  uint8_t *scratch;
  size_t scratch_cap;
  int32_t *meta;
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
  if (h->wrapped || h->uv_live) return;
  free(h->scratch);
  free(h->meta);
  free(h);
}

static void on_uv_close(uv_handle_t *p) {
  nlk_handle *h = p->data;
  if (h->close_fd >= 0) {
    close(h->close_fd);
    h->close_fd = -1;
  }
  h->uv_live = false;
  maybe_free(h);
}

static void stop_polling(napi_env env, nlk_handle *h) {
  if (!h->polling) return;
  h->polling = false;
  if (h->poll_init) uv_poll_stop(&h->poll);
  if (h->self && h->wrapped) napi_reference_unref(env, h->self, NULL);
}

/* Everything close() does; also used by the finalizer. Needs the JS thread (env). */
static void do_close(napi_env env, nlk_handle *h) {
  if (h->closing) return;
  stop_polling(env, h);
  h->closing = true;
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
  if (h->poll_init) {
    h->close_fd = fd;
    uv_close((uv_handle_t *)&h->poll, on_uv_close);
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

  napi_value obj;
  if (napi_create_object(env, &obj) != napi_ok ||
      napi_type_tag_object(env, obj, &HANDLE_TAG) != napi_ok ||
      napi_wrap(env, obj, h, finalize, NULL, &h->self) != napi_ok) {
    close(fd);
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

static void add_record(nlk_handle *h, size_t *count, int32_t off, int32_t len, uint32_t pid,
                       uint32_t groups, uint32_t group, int32_t nsid) {
  int32_t *m = h->meta + *count * META_STRIDE;
  m[0] = off;
  m[1] = len;
  m[2] = (int32_t)pid;
  m[3] = (int32_t)groups;
  m[4] = (int32_t)group;
  m[5] = nsid;
  (*count)++;
}

static void add_error(nlk_handle *h, size_t *count, int neg) {
  add_record(h, count, 0, neg, 0, 0, 0, -1);
}

/* Grows the scratch buffer so that at least `need` bytes are free after `used` (doubling). */
static bool grow_scratch(nlk_handle *h, size_t used, size_t need) {
  if (h->scratch_cap - used >= need) return true;
  size_t cap = h->scratch_cap ? h->scratch_cap : SCRATCH_INITIAL;
  while (cap - used < need) {
    if (cap > SIZE_MAX / 2) return false;
    cap *= 2;
  }
  uint8_t *p = realloc(h->scratch, cap);
  if (!p) return false;
  h->scratch = p;
  h->scratch_cap = cap;
  return true;
}

/* Discards the datagram at the head of the queue. A pending socket error (sk_err, e.g. an
 * overrun that happened after the peek) makes recv fail without dequeuing: remember it and retry. */
static void consume(nlk_handle *h, int *pending_err) {
  for (int tries = 0; tries < 8; tries++) {
    ssize_t r = recv(h->fd, NULL, 0, MSG_DONTWAIT | MSG_TRUNC);
    if (r >= 0) return;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    *pending_err = errno;
  }
}

/* Reads ready datagrams into h->scratch / h->meta. */
static void drain(nlk_handle *h, size_t *used_io, size_t *count_io) {
  size_t used = *used_io, count = *count_io;
  int consecutive_errors = 0;
  /* Each iteration adds at most two records (a datagram and an error found while consuming it),
   * so h->meta holds MAX_RECORDS + 2. */
  while (count < MAX_RECORDS && used < h->max_batch) {
    if (!grow_scratch(h, used, SCRATCH_MIN_FREE)) {
      add_error(h, &count, -ENOMEM);
      break;
    }
    size_t room = h->scratch_cap - used;
    struct sockaddr_nl sa;
    union {
      char buf[CONTROL_SIZE];
      struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = h->scratch + used, .iov_len = room};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    memset(&sa, 0, sizeof sa);
    msg.msg_name = &sa;
    msg.msg_namelen = sizeof sa;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;

    ssize_t n = recvmsg(h->fd, &msg, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
    if (n < 0) {
      int e = errno;
      if (e == EINTR) continue;
      if (e == EAGAIN || e == EWOULDBLOCK) break;
      /* ENOBUFS (receive queue overrun) and other socket errors are reported once by the
       * kernel; the next recvmsg works again. Two in a row means something is really wrong. */
      add_error(h, &count, -e);
      if (++consecutive_errors >= 2) break;
      continue;
    }
    consecutive_errors = 0;
    if ((size_t)n > room) {
      /* Truncated peek: make room for the whole datagram and peek again. */
      if (n > INT32_MAX || !grow_scratch(h, used, (size_t)n)) {
        int pending = 0;
        consume(h, &pending);
        add_error(h, &count, -ENOMEM);
        if (pending) add_error(h, &count, -pending);
      }
      continue;
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

    int pending = 0;
    consume(h, &pending); /* the peek already copied the data and the cmsgs */
    add_record(h, &count, (int32_t)used, (int32_t)n, sa.nl_pid, sa.nl_groups, group, nsid);
    used += (size_t)n;
    if (pending) add_error(h, &count, -pending);
  }
  *used_io = used;
  *count_io = count;
}

static void deliver(nlk_handle *h, size_t used, size_t count) {
  napi_env env = h->env;
  napi_value buf, ab, meta, argv[3], cb, recv, result;
  void *ab_data = NULL;
  if (!h->cb || napi_get_reference_value(env, h->cb, &cb) != napi_ok || cb == NULL) return;
  if (napi_create_buffer_copy(env, used, h->scratch, NULL, &buf) != napi_ok) return;
  size_t meta_bytes = count * META_STRIDE * sizeof(int32_t);
  if (napi_create_arraybuffer(env, meta_bytes, &ab_data, &ab) != napi_ok) return;
  memcpy(ab_data, h->meta, meta_bytes);
  if (napi_create_typedarray(env, napi_int32_array, count * META_STRIDE, ab, 0, &meta) != napi_ok)
    return;
  argv[0] = buf;
  argv[1] = meta;
  argv[2] = num(env, (double)count);
  /* napi_make_callback needs an object as `this`: the handle object (strongly held while
   * polling), or the global object if that is gone. */
  recv = NULL;
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

static void on_poll(uv_poll_t *p, int status, int events) {
  (void)events;
  nlk_handle *h = p->data;
  if (h->closing || !h->polling) return;

  napi_env env = h->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;

  size_t used = 0, count = 0;
  bool rearm = false, dead = false;
  if (status < 0) {
    /* libuv reports EPOLLERR as an error status (UV_EBADF) and stops the handle. On a netlink
     * socket EPOLLERR means sk_err is set (ENOBUFS after an overrun): fetch and clear it with
     * SO_ERROR, then read on and re-arm the poll. */
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0) {
      add_error(h, &count, status);
      dead = true;
    } else {
      if (soerr) add_error(h, &count, -soerr);
      rearm = true;
    }
  }
  if (!dead) drain(h, &used, &count);
  if (count > 0) deliver(h, used, count);

  /* The callback may have called pause(), close() or start(): look at the flags again. */
  if (!h->closing && h->polling) {
    if (dead) {
      stop_polling(env, h);
    } else if (rearm) {
      int r = uv_poll_start(&h->poll, UV_READABLE, on_poll);
      if (r < 0) stop_polling(env, h);
    }
  }
  napi_close_handle_scope(env, scope);
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

  if (!h->scratch) {
    h->scratch = malloc(SCRATCH_INITIAL);
    if (!h->scratch) return neg_errno(env, ENOMEM);
    h->scratch_cap = SCRATCH_INITIAL;
  }
  if (!h->meta) {
    h->meta = malloc((MAX_RECORDS + 2) * META_STRIDE * sizeof(int32_t));
    if (!h->meta) return neg_errno(env, ENOMEM);
  }
  if (!h->poll_init) {
    uv_loop_t *loop;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) return neg_errno(env, EINVAL);
    int r = uv_poll_init(loop, &h->poll, h->fd);
    if (r < 0) return num(env, r);
    h->poll.data = h;
    h->poll_init = true;
    h->uv_live = true;
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

  if (!h->polling) {
    int r = uv_poll_start(&h->poll, UV_READABLE, on_poll);
    if (r < 0) return num(env, r);
    h->polling = true;
    /* A started handle keeps its JS object alive, like any active libuv handle. */
    napi_reference_ref(env, h->self, NULL);
  }
  return num(env, 0);
}

static napi_value nl_pause(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  HANDLE_OR_THROW(argv[0]);
  stop_polling(env, h);
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
