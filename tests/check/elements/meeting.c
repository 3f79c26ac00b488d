/* meetingsink and meetingsrc against the real gst-meeting-server (a child
 * process on 127.0.0.1), watched and fed by plain WebSocket clients of the
 * test: announcements, pad names and caps, filters, pad removal, the shared
 * session, keyexchange wiring, refusals.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <sys/prctl.h>

#include <gio/gio.h>
#include <gst/app/app.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#define TIMEOUT_US (10 * G_USEC_PER_SEC)
#define AUDIO_CAPS                                                             \
  "application/x-rtp,media=audio,clock-rate=8000,encoding-name=L16,"           \
  "payload=96,channels=1"

#define VIDEO_CAPS                                                             \
  "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,"          \
  "payload=97,encryption=(string)sframe,"                                      \
  "sframe-suite=(string)aes-128-gcm-sha256-128"

static GSubprocess *server;

/* The server must not outlive a test that failed half-way. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static GSubprocess *
spawn_server (GSubprocessFlags flags, const gchar *const *argv, GError **err)
{
  GSubprocessLauncher *l = g_subprocess_launcher_new (flags);
  GSubprocess *p;

  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  p = g_subprocess_launcher_spawnv (l, argv, err);
  g_object_unref (l);
  return p;
}
static gchar *server_url;

/* extra: one more server option, or NULL */
static void
server_start_with (const gchar *extra)
{
  const gchar *path = g_getenv ("GST_MEETING_SERVER");
  GDataInputStream *in;
  GError *err = NULL;
  gchar *line;

  fail_unless (path != NULL, "GST_MEETING_SERVER is not set");
  {
    const gchar *argv[] = { path, "--listen", "127.0.0.1:0", extra, NULL };
    server = spawn_server (
        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
        argv, &err);
  }
  fail_unless (server != NULL);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line (in, NULL, NULL, &err);
  fail_unless (line && g_str_has_prefix (line, "listening on ws://"));
  server_url = g_strdup (line + strlen ("listening on "));
  g_free (line);
  g_object_unref (in);
}

static void
server_start (void)
{
  server_start_with (NULL);
}

static void
server_stop (void)
{
  g_subprocess_send_signal (server, SIGTERM);
  fail_unless (g_subprocess_wait (server, NULL, NULL));
  fail_unless_equals_int (g_subprocess_get_exit_status (server), 0);
  g_clear_object (&server);
  g_clear_pointer (&server_url, g_free);
}

static gchar *
room_uri (const gchar *room)
{
  return g_strdup_printf ("%s/%s", server_url, room);
}

/* ------------------------------------------------- a plain WS client */

typedef struct
{
  SoupSession *session;
  SoupWebsocketConnection *ws;
  GQueue inbox; /* JsonObject* */
  GError *error;
  gboolean done;
} Client;

static void
on_client_message (
    SoupWebsocketConnection *ws, gint type, GBytes *msg, Client *c)
{
  JsonParser *p = json_parser_new ();
  gsize n;
  const gchar *d = g_bytes_get_data (msg, &n);

  fail_unless (json_parser_load_from_data (p, d, n, NULL));
  g_queue_push_tail (&c->inbox,
      json_object_ref (json_node_get_object (json_parser_get_root (p))));
  g_object_unref (p);
}

static void
on_client_connected (GObject *src, GAsyncResult *res, gpointer data)
{
  Client *c = data;

  c->ws = soup_session_websocket_connect_finish (
      SOUP_SESSION (src), res, &c->error);
  c->done = TRUE;
}

