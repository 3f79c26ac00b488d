/* gst-meeting-server: rooms, rosters and the bulletin board of E2EE
 * meetings, over WebSocket signaling (docs/protocol.md, part 2). It relays
 * key-exchange messages it cannot read and never holds a key.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Media: one libnice ICE agent per participant (RTP and RTCP muxed on one
 * component). RTP from a participant is forwarded, untouched, to every other
 * participant that receives; RTCP feedback (PLI, FIR, NACK) goes to the
 * sender of the stream it names. Payloads are SFrame ciphertext.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <nice/agent.h>

#include "meeting-board.h"
#include "meetingrtcp.h"
#include "meetingws.h"

#define PROTOCOL_VERSION 1

static gchar *opt_listen = NULL;
static gint opt_max_rooms = 100;
static gint opt_max_participants = 50;
static gint opt_max_message = 64 * 1024;
static gint opt_rate = 100;
static gint opt_ping_interval = 5;
static gint opt_ping_timeout = 15;
static gchar **opt_rooms = NULL;
static gint opt_join_timeout = 10;
static gint opt_max_connections = 0; /* 0: from RLIMIT_NOFILE */
static gint opt_max_per_address = 32;
static gboolean opt_verbose = FALSE;
static gchar *opt_media_address = NULL;
static gchar *opt_media_ports = NULL;
static gint opt_max_streams = 8;
static gint opt_max_media_rate = 5000;
static gboolean opt_allow_clear = FALSE;
static gchar *opt_tls_cert = NULL;
static gchar *opt_tls_key = NULL;
static gchar *opt_capture = NULL;
static gint opt_stats_interval = 0;
static gdouble opt_fault_loss = 0.0;
static gdouble opt_fault_reorder = 0.0;
static gdouble opt_fault_duplicate = 0.0;
static gint opt_fault_seed = 1;
static gchar *opt_fault_log = NULL;
static gint opt_media_timeout = 15;
static gchar **opt_fault_block_media = NULL;

static GOptionEntry entries[] = {
  { "listen", 'l', 0, G_OPTION_ARG_STRING, &opt_listen,
      "Address to listen on (port 0 picks a free one); prints "
      "'listening on ws://HOST:PORT' (wss:// with --tls-cert) when ready",
      "HOST:PORT" },
  { "room", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_rooms,
      "A room that needs a passcode (repeatable); other rooms are open",
      "NAME:PASSCODE" },
  { "join-timeout", 0, 0, G_OPTION_ARG_INT, &opt_join_timeout,
      "A connection that has not joined a room this long is closed "
      "(default 10)",
      "S" },
  { "max-connections", 0, 0, G_OPTION_ARG_INT, &opt_max_connections,
      "Connections open at once (default: half the descriptor limit, "
      "RLIMIT_NOFILE)",
      "N" },
  { "max-connections-per-address", 0, 0, G_OPTION_ARG_INT, &opt_max_per_address,
      "Connections open at once from one IP address (default 32)", "N" },
  { "max-rooms", 0, 0, G_OPTION_ARG_INT, &opt_max_rooms,
      "Rooms open at once (default 100)", "N" },
  { "max-participants", 0, 0, G_OPTION_ARG_INT, &opt_max_participants,
      "Participants per room (default 50)", "N" },
  { "max-message", 0, 0, G_OPTION_ARG_INT, &opt_max_message,
      "Largest signaling message in bytes (default 65536)", "BYTES" },
  { "rate", 0, 0, G_OPTION_ARG_INT, &opt_rate,
      "Messages per second a client may send, bursts of twice that "
      "(default 100)",
      "N" },
  { "ping-interval", 0, 0, G_OPTION_ARG_INT, &opt_ping_interval,
      "Seconds between WebSocket pings (default 5)", "S" },
  { "ping-timeout", 0, 0, G_OPTION_ARG_INT, &opt_ping_timeout,
      "A client silent this long is dropped (default 15)", "S" },
  { "media-address", 0, 0, G_OPTION_ARG_STRING, &opt_media_address,
      "Local address of the ICE agents, i.e. where participants send media "
      "(default: the --listen host, or 127.0.0.1 for a wildcard host)",
      "IP" },
  { "media-ports", 0, 0, G_OPTION_ARG_STRING, &opt_media_ports,
      "UDP port range of the ICE agents (default: any)", "MIN:MAX" },
  { "max-streams", 0, 0, G_OPTION_ARG_INT, &opt_max_streams,
      "Streams a participant may publish (default 8)", "N" },
  { "max-media-rate", 0, 0, G_OPTION_ARG_INT, &opt_max_media_rate,
      "RTP packets per second a participant may send, bursts of twice that "
      "(default 5000); the rest is dropped, so that one sender cannot hold "
      "the relay",
      "N" },
  { "allow-clear", 0, 0, G_OPTION_ARG_NONE, &opt_allow_clear,
      "Accept streams announced without end-to-end encryption (refused by "
      "default)",
      NULL },
  { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_cert,
      "PEM certificate (chain): serve wss:// instead of ws://", "FILE" },
  { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_key,
      "PEM private key of --tls-cert", "FILE" },
  { "capture", 0, 0, G_OPTION_ARG_FILENAME, &opt_capture,
      "Write every signaling message and media packet the server receives "
      "and sends to FILE (format in docs/server.md)",
      "FILE" },
  { "stats-interval", 0, 0, G_OPTION_ARG_INT, &opt_stats_interval,
      "Print relay counters to stdout every S seconds (0: never)", "S" },
  { "fault-loss", 0, 0, G_OPTION_ARG_DOUBLE, &opt_fault_loss,
      "Testing: drop this fraction of forwarded RTP packets", "P" },
  { "fault-reorder", 0, 0, G_OPTION_ARG_DOUBLE, &opt_fault_reorder,
      "Testing: hold back this fraction of forwarded RTP packets and send "
      "each after the next one",
      "P" },
  { "fault-duplicate", 0, 0, G_OPTION_ARG_DOUBLE, &opt_fault_duplicate,
      "Testing: send this fraction of forwarded RTP packets twice", "P" },
  { "fault-seed", 0, 0, G_OPTION_ARG_INT, &opt_fault_seed,
      "Testing: seed of the fault generator (default 1)", "N" },
  { "fault-log", 0, 0, G_OPTION_ARG_FILENAME, &opt_fault_log,
      "Testing: write one line per injected fault to FILE", "FILE" },
  { "media-timeout", 0, 0, G_OPTION_ARG_INT, &opt_media_timeout,
      "A participant that sent its ICE credentials and whose ICE is not "
      "connected this long after its join gets the fatal error "
      "media-failed (default 15)",
      "S" },
  { "fault-block-media", 0, 0, G_OPTION_ARG_STRING_ARRAY,
      &opt_fault_block_media,
      "Testing: never complete ICE with participants of this display name "
      "(repeatable): every packet between them and the server is lost, STUN "
      "included, as if a firewall blocked their UDP",
      "NAME" },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Log every event",
      NULL },
  { NULL }
};

typedef struct _Room Room;

typedef struct
{
  gchar *id; /* the publisher's name for it, e.g. audio_0 */
  gchar *kind; /* audio, video or screen */
  guint32 ssrc;
  gchar *caps;
  gboolean e2ee;
  guint kind_bit; /* KIND_* */
  gpointer owner; /* the Client publishing it */
} Stream;

#define KIND_AUDIO 1u
#define KIND_VIDEO 2u
#define KIND_SCREEN 4u
#define KIND_ALL (KIND_AUDIO | KIND_VIDEO | KIND_SCREEN)

#define MAX_CANDIDATES 32
#define MAX_CAPS 2048

typedef struct _Conn Conn;

typedef struct
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
  guint sub_kinds; /* KIND_* it receives (0: none) */
  GStrv sub_names; /* only these publishers' (NULL: everybody's) */
  GPtrArray *streams; /* Stream* it publishes */
  /* media */
  NiceAgent *agent;
  guint stream_id;
  gboolean ice_ready;
  guint n_remote_candidates;
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
} Client;

