/* The meeting session, remote streams: the table of the other
 * participants' announced streams (by SSRC), their pad names, and the
 * receiver told of each stream that comes and goes.  Session thread.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeetingsession-priv.h"

#include <string.h>

/* -------------------------------------------------------------- streams */

/* Pad-name safe: letters, digits, '-' (and '_' in stream ids; a
 * participant's name has none, so the first '_' of a pad name ends it). */
static gchar *
sanitize (const gchar *name, gboolean underscore)
{
  GString *out = g_string_new (NULL);

  for (const gchar *p = name; *p && out->len < 32; p++)
    g_string_append_c (out,
        g_ascii_isalnum (*p) || *p == '-' || (underscore && *p == '_') ? *p
                                                                       : '-');
  if (!out->len)
    g_string_append (out, "anonymous");
  return g_string_free (out, FALSE);
}

/* Announced caps come from other participants through the server: before
 * GStreamer parses them, they must look like RTP caps of one structure whose
 * fields have plain types (no nested caps or structures, whose invalid
 * names GStreamer 1.22 reports with a critical). */
static gboolean
caps_string_ok (const gchar *caps)
{
  static const gchar *const types[] = { "string", "s", "int", "i", "uint", "u",
    "boolean", "bool", "b", "double", "d", "float", "f", "fraction", "gint",
    "guint", "gboolean", "gdouble", "gchararray", NULL };
  const gchar *p;

  if (!g_str_has_prefix (caps, "application/x-rtp"))
    return FALSE;
  p = caps + strlen ("application/x-rtp");
  if (*p != '\0' && *p != ',')
    return FALSE;
  if (strchr (caps, ';'))
    return FALSE;
  for (p = strchr (caps, '('); p; p = strchr (p + 1, '(')) {
    const gchar *end = strchr (p, ')');
    gchar *type;
    gboolean known;
    if (!end)
      return FALSE;
    type = g_strndup (p + 1, end - p - 1);
    known = g_strv_contains (types, type);
    g_free (type);
    if (!known)
      return FALSE;
  }
  return TRUE;
}

static gboolean
pad_name_taken (GstMeetingSession *s, const gchar *pad_name)
{
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, s->remote);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (g_str_equal (((GstMeetingRemoteStream *)v)->pad_name, pad_name))
      return TRUE;
  return FALSE;
}

void
remote_stream_add (GstMeetingSession *s, const MeetingStreamInfo *st)
{
  /* (validated by meeting_msg_parse (): all members there, the stream a
   * token, the kind known, the caps bounded) */
  const gchar *from = st->from, *name = st->name;
  const gchar *stream = st->stream, *caps = st->caps;
  GstMeetingRemoteStream *rs;
  GstCaps *c;
  gchar *base;

  if (!from || !name || !stream || !caps || !st->kind) {
    GST_WARNING ("malformed stream announcement");
    return;
  }
  c = caps_string_ok (caps) ? gst_caps_from_string (caps) : NULL;
  if (!c || !gst_caps_is_fixed (c) ||
      !gst_structure_has_name (
          gst_caps_get_structure (c, 0), "application/x-rtp")) {
    GST_WARNING ("stream %s of %s: unusable caps '%s'", stream, from, caps);
    gst_clear_caps (&c);
    return;
  }
  if (g_hash_table_size (s->remote) >= MAX_REMOTE_STREAMS) {
    gst_caps_unref (c);
    return;
  }
  rs = g_new0 (GstMeetingRemoteStream, 1);
  rs->participant_id = g_strdup (from);
  rs->participant = g_strdup (name);
  rs->stream = sanitize (stream, TRUE);
  rs->kind = g_strdup (meeting_kind_to_string (st->kind));
  rs->ssrc = st->ssrc;
  rs->caps = c;
  rs->e2ee = st->e2ee;
  base = sanitize (name, FALSE);
  rs->pad_name = g_strdup_printf ("%s_%s", base, rs->stream);
  /* two participants of one name (or names that look alike once
   * sanitized): add the server id, then a counter */
  for (guint n = 1; pad_name_taken (s, rs->pad_name); n++) {
    gchar *id = sanitize (from, FALSE);
    g_free (rs->pad_name);
    rs->pad_name = n == 1
        ? g_strdup_printf ("%s-%s_%s", base, id, rs->stream)
        : g_strdup_printf ("%s-%s-%u_%s", base, id, n, rs->stream);
    g_free (id);
  }
  g_free (base);
  if (g_hash_table_contains (s->remote, GUINT_TO_POINTER (rs->ssrc))) {
    GST_WARNING ("SSRC %u announced twice", rs->ssrc);
    gst_meeting_remote_stream_free (rs);
    return;
  }
  g_hash_table_insert (s->remote, GUINT_TO_POINTER (rs->ssrc), rs);
  GST_INFO ("remote stream %s (ssrc %u, %s)", rs->pad_name, rs->ssrc, caps);
  receiver_stream_added (s, rs);
}