static void
iterate_until (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_US;

  while (!*flag && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  fail_unless (*flag);
}

static Client *
client_join (const gchar *room, const gchar *name)
{
  Client *c = g_new0 (Client, 1);
  gchar *uri = room_uri (room);
  SoupMessage *msg = soup_message_new (SOUP_METHOD_GET, uri);
  gchar *join = g_strdup_printf (
      "{\"type\":\"join\",\"name\":\"%s\",\"receive\":false}", name);

  c->session = soup_session_new ();
  soup_session_websocket_connect_async (c->session, msg, NULL, NULL,
      G_PRIORITY_DEFAULT, NULL, on_client_connected, c);
  iterate_until (&c->done);
  fail_unless (c->ws != NULL);
  g_signal_connect (c->ws, "message", G_CALLBACK (on_client_message), c);
  soup_websocket_connection_send_text (c->ws, join);
  g_object_unref (msg);
  g_free (uri);
  g_free (join);
  return c;
}

static void
client_free (Client *c)
{
  if (c->ws &&
      soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (c->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  /* let the close go out */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&c->ws);
  g_object_unref (c->session);
  g_queue_clear_full (&c->inbox, (GDestroyNotify)json_object_unref);
  g_free (c);
}

/* The next message of this type (others are skipped), or NULL. */
static JsonObject *
client_expect (Client *c, const gchar *type)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_US;

  while (g_get_monotonic_time () < deadline) {
    while (c->inbox.length) {
      JsonObject *o = g_queue_pop_head (&c->inbox);
      if (g_str_equal (json_object_get_string_member (o, "type"), type))
        return o;
      json_object_unref (o);
    }
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  }
  return NULL;
}

static void
client_send (Client *c, const gchar *text)
{
  soup_websocket_connection_send_text (c->ws, text);
}

/* --------------------------------------------------------------- helpers */

static GstBuffer *
make_rtp (guint32 ssrc, guint16 seq)
{
  GstBuffer *buf = gst_rtp_buffer_new_allocate (160, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  gst_rtp_buffer_map (buf, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_ssrc (&rtp, ssrc);
  gst_rtp_buffer_set_seq (&rtp, seq);
  gst_rtp_buffer_set_payload_type (&rtp, 96);
  memset (gst_rtp_buffer_get_payload (&rtp), 0x5a, 160);
  gst_rtp_buffer_unmap (&rtp);
  return buf;
}

static GstMessage *
pop_error (GstElement *pipeline, guint timeout_s)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *m = gst_bus_timed_pop_filtered (
      bus, timeout_s * GST_SECOND, GST_MESSAGE_ERROR);

  gst_object_unref (bus);
  return m;
}

/* ----------------------------------------------------------------- tests */

/* A stream not encrypted by e2eeenc is never sent: an error instead. */
GST_START_TEST (test_sink_refuses_clear)
{
  gchar *uri;
  GstElement *pipeline, *src, *sink;
  GstCaps *caps;
  GstMessage *m;
  GError *err = NULL;

  server_start ();
  uri = room_uri ("clear");
  pipeline = gst_parse_launch ("appsrc name=src format=time ! "
                               "meetingsink name=m participant=x m.audio_0",
      &err);
  fail_unless (pipeline != NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "m");
  g_object_set (sink, "uri", uri, NULL);
  gst_object_unref (sink);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  caps = gst_caps_from_string (AUDIO_CAPS);
  g_object_set (src, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  gst_app_src_push_buffer (GST_APP_SRC (src), make_rtp (1234, 1));
  m = pop_error (pipeline, 10);
  fail_unless (m != NULL);
  gst_message_parse_error (m, &err, NULL);
  fail_unless (
      strstr (err->message, "not end-to-end encrypted") != NULL, err->message);
  g_error_free (err);
  gst_message_unref (m);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  g_free (uri);
  server_stop ();
}

GST_END_TEST;

/* e2eeenc ! meetingsink: the stream is announced with its caps (no SSRC
 * field in them), its SSRC and the e2ee flag. */
GST_START_TEST (test_sink_announces)
{
  gchar *uri, *desc;
  GstElement *pipeline, *src;
  Client *watcher;
  JsonObject *o;
  GError *err = NULL;
  const gchar *caps_str;
  GstCaps *caps;

  server_start ();
  uri = room_uri ("announce");
  watcher = client_join ("announce", "watcher");
  o = client_expect (watcher, "welcome");
  fail_unless (o != NULL);
  json_object_unref (o);
  desc = g_strdup_printf (
      "appsrc name=src format=time ! e2eeenc "
      "key=000102030405060708090a0b0c0d0e0f "
      "kid=7 ! m.video_5 meetingsink name=m participant=sender uri=%s",
      uri);
  pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  fail_unless (pipeline != NULL);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  caps = gst_caps_from_string ("application/x-rtp,media=video,"
                               "clock-rate=90000,encoding-name=VP8,payload=96,"
                               "ssrc=(uint)4321");
  g_object_set (src, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (guint i = 0; i < 5; i++)
    gst_app_src_push_buffer (GST_APP_SRC (src), make_rtp (4321, i));

  o = client_expect (watcher, "stream");
  fail_unless (o != NULL, "no stream announcement");
  fail_unless_equals_string (
      json_object_get_string_member (o, "name"), "sender");
  fail_unless_equals_string (
      json_object_get_string_member (o, "stream"), "video_5");
  fail_unless_equals_string (
      json_object_get_string_member (o, "kind"), "video");
  fail_unless_equals_int (json_object_get_int_member (o, "ssrc"), 4321);
  fail_unless (json_object_get_boolean_member (o, "e2ee"));
  caps_str = json_object_get_string_member (o, "caps");
  fail_unless (
      strstr (caps_str, "encoding-name=(string)VP8") != NULL, caps_str);
  fail_unless (strstr (caps_str, "ssrc") == NULL, caps_str);
  /* the mark and the suite travel with the announcement */
  fail_unless (
      strstr (caps_str, "encryption=(string)sframe") != NULL, caps_str);
  fail_unless (
      strstr (caps_str, "sframe-suite=(string)aes-256-gcm-sha512-128") != NULL,
      caps_str);
  json_object_unref (o);
  fail_unless (pop_error (pipeline, 0) == NULL);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  /* leaving withdraws the stream */
  o = client_expect (watcher, "left");
  fail_unless (o != NULL);
  json_object_unref (o);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  client_free (watcher);
  g_free (uri);
  server_stop ();
}

GST_END_TEST;

typedef struct
{
  GMutex lock;
  GPtrArray *added; /* pad names */
  GPtrArray *removed;
  GHashTable *caps; /* pad name -> caps string */
} PadLog;

static void
on_pad_added (GstElement *el, GstPad *pad, PadLog *log)
{
  GstCaps *caps = gst_pad_query_caps (pad, NULL);

  g_mutex_lock (&log->lock);
  g_ptr_array_add (log->added, gst_pad_get_name (pad));
  g_hash_table_insert (
      log->caps, gst_pad_get_name (pad), gst_caps_to_string (caps));
  g_mutex_unlock (&log->lock);
  gst_caps_unref (caps);
}

static void
on_pad_removed (GstElement *el, GstPad *pad, PadLog *log)
{
  g_mutex_lock (&log->lock);
  g_ptr_array_add (log->removed, gst_pad_get_name (pad));
  g_mutex_unlock (&log->lock);
}

static gboolean
wait_count (PadLog *log, GPtrArray *a, guint n)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_US;
  gboolean ok = FALSE;

  while (!ok && g_get_monotonic_time () < deadline) {
    g_mutex_lock (&log->lock);
    ok = a->len >= n;
    g_mutex_unlock (&log->lock);
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  }
  return ok;
}

static gboolean
has (GPtrArray *a, const gchar *s)
{
  for (guint i = 0; i < a->len; i++)
    if (g_str_equal (a->pdata[i], s))
      return TRUE;
  return FALSE;
}

static void
run_src_pads (const gchar *media, guint expected)
{
  gchar *uri = room_uri ("pads");
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *msrc = gst_element_factory_make ("meetingsrc", NULL);
  PadLog log = { 0 };
  Client *eve;
  JsonObject *o;

  g_mutex_init (&log.lock);
  log.added = g_ptr_array_new_with_free_func (g_free);
  log.removed = g_ptr_array_new_with_free_func (g_free);
  log.caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  eve = client_join ("pads", "Eve x");
  o = client_expect (eve, "welcome");
  fail_unless (o != NULL);
  json_object_unref (o);
  client_send (eve,
      "{\"type\":\"publish\",\"stream\":\"audio_0\",\"kind\":\"audio\","
      "\"ssrc\":111,\"caps\":\"" AUDIO_CAPS "\",\"e2ee\":true}");
  client_send (eve,
      "{\"type\":\"publish\",\"stream\":\"video_0\",\"kind\":\"video\","
      "\"ssrc\":222,\"caps\":\"" VIDEO_CAPS "\",\"e2ee\":true}");
  o = client_expect (eve, "published");
  fail_unless (o != NULL);
  json_object_unref (o);

  g_object_set (
      msrc, "uri", uri, "participant", "watcher", "media", media, NULL);
  g_signal_connect (msrc, "pad-added", G_CALLBACK (on_pad_added), &log);
  g_signal_connect (msrc, "pad-removed", G_CALLBACK (on_pad_removed), &log);
  gst_bin_add (GST_BIN (pipeline), msrc);
  /* a live source */
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED),
      GST_STATE_CHANGE_NO_PREROLL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  fail_unless (wait_count (&log, log.added, expected));
  g_usleep (200 * 1000);
  g_mutex_lock (&log.lock);
  fail_unless_equals_int (log.added->len, expected);
  if (!media || strstr (media, "audio")) {
    GstCaps *want = gst_caps_from_string (AUDIO_CAPS);
    GstCaps *got =
        gst_caps_from_string (g_hash_table_lookup (log.caps, "Eve-x_audio_0"));
    fail_unless (has (log.added, "Eve-x_audio_0"));
    fail_unless (gst_caps_is_equal (want, got));
    gst_caps_unref (want);
    gst_caps_unref (got);
  }
  if (!media || strstr (media, "video")) {
    /* the pad's caps carry the mark and the suite, for e2eedec */
    GstCaps *want = gst_caps_from_string (VIDEO_CAPS);
    GstCaps *got =
        gst_caps_from_string (g_hash_table_lookup (log.caps, "Eve-x_video_0"));
    fail_unless (has (log.added, "Eve-x_video_0"));
    fail_unless (gst_caps_is_equal (want, got));
    fail_unless_equals_string (
        gst_structure_get_string (
            gst_caps_get_structure (got, 0), "sframe-suite"),
        "aes-128-gcm-sha256-128");
    gst_caps_unref (want);
    gst_caps_unref (got);
  }
  g_mutex_unlock (&log.lock);

  /* unpublishing and leaving keep the pads, for the streams' return: the
   * same stream again (a new SSRC) takes its pad back, no new pad */
  client_send (eve, "{\"type\":\"unpublish\",\"stream\":\"video_0\"}");
  client_send (eve,
      "{\"type\":\"publish\",\"stream\":\"video_0\",\"kind\":\"video\","
      "\"ssrc\":333,\"caps\":\"" VIDEO_CAPS "\",\"e2ee\":true}");
  o = client_expect (eve, "published");
  fail_unless (o != NULL);
  json_object_unref (o);
  client_free (eve);
  g_usleep (500 * 1000);
  g_mutex_lock (&log.lock);
  fail_unless_equals_int (log.added->len, expected);
  fail_unless_equals_int (log.removed->len, 0);
  g_mutex_unlock (&log.lock);
  fail_unless_equals_int (GST_ELEMENT (msrc)->numsrcpads, expected);

  /* they go when the element stops */
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless (wait_count (&log, log.removed, expected));
  fail_unless_equals_int (GST_ELEMENT (msrc)->numsrcpads, 0);
  gst_object_unref (pipeline);
  g_ptr_array_unref (log.added);
  g_ptr_array_unref (log.removed);
  g_hash_table_unref (log.caps);
  g_mutex_clear (&log.lock);
  g_free (uri);
}

/* meetingsrc: a pad per remote stream, named NAME_STREAM, with the
 * announcement's caps; kept when the stream or its publisher goes. */
GST_START_TEST (test_src_pads)
{
  server_start ();
  run_src_pads (NULL, 2);
  run_src_pads ("video", 1);
  run_src_pads ("audio,screen", 1);
  server_stop ();
}

GST_END_TEST;

/* meetingsink and meetingsrc of one pipeline are one participant, and
 * keyexchange runs over their session with the server's instance and id. */
typedef struct
{
  PadLog log;
  GstElement *msrc;
  GPtrArray *eos; /* names of pads an EOS went through */
  guint64 received; /* stats read from the handler */
} Reentrant;

static GstPadProbeReturn
count_eos (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Reentrant *r = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS) {
    g_mutex_lock (&r->log.lock);
    g_ptr_array_add (r->eos, gst_pad_get_name (pad));
    g_mutex_unlock (&r->log.lock);
  }
  return GST_PAD_PROBE_OK;
}

/* The session's thread, with the session calling back: this handler calls
 * into meetingsrc (a property, a pad asked for by name, which adds a pad
 * from inside pad-added) and into the session (a meetingsink of the same
 * meeting attaches to it as its sender). */
static void
on_pad_added_reentrant (GstElement *el, GstPad *pad, Reentrant *r)
{
  GstStructure *st = NULL;
  gchar *name = gst_pad_get_name (pad);

  g_object_get (el, "stats", &st, NULL);
  gst_structure_get_uint64 (st, "received", &r->received);
  gst_structure_free (st);
  gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, count_eos, r, NULL);
  on_pad_added (el, pad, &r->log);
  if (g_str_equal (name, "Eve-x_audio_0")) {
    GstPad *asked = gst_element_request_pad_simple (el, "nobody_video_0");
    GstElement *sink = gst_element_factory_make ("meetingsink", NULL);
    fail_unless (asked != NULL);
    gst_object_unref (asked);
    /* start sending once someone is there: a meetingsink joins the same
     * session from here (it attaches to the session that is calling us) */
    gst_bin_add (GST_BIN (GST_ELEMENT_PARENT (el)), sink);
    fail_unless (gst_element_sync_state_with_parent (sink));
  }
  g_free (name);
}