/* An open descriptor of a client connection (see "connections") */
struct _Conn
{
  GSocket *sock; /* weak: the descriptor is open while it lives */
  gchar *key; /* remote IP:port */
  gchar *address; /* remote IP */
  gint64 since;
  gboolean joined;
  gboolean shut;
  Client *client; /* once upgraded */
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

static MeetingBoardLimits board_limits; /* from the options */
static FILE *capture_file;
static FILE *fault_log;
static GSocket *black_hole; /* --fault-block-media: where their media goes */
static guint64 black_hole_packets;
static GRand *fault_rand;
static guint64 stat_rx, stat_tx, stat_rx_bytes, stat_tx_bytes, stat_dropped;

static GHashTable *rooms; /* name -> Room */
static GHashTable *passcodes; /* room name -> passcode */
static GMainLoop *loop;

#define LOG(...)                                                               \
  G_STMT_START                                                                 \
  {                                                                            \
    if (opt_verbose)                                                           \
      g_printerr (__VA_ARGS__);                                                \
  }                                                                            \
  G_STMT_END

static void
room_free (Room *r)
{
  g_hash_table_unref (r->ssrcs);
  g_ptr_array_unref (r->clients);
  meeting_board_free (r->board);
  g_free (r->instance);
  g_free (r->name);
  g_free (r);
}

/* --capture: "GSTMCAP1", then per record: direction ('<' received, '>'
 * sent), channel ('s' signaling, 'm' media), 2 bytes zero, 4 bytes length
 * (big endian), the bytes. */
static void
capture (gchar dir, gchar channel, const void *data, gsize len)
{
  guint8 h[8] = { (guint8)dir, (guint8)channel, 0, 0 };

  if (!capture_file)
    return;
  h[4] = (guint8)(len >> 24);
  h[5] = (guint8)(len >> 16);
  h[6] = (guint8)(len >> 8);
  h[7] = (guint8)len;
  fwrite (h, 1, sizeof (h), capture_file);
  fwrite (data, 1, len, capture_file);
}

static const gchar *
get_str (JsonObject *o, const gchar *name)
{
  JsonNode *n = json_object_get_member (o, name);

  if (!n || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static gboolean
get_int (JsonObject *o, const gchar *name, gint64 *v)
{
  JsonNode *n = json_object_get_member (o, name);

  if (!n || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *v = json_node_get_int (n);
  return TRUE;
}

static gboolean
get_bool (JsonObject *o, const gchar *name, gboolean dflt)
{
  JsonNode *n = json_object_get_member (o, name);

  if (!n || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return dflt;
  return json_node_get_boolean (n);
}

static gchar *
to_json (JsonBuilder *b)
{
  JsonGenerator *g = json_generator_new ();
  JsonNode *n = json_builder_get_root (b);
  gchar *s;

  json_generator_set_root (g, n);
  s = json_generator_to_data (g, NULL);
  json_node_unref (n);
  g_object_unref (g);
  g_object_unref (b);
  return s;
}

static void
send_text (Client *c, const gchar *text)
{
  if (c->closing)
    return;
  capture ('>', 's', text, strlen (text));
  if (c->ws &&
      soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (c->ws, text);
}

static void
client_close (Client *c, gushort code, const gchar *reason)
{
  if (c->closing)
    return;
  c->closing = TRUE;
  if (c->ws)
    soup_websocket_connection_close (c->ws, code, reason);
}

static void
send_error (Client *c, const gchar *code, const gchar *message, gboolean fatal)
{
  JsonBuilder *b = json_builder_new ();
  gchar *s;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "error");
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  s = to_json (b);
  g_printerr ("client %s: %s: %s\n", c->peer, code, message);
  send_text (c, s);
  g_free (s);
  if (fatal)
    client_close (c, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, code);
}

static void
broadcast (Room *r, const gchar *text)
{
  for (guint i = 0; i < r->clients->len; i++)
    send_text (r->clients->pdata[i], text);
}

static gchar *
event (const gchar *type, Client *c, const gchar *reason)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, c->id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, c->name);
  if (reason) {
    json_builder_set_member_name (b, "reason");
    json_builder_add_string_value (b, reason);
  }
  json_builder_end_object (b);
  return to_json (b);
}

/* --------------------------------------------------------------- media */

static void
media_send (Client *to, const guint8 *buf, gsize len)
{
  if (nice_agent_send (to->agent, to->stream_id, 1, len, (const gchar *)buf) <
      0) {
    to->dropped++;
    stat_dropped++;
    return;
  }
  stat_tx++;
  stat_tx_bytes += len;
  capture ('>', 'm', buf, len);
}

static void
log_fault (const gchar *what, Client *to, const guint8 *buf)
{
  if (fault_log)
    fprintf (fault_log, "%s to=%s ssrc=%u seq=%u\n", what, to->id,
        meeting_rd32 (buf + 8), (guint)(buf[2] << 8 | buf[3]));
}

/* One forwarded RTP packet, through the --fault-* generator when set. */
static void
forward_rtp (Client *to, const guint8 *buf, gsize len)
{
  if (fault_rand) {
    gdouble x = g_rand_double (fault_rand);
    if (x < opt_fault_loss) {
      log_fault ("lost", to, buf);
      return;
    }
    x -= opt_fault_loss;
    if (x < opt_fault_reorder && !to->held) {
      log_fault ("held", to, buf);
      to->held = g_byte_array_sized_new (len);
      g_byte_array_append (to->held, buf, len);
      return;
    }
    x -= opt_fault_reorder;
    media_send (to, buf, len);
    if (x < opt_fault_duplicate) {
      log_fault ("duplicated", to, buf);
      media_send (to, buf, len);
    }
    if (to->held) {
      media_send (to, to->held->data, to->held->len);
      g_clear_pointer (&to->held, g_byte_array_unref);
    }
    return;
  }
  media_send (to, buf, len);
}

static void
drop_packet (Client *c, const gchar *why)
{
  c->dropped++;
  stat_dropped++;
  /* the first and then every 1000th, not a log line per packet */
  if (c->dropped == 1 || c->dropped % 1000 == 0)
    g_printerr ("client %s (%s): dropped media packet: %s (%" G_GUINT64_FORMAT
                " dropped)\n",
        c->peer, c->id ? c->id : "-", why, c->dropped);
}

/* Does o receive st? (ICE up, subscribed to its kind and publisher) */
static inline gboolean
wants (Client *o, Stream *st)
{
  return o->ice_ready && (o->sub_kinds & st->kind_bit) &&
      (!o->sub_names ||
          g_strv_contains (
              (const gchar *const *)o->sub_names, ((Client *)st->owner)->name));
}

/* Routes a compound RTCP packet: feedback (RTPFB 205, PSFB 206) goes to the
 * publisher of the media SSRC it names; sender reports go to the receivers.
 * Everything else (RR, SDES, BYE, APP) ends here: receivers' reports about
 * the relay leg mean nothing to the sender. */
static void
route_rtcp (Client *c, const guint8 *buf, gsize len)
{
  Room *r = c->room;
  GPtrArray *to = g_ptr_array_new ();
  Stream *sr = NULL;
  MeetingRtcp p;
  gsize off = 0;
  gboolean malformed;
  guint32 targets[16];

  while (meeting_rtcp_next (buf, len, &off, &p, &malformed)) {
    guint n =
        meeting_rtcp_feedback_targets (&p, targets, G_N_ELEMENTS (targets));
    for (guint i = 0; i < n; i++) {
      Stream *st =
          g_hash_table_lookup (r->ssrcs, GUINT_TO_POINTER (targets[i]));
      Client *owner = st ? st->owner : NULL;
      if (owner && owner != c && owner->ice_ready &&
          !g_ptr_array_find (to, owner, NULL))
        g_ptr_array_add (to, owner);
    }
    if (p.pt == MEETING_RTCP_SR && p.len >= 8) {
      Stream *st = g_hash_table_lookup (
          r->ssrcs, GUINT_TO_POINTER (meeting_rd32 (p.h + 4)));
      if (st && st->owner == c)
        sr = st;
    }
  }
  if (malformed) {
    drop_packet (c, "malformed RTCP");
    g_ptr_array_unref (to);
    return;
  }
  if (sr) {
    for (guint i = 0; i < r->clients->len; i++) {
      Client *o = r->clients->pdata[i];
      if (o != c && wants (o, sr) && !g_ptr_array_find (to, o, NULL))
        g_ptr_array_add (to, o);
    }
  }
  for (guint i = 0; i < to->len; i++)
    media_send (to->pdata[i], buf, len);
  g_ptr_array_unref (to);
}

static void
on_media (NiceAgent *agent, guint stream_id, guint component, guint len,
    gchar *data, gpointer user_data)
{
  Client *c = user_data;
  const guint8 *buf = (const guint8 *)data;
  Room *r = c->room;
  Stream *st;

  stat_rx++;
  stat_rx_bytes += len;
  capture ('<', 'm', buf, len);
  if (!r) {
    drop_packet (c, "not in a room");
    return;
  }
  if (len < 8 || (buf[0] >> 6) != 2) {
    drop_packet (c, "not RTP or RTCP");
    return;
  }
  if (meeting_is_rtcp (buf, len)) { /* RFC 5761 demultiplexing */
    route_rtcp (c, buf, len);
    return;
  }
  if (len < 12) {
    drop_packet (c, "short RTP");
    return;
  }
  {
    gint64 now = g_get_monotonic_time ();
    c->media_tokens +=
        (now - c->media_refill) * (gdouble)opt_max_media_rate / G_USEC_PER_SEC;
    c->media_refill = now;
    if (c->media_tokens > 2.0 * opt_max_media_rate)
      c->media_tokens = 2.0 * opt_max_media_rate;
    if (c->media_tokens < 1.0) {
      drop_packet (c, "over --max-media-rate");
      return;
    }
    c->media_tokens -= 1.0;
  }
  st =
      g_hash_table_lookup (r->ssrcs, GUINT_TO_POINTER (meeting_rd32 (buf + 8)));
  if (!st || st->owner != c) {
    drop_packet (
        c, st ? "SSRC of another participant" : "SSRC of no announced stream");
    return;
  }
  for (guint i = 0; i < r->clients->len; i++) {
    Client *o = r->clients->pdata[i];
    if (o != c && wants (o, st))
      forward_rtp (o, buf, len);
  }
}

static void
send_ice_message (Client *c, const gchar *type, const gchar *k1,
    const gchar *v1, const gchar *k2, const gchar *v2)
{
  JsonBuilder *b = json_builder_new ();
  gchar *s;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  if (k1) {
    json_builder_set_member_name (b, k1);
    json_builder_add_string_value (b, v1);
  }
  if (k2) {
    json_builder_set_member_name (b, k2);
    json_builder_add_string_value (b, v2);
  }
  json_builder_end_object (b);
  s = to_json (b);
  send_text (c, s);
  g_free (s);
}

static void
on_new_candidate (NiceAgent *agent, NiceCandidate *cand, gpointer user_data)
{
  Client *c = user_data;
  gchar *sdp;

  if (c->media_blocked)
    return; /* its only candidate is the black hole */
  sdp = nice_agent_generate_local_candidate_sdp (agent, cand);
  send_ice_message (c, "candidate", "candidate", sdp, NULL, NULL);
  g_free (sdp);
}

static void
on_gathering_done (NiceAgent *agent, guint stream_id, gpointer user_data)
{
  Client *c = user_data;

  if (c->media_blocked && black_hole) {
    /* --fault-block-media: a candidate that swallows everything; the agent
     * never learns the client's candidates, so nothing gets through either
     * way and the client's checks all time out, as behind a firewall */
    GSocketAddress *a = g_socket_get_local_address (black_hole, NULL);
    gchar *ip = a
        ? g_inet_address_to_string (
              g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (a)))
        : NULL;
    gchar *line = g_strdup_printf (
        "a=candidate:9 1 UDP 2013266431 %s %u typ host", ip ? ip : "0.0.0.0",
        a ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (a)) : 9);
    send_ice_message (c, "candidate", "candidate", line, NULL, NULL);
    g_free (line);
    g_free (ip);
    g_clear_object (&a);
  }
  send_ice_message (c, "end-of-candidates", NULL, NULL, NULL, NULL);
}

static void
on_component_state (NiceAgent *agent, guint stream_id, guint component,
    guint state, gpointer user_data)
{
  Client *c = user_data;

  c->ice_ready = state == NICE_COMPONENT_STATE_CONNECTED ||
      state == NICE_COMPONENT_STATE_READY;
  if (c->ice_ready) {
    c->ice_connected_once = TRUE;
    c->ice_failed = FALSE;
  }
  LOG ("client %s: ICE %s\n", c->id, nice_component_state_to_string (state));
  /* acted on by check_media (), not from inside libnice's callback */
  if (state == NICE_COMPONENT_STATE_FAILED)
    c->ice_failed = TRUE;
}

static gboolean
media_start (Client *c)
{
  NiceAddress addr;
  gchar *ufrag = NULL, *pwd = NULL;

  c->agent = nice_agent_new_full (
      NULL, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);
  g_object_set (c->agent, "controlling-mode", FALSE, "ice-tcp", FALSE, "upnp",
      FALSE, NULL);
  nice_address_init (&addr);
  if (!nice_address_set_from_string (&addr, opt_media_address) ||
      !nice_agent_add_local_address (c->agent, &addr))
    return FALSE;
  c->stream_id = nice_agent_add_stream (c->agent, 1);
  if (!c->stream_id)
    return FALSE;
  if (opt_media_ports) {
    guint lo = 0, hi = 0;
    if (sscanf (opt_media_ports, "%u:%u", &lo, &hi) == 2)
      nice_agent_set_port_range (c->agent, c->stream_id, 1, lo, hi);
  }
  g_signal_connect (
      c->agent, "new-candidate-full", G_CALLBACK (on_new_candidate), c);
  g_signal_connect (
      c->agent, "candidate-gathering-done", G_CALLBACK (on_gathering_done), c);
  g_signal_connect (
      c->agent, "component-state-changed", G_CALLBACK (on_component_state), c);
  nice_agent_attach_recv (c->agent, c->stream_id, 1, NULL, on_media, c);
  if (!nice_agent_get_local_credentials (c->agent, c->stream_id, &ufrag, &pwd))
    return FALSE;
  send_ice_message (c, "ice", "ufrag", ufrag, "pwd", pwd);
  g_free (ufrag);
  g_free (pwd);
  return nice_agent_gather_candidates (c->agent, c->stream_id);
}

static void
media_stop (Client *c)
{
  if (!c->agent)
    return;
  g_signal_handlers_disconnect_by_data (c->agent, c);
  nice_agent_attach_recv (c->agent, c->stream_id, 1, NULL, NULL, NULL);
  nice_agent_remove_stream (c->agent, c->stream_id);
  g_clear_object (&c->agent);
  g_clear_pointer (&c->held, g_byte_array_unref);
  c->ice_ready = FALSE;
}

static void
handle_ice (Client *c, JsonObject *o)
{
  const gchar *ufrag = get_str (o, "ufrag"), *pwd = get_str (o, "pwd");

  if (!ufrag || !pwd || strlen (ufrag) < 4 || strlen (ufrag) > 256 ||
      strlen (pwd) < 22 || strlen (pwd) > 256) {
    send_error (c, "bad-request",
        "ice needs ufrag (4-256 chars) and pwd (22-256 chars)", FALSE);
    return;
  }
  if (!nice_agent_set_remote_credentials (c->agent, c->stream_id, ufrag, pwd))
    send_error (c, "bad-request", "ICE credentials refused", FALSE);
  else
    c->ice_credentials = TRUE;
}

static void
handle_candidate (Client *c, JsonObject *o)
{
  const gchar *line = get_str (o, "candidate");
  NiceCandidate *cand;
  GSList *l;

  if (!line || strlen (line) > 512) {
    send_error (c, "bad-request", "candidate needs a candidate line", FALSE);
    return;
  }
  if (c->n_remote_candidates >= MAX_CANDIDATES) {
    send_error (c, "bad-request", "too many candidates", FALSE);
    return;
  }
  cand = nice_agent_parse_remote_candidate_sdp (c->agent, c->stream_id, line);
  if (!cand || cand->component_id != 1) {
    if (cand)
      nice_candidate_free (cand);
    send_error (c, "bad-request", "unparsable candidate", FALSE);
    return;
  }
  c->n_remote_candidates++;
  if (c->media_blocked) {
    nice_candidate_free (cand); /* --fault-block-media: never reached */
    return;
  }
  l = g_slist_append (NULL, cand);
  if (nice_agent_set_remote_candidates (c->agent, c->stream_id, 1, l) < 1)
    send_error (c, "bad-request", "candidate refused", FALSE);
  g_slist_free_full (l, (GDestroyNotify)nice_candidate_free);
}

/* ------------------------------------------------------------- streams */

static void
stream_free (Stream *st)
{
  g_free (st->id);
  g_free (st->kind);
  g_free (st->caps);
  g_free (st);
}

static void
add_stream_members (JsonBuilder *b, Client *c, Stream *st)
{
  json_builder_set_member_name (b, "from");
  json_builder_add_string_value (b, c->id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, c->name);
  json_builder_set_member_name (b, "stream");
  json_builder_add_string_value (b, st->id);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, st->kind);
  json_builder_set_member_name (b, "ssrc");
  json_builder_add_int_value (b, st->ssrc);
  json_builder_set_member_name (b, "caps");
  json_builder_add_string_value (b, st->caps);
  json_builder_set_member_name (b, "e2ee");
  json_builder_add_boolean_value (b, st->e2ee);
}

