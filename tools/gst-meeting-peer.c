/* gst-meeting-peer: a meeting participant with test sources that checks what
 * it receives. Sends a tone (L16) and a solid colour picture (VP8) through
 * e2eeenc to a gst-meeting-server meeting, decrypts everybody else's streams
 * with e2eedec and measures them: the tone's frequency, the picture's
 * colour. Reports JSON lines on stdout; the demo and the integration tests
 * drive it.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>

#include "gste2eekeyring.h"

static gchar *opt_uri = NULL;
static gchar *opt_name = NULL;
static gchar *opt_passcode = NULL;
static gchar *opt_tls_ca_file = NULL;
static gint opt_tone = 440;
static gchar *opt_color = NULL;
static gint opt_duration = 0;
static gint opt_heartbeat = 200;
static gint opt_rekey = 0;
static gint opt_keyframe_interval = 3000;
static gint opt_status_interval = 1000;
static gint opt_reconnect_timeout = 30;
static gchar *opt_keys_out = NULL;
static gchar *opt_plain_out = NULL;
static gchar *opt_seq_log = NULL;
static gboolean opt_no_video = FALSE;
static gchar *opt_media = NULL;

static GOptionEntry entries[] = {
  { "uri", 'u', 0, G_OPTION_ARG_STRING, &opt_uri,
      "The meeting, ws://HOST:PORT/ROOM", "URI" },
  { "name", 'n', 0, G_OPTION_ARG_STRING, &opt_name,
      "Display name (pads at the others are named after it)", "NAME" },
  { "passcode", 0, 0, G_OPTION_ARG_STRING, &opt_passcode,
      "Passcode of the room", "CODE" },
  { "tls-ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_ca_file,
      "PEM CAs to check a wss:// server against", "FILE" },
  { "tone", 0, 0, G_OPTION_ARG_INT, &opt_tone,
      "Frequency of the test tone sent, in Hz (default 440)", "HZ" },
  { "color", 0, 0, G_OPTION_ARG_STRING, &opt_color,
      "Colour of the test picture sent, 0xRRGGBB (default 0xff0000)", "RGB" },
  { "no-video", 0, 0, G_OPTION_ARG_NONE, &opt_no_video,
      "Send and receive audio only", NULL },
  { "media", 0, 0, G_OPTION_ARG_STRING, &opt_media,
      "Receive only these kinds (meetingsrc media=), e.g. video", "KINDS" },
  { "duration", 'd', 0, G_OPTION_ARG_INT, &opt_duration,
      "Leave after S seconds (default: at 'quit' on stdin, end of stdin "
      "or SIGINT/SIGTERM)",
      "S" },
  { "heartbeat", 0, 0, G_OPTION_ARG_INT, &opt_heartbeat,
      "keyexchange heartbeat-interval in ms (default 200)", "MS" },
  { "rekey", 0, 0, G_OPTION_ARG_INT, &opt_rekey,
      "keyexchange rekey-interval in s (default 0: on joins and leaves)", "S" },
  { "keyframe-interval", 0, 0, G_OPTION_ARG_INT, &opt_keyframe_interval,
      "Frames between VP8 keyframes (default 3000: receivers must ask)", "N" },
  { "reconnect-timeout", 0, 0, G_OPTION_ARG_INT, &opt_reconnect_timeout,
      "Seconds to keep trying to get back into the meeting (default 30)", "S" },
  { "status-interval", 0, 0, G_OPTION_ARG_INT, &opt_status_interval,
      "Milliseconds between status lines (0: only on 'status')", "MS" },
  { "keys-out", 0, 0, G_OPTION_ARG_FILENAME, &opt_keys_out,
      "Testing: write every media key this participant held to FILE at exit",
      "FILE" },
  { "plain-out", 0, 0, G_OPTION_ARG_FILENAME, &opt_plain_out,
      "Testing: write every RTP payload sent (audio and video), before "
      "encryption, to FILE: per packet 'a' or 'v', the length (4 bytes, big "
      "endian) and the payload",
      "FILE" },
  { "seq-log", 0, 0, G_OPTION_ARG_FILENAME, &opt_seq_log,
      "Testing: log the sequence numbers of audio packets sent and "
      "decrypted to FILE",
      "FILE" },
  { NULL }
};

typedef struct
{
  gchar *pad; /* meetingsrc pad name */
  gchar *kind;
  GstElement *branch;
  guint64 packets; /* out of e2eedec */
  guint64 frames; /* decoded pictures or audio buffers */
  guint64 samples, crossings;
  gint16 last;
  guint8 rgb[3];
} Remote;