/* A pad-added handler may call into meetingsrc (no lock of the session is
 * held); a pad asked for by name that no stream matches gets a WARNING
 * listing the streams there are; eos-on-leave ends a pad whose sender
 * left; EOS sent to the pipeline (gst-launch -e) ends every pad, also those
 * without a stream. */
GST_START_TEST (test_src_reentrant_and_eos)
{
  gchar *uri;
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  Reentrant r = { { { 0 } } };
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL;
  Client *eve;
  JsonObject *o;

  server_start ();
  uri = room_uri ("reentrant");
  g_mutex_init (&r.log.lock);
  r.log.added = g_ptr_array_new_with_free_func (g_free);
  r.log.removed = g_ptr_array_new_with_free_func (g_free);
  r.log.caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r.eos = g_ptr_array_new_with_free_func (g_free);
  eve = client_join ("reentrant", "Eve x");
  o = client_expect (eve, "welcome");
  fail_unless (o != NULL);
  json_object_unref (o);
  client_send (eve,
      "{\"type\":\"publish\",\"stream\":\"audio_0\",\"kind\":\"audio\","
      "\"ssrc\":111,\"caps\":\"" AUDIO_CAPS "\",\"e2ee\":true}");
  o = client_expect (eve, "published");
  fail_unless (o != NULL);
  json_object_unref (o);

  r.msrc = gst_element_factory_make ("meetingsrc", NULL);
  g_object_set (
      r.msrc, "uri", uri, "participant", "watcher", "eos-on-leave", TRUE, NULL);
  g_signal_connect (
      r.msrc, "pad-added", G_CALLBACK (on_pad_added_reentrant), &r);
  g_signal_connect (r.msrc, "pad-removed", G_CALLBACK (on_pad_removed), &r.log);
  gst_bin_add (GST_BIN (pipeline), r.msrc);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  fail_unless (wait_count (&r.log, r.log.added, 2));
  fail_unless (has (r.log.added, "nobody_video_0"));

  /* the name no stream has: a WARNING within a few seconds */
  msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL);
  gst_message_parse_warning (msg, &err, &debug);
  fail_unless (
      strstr (err->message, "nobody_video_0") != NULL, "%s", err->message);
  fail_unless (
      strstr (err->message, "Eve-x_audio_0") != NULL, "%s", err->message);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);

  /* eve leaves: her pad ends (eos-on-leave), and stays */
  client_free (eve);
  fail_unless (wait_count (&r.log, r.eos, 1));
  g_mutex_lock (&r.log.lock);
  fail_unless_equals_string (r.eos->pdata[0], "Eve-x_audio_0");
  g_mutex_unlock (&r.log.lock);
  fail_unless_equals_int (GST_ELEMENT (r.msrc)->numsrcpads, 2);

  /* -e: the pad without a stream ends too */
  fail_unless (gst_element_send_event (pipeline, gst_event_new_eos ()));
  fail_unless (wait_count (&r.log, r.eos, 2));
  fail_unless (has (r.eos, "nobody_video_0"));

  /* stopped: the stream's pad goes, the pad asked for stays until released */
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless_equals_int (GST_ELEMENT (r.msrc)->numsrcpads, 1);
  {
    GstPad *asked = gst_element_get_static_pad (r.msrc, "nobody_video_0");
    fail_unless (asked != NULL);
    gst_element_release_request_pad (r.msrc, asked);
    gst_object_unref (asked);
  }
  fail_unless_equals_int (GST_ELEMENT (r.msrc)->numsrcpads, 0);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_ptr_array_unref (r.log.added);
  g_ptr_array_unref (r.log.removed);
  g_ptr_array_unref (r.eos);
  g_hash_table_unref (r.log.caps);
  g_mutex_clear (&r.log.lock);
  g_free (uri);
  server_stop ();
}