static gchar *
stream_event (const gchar *type, Client *c, Stream *st)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  add_stream_members (b, c, st);
  json_builder_end_object (b);
  return to_json (b);
}

static void
broadcast_others (Room *r, Client *except, const gchar *text)
{
  for (guint i = 0; i < r->clients->len; i++)
    if (r->clients->pdata[i] != except)
      send_text (r->clients->pdata[i], text);
}

static gboolean
valid_token (const gchar *s, gsize max)
{
  gsize n = s ? strlen (s) : 0;

  if (n == 0 || n > max)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '_' && *s != '-')
      return FALSE;
  return TRUE;
}

static void
handle_publish (Client *c, JsonObject *o)
{
  Room *r = c->room;
  const gchar *id = get_str (o, "stream"), *kind = get_str (o, "kind");
  const gchar *caps = get_str (o, "caps");
  gboolean e2ee = get_bool (o, "e2ee", FALSE);
  gint64 ssrc;
  Stream *st;
  gchar *s;

  if (!valid_token (id, 64) || !kind ||
      !(g_str_equal (kind, "audio") || g_str_equal (kind, "video") ||
          g_str_equal (kind, "screen")) ||
      !get_int (o, "ssrc", &ssrc) || ssrc < 0 || ssrc > G_MAXUINT32 || !caps ||
      strlen (caps) > MAX_CAPS ||
      !g_str_has_prefix (caps, "application/x-rtp")) {
    send_error (c, "bad-request",
        "publish needs stream (1-64 of [A-Za-z0-9_-]), kind "
        "(audio|video|screen), ssrc (uint32), caps (application/x-rtp...) and "
        "e2ee",
        FALSE);
    return;
  }
  if (!e2ee && !opt_allow_clear) {
    send_error (c, "e2ee-required",
        "this server relays only end-to-end encrypted streams", FALSE);
    return;
  }
  for (guint i = 0; i < c->streams->len; i++)
    if (g_str_equal (((Stream *)c->streams->pdata[i])->id, id)) {
      send_error (c, "bad-request", "stream already published", FALSE);
      return;
    }
  if ((gint)c->streams->len >= opt_max_streams) {
    send_error (c, "too-many-streams", "--max-streams reached", FALSE);
    return;
  }
  if (g_hash_table_contains (r->ssrcs, GUINT_TO_POINTER ((guint32)ssrc))) {
    send_error (c, "ssrc-taken",
        "another stream of this meeting has this SSRC; pick another", FALSE);
    return;
  }
  st = g_new0 (Stream, 1);
  st->id = g_strdup (id);
  st->kind = g_strdup (kind);
  st->ssrc = (guint32)ssrc;
  st->caps = g_strdup (caps);
  st->e2ee = e2ee;
  st->kind_bit = g_str_equal (kind, "audio") ? KIND_AUDIO
      : g_str_equal (kind, "video")          ? KIND_VIDEO
                                             : KIND_SCREEN;
  st->owner = c;
  g_ptr_array_add (c->streams, st);
  g_hash_table_insert (r->ssrcs, GUINT_TO_POINTER (st->ssrc), st);
  s = stream_event ("stream", c, st);
  broadcast_others (r, c, s);
  g_free (s);
  /* the publisher may send now: its packets are forwarded from here on */
  s = stream_event ("published", c, st);
  send_text (c, s);
  g_free (s);
  LOG ("room %s: %s publishes %s (%s, ssrc %u)\n", r->name, c->id, id, kind,
      st->ssrc);
}

