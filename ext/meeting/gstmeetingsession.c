/* The meeting session shared by meetingsrc and meetingsink.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A GstObject that the meeting elements of a pipeline find in the
 * pipeline's "gst-meeting.session" context (this file: the object, the
 * context, the session thread, the elements' API; signaling and media are in
 * gstmeetingsession-signaling.c and gstmeetingsession-media.c).
 *
 * One session per (pipeline, meeting URI, participant): one WebSocket to the
 * server (signaling, stream announcements, ICE, the bulletin board that
 * carries keyexchange's messages) and one libnice agent (RTP and RTCP muxed
 * on one component). Both run on the session's own thread and GMainContext,
 * so that neither a blocked pipeline nor the application's main loop can
 * stall ICE or signaling. Streaming threads only call
 * gst_meeting_session_send() (under agent_lock) and the announcement calls,
 * which hand work to the session thread.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeetingsession-priv.h"
#include "meetingws.h"

#include <string.h>

GST_DEBUG_CATEGORY (meeting_session_debug);

G_DEFINE_TYPE (GstMeetingSession, gst_meeting_session, GST_TYPE_OBJECT);

static void
ensure_debug (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (
        meeting_session_debug, "meetingsession", 0, "meeting session");
    g_once_init_leave (&done, 1);
  }
}

GstMeetingSession *
session_ref (GstMeetingSession *s)
{
  return gst_object_ref (s);
}

void
local_stream_free (LocalStream *ls)
{
  g_free (ls->stream);
  g_free (ls->kind);
  g_free (ls->caps);
  g_free (ls);
}

void
gst_meeting_remote_stream_free (GstMeetingRemoteStream *rs)
{
  g_free (rs->participant_id);
  g_free (rs->participant);
  g_free (rs->stream);
  g_free (rs->kind);
  g_free (rs->pad_name);
  gst_clear_caps (&rs->caps);
  g_free (rs);
}

void
session_unref (GstMeetingSession *s)
{
  gst_object_unref (s);
}

static void
gst_meeting_session_finalize (GObject *object)
{
  GstMeetingSession *s = GST_MEETING_SESSION (object);

  g_ptr_array_unref (s->elements);
  g_ptr_array_unref (s->local);
  g_ptr_array_unref (s->kxs);
  g_array_unref (s->published);
  g_hash_table_unref (s->remote);
  g_hash_table_unref (s->names);
  g_hash_table_unref (s->absent);
  g_strfreev (s->sub_kinds);
  g_strfreev (s->sub_names);
  g_mutex_clear (&s->run_lock);
  g_mutex_clear (&s->lock);
  g_mutex_clear (&s->cb_lock);
  g_cond_clear (&s->cb_cond);
  g_mutex_clear (&s->agent_lock);
  g_free (s->uri);
  g_free (s->room);
  g_free (s->participant);
  g_free (s->passcode);
  g_free (s->tls_ca_file);
  g_free (s->self_id);
  g_free (s->instance);
  g_free (s->media_failure);
  g_clear_pointer (&s->earlier_ids, g_ptr_array_unref);
  G_OBJECT_CLASS (gst_meeting_session_parent_class)->finalize (object);
}

static void
gst_meeting_session_init (GstMeetingSession *s)
{
  g_mutex_init (&s->run_lock);
  g_mutex_init (&s->lock);
  g_mutex_init (&s->cb_lock);
  g_cond_init (&s->cb_cond);
  g_mutex_init (&s->agent_lock);
  s->elements = g_ptr_array_new ();
  s->local = g_ptr_array_new_with_free_func ((GDestroyNotify)local_stream_free);
  s->kxs = g_ptr_array_new_with_free_func (gst_object_unref);
  s->published = g_array_new (FALSE, FALSE, sizeof (guint32));
  s->remote = g_hash_table_new_full (
      NULL, NULL, NULL, (GDestroyNotify)gst_meeting_remote_stream_free);
  s->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  s->absent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->earlier_ids = g_ptr_array_new_with_free_func (g_free);
}

static void
gst_meeting_session_class_init (GstMeetingSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_meeting_session_finalize;
}

/* Runs func on the session thread, from any thread; if the session is not
 * running, func is dropped (destroy still runs). */
void
session_invoke (GstMeetingSession *s, GSourceFunc func, gpointer data,
    GDestroyNotify destroy)
{
  GMainContext *ctx;

  g_mutex_lock (&s->run_lock);
  ctx = s->ctx ? g_main_context_ref (s->ctx) : NULL;
  g_mutex_unlock (&s->run_lock);
  if (!ctx) {
    if (destroy)
      destroy (data);
    return;
  }
  g_main_context_invoke_full (ctx, G_PRIORITY_DEFAULT, func, data, destroy);
  g_main_context_unref (ctx);
}