GST_END_TEST;

static gchar *
pad_caps (GstElement *el, const gchar *name)
{
  GstPad *pad = gst_element_get_static_pad (el, name);
  GstCaps *caps;
  gchar *str;

  fail_unless (pad != NULL, name);
  caps = gst_pad_query_caps (pad, NULL);
  str = gst_caps_to_string (caps);
  gst_caps_unref (caps);
  gst_object_unref (pad);
  return str;
}

/* A sender that comes back before its old connection is gone (two "Ann"
 * at once): the new stream gets a longer pad name meanwhile, and takes
 * Ann_audio_0 back when the old one leaves: the pad a launch line linked
 * is fed again (here: it answers the new stream's caps). */
GST_START_TEST (test_src_name_reclaimed)
{
  gchar *uri;
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *msrc = gst_element_factory_make ("meetingsrc", NULL);
  PadLog log = { 0 };
  Client *old, *again;
  JsonObject *o;
  gchar *caps;

  server_start ();
  uri = room_uri ("reclaim");
  g_mutex_init (&log.lock);
  log.added = g_ptr_array_new_with_free_func (g_free);
  log.removed = g_ptr_array_new_with_free_func (g_free);
  log.caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  old = client_join ("reclaim", "Ann");
  o = client_expect (old, "welcome");
  fail_unless (o != NULL);
  json_object_unref (o);
  client_send (old,
      "{\"type\":\"publish\",\"stream\":\"audio_0\",\"kind\":\"audio\","
      "\"ssrc\":111,\"caps\":\"" AUDIO_CAPS "\",\"e2ee\":true}");
  o = client_expect (old, "published");
  fail_unless (o != NULL);
  json_object_unref (o);

  g_object_set (msrc, "uri", uri, "participant", "watcher", NULL);
  g_signal_connect (msrc, "pad-added", G_CALLBACK (on_pad_added), &log);
  gst_bin_add (GST_BIN (pipeline), msrc);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  fail_unless (wait_count (&log, log.added, 1));
  fail_unless (has (log.added, "Ann_audio_0"));

  again = client_join ("reclaim", "Ann");
  o = client_expect (again, "welcome");
  fail_unless (o != NULL);
  json_object_unref (o);
  client_send (again,
      "{\"type\":\"publish\",\"stream\":\"audio_0\",\"kind\":\"audio\","
      "\"ssrc\":222,\"caps\":\"" VIDEO_CAPS "\",\"e2ee\":true}");
  fail_unless (wait_count (&log, log.added, 2));

  client_free (old);
  caps = NULL;
  for (gint64 end = g_get_monotonic_time () + TIMEOUT_US;
       g_get_monotonic_time () < end; g_usleep (20000)) {
    g_free (caps);
    caps = pad_caps (msrc, "Ann_audio_0");
    if (strstr (caps, "VP8"))
      break;
  }
  fail_unless (strstr (caps, "VP8") != NULL, "%s", caps);
  g_free (caps);
  g_mutex_lock (&log.lock);
  fail_unless_equals_int (log.added->len, 2);
  g_mutex_unlock (&log.lock);

  client_free (again);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_ptr_array_unref (log.added);
  g_ptr_array_unref (log.removed);
  g_hash_table_unref (log.caps);
  g_mutex_clear (&log.lock);
  g_free (uri);
  server_stop ();
}