static void
unpublish (Client *c, guint idx)
{
  Stream *st = c->streams->pdata[idx];
  gchar *s = stream_event ("stream-removed", c, st);

  g_hash_table_remove (c->room->ssrcs, GUINT_TO_POINTER (st->ssrc));
  broadcast_others (c->room, c, s);
  g_free (s);
  g_ptr_array_remove_index (c->streams, idx);
}

static void
handle_unpublish (Client *c, JsonObject *o)
{
  const gchar *id = get_str (o, "stream");

  for (guint i = 0; id && i < c->streams->len; i++)
    if (g_str_equal (((Stream *)c->streams->pdata[i])->id, id)) {
      unpublish (c, i);
      return;
    }
  send_error (c, "bad-request", "no such stream", FALSE);
}

/* {"type":"subscribe","kinds":[...],"names":[...]}: which streams of the
 * others this client receives; a missing member means all. */
static void
handle_subscribe (Client *c, JsonObject *o)
{
  JsonNode *kn = json_object_get_member (o, "kinds");
  JsonNode *nn = json_object_get_member (o, "names");
  guint kinds = KIND_ALL;
  GPtrArray *names = NULL;

  if ((kn && !JSON_NODE_HOLDS_ARRAY (kn)) ||
      (nn && !JSON_NODE_HOLDS_ARRAY (nn)))
    goto bad;
  if (kn) {
    JsonArray *a = json_node_get_array (kn);
    kinds = 0;
    for (guint i = 0; i < json_array_get_length (a); i++) {
      JsonNode *e = json_array_get_element (a, i);
      const gchar *k = JSON_NODE_HOLDS_VALUE (e) &&
              json_node_get_value_type (e) == G_TYPE_STRING
          ? json_node_get_string (e)
          : NULL;
      if (!g_strcmp0 (k, "audio"))
        kinds |= KIND_AUDIO;
      else if (!g_strcmp0 (k, "video"))
        kinds |= KIND_VIDEO;
      else if (!g_strcmp0 (k, "screen"))
        kinds |= KIND_SCREEN;
      else
        goto bad;
    }
  }
  if (nn) {
    JsonArray *a = json_node_get_array (nn);
    if (json_array_get_length (a) > 64)
      goto bad;
    names = g_ptr_array_new_with_free_func (g_free);
    for (guint i = 0; i < json_array_get_length (a); i++) {
      JsonNode *e = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_VALUE (e) ||
          json_node_get_value_type (e) != G_TYPE_STRING ||
          strlen (json_node_get_string (e)) > 128)
        goto bad;
      g_ptr_array_add (names, g_strdup (json_node_get_string (e)));
    }
    g_ptr_array_add (names, NULL);
  }
  c->sub_kinds = kinds;
  g_strfreev (c->sub_names);
  c->sub_names = names ? (GStrv)g_ptr_array_free (names, FALSE) : NULL;
  return;
bad:
  if (names)
    g_ptr_array_unref (names);
  send_error (c, "bad-request",
      "subscribe takes kinds (audio, video, screen) and names (up to 64 "
      "strings), both optional arrays",
      FALSE);
}

/* ------------------------------------------------------------- board */

/* One line per room (meeting-board.h), after the "stats" line. */
static void
print_board_stats (void)
{
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, rooms);
  while (g_hash_table_iter_next (&it, NULL, &v))
    meeting_board_print_stats (((Room *)v)->board, ((Room *)v)->name);
}

static void
send_board_entry (guint64 seq, const gchar *author, const gchar *slot,
    const gchar *text, gsize len, gpointer user_data)
{
  send_text (user_data, text);
}

