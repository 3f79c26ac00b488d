/* gst-meeting-server (main.c: options and start-up): rooms, rosters and the
 * bulletin board of E2EE meetings, over WebSocket signaling (docs/protocol.md,
 * part 2). It relays key-exchange messages it cannot read and never holds a
 * key.
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

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <glib-unix.h>

#include "server.h"

static GMainLoop *loop;

static gboolean
on_signal (gpointer data)
{
  g_printerr ("shutting down\n");
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  GOptionContext *ctx =
      g_option_context_new ("- relay of end-to-end encrypted meetings");
  GError *err = NULL;
  gchar *host = NULL;
  guint port = 0;
  GTlsCertificate *cert = NULL;

  g_option_context_add_main_entries (ctx, server_entries, NULL);
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
    media_port_min = lo;
    media_port_max = hi;
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
  port = connections_listen (host, port, cert, &err);
  if (!port) {
    g_printerr ("cannot listen on %s: %s\n", opt_listen,
        err ? err->message : "no port");
    return 1;
  }
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
  rooms_shutdown ();

  connections_stop ();
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
