/* bench-relay: what its two files share (bench-relay.c: load, relays,
 * windows and main; bench-relay-meeting.c: the main-loop pump and the
 * participants that join the real server through the protocol module).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __BENCH_RELAY_H__
#define __BENCH_RELAY_H__

#include <netinet/in.h>
#include <sys/socket.h>

#include <glib.h>
#include <gio/gio.h>
#include <libsoup/soup.h>

#include "meetingice.h"

#ifndef MEETING_SERVER
#define MEETING_SERVER "gst-meeting-server"
#endif

#define HDR_LEN 12
#define PKT_MAX 1500
#define PT 96
#define SSRC_BASE 0x5eb00000u
#define SLOTS 64 /* packets prepared per sender; seq % SLOTS picks one */
#define RELAY_BATCH 64 /* bare relay: packets per recvmmsg */
#define RELAY_OUT 1024 /* bare relay: messages per sendmmsg (UIO_MAXIOV) */
#define MAX_N 64
#define CHECK_ROUNDS 20
#define NS 1000000000.0

/* One participant's stream: SLOTS prepared packets with random payloads,
 * sent from fd to `to'.  The packet with sequence number s uses slot
 * s % SLOTS, so a receiver can compare its payload. */
typedef struct
{
  gint fd;
  struct sockaddr_in to;
  guint32 ssrc;
  guint16 seq;
  guint32 ts;
  guint len;
  guint8 *pkts;
  struct iovec iov[SLOTS];
  struct mmsghdr msgs[SLOTS];
  guint64 sent;
} Sender;

typedef struct
{
  guint64 rx, tx, dropped;
} BareCounters;

typedef struct
{
  gboolean bare;
  GPid pid;
  /* the server */
  gint out_fd, err_fd;
  GString *out_buf, *err_text;
  guint port;
  /* the bare relay */
  BareCounters *counters; /* shared with the child */
  struct sockaddr_in addr;
  gint64 next_sample_ns;
} Relay;

typedef struct
{
  gint64 t_ns, cpu_ns, softirq_ns;
  guint64 rx, tx, dropped, offered;
} Sample;

typedef struct _Meeting Meeting;

typedef struct
{
  Meeting *m;
  guint idx;
  SoupWebsocketConnection *ws;
  MeetingIce *ice;
  GSocket *socket; /* of the selected pair */
  gboolean ready, failed;
  guint64 rx_ok, rx_bad;
} Client;

struct _Meeting
{
  guint n;
  Relay server;
  SoupSession *session;
  Client clients[MAX_N];
  Sender senders[MAX_N];
  guint errors;
};

/* the bare relay's participants */
typedef struct
{
  guint n;
  Relay relay;
  gint fds[MAX_N];
  Sender senders[MAX_N];
  guint64 rx_ok[MAX_N], rx_bad[MAX_N];
} BareSet;

/* bench-relay.c */
void sender_init (Sender *s, guint idx, guint payload);
void sender_clear (Sender *s);
gboolean packet_ok (
    const Sender *senders, guint n, guint self, const guint8 *p, gsize len);
void pump (guint ms);
gboolean server_start (Relay *r, const gchar *path);
gboolean relay_stop (Relay *r);
guint sender_send (Sender *s, guint n);

/* bench-relay-bare.c */
void bare_drain (BareSet *b);
guint64 bare_rx (BareSet *b, guint64 *bad, guint *empty);
void bare_reset_rx (BareSet *b);
gboolean bare_set_start (BareSet *b, guint n, guint payload);
gboolean bare_set_stop (BareSet *b);

/* bench-relay-meeting.c */
gboolean meeting_start (
    Meeting *m, guint n, guint payload, const gchar *server_path);
gboolean meeting_check (Meeting *m);
gboolean meeting_stop (Meeting *m);
void meeting_reset_rx (Meeting *m);
guint64 meeting_rx (Meeting *m, guint64 *bad, guint *empty);

#endif /* __BENCH_RELAY_H__ */