/* ------------------------------------------------------------ bus posts */

void
post (GstMeetingSession *s, GstStructure *st)
{
  GstElement *el = NULL;

  g_mutex_lock (&s->lock);
  if (s->elements->len)
    el = gst_object_ref (s->elements->pdata[0]);
  g_mutex_unlock (&s->lock);
  if (!el) {
    gst_structure_free (st);
    return;
  }
  gst_element_post_message (el, gst_message_new_element (GST_OBJECT (el), st));
  gst_object_unref (el);
}

void
post_error (GstMeetingSession *s, const gchar *text, const gchar *debug)
{
  GstElement *el = NULL;

  g_mutex_lock (&s->lock);
  if (s->elements->len)
    el = gst_object_ref (s->elements->pdata[0]);
  g_mutex_unlock (&s->lock);
  if (!el)
    return;
  GST_ELEMENT_ERROR (el, RESOURCE, OPEN_READ_WRITE, ("%s", text),
      ("%s: %s", s->uri, debug ? debug : text));
  gst_object_unref (el);
}

/* An error that ends the session for good: posted once, then the session
 * leaves the meeting and stops trying. */
void
give_up (GstMeetingSession *s, const gchar *text, const gchar *debug)
{
  if (s->fatal || s->stopping)
    return;
  post_error (s, text, debug);
  s->fatal = TRUE;
  g_cancellable_cancel (s->cancel);
  session_disconnected (s, debug ? debug : text);
}

/* ------------------------------------------------------ receiver calls */

/* The receiver's callbacks, copied under cb_lock; between enter and leave
 * no lock of the session is held, so meetingsrc adds and removes pads (and
 * their handlers run) freely. */
void
receiver_enter (GstMeetingSession *s, GstMeetingReceiver *r, gpointer *user)
{
  g_mutex_lock (&s->cb_lock);
  *r = s->receiver;
  *user = s->receiver_user;
  s->cb_busy++;
  g_mutex_unlock (&s->cb_lock);
}

void
receiver_leave (GstMeetingSession *s)
{
  g_mutex_lock (&s->cb_lock);
  if (--s->cb_busy == 0)
    g_cond_broadcast (&s->cb_cond);
  g_mutex_unlock (&s->cb_lock);
}

void
receiver_stream_added (GstMeetingSession *s, const GstMeetingRemoteStream *rs)
{
  GstMeetingReceiver r;
  gpointer user;

  receiver_enter (s, &r, &user);
  if (r.stream_added)
    r.stream_added (user, rs);
  receiver_leave (s);
}

void
receiver_stream_removed (GstMeetingSession *s, const GstMeetingRemoteStream *rs)
{
  GstMeetingReceiver r;
  gpointer user;

  receiver_enter (s, &r, &user);
  if (r.stream_removed)
    r.stream_removed (user, rs);
  receiver_leave (s);
}

static gboolean
begin (gpointer data)
{
  GstMeetingSession *s = data;

  s->soup = soup_session_new_with_options ("timeout", 10, NULL);
  if (s->tls_ca_file) {
    GError *err = NULL;
    GTlsDatabase *db = g_tls_file_database_new (s->tls_ca_file, &err);
    if (!db) {
      post_error (s, "Cannot read the TLS CA file", err->message);
      g_error_free (err);
      s->fatal = TRUE;
      return G_SOURCE_REMOVE;
    }
    soup_session_set_tls_database (s->soup, db);
    g_object_unref (db);
  }
  s->watchdog = g_timeout_source_new_seconds (1);
  g_source_set_callback (s->watchdog, watchdog, s, NULL);
  g_source_attach (s->watchdog, s->ctx);
  connect_ws (s);
  return G_SOURCE_REMOVE;
}