static gboolean
remove_one (gpointer key, gpointer value, gpointer data)
{
  GstMeetingSession *s = ((gpointer *)data)[0];
  const gchar *from = ((gpointer *)data)[1];
  const gchar *stream = ((gpointer *)data)[2];
  gboolean left = GPOINTER_TO_INT (((gpointer *)data)[3]);
  GPtrArray *freed = ((gpointer *)data)[4];
  GstMeetingRemoteStream *rs = value;

  if (from && !g_str_equal (rs->participant_id, from))
    return FALSE;
  if (stream && !g_str_equal (rs->stream, stream))
    return FALSE;
  rs->left = left;
  receiver_stream_removed (s, rs);
  if (freed)
    g_ptr_array_add (freed, g_strdup (rs->pad_name));
  return TRUE;
}

/* A pad name freed by a stream that left goes to the stream of the same
 * display name and stream id that had to take a longer name meanwhile: a
 * sender that reconnected before the server noticed its old connection was
 * gone announces again while its old streams are still there; once they
 * go, the new stream takes the name back, so meetingsrc feeds the same pad
 * (the longer-named one is told it is gone, as for a lost meeting). */
static void
reclaim_pad_names (GstMeetingSession *s, GPtrArray *freed)
{
  for (guint i = 0; i < freed->len; i++) {
    const gchar *name = freed->pdata[i];
    GHashTableIter it;
    gpointer v;

    if (pad_name_taken (s, name))
      continue;
    g_hash_table_iter_init (&it, s->remote);
    while (g_hash_table_iter_next (&it, NULL, &v)) {
      GstMeetingRemoteStream *rs = v;
      gchar *base = sanitize (rs->participant, FALSE);
      gchar *own = g_strdup_printf ("%s_%s", base, rs->stream);
      gboolean match =
          g_str_equal (own, name) && !g_str_equal (rs->pad_name, name);

      g_free (base);
      g_free (own);
      if (!match)
        continue;
      GST_INFO ("stream %s takes the name %s back", rs->pad_name, name);
      rs->left = FALSE;
      receiver_stream_removed (s, rs);
      g_free (rs->pad_name);
      rs->pad_name = g_strdup (name);
      receiver_stream_added (s, rs);
      break;
    }
  }
}

/* from NULL: everybody's; stream NULL: all of from's. The receiver is told
 * the stream left (its sender unpublished it or left the meeting), or that
 * we lost the meeting (our disconnect or stop: left FALSE). */
void
remote_streams_remove (
    GstMeetingSession *s, const gchar *from, const gchar *stream, gboolean left)
{
  GPtrArray *freed = left ? g_ptr_array_new_with_free_func (g_free) : NULL;
  gpointer data[5] = { s, (gpointer)from, NULL, GINT_TO_POINTER (left), freed };
  gchar *clean = stream ? sanitize (stream, TRUE) : NULL;

  data[2] = clean;
  g_hash_table_foreach_remove (s->remote, remove_one, data);
  g_free (clean);
  if (freed) {
    reclaim_pad_names (s, freed);
    g_ptr_array_unref (freed);
  }
}