GST_END_TEST;

/* The sessions an element's pipeline shares (the gst-meeting.session
 * context), as object pointers; empty if it has none. */
static GPtrArray *
sessions_of (GstElement *el)
{
  GPtrArray *out = g_ptr_array_new ();
  GstContext *ctx = gst_element_get_context (el, "gst-meeting.session");
  const GValue *arr;

  if (!ctx)
    return out;
  arr = gst_structure_get_value (gst_context_get_structure (ctx), "sessions");
  fail_unless (arr != NULL && GST_VALUE_HOLDS_ARRAY (arr));
  for (guint i = 0; i < gst_value_array_get_size (arr); i++)
    g_ptr_array_add (
        out, g_value_get_object (gst_value_array_get_value (arr, i)));
  gst_context_unref (ctx);
  return out;
}

static GstElement *
meeting_element (const gchar *factory, const gchar *uri)
{
  GstElement *el = gst_element_factory_make (factory, NULL);

  if (uri)
    g_object_set (el, "uri", uri, "participant", "pat", NULL);
  return el;
}

/* One session per pipeline and meeting, found through a context: two
 * meeting elements of one pipeline share one, in either order (also when
 * the one without a uri reaches READY first, or one is added to a pipeline
 * already in READY); two pipelines have two; another URI is another
 * session in the same context. No server needed: sessions connect at
 * READY→PAUSED. */