typedef struct
{
  GMainLoop *loop;
  GstElement *pipeline, *kx, *msrc;
  GstE2eeKeyring *keyring;
  GMutex lock;
  GHashTable *remotes; /* pad name -> Remote* (the current one) */
  GPtrArray *retired; /* Remote* of removed pads: their branches may still
                       * run until torn down, so they live to the end */
  GString *keys; /* JSON lines of the keys held */
  GHashTable *key_seen; /* kid -> TRUE */
  FILE *plain, *seqlog;
  gchar *id;
  gchar *suite;
  guint keyframe_requests;
  gint exit_code;
} Peer;

static Peer peer;

static void
emit (JsonBuilder *b)
{
  JsonGenerator *g = json_generator_new ();
  JsonNode *n = json_builder_get_root (b);
  gchar *s;

  json_generator_set_root (g, n);
  s = json_generator_to_data (g, NULL);
  g_print ("%s\n", s);
  fflush (stdout);
  g_free (s);
  json_node_unref (n);
  g_object_unref (g);
  g_object_unref (b);
}

static JsonBuilder *
event (const gchar *name)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, name);
  return b;
}

static void
add_kx_state (JsonBuilder *b)
{
  gchar *code = NULL, *leader = NULL;
  guint64 epoch = 0;
  gchar **roster = NULL;

  g_object_get (peer.kx, "security-code", &code, "leader", &leader, "epoch",
      &epoch, "roster", &roster, NULL);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, peer.id);
  json_builder_set_member_name (b, "epoch");
  json_builder_add_int_value (b, (gint64)epoch);
  json_builder_set_member_name (b, "leader");
  json_builder_add_string_value (b, leader);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "roster");
  json_builder_begin_array (b);
  for (gchar **r = roster; r && *r; r++)
    json_builder_add_string_value (b, *r);
  json_builder_end_array (b);
  g_free (code);
  g_free (leader);
  g_strfreev (roster);
}

static void
print_status (void)
{
  JsonBuilder *b = event ("status");
  GHashTableIter it;
  gpointer v;

  add_kx_state (b);
  json_builder_set_member_name (b, "keyframe_requests");
  json_builder_add_int_value (b, peer.keyframe_requests);
  {
    GstStructure *st = NULL;
    guint64 received = 0, unexposed = 0;
    g_object_get (peer.msrc, "stats", &st, NULL);
    if (st) {
      gst_structure_get_uint64 (st, "received", &received);
      gst_structure_get_uint64 (st, "unexposed", &unexposed);
      gst_structure_free (st);
    }
    json_builder_set_member_name (b, "received");
    json_builder_add_int_value (b, (gint64)received);
    json_builder_set_member_name (b, "unexposed");
    json_builder_add_int_value (b, (gint64)unexposed);
  }
  json_builder_set_member_name (b, "streams");
  json_builder_begin_object (b);
  g_mutex_lock (&peer.lock);
  g_hash_table_iter_init (&it, peer.remotes);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Remote *r = v;
    json_builder_set_member_name (b, r->pad);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "kind");
    json_builder_add_string_value (b, r->kind);
    json_builder_set_member_name (b, "packets");
    json_builder_add_int_value (b, (gint64)r->packets);
    json_builder_set_member_name (b, "frames");
    json_builder_add_int_value (b, (gint64)r->frames);
    if (g_str_equal (r->kind, "audio")) {
      json_builder_set_member_name (b, "tone");
      json_builder_add_double_value (b,
          r->samples ? (gdouble)r->crossings * 8000.0 / (2.0 * r->samples)
                     : 0.0);
    } else {
      json_builder_set_member_name (b, "rgb");
      json_builder_begin_array (b);
      for (guint i = 0; i < 3; i++)
        json_builder_add_int_value (b, r->rgb[i]);
      json_builder_end_array (b);
    }
    json_builder_end_object (b);
  }
  g_mutex_unlock (&peer.lock);
  json_builder_end_object (b);
  json_builder_end_object (b);
  emit (b);
}