static gboolean
finish (gpointer data)
{
  GstMeetingSession *s = data;

  s->stopping = TRUE;
  g_cancellable_cancel (s->cancel);
  if (s->ws && s->joined)
    session_send_text (s, meeting_msg_simple_text (MEETING_MSG_LEAVE));
  s->joined = FALSE;
  drop_ws (s, TRUE);
  media_stop (s);
  remote_streams_remove (s, NULL, NULL, FALSE);
  if (s->retry) {
    g_source_destroy (s->retry);
    g_clear_pointer (&s->retry, g_source_unref);
  }
  if (s->watchdog) {
    g_source_destroy (s->watchdog);
    g_clear_pointer (&s->watchdog, g_source_unref);
  }
  if (s->republish) {
    g_source_destroy (s->republish);
    g_clear_pointer (&s->republish, g_source_unref);
  }
  g_clear_object (&s->soup);
  g_main_loop_quit (s->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
thread_main (gpointer data)
{
  GstMeetingSession *s = data;

  g_main_context_push_thread_default (s->ctx);
  g_main_loop_run (s->loop);
  /* let the close frame and the leave go out */
  while (g_main_context_iteration (s->ctx, FALSE))
    ;
  g_main_context_pop_thread_default (s->ctx);
  return NULL;
}

void
gst_meeting_session_start (GstMeetingSession *s)
{
  g_mutex_lock (&s->run_lock);
  if (s->starts++ == 0) {
    s->stopping = FALSE;
    s->fatal = FALSE;
    s->connects = 0;
    s->down_since = 0;
    s->backoff_ms = 0;
    s->started_at = g_get_monotonic_time ();
    s->media_failing_since = 0;
    s->media_up_since = 0;
    s->media_backoff_ms = 0;
    s->cancel = g_cancellable_new ();
    s->ctx = g_main_context_new ();
    s->loop = g_main_loop_new (s->ctx, FALSE);
    s->rtcp_ssrc = g_random_int ();
    g_main_context_invoke (s->ctx, begin, s);
    s->thread = g_thread_new ("meetingsession", thread_main, s);
  }
  g_mutex_unlock (&s->run_lock);
}

void
gst_meeting_session_stop (GstMeetingSession *s)
{
  GThread *thread = NULL;

  g_mutex_lock (&s->run_lock);
  if (s->starts > 0 && --s->starts == 0) {
    thread = s->thread;
    s->thread = NULL;
  }
  g_mutex_unlock (&s->run_lock);
  if (!thread)
    return;
  g_main_context_invoke (s->ctx, finish, s);
  g_thread_join (thread);
  g_clear_pointer (&s->loop, g_main_loop_unref);
  g_mutex_lock (&s->run_lock);
  g_clear_pointer (&s->ctx, g_main_context_unref);
  g_mutex_unlock (&s->run_lock);
  g_clear_object (&s->cancel);
}

/* ------------------------------------------------------------ public */

static GstElement *
top_level (GstElement *el)
{
  GstObject *o = gst_object_ref (GST_OBJECT (el));
  GstObject *p;

  while ((p = gst_object_get_parent (o))) {
    gst_object_unref (o);
    o = p;
  }
  gst_object_unref (o); /* identity only: the pipeline outlives us */
  return GST_ELEMENT (o);
}

static gchar *
room_of (const gchar *uri, gboolean *loopback, GError **error)
{
  GUri *u = g_uri_parse (uri, G_URI_FLAGS_NONE, error);
  const gchar *path, *scheme, *host;
  gchar *room = NULL;

  if (!u)
    return NULL;
  scheme = g_uri_get_scheme (u);
  path = g_uri_get_path (u);
  host = g_uri_get_host (u);
  if (!scheme || !(g_str_equal (scheme, "ws") || g_str_equal (scheme, "wss")) ||
      !host || !path || strlen (path) < 2 || strchr (path + 1, '/')) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_FAILED,
        "a meeting URI is ws://HOST:PORT/ROOM or wss://HOST:PORT/ROOM");
  } else {
    GInetAddress *ia = g_inet_address_new_from_string (host);
    room = g_uri_unescape_string (path + 1, NULL);
    *loopback = g_str_equal (host, "localhost") ||
        (ia && g_inet_address_get_is_loopback (ia));
    g_clear_object (&ia);
  }
  g_uri_unref (u);
  return room;
}

/* ------------------------------------------------------------ context */

/* The sessions of a pipeline, one per (meeting URI, participant), travel in
 * one context, "gst-meeting.session", field "sessions" (an array of
 * GstMeetingSession): the pipeline's context cache hands them to every
 * meeting element that asks, in whichever order they reach READY. */
static GstMeetingSession *
find_session (GstContext *ctx, const GstMeetingSessionConfig *cfg)
{
  const GValue *arr;

  if (!ctx)
    return NULL;
  arr = gst_structure_get_value (gst_context_get_structure (ctx), "sessions");
  if (!arr || !GST_VALUE_HOLDS_ARRAY (arr))
    return NULL;
  for (guint i = 0; i < gst_value_array_get_size (arr); i++) {
    const GValue *v = gst_value_array_get_value (arr, i);
    GstMeetingSession *c;
    if (!G_VALUE_HOLDS (v, GST_TYPE_MEETING_SESSION))
      continue;
    c = g_value_get_object (v);
    if (cfg->uri && !g_str_equal (c->uri, cfg->uri))
      continue;
    if (cfg->participant && !g_str_equal (c->participant, cfg->participant))
      continue;
    return gst_object_ref (c);
  }
  return NULL;
}