GST_START_TEST (test_session_context)
{
  const gchar *uri = "ws://127.0.0.1:1/ctx";
  const gchar *const orders[][2] = { { "meetingsink", "meetingsrc" },
    { "meetingsrc", "meetingsink" } };
  GstElement *p1, *p2, *a, *b, *c;
  GPtrArray *sa, *sb, *sc;

  for (guint i = 0; i < G_N_ELEMENTS (orders); i++) {
    /* both with the uri, added in either order */
    p1 = gst_pipeline_new (NULL);
    a = meeting_element (orders[i][0], uri);
    b = meeting_element (orders[i][1], uri);
    gst_bin_add_many (GST_BIN (p1), a, b, NULL);
    fail_unless_equals_int (
        gst_element_set_state (p1, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
    sa = sessions_of (a);
    sb = sessions_of (b);
    fail_unless_equals_int (sa->len, 1);
    fail_unless_equals_int (sb->len, 1);
    fail_unless (sa->pdata[0] == sb->pdata[0]);

    /* a second pipeline: its own session */
    p2 = gst_pipeline_new (NULL);
    c = meeting_element (orders[i][0], uri);
    gst_bin_add (GST_BIN (p2), c);
    fail_unless_equals_int (
        gst_element_set_state (p2, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
    sc = sessions_of (c);
    fail_unless_equals_int (sc->len, 1);
    fail_unless (sc->pdata[0] != sa->pdata[0]);
    g_ptr_array_unref (sc);

    /* added to the first pipeline once it is in READY, with another URI:
     * a second session, in the same context */
    c = meeting_element (orders[i][1], "ws://127.0.0.1:1/other");
    gst_bin_add (GST_BIN (p1), c);
    fail_unless (gst_element_sync_state_with_parent (c));
    sc = sessions_of (c);
    fail_unless_equals_int (sc->len, 2);
    fail_unless (sc->pdata[0] == sa->pdata[0]);
    fail_unless (sc->pdata[1] != sa->pdata[0]);
    g_ptr_array_unref (sc);
    g_ptr_array_unref (sa);
    g_ptr_array_unref (sb);
    gst_element_set_state (p1, GST_STATE_NULL);
    gst_element_set_state (p2, GST_STATE_NULL);
    gst_object_unref (p1);
    gst_object_unref (p2);

    /* the one without a uri reaches READY first (alone), its sibling with
     * the uri later: it takes the sibling's session at READY→PAUSED */
    p1 = gst_pipeline_new (NULL);
    a = meeting_element (orders[i][0], NULL);
    gst_bin_add (GST_BIN (p1), a);
    fail_unless_equals_int (
        gst_element_set_state (a, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
    b = meeting_element (orders[i][1], uri);
    gst_bin_add (GST_BIN (p1), b);
    fail_unless_equals_int (
        gst_element_set_state (b, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
    fail_unless_equals_int (gst_element_set_state (p1, GST_STATE_PAUSED),
        GST_STATE_CHANGE_NO_PREROLL);
    sa = sessions_of (a);
    sb = sessions_of (b);
    fail_unless_equals_int (sa->len, 1);
    fail_unless_equals_int (sb->len, 1);
    fail_unless (sa->pdata[0] == sb->pdata[0]);
    g_ptr_array_unref (sa);
    g_ptr_array_unref (sb);
    gst_element_set_state (p1, GST_STATE_NULL);
    gst_object_unref (p1);
  }
}

GST_END_TEST;

GST_START_TEST (test_shared_session_and_keyexchange)
{
  gchar *uri = NULL, *desc, *mid = NULL, *pid = NULL, *inst = NULL;
  GstElement *pipeline, *kx;
  Client *watcher;
  JsonObject *o;
  GError *err = NULL;
  guint joined = 0;
  gint64 deadline;

  server_start ();
  uri = room_uri ("shared");
  watcher = client_join ("shared", "watcher");
  o = client_expect (watcher, "welcome");
  fail_unless (o != NULL);
  json_object_unref (o);
  desc = g_strdup_printf ("meetingsink uri=%s participant=pat "
                          "meetingsrc keyexchange name=kx",
      uri);
  pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  fail_unless (pipeline != NULL);
  kx = gst_bin_get_by_name (GST_BIN (pipeline), "kx");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  o = client_expect (watcher, "joined");
  fail_unless (o != NULL);
  fail_unless_equals_string (json_object_get_string_member (o, "name"), "pat");
  json_object_unref (o);
  joined = 1;
  /* a second participant would join right after the first */
  deadline = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  for (GList *l = watcher->inbox.head; l; l = l->next)
    if (g_str_equal (json_object_get_string_member (l->data, "type"), "joined"))
      joined++;
  fail_unless_equals_int (joined, 1);
  /* keyexchange got the room, its id and the instance */
  deadline = g_get_monotonic_time () + TIMEOUT_US;
  while (!inst && g_get_monotonic_time () < deadline) {
    g_object_get (kx, "instance", &inst, NULL);
    g_usleep (10000);
  }
  g_object_get (kx, "meeting-id", &mid, "participant-id", &pid, NULL);
  fail_unless_equals_string (mid, "shared");
  fail_unless_equals_string (pid, "p2");
  fail_unless (inst != NULL && strlen (inst) == 32);
  /* and posted its first message on the board */
  o = client_expect (watcher, "board");
  fail_unless (o != NULL, "keyexchange said nothing on the board");
  fail_unless_equals_string (json_object_get_string_member (o, "from"), "p2");
  /* with the slot of its type (docs/protocol.md 2.6): its ANNOUNCE */
  {
    gsize n = 0;
    guchar *raw =
        g_base64_decode (json_object_get_string_member (o, "data"), &n);
    fail_unless (n > 2 && raw[0] == 1 && raw[1] == 1);
    fail_unless_equals_string (
        json_object_get_string_member (o, "slot"), "announce");
    g_free (raw);
  }
  json_object_unref (o);
  fail_unless (pop_error (pipeline, 0) == NULL);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (kx);
  gst_object_unref (pipeline);
  client_free (watcher);
  g_free (mid);
  g_free (pid);
  g_free (inst);
  g_free (uri);
  server_stop ();
}

GST_END_TEST;

/* Bad settings: a clear error, at once. */
GST_START_TEST (test_bad_settings)
{
  const gchar *bad[] = { "http://127.0.0.1:1/room", "ws://127.0.0.1:1/",
    "ws://127.0.0.1:1/a/b", "not a uri" };
  GstElement *pipeline, *el;
  GstMessage *m;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    pipeline = gst_pipeline_new (NULL);
    el = gst_element_factory_make (i % 2 ? "meetingsrc" : "meetingsink", NULL);
    g_object_set (el, "uri", bad[i], NULL);
    gst_bin_add (GST_BIN (pipeline), el);
    fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_READY),
        GST_STATE_CHANGE_FAILURE);
    m = pop_error (pipeline, 0);
    fail_unless (m != NULL, bad[i]);
    gst_message_unref (m);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    gst_object_unref (pipeline);
  }
  /* meetingsrc without a uri and nobody to share a session with: it asks
   * again at READY→PAUSED (a sibling with a uri may reach READY after it),
   * then fails with an error */
  pipeline = gst_pipeline_new (NULL);
  gst_bin_add (
      GST_BIN (pipeline), gst_element_factory_make ("meetingsrc", NULL));
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  m = pop_error (pipeline, 0);
  fail_unless (m != NULL);
  {
    GError *err = NULL;
    gst_message_parse_error (m, &err, NULL);
    fail_unless (strstr (err->message, "no uri") != NULL, "%s", err->message);
    g_error_free (err);
  }
  gst_message_unref (m);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* A server that is not there at the first join: an error naming the URI
 * and the cause within a few seconds, whatever reconnect-timeout says (its
 * patience is for meetings that were joined); nothing hangs. */
GST_START_TEST (test_gives_up)
{
  GstElement *pipeline, *el;
  GstMessage *m;
  GError *err = NULL;
  gchar *dbg = NULL;
  gint64 t0;

  pipeline = gst_pipeline_new (NULL);
  el = gst_element_factory_make ("meetingsrc", NULL);
  g_object_set (el, "uri", "ws://127.0.0.1:9/nobody", "reconnect-timeout", 60,
      "participant", "x", NULL);
  gst_bin_add (GST_BIN (pipeline), el);
  t0 = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  m = pop_error (pipeline, 10);
  fail_unless (m != NULL);
  fail_unless (g_get_monotonic_time () - t0 < 10 * G_USEC_PER_SEC);
  gst_message_parse_error (m, &err, &dbg);
  fail_unless (strstr (err->message,
                   "Could not join the meeting at "
                   "ws://127.0.0.1:9/nobody: ") != NULL,
      err->message);
  fail_unless (err->domain == GST_RESOURCE_ERROR);
  fail_unless (dbg && strstr (dbg, "ws://127.0.0.1:9/nobody") != NULL);
  g_free (dbg);
  g_error_free (err);
  gst_message_unref (m);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* The pads' accept-caps: marked RTP only, any RTP with allow-clear; the
 * caps query does not offer the mark (a payloader would copy it onto clear
 * RTP). */
GST_START_TEST (test_sink_accept_caps)
{
  GstElement *sink = gst_element_factory_make ("meetingsink", NULL);
  GstPad *pad = gst_element_request_pad_simple (sink, "audio_%u");
  GstCaps *clear = gst_caps_from_string (AUDIO_CAPS);
  GstCaps *marked = gst_caps_from_string (
      AUDIO_CAPS ",encryption=(string)sframe,"
                 "sframe-suite=(string)aes-256-gcm-sha512-128");
  GstCaps *other = gst_caps_from_string (AUDIO_CAPS ",encryption=(string)srtp");
  GstCaps *notrtp = gst_caps_from_string ("audio/x-raw");
  GstCaps *q;

  fail_unless (pad != NULL);
  fail_if (gst_pad_query_accept_caps (pad, clear));
  fail_unless (gst_pad_query_accept_caps (pad, marked));
  fail_if (gst_pad_query_accept_caps (pad, other));
  fail_if (gst_pad_query_accept_caps (pad, notrtp));
  q = gst_pad_query_caps (pad, NULL);
  fail_unless (gst_caps_get_size (q) == 1);
  fail_if (
      gst_structure_has_field (gst_caps_get_structure (q, 0), "encryption"));
  gst_caps_unref (q);

  g_object_set (sink, "allow-clear", TRUE, NULL);
  fail_unless (gst_pad_query_accept_caps (pad, clear));
  fail_unless (gst_pad_query_accept_caps (pad, marked));
  fail_if (gst_pad_query_accept_caps (pad, notrtp));

  gst_caps_unref (clear);
  gst_caps_unref (marked);
  gst_caps_unref (other);
  gst_caps_unref (notrtp);
  gst_element_release_request_pad (sink, pad);
  gst_object_unref (pad);
  gst_object_unref (sink);
}

GST_END_TEST;

/* allow-clear (on a server that allows it too): an unmarked stream is
 * sent and announced with e2ee false; its caps carry no mark. */
GST_START_TEST (test_sink_allow_clear)
{
  gchar *uri, *desc;
  GstElement *pipeline, *src;
  Client *watcher;
  JsonObject *o;
  GError *err = NULL;
  GstCaps *caps;
  const gchar *caps_str;

  server_start_with ("--allow-clear");
  uri = room_uri ("clear-ok");
  watcher = client_join ("clear-ok", "watcher");
  o = client_expect (watcher, "welcome");
  fail_unless (o != NULL);
  json_object_unref (o);
  desc = g_strdup_printf ("appsrc name=src format=time ! "
                          "meetingsink name=m participant=x allow-clear=true "
                          "uri=%s m.audio_0",
      uri);
  pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  fail_unless (pipeline != NULL);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  caps = gst_caps_from_string (AUDIO_CAPS);
  g_object_set (src, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  gst_app_src_push_buffer (GST_APP_SRC (src), make_rtp (99, 1));
  o = client_expect (watcher, "stream");
  fail_unless (o != NULL, "no stream announcement");
  fail_if (json_object_get_boolean_member (o, "e2ee"));
  caps_str = json_object_get_string_member (o, "caps");
  fail_unless (strstr (caps_str, "encryption") == NULL, caps_str);
  json_object_unref (o);
  fail_unless (pop_error (pipeline, 0) == NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  client_free (watcher);
  g_free (uri);
  server_stop ();
}

GST_END_TEST;

static Suite *
meeting_suite (void)
{
  Suite *s = suite_create ("meeting");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_sink_refuses_clear);
  tcase_add_test (tc, test_sink_announces);
  tcase_add_test (tc, test_sink_accept_caps);
  tcase_add_test (tc, test_sink_allow_clear);
  tcase_add_test (tc, test_src_pads);
  tcase_add_test (tc, test_src_reentrant_and_eos);
  tcase_add_test (tc, test_session_context);
  tcase_add_test (tc, test_src_name_reclaimed);
  tcase_add_test (tc, test_shared_session_and_keyexchange);
  tcase_add_test (tc, test_bad_settings);
  tcase_add_test (tc, test_gives_up);
  return s;
}

GST_CHECK_MAIN (meeting);