static gboolean
status_tick (gpointer data)
{
  print_status ();
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------ receiving */

static GstPadProbeReturn
count_packets (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Remote *r = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  g_mutex_lock (&peer.lock);
  r->packets++;
  if (peer.seqlog && g_str_equal (r->kind, "audio")) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp)) {
      fprintf (peer.seqlog, "recv %s %u %u\n", r->pad,
          gst_rtp_buffer_get_ssrc (&rtp), gst_rtp_buffer_get_seq (&rtp));
      gst_rtp_buffer_unmap (&rtp);
    }
  }
  g_mutex_unlock (&peer.lock);
  return GST_PAD_PROBE_OK;
}

static void
on_handoff (GstElement *sink, GstBuffer *buf, GstPad *pad, gpointer user_data)
{
  Remote *r = user_data;
  GstMapInfo map;

  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return;
  g_mutex_lock (&peer.lock);
  r->frames++;
  if (g_str_equal (r->kind, "audio")) {
    /* S16BE mono, 8 kHz: zero crossings give the tone */
    for (gsize i = 0; i + 1 < map.size; i += 2) {
      gint16 x = (gint16)(map.data[i] << 8 | map.data[i + 1]);
      if ((x >= 0) != (r->last >= 0))
        r->crossings++;
      r->last = x;
      r->samples++;
    }
  } else {
    GstCaps *caps = gst_pad_get_current_caps (pad);
    GstVideoInfo vi;
    if (caps && gst_video_info_from_caps (&vi, caps)) {
      gsize off = (gsize)(GST_VIDEO_INFO_HEIGHT (&vi) / 2) *
              GST_VIDEO_INFO_PLANE_STRIDE (&vi, 0) +
          (gsize)(GST_VIDEO_INFO_WIDTH (&vi) / 2) * 3;
      if (off + 3 <= map.size)
        memcpy (r->rgb, map.data + off, 3);
    }
    gst_clear_caps (&caps);
  }
  g_mutex_unlock (&peer.lock);
  gst_buffer_unmap (buf, &map);
}

/* meetingsrc's session thread: a remote stream appeared */
static void
on_pad_added (GstElement *src, GstPad *pad, gpointer user_data)
{
  gchar *name = gst_pad_get_name (pad);
  gboolean audio = g_str_has_suffix (name, "_audio_0");
  const gchar *desc = audio
      ? "e2eedec name=d ! rtpL16depay ! fakesink name=s signal-handoffs=true "
        "sync=false async=false"
      : "e2eedec name=d ! rtpvp8depay request-keyframe=true "
        "wait-for-keyframe=true ! vp8dec ! videoconvert ! "
        "video/x-raw,format=RGB ! fakesink name=s signal-handoffs=true "
        "sync=false async=false";
  GError *err = NULL;
  GstElement *bin;
  GstElement *d, *s;
  GstPad *dsrc, *sinkpad;
  Remote *r;

  if (!audio && !g_str_has_suffix (name, "_video_0")) {
    g_free (name);
    return;
  }
  bin = gst_parse_bin_from_description (desc, TRUE, &err);
  g_assert_no_error (err);
  r = g_new0 (Remote, 1);
  r->pad = name;
  r->kind = g_strdup (audio ? "audio" : "video");
  r->branch = bin;
  d = gst_bin_get_by_name (GST_BIN (bin), "d");
  s = gst_bin_get_by_name (GST_BIN (bin), "s");
  dsrc = gst_element_get_static_pad (d, "src");
  gst_pad_add_probe (dsrc, GST_PAD_PROBE_TYPE_BUFFER, count_packets, r, NULL);
  g_signal_connect (s, "handoff", G_CALLBACK (on_handoff), r);
  gst_object_unref (dsrc);
  gst_object_unref (d);
  gst_object_unref (s);
  g_mutex_lock (&peer.lock);
  {
    gpointer old_key, old;
    if (g_hash_table_steal_extended (peer.remotes, name, &old_key, &old)) {
      g_free (old_key);
      g_ptr_array_add (peer.retired, old);
    }
  }
  g_hash_table_insert (peer.remotes, g_strdup (name), r);
  g_mutex_unlock (&peer.lock);
  gst_bin_add (GST_BIN (peer.pipeline), bin);
  sinkpad = gst_element_get_static_pad (bin, "sink");
  gst_pad_link (pad, sinkpad);
  gst_object_unref (sinkpad);
  gst_element_sync_state_with_parent (bin);
}