/* the element's own context, else the one its bins (or the application)
 * answer a NEED_CONTEXT with */
static GstContext *
get_context (GstElement *element)
{
  GstContext *ctx =
      gst_element_get_context (element, GST_MEETING_SESSION_CONTEXT_TYPE);

  if (ctx)
    return ctx;
  gst_element_post_message (element,
      gst_message_new_need_context (
          GST_OBJECT (element), GST_MEETING_SESSION_CONTEXT_TYPE));
  return gst_element_get_context (element, GST_MEETING_SESSION_CONTEXT_TYPE);
}

/* the context with s added, set on the element and announced (the bins
 * cache it for the other meeting elements) */
static void
announce_session (GstElement *element, GstContext *old, GstMeetingSession *s)
{
  GstContext *ctx = gst_context_new (GST_MEETING_SESSION_CONTEXT_TYPE, FALSE);
  GstStructure *st = gst_context_writable_structure (ctx);
  GValue arr = G_VALUE_INIT, v = G_VALUE_INIT;
  const GValue *had = old
      ? gst_structure_get_value (gst_context_get_structure (old), "sessions")
      : NULL;

  gst_value_array_init (&arr, 1);
  if (had && GST_VALUE_HOLDS_ARRAY (had))
    for (guint i = 0; i < gst_value_array_get_size (had); i++)
      gst_value_array_append_value (&arr, gst_value_array_get_value (had, i));
  g_value_init (&v, GST_TYPE_MEETING_SESSION);
  g_value_set_object (&v, s);
  gst_value_array_append_and_take_value (&arr, &v);
  gst_structure_take_value (st, "sessions", &arr);
  gst_element_set_context (element, ctx);
  gst_element_post_message (
      element, gst_message_new_have_context (GST_OBJECT (element), ctx));
}

GstMeetingSession *
gst_meeting_session_acquire (
    GstElement *element, const GstMeetingSessionConfig *cfg, GError **error)
{
  GstMeetingSession *s;
  GstContext *ctx;
  gboolean loopback = FALSE;
  gchar *room = NULL;

  ensure_debug ();
  if (cfg->uri && !(room = room_of (cfg->uri, &loopback, error)))
    return NULL;
  ctx = get_context (element);
  s = find_session (ctx, cfg);
  if (!s && !cfg->uri) {
    if (ctx)
      gst_context_unref (ctx);
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_FAILED,
        "no uri set, and no other meeting element of the pipeline has one");
    return NULL;
  }
  if (!s) {
    s = g_object_new (GST_TYPE_MEETING_SESSION, NULL);
    gst_object_ref_sink (s);
    s->uri = g_strdup (cfg->uri);
    s->room = room;
    room = NULL;
    s->loopback = loopback;
    s->participant =
        g_strdup (cfg->participant ? cfg->participant : g_get_user_name ());
    s->passcode = g_strdup (cfg->passcode);
    s->tls_ca_file = g_strdup (cfg->tls_ca_file);
    s->reconnect_timeout = cfg->reconnect_timeout;
    GST_INFO_OBJECT (
        element, "new session %" GST_PTR_FORMAT " for %s", s, s->uri);
    announce_session (element, ctx, s);
  }
  if (ctx)
    gst_context_unref (ctx);
  g_free (room);

  g_mutex_lock (&s->run_lock);
  s->users++;
  g_mutex_unlock (&s->run_lock);
  g_mutex_lock (&s->lock);
  g_ptr_array_add (s->elements, element);
  bind_keyexchanges (s, top_level (element));
  g_mutex_unlock (&s->lock);
  return s;
}

void
gst_meeting_session_release (GstMeetingSession *s, GstElement *element)
{
  gboolean last;

  g_mutex_lock (&s->run_lock);
  last = --s->users == 0;
  g_mutex_unlock (&s->run_lock);

  g_mutex_lock (&s->lock);
  g_ptr_array_remove (s->elements, element);
  g_mutex_unlock (&s->lock);
  if (last) {
    g_mutex_lock (&s->lock);
    for (guint i = 0; i < s->kxs->len; i++)
      g_signal_handlers_disconnect_by_func (s->kxs->pdata[i], on_kx_send, s);
    g_ptr_array_set_size (s->kxs, 0);
    g_mutex_unlock (&s->lock);
  }
  session_unref (s); /* the element's */
}

