/* meetingsrc against the real gst-meeting-server (a child process on
 * 127.0.0.1), fed by plain WebSocket clients of the test: pad names and
 * caps, filters, pad removal, re-entrant pad-added and EOS, names reclaimed.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "meeting-common.h"

typedef struct
{
  GMutex lock;
  GPtrArray *added; /* pad names */
  GPtrArray *removed;
  GHashTable *caps; /* pad name -> caps string */
} PadLog;

static void
pad_log_init (PadLog *log)
{
  g_mutex_init (&log->lock);
  log->added = g_ptr_array_new_with_free_func (g_free);
  log->removed = g_ptr_array_new_with_free_func (g_free);
  log->caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
pad_log_clear (PadLog *log)
{
  g_ptr_array_unref (log->added);
  g_ptr_array_unref (log->removed);
  g_hash_table_unref (log->caps);
  g_mutex_clear (&log->lock);
}

/* an end-to-end encrypted stream of the client's */
static void
client_publish (Client *c, const gchar *stream, const gchar *kind, guint ssrc,
    const gchar *caps)
{
  gchar *text = g_strdup_printf ("{\"type\":\"publish\",\"stream\":\"%s\","
                                 "\"kind\":\"%s\",\"ssrc\":%u,\"caps\":\"%s\","
                                 "\"e2ee\":true}",
      stream, kind, ssrc, caps);

  client_send (c, text);
  g_free (text);
}

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

  pad_log_init (&log);
  eve = client_join ("pads", "Eve x");
  client_publish (eve, "audio_0", "audio", 111, AUDIO_CAPS);
  client_publish (eve, "video_0", "video", 222, VIDEO_CAPS);
  client_wait_for (eve, "published");

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
  client_publish (eve, "video_0", "video", 333, VIDEO_CAPS);
  client_wait_for (eve, "published");
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
  pad_log_clear (&log);
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

  server_start ();
  uri = room_uri ("reentrant");
  pad_log_init (&r.log);
  r.eos = g_ptr_array_new_with_free_func (g_free);
  eve = client_join ("reentrant", "Eve x");
  client_publish (eve, "audio_0", "audio", 111, AUDIO_CAPS);
  client_wait_for (eve, "published");

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
  g_ptr_array_unref (r.eos);
  pad_log_clear (&r.log);
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
  gchar *caps;

  server_start ();
  uri = room_uri ("reclaim");
  pad_log_init (&log);
  old = client_join ("reclaim", "Ann");
  client_publish (old, "audio_0", "audio", 111, AUDIO_CAPS);
  client_wait_for (old, "published");

  g_object_set (msrc, "uri", uri, "participant", "watcher", NULL);
  g_signal_connect (msrc, "pad-added", G_CALLBACK (on_pad_added), &log);
  gst_bin_add (GST_BIN (pipeline), msrc);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  fail_unless (wait_count (&log, log.added, 1));
  fail_unless (has (log.added, "Ann_audio_0"));

  again = client_join ("reclaim", "Ann");
  client_publish (again, "audio_0", "audio", 222, VIDEO_CAPS);
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
  pad_log_clear (&log);
  g_free (uri);
  server_stop ();
}

GST_END_TEST;

static Suite *
meeting_src_suite (void)
{
  Suite *s = suite_create ("meeting-src");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_src_pads);
  tcase_add_test (tc, test_src_reentrant_and_eos);
  tcase_add_test (tc, test_src_name_reclaimed);
  return s;
}

GST_CHECK_MAIN (meeting_src);