static gboolean
remove_branch (gpointer data)
{
  GstElement *bin = data;

  gst_element_set_state (bin, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (peer.pipeline), bin);
  gst_object_unref (bin);
  return G_SOURCE_REMOVE;
}

static void
on_pad_removed (GstElement *src, GstPad *pad, gpointer user_data)
{
  gchar *name = gst_pad_get_name (pad);
  Remote *r;

  g_mutex_lock (&peer.lock);
  r = g_hash_table_lookup (peer.remotes, name);
  if (r && r->branch) {
    g_idle_add (remove_branch, gst_object_ref (r->branch));
    r->branch = NULL;
  }
  g_mutex_unlock (&peer.lock);
  g_free (name);
}

/* ------------------------------------------------------------- sending */

static void
log_plain_one (GstBuffer *buf, gchar kind)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  if (!gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp))
    return;
  g_mutex_lock (&peer.lock);
  if (peer.plain) {
    guint8 h[5];
    guint n = gst_rtp_buffer_get_payload_len (&rtp);
    h[0] = (guint8)kind;
    h[1] = (guint8)(n >> 24);
    h[2] = (guint8)(n >> 16);
    h[3] = (guint8)(n >> 8);
    h[4] = (guint8)n;
    fwrite (h, 1, sizeof (h), peer.plain);
    fwrite (gst_rtp_buffer_get_payload (&rtp), 1, n, peer.plain);
  }
  g_mutex_unlock (&peer.lock);
  gst_rtp_buffer_unmap (&rtp);
}

/* rtpvp8pay pushes buffer lists, rtpL16pay single buffers */
static GstPadProbeReturn
log_plain (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  gchar kind = (gchar)GPOINTER_TO_INT (user_data);

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
    for (guint i = 0; i < gst_buffer_list_length (list); i++)
      log_plain_one (gst_buffer_list_get (list, i), kind);
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    log_plain_one (GST_PAD_PROBE_INFO_BUFFER (info), kind);
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
log_sent (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  if (!gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp))
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&peer.lock);
  fprintf (peer.seqlog, "sent %u %u\n", gst_rtp_buffer_get_ssrc (&rtp),
      gst_rtp_buffer_get_seq (&rtp));
  g_mutex_unlock (&peer.lock);
  gst_rtp_buffer_unmap (&rtp);
  return GST_PAD_PROBE_OK;
}

static void
probe (const gchar *element, const gchar *pad, GstPadProbeType type,
    GstPadProbeCallback cb, gpointer data)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (peer.pipeline), element);
  GstPad *p;

  if (!el)
    return;
  p = gst_element_get_static_pad (el, pad);
  gst_pad_add_probe (p, type, cb, data, NULL);
  gst_object_unref (p);
  gst_object_unref (el);
}

/* --------------------------------------------------------------- keys */

static void
on_key_added (GstE2eeKeyring *keyring, guint64 kid, gpointer user_data)
{
  for (guint u = GST_E2EE_KEY_RECEIVE; u <= GST_E2EE_KEY_SEND; u++) {
    GstE2eeKey *key = gst_e2ee_keyring_lookup (keyring, kid, u);
    const guint8 *k;
    gsize n;
    gchar *hex;
    GString *line;

    if (!key)
      continue;
    k = gst_e2ee_key_get_base_key (key, &n);
    line = g_string_new (NULL);
    for (gsize i = 0; i < n; i++)
      g_string_append_printf (line, "%02x", k[i]);
    hex = g_string_free (line, FALSE);
    g_mutex_lock (&peer.lock);
    g_string_append_printf (peer.keys,
        "{\"kid\":%" G_GUINT64_FORMAT ",\"usage\":\"%s\",\"key\":\"%s\"}\n",
        kid, u == GST_E2EE_KEY_SEND ? "send" : "receive", hex);
    g_mutex_unlock (&peer.lock);
    g_free (hex);
    gst_e2ee_key_unref (key);
  }
}