const gchar *
gst_meeting_session_get_uri (GstMeetingSession *s)
{
  return s->uri;
}

void
gst_meeting_session_publish (GstMeetingSession *s, const gchar *stream,
    const gchar *kind, guint32 ssrc, const GstCaps *caps, gboolean e2ee)
{
  LocalStream *ls = NULL, *copy;
  gboolean republish = FALSE;

  g_mutex_lock (&s->lock);
  for (guint i = 0; i < s->local->len; i++)
    if (g_str_equal (((LocalStream *)s->local->pdata[i])->stream, stream))
      ls = s->local->pdata[i];
  if (ls) {
    republish = TRUE;
    g_free (ls->caps);
  } else {
    ls = g_new0 (LocalStream, 1);
    ls->stream = g_strdup (stream);
    ls->kind = g_strdup (kind);
    g_ptr_array_add (s->local, ls);
  }
  ls->ssrc = ssrc;
  ls->caps = gst_caps_to_string (caps);
  ls->e2ee = e2ee;
  copy = g_new0 (LocalStream, 1);
  copy->stream = g_strdup (ls->stream);
  copy->kind = g_strdup (ls->kind);
  copy->caps = g_strdup (ls->caps);
  copy->ssrc = ssrc;
  copy->e2ee = e2ee;
  g_mutex_unlock (&s->lock);
  if (republish)
    schedule_announce (s, NULL, stream);
  schedule_announce (s, copy, NULL);
}

void
gst_meeting_session_unpublish (GstMeetingSession *s, const gchar *stream)
{
  gboolean found = FALSE;

  g_mutex_lock (&s->lock);
  for (guint i = 0; i < s->local->len; i++)
    if (g_str_equal (((LocalStream *)s->local->pdata[i])->stream, stream)) {
      g_ptr_array_remove_index (s->local, i);
      found = TRUE;
      break;
    }
  g_mutex_unlock (&s->lock);
  if (found)
    schedule_announce (s, NULL, stream);
}

static gboolean
replay_streams (gpointer data)
{
  GstMeetingSession *s = data;
  GList *all = g_hash_table_get_values (s->remote);

  /* the session thread: nothing removes streams while this runs */
  for (GList *l = all; l; l = l->next)
    receiver_stream_added (s, l->data);
  g_list_free (all);
  send_subscribe (s);
  return G_SOURCE_REMOVE;
}

static gboolean
resubscribe (gpointer data)
{
  send_subscribe (data);
  return G_SOURCE_REMOVE;
}

void
gst_meeting_session_attach_receiver (GstMeetingSession *s,
    const GstMeetingReceiver *receiver, gpointer user,
    const gchar *const *kinds, const gchar *const *names)
{
  g_mutex_lock (&s->cb_lock);
  s->receiver = *receiver;
  s->receiver_user = user;
  g_strfreev (s->sub_kinds);
  g_strfreev (s->sub_names);
  s->sub_kinds = g_strdupv ((gchar **)kinds);
  s->sub_names = g_strdupv ((gchar **)names);
  g_mutex_unlock (&s->cb_lock);
  /* streams already announced */
  session_invoke (
      s, replay_streams, session_ref (s), (GDestroyNotify)session_unref);
}

void
gst_meeting_session_detach_receiver (GstMeetingSession *s)
{
  GThread *thread;

  g_mutex_lock (&s->run_lock);
  thread = s->thread;
  g_mutex_unlock (&s->run_lock);
  g_mutex_lock (&s->cb_lock);
  memset (&s->receiver, 0, sizeof (s->receiver));
  s->receiver_user = NULL;
  /* no callback runs after this returns (unless it is called from one:
   * that one is ours to finish) */
  while (s->cb_busy > 0 && thread != g_thread_self ())
    g_cond_wait (&s->cb_cond, &s->cb_lock);
  g_mutex_unlock (&s->cb_lock);
  /* a session that goes on (its meetingsink stays) stops receiving */
  session_invoke (
      s, resubscribe, session_ref (s), (GDestroyNotify)session_unref);
}

void
gst_meeting_session_attach_sender (
    GstMeetingSession *s, const GstMeetingSender *sender, gpointer user)
{
  g_mutex_lock (&s->cb_lock);
  s->sender = *sender;
  s->sender_user = user;
  g_mutex_unlock (&s->cb_lock);
}

void
gst_meeting_session_detach_sender (GstMeetingSession *s)
{
  g_mutex_lock (&s->cb_lock);
  memset (&s->sender, 0, sizeof (s->sender));
  s->sender_user = NULL;
  g_mutex_unlock (&s->cb_lock);
}