static gboolean
print_stats (gpointer data)
{
  g_print ("stats rx=%" G_GUINT64_FORMAT " tx=%" G_GUINT64_FORMAT
           " rx_bytes=%" G_GUINT64_FORMAT " tx_bytes=%" G_GUINT64_FORMAT
           " dropped=%" G_GUINT64_FORMAT "\n",
      stat_rx, stat_tx, stat_rx_bytes, stat_tx_bytes, stat_dropped);
  print_board_stats ();
  fflush (stdout);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------ handlers */

static void
handle_join (Client *c, JsonObject *o, const gchar *room_name)
{
  const gchar *name = get_str (o, "name");
  const gchar *pass = get_str (o, "passcode");
  const gchar *need = g_hash_table_lookup (passcodes, room_name);
  Room *r = g_hash_table_lookup (rooms, room_name);
  JsonBuilder *b;
  gchar *s;

  if (c->room) {
    send_error (c, "already-joined", "join was sent twice", FALSE);
    return;
  }
  if (!name || !*name || strlen (name) > 128) {
    send_error (c, "bad-request", "join needs a name of 1 to 128 bytes", FALSE);
    return;
  }
  if (need && g_strcmp0 (need, pass) != 0) {
    send_error (c, "forbidden", "wrong passcode", TRUE);
    return;
  }
  if (!r) {
    guint8 inst[16];
    GString *hex = g_string_new (NULL);
    if ((gint)g_hash_table_size (rooms) >= opt_max_rooms) {
      send_error (c, "full", "too many rooms", TRUE);
      return;
    }
    r = g_new0 (Room, 1);
    r->name = g_strdup (room_name);
    r->clients = g_ptr_array_new ();
    r->board = meeting_board_new (&board_limits);
    r->ssrcs = g_hash_table_new (NULL, NULL);
    for (guint i = 0; i < sizeof (inst); i++)
      g_string_append_printf (hex, "%02x", g_random_int_range (0, 256));
    r->instance = g_string_free (hex, FALSE);
    g_hash_table_insert (rooms, r->name, r);
    LOG ("room %s: new instance %s\n", r->name, r->instance);
  }
  if ((gint)r->clients->len >= opt_max_participants) {
    send_error (c, "full", "the room is full", TRUE);
    return;
  }
  c->room = r;
  c->name = g_strdup (name);
  c->id = g_strdup_printf ("p%u", ++r->next_id);
  c->sub_kinds = get_bool (o, "receive", TRUE) ? KIND_ALL : 0;
  c->joined_at = g_get_monotonic_time ();
  c->media_blocked = opt_fault_block_media &&
      g_strv_contains ((const gchar *const *)opt_fault_block_media, name);

  /* welcome: who we are, the instance, who is here */
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "welcome");
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, PROTOCOL_VERSION);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, c->id);
  json_builder_set_member_name (b, "room");
  json_builder_add_string_value (b, r->name);
  json_builder_set_member_name (b, "instance");
  json_builder_add_string_value (b, r->instance);
  json_builder_set_member_name (b, "roster");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->clients->len; i++) {
    Client *o2 = r->clients->pdata[i];
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, o2->id);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, o2->name);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "streams");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->clients->len; i++) {
    Client *o2 = r->clients->pdata[i];
    for (guint j = 0; j < o2->streams->len; j++) {
      json_builder_begin_object (b);
      add_stream_members (b, o2, o2->streams->pdata[j]);
      json_builder_end_object (b);
    }
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  s = to_json (b);
  send_text (c, s);
  g_free (s);

  /* the board's history, in order */
  meeting_board_foreach (r->board, send_board_entry, c);

  s = event ("joined", c, NULL);
  broadcast (r, s);
  g_free (s);
  g_ptr_array_add (r->clients, c);
  LOG ("room %s: %s (%s) joined from %s\n", r->name, c->id, c->name, c->peer);
  if (!media_start (c))
    send_error (c, "media-unavailable",
        "the server could not open a media port; signaling only", FALSE);
}

static void
handle_board (Client *c, JsonObject *o)
{
  const gchar *text = NULL, *why = NULL;
  const gchar *code =
      meeting_board_handle_post (c->room->board, c->id, o, &text, &why);

  if (code)
    send_error (c, code, why, FALSE);
  else
    broadcast (c->room, text);
}

static void
leave_room (Client *c)
{
  Room *r = c->room;
  gchar *s;

  if (!r)
    return;
  media_stop (c);
  while (c->streams->len)
    unpublish (c, c->streams->len - 1);
  g_ptr_array_remove (r->clients, c);
  meeting_board_author_left (r->board, c->id);
  c->room = NULL;
  LOG ("room %s: %s left\n", r->name, c->id);
  if (r->clients->len == 0) {
    /* the meeting instance ends with its last participant: the board and
     * the instance are forgotten */
    g_hash_table_remove (rooms, r->name);
    return;
  }
  s = event ("left", c, c->left_reason ? c->left_reason : "closed");
  broadcast (r, s);
  g_free (s);
}

static gboolean
rate_ok (Client *c)
{
  gint64 now = g_get_monotonic_time ();

  c->tokens += (now - c->last_refill) * (gdouble)opt_rate / G_USEC_PER_SEC;
  c->last_refill = now;
  if (c->tokens > 2.0 * opt_rate)
    c->tokens = 2.0 * opt_rate;
  if (c->tokens < 1.0)
    return FALSE;
  c->tokens -= 1.0;
  return TRUE;
}

/* One signaling message of a client (also the fuzz target's entry). */
static void
handle_text (
    Client *c, const gchar *room, const gchar *d, gsize n, gboolean is_text)
{
  JsonParser *p;
  JsonNode *root;
  JsonObject *o;
  const gchar *t;
  GError *err = NULL;

  c->last_seen = g_get_monotonic_time ();
  capture ('<', 's', d, n);
  if (c->closing)
    return;
  /* libsoup 3.2 bounds frames only: bound whole messages here */
  if (n > (gsize)opt_max_message) {
    send_error (c, "too-big", "message over the size limit", TRUE);
    return;
  }
  if (!rate_ok (c)) {
    send_error (c, "rate-limited", "too many messages", TRUE);
    return;
  }
  if (!is_text) {
    send_error (c, "bad-request", "messages are JSON text", FALSE);
    return;
  }
  if (n == 0 || !d) {
    send_error (c, "bad-request", "empty message", FALSE);
    return;
  }
  p = json_parser_new ();
  if (!json_parser_load_from_data (p, d, n, &err)) {
    send_error (c, "bad-request", err->message, FALSE);
    g_error_free (err);
    g_object_unref (p);
    return;
  }
  root = json_parser_get_root (p);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root) ||
      !(t = get_str (json_node_get_object (root), "type"))) {
    send_error (c, "bad-request", "a message is an object with a type", FALSE);
    g_object_unref (p);
    return;
  }
  o = json_node_get_object (root);
  if (g_str_equal (t, "join")) {
    handle_join (c, o, room);
  } else if (!c->room) {
    send_error (c, "not-joined", "join first", FALSE);
  } else if (g_str_equal (t, "board")) {
    handle_board (c, o);
  } else if (g_str_equal (t, "publish")) {
    handle_publish (c, o);
  } else if (g_str_equal (t, "unpublish")) {
    handle_unpublish (c, o);
  } else if (g_str_equal (t, "subscribe")) {
    handle_subscribe (c, o);
  } else if (g_str_equal (t, "ice") && c->agent) {
    handle_ice (c, o);
  } else if (g_str_equal (t, "candidate") && c->agent) {
    handle_candidate (c, o);
  } else if (g_str_equal (t, "end-of-candidates") && c->agent) {
    if (!c->media_blocked)
      nice_agent_peer_candidate_gathering_done (c->agent, c->stream_id);
  } else if (g_str_equal (t, "leave")) {
    c->left_reason = "left";
    leave_room (c);
    client_close (c, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  } else if (g_str_equal (t, "ping")) {
    send_text (c, "{\"type\":\"pong\"}");
  } else {
    send_error (c, "bad-request", "unknown message type", FALSE);
  }
  g_object_unref (p);
}

static void
on_message (
    SoupWebsocketConnection *ws, gint type, GBytes *msg, gpointer user_data)
{
  gsize n;
  const gchar *d = g_bytes_get_data (msg, &n);

  handle_text (user_data, g_object_get_data (G_OBJECT (ws), "room"), d, n,
      type == SOUP_WEBSOCKET_DATA_TEXT);
}

static void
on_pong (SoupWebsocketConnection *ws, GBytes *msg, gpointer user_data)
{
  ((Client *)user_data)->last_seen = g_get_monotonic_time ();
}

static void
on_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  Client *c = user_data;

  leave_room (c);
  if (c->conn)
    c->conn->client = NULL;
  g_ptr_array_unref (c->streams);
  g_strfreev (c->sub_names);
  g_free (c->id);
  g_free (c->name);
  g_free (c->peer);
  g_object_unref (c->ws);
  g_free (c);
}