static void
watch_keys (void)
{
  GstContext *ctx =
      gst_element_get_context (peer.kx, GST_E2EE_KEYRING_CONTEXT_TYPE);

  if (ctx && gst_e2ee_context_get_keyring (ctx, &peer.keyring))
    g_signal_connect (
        peer.keyring, "key-added", G_CALLBACK (on_key_added), NULL);
  if (ctx)
    gst_context_unref (ctx);
}

/* ----------------------------------------------------------------- bus */

static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  const GstStructure *s = gst_message_get_structure (msg);
  JsonBuilder *b;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR: {
      GError *err = NULL;
      gchar *dbg = NULL;
      gst_message_parse_error (msg, &err, &dbg);
      b = event ("error");
      json_builder_set_member_name (b, "source");
      json_builder_add_string_value (b, GST_MESSAGE_SRC_NAME (msg));
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, err->message);
      json_builder_set_member_name (b, "debug");
      json_builder_add_string_value (b, dbg);
      json_builder_end_object (b);
      emit (b);
      g_error_free (err);
      g_free (dbg);
      peer.exit_code = 1;
      g_main_loop_quit (peer.loop);
      break;
    }
    case GST_MESSAGE_ELEMENT:
      if (gst_structure_has_name (s, "meeting-connected")) {
        g_free (peer.id);
        peer.id = g_strdup (gst_structure_get_string (s, "participant-id"));
        b = event ("connected");
        json_builder_set_member_name (b, "id");
        json_builder_add_string_value (b, peer.id);
        json_builder_set_member_name (b, "instance");
        json_builder_add_string_value (
            b, gst_structure_get_string (s, "instance"));
        json_builder_set_member_name (b, "reconnected");
        json_builder_add_boolean_value (b,
            g_value_get_boolean (gst_structure_get_value (s, "reconnected")));
        json_builder_end_object (b);
        emit (b);
      } else if (gst_structure_has_name (s, "meeting-disconnected")) {
        guint retry = 0;
        b = event ("disconnected");
        json_builder_set_member_name (b, "reason");
        json_builder_add_string_value (
            b, gst_structure_get_string (s, "reason"));
        gst_structure_get_uint (s, "retry-in-ms", &retry);
        json_builder_set_member_name (b, "retry_in_ms");
        json_builder_add_int_value (b, retry);
        json_builder_end_object (b);
        emit (b);
      } else if (gst_structure_has_name (s, "meeting-participant-joined") ||
          gst_structure_has_name (s, "meeting-participant-left")) {
        b = event (gst_structure_has_name (s, "meeting-participant-joined")
                ? "joined"
                : "left");
        json_builder_set_member_name (b, "id");
        json_builder_add_string_value (
            b, gst_structure_get_string (s, "participant-id"));
        json_builder_set_member_name (b, "name");
        json_builder_add_string_value (b, gst_structure_get_string (s, "name"));
        if (gst_structure_has_field (s, "reason")) {
          /* left: left, closed, timeout or media-failed */
          json_builder_set_member_name (b, "reason");
          json_builder_add_string_value (
              b, gst_structure_get_string (s, "reason"));
        }
        json_builder_end_object (b);
        emit (b);
      } else if (gst_structure_has_name (s, "meeting-keyframe-request")) {
        peer.keyframe_requests++;
      } else if (gst_structure_has_name (s, "keyexchange-epoch")) {
        b = event ("epoch");
        add_kx_state (b);
        json_builder_end_object (b);
        emit (b);
      } else if (g_str_has_prefix (
                     gst_structure_get_name (s), "keyexchange-") &&
          !gst_structure_has_name (s, "keyexchange-joined") &&
          !gst_structure_has_name (s, "keyexchange-left") &&
          !gst_structure_has_name (s, "keyexchange-leader")) {
        gchar *str = gst_structure_to_string (s);
        b = event ("keyexchange");
        json_builder_set_member_name (b, "message");
        json_builder_add_string_value (b, str);
        json_builder_end_object (b);
        emit (b);
        g_free (str);
      }
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

