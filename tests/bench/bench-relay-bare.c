/* bench-relay: the bare relay (a forked child: one UDP socket, recvmmsg,
 * sendmmsg to the others) and its participants, the floor the server is
 * compared with.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "bench-common.h"
#include "bench-relay.h"
#include "meetingrtcp.h"

/* ---------------------------------------------------------- bare relay */

typedef struct
{
  struct sockaddr_in addr;
  guint32 ssrc;
} BarePeer;

/* Everything the child uses is allocated before the fork: it makes system
 * calls only. */
typedef struct
{
  gint fd;
  guint expected, n_peers;
  BarePeer peers[MAX_N];
  BareCounters *shared;
  guint64 rx, tx, dropped;
  guint8 bufs[RELAY_BATCH][PKT_MAX];
  struct sockaddr_in from[RELAY_BATCH];
  struct iovec in_iov[RELAY_BATCH];
  struct mmsghdr in[RELAY_BATCH];
  struct iovec out_iov[RELAY_BATCH];
  struct mmsghdr out[RELAY_OUT];
} BareRelay;

static void
bare_flush (BareRelay *br, guint *n_out)
{
  guint off = 0;

  while (off < *n_out) {
    gint r = sendmmsg (br->fd, br->out + off, *n_out - off, 0);

    if (r < 0) {
      if (errno == EINTR)
        continue;
      br->dropped++; /* the first message failed: skip it */
      off++;
      continue;
    }
    br->tx += (guint)r;
    off += (guint)r;
  }
  *n_out = 0;
}

static gint
bare_peer (BareRelay *br, const struct sockaddr_in *a, guint32 ssrc)
{
  for (guint i = 0; i < br->n_peers; i++)
    if (br->peers[i].addr.sin_port == a->sin_port &&
        br->peers[i].addr.sin_addr.s_addr == a->sin_addr.s_addr)
      return (gint)i;
  /* learns the participants from their first packets */
  if (br->n_peers == br->expected)
    return -1;
  br->peers[br->n_peers].addr = *a;
  br->peers[br->n_peers].ssrc = ssrc;
  return (gint)br->n_peers++;
}

static void G_GNUC_NORETURN
bare_relay_run (BareRelay *br)
{
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGTERM);
  sigprocmask (SIG_UNBLOCK, &set, NULL);
  signal (SIGTERM, SIG_DFL);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  for (;;) {
    guint n_out = 0;
    gint n;

    for (guint i = 0; i < RELAY_BATCH; i++)
      br->in[i].msg_hdr.msg_namelen = sizeof (struct sockaddr_in);
    n = recvmmsg (br->fd, br->in, RELAY_BATCH, MSG_WAITFORONE, NULL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      _exit (1);
    }
    for (gint i = 0; i < n; i++) {
      const guint8 *p = br->bufs[i];
      guint len = br->in[i].msg_len;
      gint from;

      if (len < HDR_LEN || (p[0] >> 6) != 2) {
        br->dropped++;
        continue;
      }
      from = bare_peer (br, &br->from[i], meeting_rd32 (p + 8));
      if (from < 0 || br->peers[from].ssrc != meeting_rd32 (p + 8)) {
        br->dropped++;
        continue;
      }
      br->out_iov[i].iov_base = br->bufs[i];
      br->out_iov[i].iov_len = len;
      for (guint j = 0; j < br->n_peers; j++) {
        struct msghdr *h;

        if ((gint)j == from)
          continue;
        if (n_out == RELAY_OUT)
          bare_flush (br, &n_out);
        h = &br->out[n_out++].msg_hdr;
        h->msg_name = &br->peers[j].addr;
        h->msg_iov = &br->out_iov[i];
      }
    }
    bare_flush (br, &n_out);
    br->rx += (guint)n;
    __atomic_store_n (&br->shared->rx, br->rx, __ATOMIC_RELAXED);
    __atomic_store_n (&br->shared->tx, br->tx, __ATOMIC_RELAXED);
    __atomic_store_n (&br->shared->dropped, br->dropped, __ATOMIC_RELAXED);
  }
}

static gboolean
bind_loopback (gint fd, struct sockaddr_in *addr)
{
  socklen_t alen = sizeof (*addr);

  memset (addr, 0, sizeof (*addr));
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  return bind (fd, (struct sockaddr *)addr, sizeof (*addr)) == 0 &&
      getsockname (fd, (struct sockaddr *)addr, &alen) == 0;
}

