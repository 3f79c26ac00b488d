/* The meeting session, media: the libnice agent (one component, RTP and
 * RTCP muxed), its candidates and states, received packets handed to the
 * receiver, RTCP feedback to the sender, and the streaming threads' send.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeetingsession-priv.h"
#include "meetingrtcp.h"

#include <string.h>

/* ---------------------------------------------------------------- media */

static void
handle_rtcp (GstMeetingSession *s, const guint8 *buf, gsize len)
{
  MeetingRtcp p;
  gsize off = 0;
  gboolean malformed;
  guint32 targets[16];

  while (meeting_rtcp_next (buf, len, &off, &p, &malformed)) {
    guint n;
    if (p.pt == MEETING_RTCP_RTPFB) {
      GST_LOG ("RTPFB (NACK) ignored: no retransmission");
      continue;
    }
    if (p.pt != MEETING_RTCP_PSFB || (p.fmt != 1 && p.fmt != 4))
      continue;
    n = meeting_rtcp_feedback_targets (&p, targets, G_N_ELEMENTS (targets));
    g_mutex_lock (&s->cb_lock);
    for (guint i = 0; i < n && s->sender.keyframe_request; i++)
      s->sender.keyframe_request (s->sender_user, targets[i], p.fmt == 4);
    g_mutex_unlock (&s->cb_lock);
  }
}

static void
on_media (NiceAgent *agent, guint stream_id, guint component, guint len,
    gchar *data, gpointer user_data)
{
  GstMeetingSession *s = user_data;
  const guint8 *buf = (const guint8 *)data;
  GstMeetingRemoteStream *rs;
  GstMeetingReceiver r;
  gpointer user;

  if (len < 8 || (buf[0] >> 6) != 2)
    return;
  if (meeting_is_rtcp (buf, len)) {
    handle_rtcp (s, buf, len);
    return;
  }
  if (len < 12)
    return;
  rs = g_hash_table_lookup (
      s->remote, GUINT_TO_POINTER (meeting_rd32 (buf + 8)));
  if (!rs)
    return;
  receiver_enter (s, &r, &user);
  /* copied only when there is a receiver (meetingsrc) */
  if (r.media) {
    GstBuffer *out = gst_buffer_new_allocate (NULL, len, NULL);

    gst_buffer_fill (out, 0, buf, len);
    r.media (user, rs, out);
  }
  receiver_leave (s);
}

static void
on_new_candidate (MeetingIce *ice, const gchar *line, gpointer user_data)
{
  session_send_text (user_data, meeting_msg_candidate_text (line));
}

static void
on_gathering_done (MeetingIce *ice, gpointer user_data)
{
  session_send_text (
      user_data, meeting_msg_simple_text (MEETING_MSG_END_OF_CANDIDATES));
}

/* The media path failed (our ICE agent gave up, or the server said
 * media-failed): rejoin with a back-off that a successful join does not
 * reset, so that one participant whose UDP is blocked cannot make the
 * meeting rekey over and over; an error once reconnect-timeout has passed
 * since the first failure without media coming up. */
void
media_failed (GstMeetingSession *s, const gchar *cause)
{
  gint64 now = g_get_monotonic_time ();

  g_free (s->media_failure);
  s->media_failure = g_strdup (cause);
  if (!s->media_failing_since)
    s->media_failing_since = now;
  s->media_backoff_ms = s->media_backoff_ms
      ? MIN (s->media_backoff_ms * 2, MEDIA_BACKOFF_MAX_MS)
      : MEDIA_BACKOFF_FIRST_MS;
  if (s->reconnect_timeout == 0 ||
      now - s->media_failing_since >=
          (gint64)s->reconnect_timeout * G_USEC_PER_SEC) {
    gchar *text = g_strdup_printf (
        "The media path (ICE) of the meeting at %s failed: %s", s->uri, cause);
    give_up (s, text, cause);
    g_free (text);
    return;
  }
  session_disconnected (s, cause);
}

static gboolean
ice_failed (gpointer data)
{
  GstMeetingSession *s = data;

  if (s->joined)
    media_failed (s, "ICE failed: no working path to the server's media port");
  return G_SOURCE_REMOVE;
}

static void
on_component_state (MeetingIce *ice, guint state, gpointer user_data)
{
  GstMeetingSession *s = user_data;
  gboolean ready = meeting_ice_state_is_connected (state);
  gboolean was;

  g_mutex_lock (&s->agent_lock);
  was = s->ice_ready;
  s->ice_ready = ready;
  g_mutex_unlock (&s->agent_lock);
  GST_DEBUG ("ICE %s", nice_component_state_to_string (state));
  if (ready && !was) {
    s->media_failing_since = 0;
    s->media_up_since = g_get_monotonic_time ();
  } else if (!ready) {
    s->media_up_since = 0;
  }
  if (ready && !was)
    post (s,
        gst_structure_new (
            "meeting-media-ready", "uri", G_TYPE_STRING, s->uri, NULL));
  if (state == NICE_COMPONENT_STATE_FAILED) {
    /* not from inside libnice's callback */
    GSource *src = g_idle_source_new ();
    g_source_set_callback (src, ice_failed, s, NULL);
    g_source_attach (src, s->ctx);
    g_source_unref (src);
  }
}