/* A participant whose media path did not come up (its ICE not connected
 * --media-timeout after its join, or our agent gave up) is told so with a
 * fatal media-failed and leaves: it would otherwise sit in everybody's
 * roster, keyed in, while nobody hears it. Signaling-only clients (no
 * `ice` sent) are left alone. */
static void
check_media (gint64 now)
{
  GHashTableIter it;
  gpointer v;
  GPtrArray *failed = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *who = g_ptr_array_new ();

  g_hash_table_iter_init (&it, rooms);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Room *r = v;
    for (guint i = 0; i < r->clients->len; i++) {
      Client *c = r->clients->pdata[i];
      if (!c->agent || !c->ice_credentials || c->closing || c->ice_ready)
        continue;
      if (c->ice_failed) {
        g_ptr_array_add (failed,
            g_strdup ("the server's ICE agent found no working candidate "
                      "pair"));
      } else if (!c->ice_connected_once &&
          now - c->joined_at > (gint64)opt_media_timeout * G_USEC_PER_SEC) {
        g_ptr_array_add (failed,
            g_strdup_printf ("ICE did not connect within %d s of the join",
                opt_media_timeout));
      } else {
        continue;
      }
      g_ptr_array_add (who, c);
    }
  }
  for (guint i = 0; i < who->len; i++) {
    Client *c = who->pdata[i];
    send_error (c, "media-failed", failed->pdata[i], TRUE);
    c->left_reason = "media-failed";
    leave_room (c);
  }
  g_ptr_array_unref (who);
  g_ptr_array_unref (failed);
}

static gboolean
check_dead (gpointer data)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter it;
  gpointer v;
  GPtrArray *dead = g_ptr_array_new ();

  g_hash_table_iter_init (&it, rooms);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Room *r = v;
    for (guint i = 0; i < r->clients->len; i++) {
      Client *c = r->clients->pdata[i];
      if (now - c->last_seen > (gint64)opt_ping_timeout * G_USEC_PER_SEC)
        g_ptr_array_add (dead, c);
    }
  }
  for (guint i = 0; i < dead->len; i++) {
    Client *c = dead->pdata[i];
    g_printerr (
        "client %s: no pong for %d s, dropped\n", c->peer, opt_ping_timeout);
    c->left_reason = "timeout";
    leave_room (c);
    client_close (c, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "timeout");
  }
  g_ptr_array_unref (dead);
  check_media (now);
  return G_SOURCE_CONTINUE;
}

static void
on_ws_error (SoupWebsocketConnection *ws, GError *error, gpointer user_data)
{
  Client *c = user_data;

  /* the guard (meetingws.c) refused the stream: a message over
   * --max-message while it arrived, or a malformed frame */
  g_printerr ("client %s (%s): connection closed: %s\n", c->peer,
      c->id ? c->id : "-", error->message);
}

/* The peer's side of the connection went down (read or write error, end of
 * stream, a close begun by the peer): the client leaves its room now, not
 * when libsoup has finished closing (some main loop iterations later), so
 * that its own next connection never meets it there. A close the server
 * began (client_close) leaves where it was begun. */
static void
on_ws_state (SoupWebsocketConnection *ws, GParamSpec *pspec, gpointer user_data)
{
  Client *c = user_data;

  if (!c->closing &&
      soup_websocket_connection_get_state (ws) != SOUP_WEBSOCKET_STATE_OPEN)
    leave_room (c);
}

static Client *
on_websocket (
    SoupWebsocketConnection *ws, GSocketAddress *addr, const char *path)
{
  Client *c = g_new0 (Client, 1);
  const gchar *room = path[0] == '/' ? path + 1 : path;

  c->ws = g_object_ref (ws);
  c->streams = g_ptr_array_new_with_free_func ((GDestroyNotify)stream_free);
  c->peer = addr ? g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (addr))
                 : g_strdup ("?");
  c->tokens = 2.0 * opt_rate;
  c->last_refill = c->last_seen = g_get_monotonic_time ();
  g_object_set_data_full (G_OBJECT (ws), "room", g_strdup (room), g_free);
  soup_websocket_connection_set_max_incoming_payload_size (
      ws, (guint64)opt_max_message);
  soup_websocket_connection_set_keepalive_interval (
      ws, (guint)opt_ping_interval);
  g_signal_connect (ws, "message", G_CALLBACK (on_message), c);
  g_signal_connect (ws, "pong", G_CALLBACK (on_pong), c);
  g_signal_connect (ws, "error", G_CALLBACK (on_ws_error), c);
  g_signal_connect (ws, "notify::state", G_CALLBACK (on_ws_state), c);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), c);
  return c;
}

/* ------------------------------------------------------- connections
 *
 * The server accepts itself (SoupServer's listener gives up for good after
 * one failed accept, e.g. EMFILE) and hands each connection to SoupServer
 * for its HTTP request; the WebSocket upgrade is done here too, so that
 * the SoupWebsocketConnection reads through the guard of meetingws.c,
 * which bounds whole messages while they arrive. Every open descriptor
 * has a Conn: limits per address and in all, and the join timeout. */

static SoupServer *soup_server;
static GTlsCertificate *tls_cert;
static GSocket *listen_socket;
static GSource *accept_source;
static guint accept_backoff_ms;
static GHashTable *conns; /* key -> Conn* */
static GHashTable *per_address; /* IP -> count */

static void refusal (const gchar *format, ...) G_GNUC_PRINTF (1, 2);

/* Refusals come in floods: one line a second at most. */
static void
refusal (const gchar *format, ...)
{
  static gint64 last;
  static guint skipped;
  gint64 now = g_get_monotonic_time ();
  va_list ap;
  gchar *s;

  if (last && now - last < G_USEC_PER_SEC) {
    skipped++;
    return;
  }
  va_start (ap, format);
  s = g_strdup_vprintf (format, ap);
  va_end (ap);
  if (skipped)
    g_printerr ("%s (and %u more refusals in the last second)\n", s, skipped);
  else
    g_printerr ("%s\n", s);
  g_free (s);
  last = now;
  skipped = 0;
}

static void
conn_free (Conn *conn)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (per_address, conn->address));

  if (n > 1)
    g_hash_table_insert (
        per_address, g_strdup (conn->address), GUINT_TO_POINTER (n - 1));
  else
    g_hash_table_remove (per_address, conn->address);
  if (conn->client)
    conn->client->conn = NULL;
  g_free (conn->key);
  g_free (conn->address);
  g_free (conn);
}

/* The GSocket is gone: its descriptor is closed. */
static void
conn_gone (gpointer data, GObject *where_the_object_was)
{
  Conn *conn = data;

  conn->sock = NULL;
  g_hash_table_remove (conns, conn->key);
}

/* A connection that has not joined within --join-timeout is shut down
 * (also one stuck in its TLS or HTTP handshake); libsoup then reads the end
 * and lets the descriptor go. */
static gboolean
check_unjoined (gpointer data)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, conns);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Conn *conn = v;
    if (conn->joined || conn->shut)
      continue;
    if (conn->client && conn->client->room) {
      conn->joined = TRUE;
      continue;
    }
    if (now - conn->since <= (gint64)opt_join_timeout * G_USEC_PER_SEC)
      continue;
    refusal ("client %s: closed, not joined within %d s", conn->key,
        opt_join_timeout);
    conn->shut = TRUE;
    if (conn->client)
      conn->client->closing = TRUE;
    g_socket_shutdown (conn->sock, TRUE, TRUE, NULL);
  }
  return G_SOURCE_CONTINUE;
}

static void
hand_over (GIOStream *stream, GSocket *sock)
{
  GSocketAddress *local = g_socket_get_local_address (sock, NULL);
  GSocketAddress *remote = g_socket_get_remote_address (sock, NULL);
  GError *err = NULL;

  if (!local || !remote ||
      !soup_server_accept_iostream (soup_server, stream, local, remote, &err)) {
    g_printerr (
        "cannot serve a connection: %s\n", err ? err->message : "no address");
    g_clear_error (&err);
    g_io_stream_close (stream, NULL, NULL);
  }
  g_clear_object (&local);
  g_clear_object (&remote);
  g_object_unref (stream);
}