static gboolean
bare_start (Relay *r, guint n)
{
  BareRelay *br = g_new0 (BareRelay, 1);
  pid_t pid;

  memset (r, 0, sizeof (*r));
  r->bare = TRUE;
  r->counters = mmap (NULL, sizeof (BareCounters), PROT_READ | PROT_WRITE,
      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  br->fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (r->counters == MAP_FAILED || br->fd < 0 ||
      !bind_loopback (br->fd, &r->addr)) {
    g_printerr ("bare relay: %s\n", g_strerror (errno));
    g_free (br);
    return FALSE;
  }
  memset (r->counters, 0, sizeof (BareCounters));
  br->expected = n;
  br->shared = r->counters;
  for (guint i = 0; i < RELAY_BATCH; i++) {
    br->in_iov[i].iov_base = br->bufs[i];
    br->in_iov[i].iov_len = PKT_MAX;
    br->in[i].msg_hdr.msg_name = &br->from[i];
    br->in[i].msg_hdr.msg_iov = &br->in_iov[i];
    br->in[i].msg_hdr.msg_iovlen = 1;
  }
  for (guint i = 0; i < RELAY_OUT; i++) {
    br->out[i].msg_hdr.msg_namelen = sizeof (struct sockaddr_in);
    br->out[i].msg_hdr.msg_iovlen = 1;
  }
  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  if (pid == 0)
    bare_relay_run (br);
  close (br->fd);
  g_free (br);
  if (pid < 0) {
    g_printerr ("fork: %s\n", g_strerror (errno));
    return FALSE;
  }
  r->pid = pid;
  return TRUE;
}

/* ------------------------------------------ the bare relay's participants */

void
bare_drain (BareSet *b)
{
  guint8 buf[PKT_MAX];

  for (guint i = 0; i < b->n; i++) {
    for (;;) {
      ssize_t len = recv (b->fds[i], buf, sizeof (buf), MSG_DONTWAIT);

      if (len < 0)
        break;
      if (packet_ok (b->senders, b->n, i, buf, (gsize)len))
        b->rx_ok[i]++;
      else
        b->rx_bad[i]++;
    }
  }
}

guint64
bare_rx (BareSet *b, guint64 *bad, guint *empty)
{
  guint64 ok = 0;

  *bad = 0;
  *empty = 0;
  for (guint i = 0; i < b->n; i++) {
    ok += b->rx_ok[i];
    *bad += b->rx_bad[i];
    *empty += b->rx_ok[i] == 0;
  }
  return ok;
}

void
bare_reset_rx (BareSet *b)
{
  memset (b->rx_ok, 0, sizeof (b->rx_ok));
  memset (b->rx_bad, 0, sizeof (b->rx_bad));
}

gboolean
bare_set_start (BareSet *b, guint n, guint payload)
{
  guint64 want = (guint64)(n - 1) * CHECK_ROUNDS * n, ok, bad;
  guint empty;

  memset (b, 0, sizeof (*b));
  b->n = n;
  if (!bare_start (&b->relay, n))
    return FALSE;
  for (guint i = 0; i < n; i++) {
    struct sockaddr_in a;

    sender_init (&b->senders[i], i, payload);
    b->fds[i] = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (b->fds[i] < 0 || !bind_loopback (b->fds[i], &a)) {
      g_printerr ("socket: %s\n", g_strerror (errno));
      return FALSE;
    }
    b->senders[i].fd = b->fds[i];
    b->senders[i].to = b->relay.addr;
  }
  /* one packet each: the relay learns the participants */
  for (guint i = 0; i < n; i++) {
    sender_send (&b->senders[i], 1);
    g_usleep (1000);
  }
  g_usleep (50000);
  bare_drain (b);
  bare_reset_rx (b);
  for (guint k = 0; k < CHECK_ROUNDS; k++) {
    for (guint i = 0; i < n; i++)
      sender_send (&b->senders[i], 1);
    g_usleep (2000);
    bare_drain (b);
  }
  g_usleep (50000);
  bare_drain (b);
  ok = bare_rx (b, &bad, &empty);
  if (ok != want || bad) {
    g_printerr ("bare relay delivery check: %" G_GUINT64_FORMAT
                " of %" G_GUINT64_FORMAT " packets arrived, %" G_GUINT64_FORMAT
                " damaged or unexpected\n",
        ok, want, bad);
    return FALSE;
  }
  return TRUE;
}

gboolean
bare_set_stop (BareSet *b)
{
  gboolean ok = !b->relay.pid || relay_stop (&b->relay);

  for (guint i = 0; i < b->n; i++) {
    if (b->fds[i] > 0)
      close (b->fds[i]);
    sender_clear (&b->senders[i]);
  }
  if (!ok)
    g_printerr ("the bare relay did not stop on SIGTERM\n");
  return ok;
}