gboolean
media_start (GstMeetingSession *s)
{
  static const MeetingIceCallbacks cb = { on_new_candidate, on_gathering_done,
    on_component_state, on_media };
  /* the client is controlling; libnice leaves loopback out of its own
   * discovery, so a loopback server's address is added */
  MeetingIceConfig cfg = { s->ctx, TRUE, s->loopback ? "127.0.0.1" : NULL, 0,
    0 };
  MeetingIce *ice = meeting_ice_new (&cfg, &cb, s);
  gchar *ufrag = NULL, *pwd = NULL;

  if (!ice)
    return FALSE;
  g_mutex_lock (&s->agent_lock);
  s->ice = ice;
  s->agent = meeting_ice_get_agent (ice);
  s->stream_id = meeting_ice_get_stream_id (ice);
  s->ice_ready = FALSE;
  g_mutex_unlock (&s->agent_lock);
  meeting_ice_get_local_credentials (ice, &ufrag, &pwd);
  session_send_text (s, meeting_msg_ice_text (ufrag, pwd));
  g_free (ufrag);
  g_free (pwd);
  return meeting_ice_gather (ice);
}

void
media_stop (GstMeetingSession *s)
{
  MeetingIce *ice;

  g_mutex_lock (&s->agent_lock);
  ice = s->ice;
  s->ice = NULL;
  s->agent = NULL;
  s->ice_ready = FALSE;
  g_array_set_size (s->published, 0);
  g_mutex_unlock (&s->agent_lock);
  s->media_up_since = 0;
  meeting_ice_free (ice);
}

/* Whether the RTP packet at data (mapped) is of a stream the server
 * accepted */
static gboolean
is_published (GstMeetingSession *s, const guint8 *data, gsize size)
{
  guint32 ssrc;

  if (size < 12)
    return FALSE;
  ssrc = meeting_rd32 (data + 8);
  for (guint i = 0; i < s->published->len; i++)
    if (g_array_index (s->published, guint32, i) == ssrc)
      return TRUE;
  return FALSE;
}

gboolean
gst_meeting_session_send (GstMeetingSession *s, GstBuffer **buffers, guint n)
{
  NiceOutputMessage msgs[MAX_BATCH];
  GOutputVector vecs[MAX_BATCH];
  GstMapInfo maps[MAX_BATCH];
  GstBuffer *mapped_bufs[MAX_BATCH];
  gboolean ok = TRUE;

  for (guint done = 0; done < n;) {
    guint k = MIN (n - done, MAX_BATCH), mapped = 0;
    gint sent = -1;
    gboolean head_mapped = FALSE;

    for (guint i = 0; i < k; i++) {
      if (!gst_buffer_map (buffers[done + i], &maps[mapped], GST_MAP_READ))
        continue;
      head_mapped |= i == 0;
      mapped_bufs[mapped] = buffers[done + i];
      vecs[mapped].buffer = maps[mapped].data;
      vecs[mapped].size = maps[mapped].size;
      msgs[mapped].buffers = &vecs[mapped];
      msgs[mapped].n_buffers = 1;
      mapped++;
    }
    g_mutex_lock (&s->agent_lock);
    /* the batch goes when its first packet is of a published stream */
    if (s->agent && s->ice_ready && head_mapped &&
        is_published (s, maps[0].data, maps[0].size))
      sent = nice_agent_send_messages_nonblocking (
          s->agent, s->stream_id, 1, msgs, mapped, NULL, NULL);
    if (sent < (gint)mapped)
      ok = FALSE;
    g_mutex_unlock (&s->agent_lock);
    for (guint i = 0; i < mapped; i++)
      gst_buffer_unmap (mapped_bufs[i], &maps[i]);
    done += k;
  }
  return ok;
}

void
gst_meeting_session_request_keyframe (GstMeetingSession *s, guint32 ssrc)
{
  guint8 pli[12] = { 0x81, 206, 0, 2 };

  GST_WRITE_UINT32_BE (pli + 4, s->rtcp_ssrc);
  GST_WRITE_UINT32_BE (pli + 8, ssrc);
  g_mutex_lock (&s->agent_lock);
  if (s->agent && s->ice_ready)
    nice_agent_send (s->agent, s->stream_id, 1, sizeof (pli), (gchar *)pli);
  g_mutex_unlock (&s->agent_lock);
}