static void
tls_handshaken (GObject *src, GAsyncResult *res, gpointer data)
{
  GIOStream *tls = G_IO_STREAM (src);
  GIOStream *base = NULL;
  GError *err = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (tls), res, &err)) {
    refusal ("TLS handshake failed: %s", err->message);
    g_error_free (err);
    g_io_stream_close (tls, NULL, NULL);
    g_object_unref (tls);
    return;
  }
  g_object_get (tls, "base-io-stream", &base, NULL);
  hand_over (tls, g_socket_connection_get_socket (G_SOCKET_CONNECTION (base)));
  g_object_unref (base);
}

static void
admit (GSocket *sock)
{
  GSocketAddress *ra = g_socket_get_remote_address (sock, NULL);
  GSocketConnection *gc;
  Conn *conn;
  gchar *ip, *key;
  guint n;

  if (!ra || !G_IS_INET_SOCKET_ADDRESS (ra)) {
    g_clear_object (&ra);
    g_socket_close (sock, NULL);
    return;
  }
  ip = g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (ra)));
  key = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (ra));
  if ((conn = g_hash_table_lookup (conns, key))) {
    /* the port came back while the old socket lingers: forget the old */
    g_object_weak_unref (G_OBJECT (conn->sock), conn_gone, conn);
    g_hash_table_remove (conns, key);
  }
  n = GPOINTER_TO_UINT (g_hash_table_lookup (per_address, ip));
  if ((gint)g_hash_table_size (conns) >= opt_max_connections) {
    refusal ("refused a connection from %s: %d connections open "
             "(--max-connections)",
        ip, opt_max_connections);
    g_socket_close (sock, NULL);
  } else if ((gint)n >= opt_max_per_address) {
    refusal ("refused a connection from %s: %u open from there "
             "(--max-connections-per-address)",
        ip, n);
    g_socket_close (sock, NULL);
  } else {
    conn = g_new0 (Conn, 1);
    conn->sock = sock;
    conn->key = g_steal_pointer (&key);
    conn->address = g_strdup (ip);
    conn->since = g_get_monotonic_time ();
    g_object_weak_ref (G_OBJECT (sock), conn_gone, conn);
    g_hash_table_replace (conns, conn->key, conn);
    g_hash_table_insert (per_address, g_strdup (ip), GUINT_TO_POINTER (n + 1));
    g_socket_set_option (sock, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
    gc = g_socket_connection_factory_create_connection (sock);
    if (tls_cert) {
      GError *err = NULL;
      GIOStream *tls =
          g_tls_server_connection_new (G_IO_STREAM (gc), tls_cert, &err);
      g_object_unref (gc);
      if (!tls) {
        g_printerr ("cannot start TLS: %s\n", err->message);
        g_error_free (err);
      } else {
        g_object_set (tls, "require-close-notify", FALSE, NULL);
        g_tls_connection_handshake_async (G_TLS_CONNECTION (tls),
            G_PRIORITY_DEFAULT, NULL, tls_handshaken, NULL);
      }
    } else {
      hand_over (G_IO_STREAM (gc), sock);
    }
  }
  g_free (ip);
  g_free (key);
  g_object_unref (ra);
  g_object_unref (sock);
}

static gboolean on_acceptable (GSocket *sock, GIOCondition cond, gpointer data);

static void
accept_resume (void)
{
  accept_source = g_socket_create_source (listen_socket, G_IO_IN, NULL);
  g_source_set_callback (
      accept_source, (GSourceFunc)(void (*) (void))on_acceptable, NULL, NULL);
  g_source_attach (accept_source, NULL);
}

static gboolean
accept_retry (gpointer data)
{
  accept_resume ();
  return G_SOURCE_REMOVE;
}

/* Out of descriptors (EMFILE, ENFILE) or another failure: the pending
 * connections wait in the backlog; accepting resumes after a back-off
 * (50 ms doubling to 1 s), once descriptors are free again. */
static gboolean
on_acceptable (GSocket *sock, GIOCondition cond, gpointer data)
{
  for (guint i = 0; i < 64; i++) {
    GError *err = NULL;
    GSocket *s = g_socket_accept (listen_socket, NULL, &err);

    if (s) {
      accept_backoff_ms = 0;
      admit (s);
      continue;
    }
    if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
      g_error_free (err);
      break;
    }
    accept_backoff_ms =
        accept_backoff_ms ? MIN (accept_backoff_ms * 2, 1000) : 50;
    refusal ("cannot accept connections: %s (trying again in %u ms)",
        err->message, accept_backoff_ms);
    g_error_free (err);
    g_source_unref (accept_source);
    accept_source = NULL;
    g_timeout_add (accept_backoff_ms, accept_retry, NULL);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* The 101 answer is out: the connection leaves SoupServer for a
 * SoupWebsocketConnection over the guard. */
static void
on_upgraded (SoupServerMessage *msg, gpointer user_data)
{
  GUri *uri = soup_server_message_get_uri (msg);
  GSocketAddress *ra = soup_server_message_get_remote_address (msg);
  gchar *key =
      ra ? g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (ra)) : NULL;
  Conn *conn = key ? g_hash_table_lookup (conns, key) : NULL;
  GIOStream *stream, *guard;
  SoupWebsocketConnection *ws;
  Client *c;

  g_object_ref (msg);
  if (ra)
    g_object_ref (ra);
  stream = soup_server_message_steal_connection (msg);
  if (!stream)
    goto out;
  guard = meeting_ws_guard_new (stream, TRUE, (guint64)opt_max_message);
  ws = soup_websocket_connection_new (guard, uri,
      SOUP_WEBSOCKET_CONNECTION_SERVER,
      soup_message_headers_get_one (
          soup_server_message_get_request_headers (msg), "Origin"),
      NULL, NULL);
  g_object_unref (guard);
  g_object_unref (stream);
  c = on_websocket (ws, ra, g_uri_get_path (uri));
  g_object_unref (ws);
  if (conn) {
    conn->client = c;
    c->conn = conn;
  }
out:
  g_clear_object (&ra);
  g_free (key);
  g_object_unref (msg);
}

/* The server takes no request bodies: they are read and dropped, never
 * collected. */
static void
on_early (SoupServer *server, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer user_data)
{
  soup_message_body_set_accumulate (
      soup_server_message_get_request_body (msg), FALSE);
}

/* Upgrades requests for a room name to WebSocket (RFC 6455; no extension,
 * no subprotocol); refuses everything else. */
static void
on_request (SoupServer *server, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer user_data)
{
  const gchar *room = path[0] == '/' ? path + 1 : path;
  gsize n = strlen (room);

  if (n == 0 || n > 128 || strchr (room, '/')) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  /* sets the error status when the request is no valid upgrade */
  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL))
    return;
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (on_upgraded), NULL);
}

/* Listens on HOST:PORT; the port chosen (port 0) or 0. */
static guint
listen_on (const gchar *host, guint port, GError **error)
{
  gsize n = strlen (host);
  /* [::1] as in a URI */
  gchar *bare = n > 2 && host[0] == '[' && host[n - 1] == ']'
      ? g_strndup (host + 1, n - 2)
      : g_strdup (host);
  GInetAddress *ia = g_inet_address_new_from_string (bare);
  GSocketAddress *sa, *bound;
  guint got = 0;

  g_free (bare);

  if (!ia) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "%s is not an IP address", host);
    return 0;
  }
  sa = g_inet_socket_address_new (ia, (guint16)port);
  listen_socket = g_socket_new (g_inet_address_get_family (ia),
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  g_object_unref (ia);
  if (listen_socket) {
    g_socket_set_blocking (listen_socket, FALSE);
    g_socket_set_listen_backlog (listen_socket, 128);
    if (g_socket_bind (listen_socket, sa, TRUE, error) &&
        g_socket_listen (listen_socket, error) &&
        (bound = g_socket_get_local_address (listen_socket, error))) {
      got = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
      g_object_unref (bound);
    }
  }
  g_object_unref (sa);
  return got;
}

/* --fault-block-media: what the blocked participants send is read and
 * forgotten (counted), STUN included */
