/* The reference for bench/dump-raw.ts: dump the IPv4 routing table over NETLINK_ROUTE the way a
 * libmnl program does (one recvmsg per datagram into a 64 KiB buffer), frame every message and
 * count them. Usage: dump ROUNDS. Prints one line per round: "<messages> <nanoseconds>". */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long dump_once(int fd, unsigned int seq, char *buf, size_t size) {
  struct {
    struct nlmsghdr nh;
    struct rtmsg rt;
  } req;
  memset(&req, 0, sizeof(req));
  req.nh.nlmsg_len = sizeof(req);
  req.nh.nlmsg_type = RTM_GETROUTE;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.nh.nlmsg_seq = seq;
  req.rt.rtm_family = AF_INET;
  struct sockaddr_nl to = {.nl_family = AF_NETLINK};
  if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)) < 0) return -1;
  long count = 0;
  for (;;) {
    ssize_t n = recv(fd, buf, size, 0);
    if (n < 0) return -1;
    for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
      if (nh->nlmsg_seq != seq) continue;
      if (nh->nlmsg_type == NLMSG_DONE) return count;
      if (nh->nlmsg_type == NLMSG_ERROR) return -1;
      count++;
    }
  }
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 1;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    perror("socket");
    return 1;
  }
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
    perror("bind");
    return 1;
  }
  int one = 1;
  setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
  static char buf[65536];
  for (int r = 0; r < rounds; r++) {
    long long t0 = now_ns();
    long count = dump_once(fd, (unsigned int)r + 1, buf, sizeof(buf));
    long long t1 = now_ns();
    if (count < 0) {
      perror("dump");
      return 1;
    }
    printf("%ld %lld\n", count, t1 - t0);
  }
  close(fd);
  return 0;
}
