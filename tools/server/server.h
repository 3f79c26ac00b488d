/* gst-meeting-server: what its parts share (docs/architecture.md has the
 * map). main.c options and start-up, connection.c accepting and upgrading
 * connections within their limits, signaling.c the typed messages of a
 * client, rooms.c rooms, rosters, the bulletin board and liveness, relay.c
 * the media relay, RTCP routing and fault injection.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __MEETING_SERVER_H__
#define __MEETING_SERVER_H__

#include <stdio.h>

#include <libsoup/soup.h>

#include "meeting-board.h"
#include "meetingice.h"
#include "meetingproto.h"
#include "meetingws.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------ options */

extern gchar *opt_listen;
extern gint opt_max_rooms;
extern gint opt_max_participants;
extern gint opt_max_message;
extern gint opt_rate;
extern gint opt_ping_interval;
extern gint opt_ping_timeout;
extern gchar **opt_rooms;
extern gint opt_join_timeout;
extern gint opt_max_connections;
extern gint opt_max_per_address;
extern gboolean opt_verbose;
extern gchar *opt_media_address;
extern gchar *opt_media_ports;
extern gint opt_max_streams;
extern gint opt_max_media_rate;
extern gboolean opt_allow_clear;
extern gchar *opt_tls_cert;
extern gchar *opt_tls_key;
extern gchar *opt_capture;
extern gint opt_stats_interval;
extern gdouble opt_fault_loss;
extern gdouble opt_fault_reorder;
extern gdouble opt_fault_duplicate;
extern gint opt_fault_seed;
extern gchar *opt_fault_log;
extern gint opt_media_timeout;
extern gchar **opt_fault_block_media;

extern GOptionEntry server_entries[];

#define LOG(...)                                                               \
  G_STMT_START                                                                 \
  {                                                                            \
    if (opt_verbose)                                                           \
      g_printerr (__VA_ARGS__);                                                \
  }                                                                            \
  G_STMT_END

/* -------------------------------------------------------------- state */

typedef struct _Room Room;
typedef struct _Conn Conn;
typedef struct _Client Client;

typedef struct
{
  MeetingStreamInfo info; /* from, name: its publisher's */
  Client *owner;
} Stream;

struct _Client
{
  SoupWebsocketConnection *ws;
  Conn *conn; /* its descriptor's record (NULL: gone or a fuzz client) */
  Room *room;
  gchar *id;
  gchar *name;
  gchar *peer;
  gdouble tokens;
  gint64 last_refill;
  gint64 last_seen;
  gboolean closing;
  guint sub_kinds; /* MEETING_KIND_* it receives (0: none) */
  GStrv sub_names; /* only these publishers' (NULL: everybody's) */
  GPtrArray *streams; /* Stream* it publishes */
  /* media */
  MeetingIce *ice;
  gboolean ice_ready;
  GByteArray *held; /* --fault-reorder: the packet held back */
  gdouble media_tokens;
  gint64 media_refill;
  guint64 dropped;
  gint64 joined_at;
  gboolean ice_credentials; /* it sent its `ice`: subject to --media-timeout */
  gboolean ice_connected_once;
  gboolean
      ice_failed; /* our agent reported FAILED (and nothing better since) */
  gboolean media_blocked; /* --fault-block-media */
  const gchar *left_reason; /* of its `left` event; NULL: "closed" */
  gboolean gone; /* its connection went down: leaves at the next reap */
};

struct _Room
{
  gchar *name;
  gchar *instance; /* hex, fresh per meeting instance */
  GPtrArray *clients; /* Client* */
  MeetingBoard *board; /* JSON texts of board messages, in order */
  guint next_id;
  GHashTable *ssrcs; /* SSRC -> Stream* */
};

extern MeetingBoardLimits board_limits; /* from the options */
extern guint media_port_min, media_port_max; /* --media-ports (0: any) */
extern FILE *capture_file;
extern FILE *fault_log;
extern GSocket *black_hole; /* --fault-block-media: where their media goes */
extern guint64 black_hole_packets;
extern GRand *fault_rand;
extern guint64 stat_rx, stat_tx, stat_rx_bytes, stat_tx_bytes, stat_dropped;
extern GHashTable *rooms; /* name -> Room */
extern GHashTable *passcodes; /* room name -> passcode */

/* main.c / options */
void capture (gchar dir, gchar channel, const void *data, gsize len);

/* signaling.c */
Client *client_new (const gchar *peer);
void client_free (Client *c);
void send_text (Client *c, const gchar *text);
void client_close (Client *c, gushort code, const gchar *reason);
void send_error (
    Client *c, const gchar *code, const gchar *message, gboolean fatal);
void broadcast (Room *r, const gchar *text);
void broadcast_others (Room *r, Client *except, const gchar *text);
void stream_free (Stream *st);
void unpublish (Client *c, guint idx);
gboolean take_token (gdouble *tokens, gint64 *refill, gint rate);
void handle_text (
    Client *c, const gchar *room, const gchar *d, gsize n, gboolean is_text);

/* rooms.c */
void room_free (Room *r);
void handle_join (Client *c, const MeetingMsg *m, const gchar *room_name);
void handle_board (Client *c, const MeetingMsg *m);
void leave_room (Client *c);
void rooms_shutdown (void);
void rooms_reap_soon (void);
gboolean print_stats (gpointer data);
gboolean check_dead (gpointer data);

/* relay.c */
gboolean media_start (Client *c);
void media_stop (Client *c);
void handle_ice (Client *c, const MeetingMsg *m);
void handle_candidate (Client *c, const MeetingMsg *m);
void handle_end_of_candidates (Client *c);
void on_media (NiceAgent *agent, guint stream_id, guint component, guint len,
    gchar *data, gpointer user_data);
gboolean black_hole_read (GSocket *sock, GIOCondition cond, gpointer data);

/* connection.c */
guint connections_listen (
    const gchar *host, guint port, GTlsCertificate *cert, GError **error);
void connections_stop (void);
gboolean check_unjoined (gpointer data);

G_END_DECLS

#endif /* __MEETING_SERVER_H__ */