static gboolean
black_hole_read (GSocket *sock, GIOCondition cond, gpointer data)
{
  gchar buf[2048];

  while (g_socket_receive_with_blocking (
             sock, buf, sizeof (buf), FALSE, NULL, NULL) >= 0)
    if (black_hole_packets++ == 0)
      g_printerr ("--fault-block-media: dropping what blocked participants "
                  "send\n");
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer data)
{
  g_printerr ("shutting down\n");
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

#ifndef MEETING_SERVER_NO_MAIN
int
main (int argc, char **argv)
{
  GOptionContext *ctx =
      g_option_context_new ("- relay of end-to-end encrypted meetings");
  GError *err = NULL;
  gchar *host = NULL;
  guint port = 0;
  GTlsCertificate *cert = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  meeting_board_add_options (ctx);
  g_option_context_set_description (ctx,
      "Clients connect to ws://HOST:PORT/ROOM and speak the JSON signaling of "
      "docs/protocol.md part 2, and send media over ICE (libnice) to the "
      "server's --media-address. The server relays SFrame-encrypted RTP and "
      "key-exchange messages it cannot read; it never holds a key.");
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);
  /* (max-participants itself is checked below) */
  if (!meeting_board_options_limits (
          (guint)MAX (opt_max_participants, 1), &board_limits, &err)) {
    g_printerr ("%s (see --help)\n", err->message);
    g_error_free (err);
    return 2;
  }
  if (!opt_listen)
    opt_listen = g_strdup ("127.0.0.1:8443");
  {
    const gchar *colon = strrchr (opt_listen, ':');
    gchar *end = NULL;
    if (!colon || colon == opt_listen) {
      g_printerr ("--listen needs HOST:PORT\n");
      return 2;
    }
    host = g_strndup (opt_listen, colon - opt_listen);
    port = (guint)g_ascii_strtoull (colon + 1, &end, 10);
    if (*end || port > 65535) {
      g_printerr ("bad port in --listen %s\n", opt_listen);
      return 2;
    }
  }
  if (opt_max_message < 1024 || opt_max_participants < 1 || opt_max_rooms < 1 ||
      opt_rate < 1 || opt_ping_interval < 1 ||
      opt_ping_timeout <= opt_ping_interval || opt_max_streams < 1 ||
      opt_max_media_rate < 1 || opt_stats_interval < 0 || opt_fault_loss < 0 ||
      opt_fault_reorder < 0 || opt_fault_duplicate < 0 ||
      opt_media_timeout < 1 ||
      opt_fault_loss + opt_fault_reorder + opt_fault_duplicate > 1.0) {
    g_printerr ("limits out of range (see --help)\n");
    return 2;
  }
  if (opt_join_timeout < 1 || opt_max_connections < 0 ||
      opt_max_per_address < 1) {
    g_printerr ("connection limits out of range (see --help)\n");
    return 2;
  }
  if (opt_max_connections == 0) {
    /* each connection is a descriptor, and a participant's media more */
    struct rlimit rl;
    rlim_t lim = 1024;
    if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
      lim = rl.rlim_cur;
    opt_max_connections = (gint)MAX (8, MIN (lim, (rlim_t)1 << 20) / 2);
  }
  if (!opt_media_address) {
    GInetAddress *ia = g_inet_address_new_from_string (host);
    opt_media_address =
        g_strdup (ia && !g_inet_address_get_is_any (ia) ? host : "127.0.0.1");
    g_clear_object (&ia);
  }
  {
    NiceAddress na;
    guint lo = 0, hi = 0;
    nice_address_init (&na);
    if (!nice_address_set_from_string (&na, opt_media_address)) {
      g_printerr ("--media-address needs an IP address\n");
      return 2;
    }
    if (opt_media_ports &&
        (sscanf (opt_media_ports, "%u:%u", &lo, &hi) != 2 || lo == 0 ||
            hi > 65535 || lo > hi)) {
      g_printerr ("--media-ports needs MIN:MAX\n");
      return 2;
    }
  }
  if (!opt_tls_cert != !opt_tls_key) {
    g_printerr ("--tls-cert and --tls-key go together\n");
    return 2;
  }
  if (opt_tls_cert) {
    cert = g_tls_certificate_new_from_files (opt_tls_cert, opt_tls_key, &err);
    if (!cert) {
      g_printerr ("cannot load the TLS certificate: %s\n", err->message);
      return 2;
    }
  }
  if (opt_capture) {
    capture_file = fopen (opt_capture, "wb");
    if (!capture_file) {
      g_printerr ("cannot write %s\n", opt_capture);
      return 2;
    }
    fwrite ("GSTMCAP1", 1, 8, capture_file);
  }
  if (opt_fault_loss > 0 || opt_fault_reorder > 0 || opt_fault_duplicate > 0) {
    fault_rand = g_rand_new_with_seed ((guint32)opt_fault_seed);
    if (opt_fault_log) {
      fault_log = fopen (opt_fault_log, "w");
      if (!fault_log) {
        g_printerr ("cannot write %s\n", opt_fault_log);
        return 2;
      }
      setvbuf (fault_log, NULL, _IOLBF, 0);
    }
  }

  if (opt_fault_block_media) {
    GInetAddress *ia = g_inet_address_new_from_string (opt_media_address);
    GSocketAddress *sa = g_inet_socket_address_new (ia, 0);
    black_hole = g_socket_new (g_inet_address_get_family (ia),
        G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &err);
    if (!black_hole || !g_socket_bind (black_hole, sa, FALSE, &err)) {
      g_printerr ("--fault-block-media: %s\n", err->message);
      return 2;
    }
    g_object_unref (sa);
    g_object_unref (ia);
    {
      GSource *src = g_socket_create_source (black_hole, G_IO_IN, NULL);
      g_source_set_callback (src, G_SOURCE_FUNC (black_hole_read), NULL, NULL);
      g_source_attach (src, NULL);
      g_source_unref (src);
    }
  }

  rooms = g_hash_table_new_full (
      g_str_hash, g_str_equal, NULL, (GDestroyNotify)room_free);
  passcodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (gchar **r = opt_rooms; r && *r; r++) {
    const gchar *colon = strchr (*r, ':');
    if (!colon) {
      g_printerr ("--room needs NAME:PASSCODE\n");
      return 2;
    }
    g_hash_table_insert (
        passcodes, g_strndup (*r, colon - *r), g_strdup (colon + 1));
  }

  loop = g_main_loop_new (NULL, FALSE);
  tls_cert = cert;
  conns = g_hash_table_new_full (
      g_str_hash, g_str_equal, NULL, (GDestroyNotify)conn_free);
  per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  soup_server = soup_server_new ("server-header", "gst-meeting-server", NULL);
  soup_server_add_early_handler (soup_server, NULL, on_early, NULL, NULL);
  soup_server_add_handler (soup_server, NULL, on_request, NULL, NULL);
  port = listen_on (host, port, &err);
  if (!port) {
    g_printerr ("cannot listen on %s: %s\n", opt_listen,
        err ? err->message : "no port");
    return 1;
  }
  accept_resume ();
  g_print ("listening on %s://%s:%u\n", cert ? "wss" : "ws", host, port);
  fflush (stdout);

  g_unix_signal_add (SIGINT, on_signal, NULL);
  g_unix_signal_add (SIGTERM, on_signal, NULL);
  g_timeout_add_seconds (1, check_dead, NULL);
  g_timeout_add_seconds (1, check_unjoined, NULL);
  if (opt_stats_interval)
    g_timeout_add_seconds ((guint)opt_stats_interval, print_stats, NULL);
  g_main_loop_run (loop);

  /* participants' agents go before the server */
  g_hash_table_remove_all (rooms);

  soup_server_disconnect (soup_server);
  g_object_unref (soup_server);
  if (accept_source) {
    g_source_destroy (accept_source);
    g_source_unref (accept_source);
  }
  g_socket_close (listen_socket, NULL);
  g_object_unref (listen_socket);
  {
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init (&it, conns);
    while (g_hash_table_iter_next (&it, NULL, &v))
      g_object_weak_unref (G_OBJECT (((Conn *)v)->sock), conn_gone, v);
    g_hash_table_unref (conns);
    g_hash_table_unref (per_address);
  }
  g_hash_table_unref (rooms);
  g_hash_table_unref (passcodes);
  g_main_loop_unref (loop);
  g_free (host);
  g_clear_object (&cert);
  if (capture_file)
    fclose (capture_file);
  if (fault_log)
    fclose (fault_log);
  if (fault_rand)
    g_rand_free (fault_rand);
  g_clear_object (&black_hole);
  return 0;
}
#endif /* MEETING_SERVER_NO_MAIN */