/* --------------------------------------------------------------- stdin */

static gboolean
on_stdin (gint fd, GIOCondition cond, gpointer user_data)
{
  static GString *line = NULL;
  gchar buf[256];
  gssize n = read (fd, buf, sizeof (buf));

  if (!line)
    line = g_string_new (NULL);
  if (n <= 0) {
    g_main_loop_quit (peer.loop);
    return G_SOURCE_REMOVE;
  }
  g_string_append_len (line, buf, n);
  for (gchar *nl; (nl = strchr (line->str, '\n'));) {
    gchar *cmd = g_strndup (line->str, nl - line->str);
    g_string_erase (line, 0, nl - line->str + 1);
    g_strstrip (cmd);
    if (g_str_equal (cmd, "quit")) {
      g_main_loop_quit (peer.loop);
    } else if (g_str_equal (cmd, "status")) {
      print_status ();
    } else if (g_str_equal (cmd, "reset")) {
      GHashTableIter it;
      gpointer v;
      g_mutex_lock (&peer.lock);
      g_hash_table_iter_init (&it, peer.remotes);
      while (g_hash_table_iter_next (&it, NULL, &v)) {
        Remote *r = v;
        r->packets = r->frames = r->samples = r->crossings = 0;
        memset (r->rgb, 0, 3);
      }
      g_mutex_unlock (&peer.lock);
      print_status ();
    }
    g_free (cmd);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (peer.loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_duration (gpointer data)
{
  g_main_loop_quit (peer.loop);
  return G_SOURCE_REMOVE;
}

static void
remote_free (Remote *r)
{
  g_free (r->pad);
  g_free (r->kind);
  g_free (r);
}

int
main (int argc, char **argv)
{
  GOptionContext *ctx =
      g_option_context_new ("- a test participant of an E2EE meeting");
  GError *err = NULL;
  gchar *desc;
  guint color = 0xff0000;
  GstBus *bus;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  g_option_context_set_description (ctx,
      "Sends a tone (L16, 8 kHz) and a solid colour picture (VP8, 64x48) "
      "through e2eeenc, receives and decrypts everybody else's, and prints "
      "JSON lines: connected, joined, left, epoch (leader, security code, "
      "roster), status (per remote stream: packets decrypted, measured tone "
      "or colour), error. Reads commands on stdin: status, reset, quit.");
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);
  if (!opt_uri || !opt_name) {
    g_printerr ("--uri and --name are required (see --help)\n");
    return 2;
  }
  if (opt_color)
    color = (guint)g_ascii_strtoull (opt_color, NULL, 0) & 0xffffff;

  g_mutex_init (&peer.lock);
  peer.remotes = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, (GDestroyNotify)remote_free);
  peer.keys = g_string_new (NULL);
  peer.retired = g_ptr_array_new_with_free_func ((GDestroyNotify)remote_free);
  if (opt_plain_out && !(peer.plain = fopen (opt_plain_out, "wb"))) {
    g_printerr ("cannot write %s\n", opt_plain_out);
    return 2;
  }
  if (opt_seq_log && !(peer.seqlog = fopen (opt_seq_log, "w"))) {
    g_printerr ("cannot write %s\n", opt_seq_log);
    return 2;
  }

  {
    GString *d = g_string_new (NULL);
    g_string_append_printf (d,
        "meetingsink name=ms uri=%s participant=%s reconnect-timeout=%d ",
        opt_uri, opt_name, opt_reconnect_timeout);
    if (opt_passcode)
      g_string_append_printf (d, "passcode=%s ", opt_passcode);
    if (opt_tls_ca_file)
      g_string_append_printf (d, "tls-ca-file=\"%s\" ", opt_tls_ca_file);
    g_string_append_printf (d,
        "meetingsrc name=mr %s%s "
        "keyexchange name=kx heartbeat-interval=%d rekey-interval=%d "
        "audiotestsrc is-live=true freq=%d volume=0.5 samplesperbuffer=160 ! "
        "audio/x-raw,format=S16BE,rate=8000,channels=1 ! "
        "rtpL16pay name=apay ! e2eeenc name=aenc ! ms.audio_0 ",
        opt_media ? "media=" : "", opt_media ? opt_media : "", opt_heartbeat,
        opt_rekey, opt_tone);
    if (!opt_no_video)
      g_string_append_printf (d,
          "videotestsrc is-live=true pattern=solid-color "
          "foreground-color=0xff%06x ! "
          "video/x-raw,format=I420,width=64,height=48,framerate=15/1 ! "
          "vp8enc deadline=1 keyframe-max-dist=%d ! rtpvp8pay name=vpay ! "
          "e2eeenc name=venc ! ms.video_0",
          color, opt_keyframe_interval);
    desc = g_string_free (d, FALSE);
  }
  peer.pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  if (!peer.pipeline) {
    g_printerr ("cannot build the pipeline: %s\n", err->message);
    return 1;
  }
  peer.kx = gst_bin_get_by_name (GST_BIN (peer.pipeline), "kx");
  peer.msrc = gst_bin_get_by_name (GST_BIN (peer.pipeline), "mr");
  {
    GstElement *aenc = gst_bin_get_by_name (GST_BIN (peer.pipeline), "aenc");
    GParamSpec *ps = g_object_class_find_property (
        G_OBJECT_GET_CLASS (aenc), "cipher-suite");
    gint suite = 0;
    GEnumValue *ev;
    g_object_get (aenc, "cipher-suite", &suite, NULL);
    ev = g_enum_get_value (G_PARAM_SPEC_ENUM (ps)->enum_class, suite);
    g_string_append_printf (
        peer.keys, "{\"suite\":\"%s\"}\n", ev ? ev->value_nick : "?");
    gst_object_unref (aenc);
  }
  g_signal_connect (peer.msrc, "pad-added", G_CALLBACK (on_pad_added), NULL);
  g_signal_connect (
      peer.msrc, "pad-removed", G_CALLBACK (on_pad_removed), NULL);
  if (peer.plain) {
    GstPadProbeType t =
        GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST;
    probe ("aenc", "sink", t, log_plain, GINT_TO_POINTER ('a'));
    probe ("venc", "sink", t, log_plain, GINT_TO_POINTER ('v'));
  }
  if (peer.seqlog)
    probe ("aenc", "src", GST_PAD_PROBE_TYPE_BUFFER, log_sent, NULL);

  peer.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (peer.pipeline);
  gst_bus_add_watch (bus, on_bus, NULL);
  gst_object_unref (bus);
  if (gst_element_set_state (peer.pipeline, GST_STATE_READY) ==
      GST_STATE_CHANGE_FAILURE) {
    g_printerr ("cannot start the pipeline\n");
    return 1;
  }
  watch_keys ();
  gst_element_set_state (peer.pipeline, GST_STATE_PLAYING);

  g_unix_fd_add (0, G_IO_IN | G_IO_HUP, on_stdin, NULL);
  g_unix_signal_add (SIGINT, on_signal, NULL);
  g_unix_signal_add (SIGTERM, on_signal, NULL);
  if (opt_status_interval > 0)
    g_timeout_add ((guint)opt_status_interval, status_tick, NULL);
  if (opt_duration > 0)
    g_timeout_add_seconds ((guint)opt_duration, on_duration, NULL);
  g_main_loop_run (peer.loop);

  print_status ();
  gst_element_set_state (peer.pipeline, GST_STATE_NULL);
  {
    JsonBuilder *b = event ("left-meeting");
    json_builder_end_object (b);
    emit (b);
  }
  if (opt_keys_out)
    g_file_set_contents (opt_keys_out, peer.keys->str, -1, NULL);
  if (peer.plain)
    fclose (peer.plain);
  if (peer.seqlog)
    fclose (peer.seqlog);
  if (peer.keyring)
    gst_object_unref (peer.keyring);
  gst_object_unref (peer.kx);
  gst_object_unref (peer.msrc);
  gst_object_unref (peer.pipeline);
  g_hash_table_unref (peer.remotes);
  g_ptr_array_unref (peer.retired);
  g_string_free (peer.keys, TRUE);
  g_free (peer.id);
  g_main_loop_unref (peer.loop);
  return peer.exit_code;
}
