/* meetingsink and meetingsrc against the real gst-meeting-server (a child
 * process on 127.0.0.1), watched and fed by plain WebSocket clients of the
 * test: announcements, the shared session, keyexchange wiring, refusals.
 * The pads of meetingsrc: meeting-src.c.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "meeting-common.h"

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
  client_wait_for (watcher, "left");
  gst_object_unref (src);
  gst_object_unref (pipeline);
  client_free (watcher);
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
  tcase_add_test (tc, test_session_context);
  tcase_add_test (tc, test_shared_session_and_keyexchange);
  tcase_add_test (tc, test_bad_settings);
  tcase_add_test (tc, test_gives_up);
  return s;
}

GST_CHECK_MAIN (meeting);
