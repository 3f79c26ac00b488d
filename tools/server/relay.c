/* gst-meeting-server: the media relay. One ICE endpoint per participant
 * (meetingice.c); RTP of a participant's own streams goes to everybody who
 * receives them, RTCP is walked and routed (feedback to the publisher,
 * sender reports to the receivers), and --fault-* injects loss, reordering
 * and duplicates for tests.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>

#include "server.h"

static void
media_send (Client *to, const guint8 *buf, gsize len)
{
  if (meeting_ice_send (to->ice, buf, len) < 0) {
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
  return o->ice_ready && (o->sub_kinds & st->info.kind) &&
      (!o->sub_names ||
          g_strv_contains (
              (const gchar *const *)o->sub_names, st->owner->name));
}

/* Routes a compound RTCP packet: feedback (RTPFB 205, PSFB 206) goes to the
 * publisher of the media SSRC it names; sender reports go to the receivers.
 * Everything else (RR, SDES, BYE, APP) ends here: receivers' reports about
 * the relay leg mean nothing to the sender. */
static void
route_rtcp (Client *c, const guint8 *buf, gsize len)
{
  static GPtrArray *to; /* reused: no allocation per packet */
  Room *r = c->room;
  Stream *sr = NULL;
  MeetingRtcp p;
  gsize off = 0;
  gboolean malformed;
  guint32 targets[16];

  if (!to)
    to = g_ptr_array_new ();
  g_ptr_array_set_size (to, 0);
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
}

void
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
  if (!take_token (&c->media_tokens, &c->media_refill, opt_max_media_rate)) {
    drop_packet (c, "over --max-media-rate");
    return;
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

/* ----------------------------------------------------------------- ICE */

static void
on_candidate (MeetingIce *ice, const gchar *line, gpointer user_data)
{
  Client *c = user_data;
  gchar *s;

  if (c->media_blocked)
    return; /* its only candidate is the black hole */
  s = meeting_msg_candidate_text (line);
  send_text (c, s);
  g_free (s);
}

static void
on_gathering_done (MeetingIce *ice, gpointer user_data)
{
  Client *c = user_data;
  gchar *s;

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
    s = meeting_msg_candidate_text (line);
    send_text (c, s);
    g_free (s);
    g_free (line);
    g_free (ip);
    g_clear_object (&a);
  }
  s = meeting_msg_simple_text (MEETING_MSG_END_OF_CANDIDATES);
  send_text (c, s);
  g_free (s);
}

static void
on_state (MeetingIce *ice, guint state, gpointer user_data)
{
  Client *c = user_data;

  c->ice_ready = meeting_ice_state_is_connected (state);
  if (c->ice_ready) {
    c->ice_connected_once = TRUE;
    c->ice_failed = FALSE;
  }
  LOG ("client %s: ICE %s\n", c->id, nice_component_state_to_string (state));
  /* acted on by check_media (), not from inside libnice's callback */
  if (state == NICE_COMPONENT_STATE_FAILED)
    c->ice_failed = TRUE;
}

gboolean
media_start (Client *c)
{
  static const MeetingIceCallbacks cb = { on_candidate, on_gathering_done,
    on_state, on_media };
  MeetingIceConfig cfg = { NULL, FALSE, opt_media_address, media_port_min,
    media_port_max };
  gchar *ufrag = NULL, *pwd = NULL, *s;

  c->ice = meeting_ice_new (&cfg, &cb, c);
  if (!c->ice)
    return FALSE;
  if (!meeting_ice_get_local_credentials (c->ice, &ufrag, &pwd))
    return FALSE;
  s = meeting_msg_ice_text (ufrag, pwd);
  send_text (c, s);
  g_free (s);
  g_free (ufrag);
  g_free (pwd);
  return meeting_ice_gather (c->ice);
}

void
media_stop (Client *c)
{
  g_clear_pointer (&c->ice, meeting_ice_free);
  g_clear_pointer (&c->held, g_byte_array_unref);
  c->ice_ready = FALSE;
}

void
handle_ice (Client *c, const MeetingMsg *m)
{
  if (!meeting_ice_set_remote_credentials (
          c->ice, m->u.ice.ufrag, m->u.ice.pwd))
    send_error (c, MEETING_ERR_BAD_REQUEST, "ICE credentials refused", FALSE);
  else
    c->ice_credentials = TRUE;
}

void
handle_candidate (Client *c, const MeetingMsg *m)
{
  /* --fault-block-media: checked and counted, never reached */
  switch (meeting_ice_add_remote_candidate (
      c->ice, m->u.candidate.line, !c->media_blocked)) {
    case MEETING_ICE_OK:
      break;
    case MEETING_ICE_TOO_MANY:
      send_error (c, MEETING_ERR_BAD_REQUEST, "too many candidates", FALSE);
      break;
    case MEETING_ICE_UNPARSABLE:
      send_error (c, MEETING_ERR_BAD_REQUEST, "unparsable candidate", FALSE);
      break;
    case MEETING_ICE_REFUSED:
      send_error (c, MEETING_ERR_BAD_REQUEST, "candidate refused", FALSE);
      break;
  }
}

void
handle_end_of_candidates (Client *c)
{
  if (!c->media_blocked)
    meeting_ice_remote_gathering_done (c->ice);
}

/* --fault-block-media: what the blocked participants send is read and
 * forgotten (counted), STUN included */
gboolean
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
