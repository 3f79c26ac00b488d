/* gst-meeting-server: the options, the shared state and the
 * capture file.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "server.h"

gchar *opt_listen = NULL;
gint opt_max_rooms = 100;
gint opt_max_participants = 50;
gint opt_max_message = 64 * 1024;
gint opt_rate = 100;
gint opt_ping_interval = 5;
gint opt_ping_timeout = 15;
gchar **opt_rooms = NULL;
gint opt_join_timeout = 10;
gint opt_max_connections = 0; /* 0: from RLIMIT_NOFILE */
gint opt_max_per_address = 32;
gboolean opt_verbose = FALSE;
gchar *opt_media_address = NULL;
gchar *opt_media_ports = NULL;
gint opt_max_streams = 8;
gint opt_max_media_rate = 5000;
gboolean opt_allow_clear = FALSE;
gchar *opt_tls_cert = NULL;
gchar *opt_tls_key = NULL;
gchar *opt_capture = NULL;
gint opt_stats_interval = 0;
gdouble opt_fault_loss = 0.0;
gdouble opt_fault_reorder = 0.0;
gdouble opt_fault_duplicate = 0.0;
gint opt_fault_seed = 1;
gchar *opt_fault_log = NULL;
gint opt_media_timeout = 15;
gchar **opt_fault_block_media = NULL;

GOptionEntry server_entries[] = {
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

MeetingBoardLimits board_limits;
guint media_port_min, media_port_max;
FILE *capture_file;
FILE *fault_log;
GSocket *black_hole;
guint64 black_hole_packets;
GRand *fault_rand;
guint64 stat_rx, stat_tx, stat_rx_bytes, stat_tx_bytes, stat_dropped;
GHashTable *rooms;
GHashTable *passcodes;

/* --capture: "GSTMCAP1", then per record: direction ('<' received, '>'
 * sent), channel ('s' signaling, 'm' media), 2 bytes zero, 4 bytes length
 * (big endian), the bytes. */
void
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
