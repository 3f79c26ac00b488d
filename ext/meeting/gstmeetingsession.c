/* The meeting session shared by meetingsrc and meetingsink.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
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

#include "gstmeetingsession.h"
#include "meetingrtcp.h"
#include "meetingws.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <nice/agent.h>

GST_DEBUG_CATEGORY_STATIC (meeting_session_debug);
#define GST_CAT_DEFAULT meeting_session_debug

#define MAX_SIGNALING_MESSAGE (1024 * 1024)
#define KEEPALIVE_S 2
#define DEAD_AFTER_US (8 * G_USEC_PER_SEC)
#define CONNECT_TIMEOUT_S 10 /* as the SoupSession's "timeout" */
#define MAX_BACKOFF_MS 4000
#define MAX_REMOTE_STREAMS 256
#define MAX_BATCH 64
#define SSRC_RETRY_US (30 * G_USEC_PER_SEC)
#define SSRC_RETRY_INTERVAL_MS 1000
/* a media path that fails: rejoin after 1 s, 2 s, 4 s, then every 8 s (each
 * rejoin rekeys the meeting); the back-off starts again only once media has
 * flowed this long */
#define MEDIA_BACKOFF_FIRST_MS 1000
#define MEDIA_BACKOFF_MAX_MS 8000
#define MEDIA_STABLE_US (30 * G_USEC_PER_SEC)
/* the first join: no welcome this long after start is an error */
#define FIRST_JOIN_US (6 * G_USEC_PER_SEC)

typedef struct
{
  gchar *stream;
  gchar *kind;
  guint32 ssrc;
  gchar *caps;
  gboolean e2ee;
} LocalStream;

struct _GstMeetingSession
{
  GstObject parent;

  /* run_lock: users, starts, and the thread and context of a running
   * session (ctx is read from any thread to hand work to it) */
  GMutex run_lock;
  gint users; /* elements that acquired it */
  gint starts; /* elements that started it */

  /* identity: fixed after creation */
  gchar *uri;
  gchar *room;
  gchar *participant;
  gchar *passcode;
  gchar *tls_ca_file;
  guint reconnect_timeout;
  gboolean loopback; /* server on a loopback address */

  GMutex lock; /* users, local streams, kx list, receiver/sender flags */
  GPtrArray *elements; /* acquirers, not owned; [0] posts bus messages */
  GPtrArray *local; /* LocalStream* */
  GPtrArray *kxs; /* keyexchange elements bound to the meeting (owned) */

  /* receiver and sender callbacks: copied under cb_lock, called without
   * it (a pad-added handler may call back into meetingsrc and the session);
   * cb_busy counts the receiver calls under way, detach waits for them */
  GMutex cb_lock;
  GCond cb_cond;
  guint cb_busy;
  GstMeetingReceiver receiver;
  gpointer receiver_user;
  GStrv sub_kinds, sub_names; /* what the receiver wants (NULL: all) */
  GstMeetingSender sender;
  gpointer sender_user;

  /* the media path: streaming threads send under agent_lock */
  GMutex agent_lock;
  NiceAgent *agent;
  guint stream_id;
  gboolean ice_ready;
  GArray *published; /* guint32 SSRCs the server accepted */
  guint32 rtcp_ssrc;

  /* the session thread and everything below it */
  GThread *thread;
  GMainContext *ctx;
  GMainLoop *loop;
  SoupSession *soup;
  SoupWebsocketConnection *ws;
  GCancellable *cancel;
  gboolean stopping;
  gboolean fatal;
  gboolean joined;
  gchar *self_id;
  gchar *instance;
  GPtrArray *earlier_ids; /* our own ids in this instance before a rejoin */
  GHashTable *remote; /* ssrc -> GstMeetingRemoteStream* */
  GHashTable *names; /* participant id -> display name */
  GHashTable *absent; /* ids of board authors no longer here */
  gint64 last_seen;
  gint64 down_since; /* 0: connected or never */
  guint backoff_ms;
  guint connects;
  GSource *retry;
  GSource *watchdog;
  GSource *republish; /* publish again after ssrc-taken */
  gint64 ssrc_taken_since;
  gint64 started_at; /* for the first join's deadline */
  gint64 media_failing_since; /* 0: media up, or never failed */
  gint64 media_up_since; /* 0: ICE not connected */
  guint media_backoff_ms;
  gchar *media_failure; /* the last cause */
};

G_DEFINE_TYPE (GstMeetingSession, gst_meeting_session, GST_TYPE_OBJECT);

static void session_disconnected (GstMeetingSession *s, const gchar *reason);
static void connect_ws (GstMeetingSession *s);

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

static GstMeetingSession *
session_ref (GstMeetingSession *s)
{
  return gst_object_ref (s);
}

static void
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

static void
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
static void
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

static void
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

static void
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
static void
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
static gboolean
receiver_enter (GstMeetingSession *s, GstMeetingReceiver *r, gpointer *user)
{
  g_mutex_lock (&s->cb_lock);
  *r = s->receiver;
  *user = s->receiver_user;
  s->cb_busy++;
  g_mutex_unlock (&s->cb_lock);
  return TRUE;
}

static void
receiver_leave (GstMeetingSession *s)
{
  g_mutex_lock (&s->cb_lock);
  if (--s->cb_busy == 0)
    g_cond_broadcast (&s->cb_cond);
  g_mutex_unlock (&s->cb_lock);
}

static void
receiver_stream_added (GstMeetingSession *s, const GstMeetingRemoteStream *rs)
{
  GstMeetingReceiver r;
  gpointer user;

  receiver_enter (s, &r, &user);
  if (r.stream_added)
    r.stream_added (user, rs);
  receiver_leave (s);
}

static void
receiver_stream_removed (GstMeetingSession *s, const GstMeetingRemoteStream *rs)
{
  GstMeetingReceiver r;
  gpointer user;

  receiver_enter (s, &r, &user);
  if (r.stream_removed)
    r.stream_removed (user, rs);
  receiver_leave (s);
}

/* ------------------------------------------------------------ signaling */

static const gchar *
get_str (JsonObject *o, const gchar *name)
{
  JsonNode *n = json_object_get_member (o, name);

  if (!n || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static gboolean
get_bool (JsonObject *o, const gchar *name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n && JSON_NODE_HOLDS_VALUE (n) &&
      json_node_get_value_type (n) == G_TYPE_BOOLEAN &&
      json_node_get_boolean (n);
}

static JsonArray *
get_array (JsonObject *o, const gchar *name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static void
send_json (GstMeetingSession *s, JsonBuilder *b)
{
  JsonGenerator *g = json_generator_new ();
  JsonNode *n = json_builder_get_root (b);
  gchar *text;

  json_generator_set_root (g, n);
  text = json_generator_to_data (g, NULL);
  if (s->ws &&
      soup_websocket_connection_get_state (s->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (s->ws, text);
  g_free (text);
  json_node_unref (n);
  g_object_unref (g);
  g_object_unref (b);
}

static JsonBuilder *
msg_begin (const gchar *type)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  return b;
}

static void
add_member_str (JsonBuilder *b, const gchar *name, const gchar *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

static void
send_publish (GstMeetingSession *s, LocalStream *ls)
{
  JsonBuilder *b = msg_begin ("publish");

  add_member_str (b, "stream", ls->stream);
  add_member_str (b, "kind", ls->kind);
  json_builder_set_member_name (b, "ssrc");
  json_builder_add_int_value (b, ls->ssrc);
  add_member_str (b, "caps", ls->caps);
  json_builder_set_member_name (b, "e2ee");
  json_builder_add_boolean_value (b, ls->e2ee);
  json_builder_end_object (b);
  send_json (s, b);
}

/* ----------------------------------------------------------- keyexchange */

typedef struct
{
  GstMeetingSession *s;
  GBytes *data;
} BoardPost;

static void
board_post_free (BoardPost *bp)
{
  g_bytes_unref (bp->data);
  session_unref (bp->s);
  g_free (bp);
}

/* The board slot of a keyexchange message, from its clear header (version
 * 1, type; docs/protocol.md 1.3): the server keeps only an author's latest
 * message per slot (2.6). */
static const gchar *
board_slot (GBytes *msg)
{
  static const gchar *const slots[] = { NULL, "announce", "ack", "keys",
    "roster", "heartbeat", "leave" };
  gsize n;
  const guint8 *d = g_bytes_get_data (msg, &n);

  if (n < 2 || d[0] != 1 || d[1] >= G_N_ELEMENTS (slots))
    return NULL;
  return slots[d[1]];
}

static gboolean
board_post (gpointer data)
{
  BoardPost *bp = data;
  GstMeetingSession *s = bp->s;
  const gchar *slot = board_slot (bp->data);
  gchar *b64;
  JsonBuilder *b;

  if (!s->joined)
    return G_SOURCE_REMOVE; /* of an earlier instance, or too early */
  b64 = g_base64_encode (
      g_bytes_get_data (bp->data, NULL), g_bytes_get_size (bp->data));
  b = msg_begin ("board");
  add_member_str (b, "data", b64);
  if (slot)
    add_member_str (b, "slot", slot);
  json_builder_end_object (b);
  send_json (s, b);
  g_free (b64);
  return G_SOURCE_REMOVE;
}

/* keyexchange's thread */
static void
on_kx_send (GstElement *kx, GBytes *msg, gpointer user_data)
{
  GstMeetingSession *s = user_data;
  BoardPost *bp = g_new0 (BoardPost, 1);

  bp->s = session_ref (s);
  bp->data = g_bytes_ref (msg);
  session_invoke (s, board_post, bp, (GDestroyNotify)board_post_free);
}

static void
kx_handler_unref (gpointer data, GClosure *closure)
{
  session_unref (data);
}

/* keyexchange elements of the pipeline that belong to this meeting (no
 * meeting-id, or this room's) run over the session's bulletin board. They
 * are known by their type (registered by the e2ee plugin: found by name, so
 * that no C type crosses between the two plugins) and driven through their
 * action signals bind-channel, channel-ready, receive-message,
 * participant-gone and their send-message signal. */
static void
bind_keyexchanges (GstMeetingSession *s, GstElement *pipeline)
{
  GType kx_type = g_type_from_name ("GstKeyExchange");
  GstIterator *it;
  GValue v = G_VALUE_INIT;

  if (!kx_type || !GST_IS_BIN (pipeline))
    return;
  it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *el = g_value_get_object (&v);
    gchar *mid = NULL;

    if (G_TYPE_CHECK_INSTANCE_TYPE (el, kx_type)) {
      g_object_get (el, "meeting-id", &mid, NULL);
      if ((!mid || g_str_equal (mid, s->room)) &&
          !g_ptr_array_find (s->kxs, el, NULL)) {
        GST_INFO ("keyexchange %s runs over %s", GST_OBJECT_NAME (el), s->uri);
        g_ptr_array_add (s->kxs, gst_object_ref (el));
        g_signal_connect_data (el, "send-message", G_CALLBACK (on_kx_send),
            session_ref (s), kx_handler_unref, 0);
        g_signal_emit_by_name (el, "bind-channel");
      }
      g_free (mid);
    }
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
}

static GPtrArray *
kx_list (GstMeetingSession *s)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (gst_object_unref);

  g_mutex_lock (&s->lock);
  for (guint i = 0; i < s->kxs->len; i++)
    g_ptr_array_add (a, gst_object_ref (s->kxs->pdata[i]));
  g_mutex_unlock (&s->lock);
  return a;
}

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

static void
remote_stream_add (GstMeetingSession *s, JsonObject *o)
{
  const gchar *from = get_str (o, "from"), *name = get_str (o, "name");
  const gchar *stream = get_str (o, "stream"), *kind = get_str (o, "kind");
  const gchar *caps = get_str (o, "caps");
  JsonNode *ssrc_node = json_object_get_member (o, "ssrc");
  GstMeetingRemoteStream *rs;
  GstCaps *c;
  gchar *base;

  if (!from || !name || !stream || !kind || !caps || !ssrc_node ||
      !JSON_NODE_HOLDS_VALUE (ssrc_node) ||
      json_node_get_value_type (ssrc_node) != G_TYPE_INT64) {
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
  rs->kind = g_strdup (kind);
  rs->ssrc = (guint32)json_node_get_int (ssrc_node);
  rs->caps = c;
  rs->e2ee = get_bool (o, "e2ee");
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
  GstMeetingRemoteStream *rs = value;

  if (from && !g_str_equal (rs->participant_id, from))
    return FALSE;
  if (stream && !g_str_equal (rs->stream, stream))
    return FALSE;
  rs->left = left;
  receiver_stream_removed (s, rs);
  return TRUE;
}

/* from NULL: everybody's; stream NULL: all of from's. The receiver is told
 * the stream left (its sender unpublished it or left the meeting), or that
 * we lost the meeting (our disconnect or stop: left FALSE). */
static void
remote_streams_remove (
    GstMeetingSession *s, const gchar *from, const gchar *stream, gboolean left)
{
  gpointer data[4] = { s, (gpointer)from, NULL, GINT_TO_POINTER (left) };
  gchar *clean = stream ? sanitize (stream, TRUE) : NULL;

  data[2] = clean;
  g_hash_table_foreach_remove (s->remote, remove_one, data);
  g_free (clean);
}

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
  GstBuffer *out;

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
  out = gst_buffer_new_allocate (NULL, len, NULL);
  gst_buffer_fill (out, 0, buf, len);
  {
    GstMeetingReceiver r;
    gpointer user;

    receiver_enter (s, &r, &user);
    if (r.media)
      r.media (user, rs, out);
    else
      gst_buffer_unref (out);
    receiver_leave (s);
  }
}

static void
send_ice (GstMeetingSession *s, const gchar *type, const gchar *k1,
    const gchar *v1, const gchar *k2, const gchar *v2)
{
  JsonBuilder *b = msg_begin (type);

  if (k1)
    add_member_str (b, k1, v1);
  if (k2)
    add_member_str (b, k2, v2);
  json_builder_end_object (b);
  send_json (s, b);
}

static void
on_new_candidate (NiceAgent *agent, NiceCandidate *cand, gpointer user_data)
{
  GstMeetingSession *s = user_data;
  gchar *sdp = nice_agent_generate_local_candidate_sdp (agent, cand);

  send_ice (s, "candidate", "candidate", sdp, NULL, NULL);
  g_free (sdp);
}

static void
on_gathering_done (NiceAgent *agent, guint stream_id, gpointer user_data)
{
  send_ice (user_data, "end-of-candidates", NULL, NULL, NULL, NULL);
}

/* The media path failed (our ICE agent gave up, or the server said
 * media-failed): rejoin with a back-off that a successful join does not
 * reset, so that one participant whose UDP is blocked cannot make the
 * meeting rekey over and over; an error once reconnect-timeout has passed
 * since the first failure without media coming up. */
static void
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
on_component_state (NiceAgent *agent, guint stream_id, guint component,
    guint state, gpointer user_data)
{
  GstMeetingSession *s = user_data;
  gboolean ready = state == NICE_COMPONENT_STATE_CONNECTED ||
      state == NICE_COMPONENT_STATE_READY;
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

static gboolean
media_start (GstMeetingSession *s)
{
  NiceAgent *agent;
  guint sid;
  gchar *ufrag = NULL, *pwd = NULL;

  agent = nice_agent_new_full (
      s->ctx, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);
  g_object_set (
      agent, "controlling-mode", TRUE, "ice-tcp", FALSE, "upnp", FALSE, NULL);
  if (s->loopback) {
    /* libnice leaves loopback out of its own discovery */
    NiceAddress a;
    nice_address_init (&a);
    nice_address_set_from_string (&a, "127.0.0.1");
    nice_agent_add_local_address (agent, &a);
  }
  sid = nice_agent_add_stream (agent, 1);
  if (!sid) {
    g_object_unref (agent);
    return FALSE;
  }
  g_signal_connect (
      agent, "new-candidate-full", G_CALLBACK (on_new_candidate), s);
  g_signal_connect (
      agent, "candidate-gathering-done", G_CALLBACK (on_gathering_done), s);
  g_signal_connect (
      agent, "component-state-changed", G_CALLBACK (on_component_state), s);
  nice_agent_attach_recv (agent, sid, 1, s->ctx, on_media, s);
  g_mutex_lock (&s->agent_lock);
  s->agent = agent;
  s->stream_id = sid;
  s->ice_ready = FALSE;
  g_mutex_unlock (&s->agent_lock);
  nice_agent_get_local_credentials (agent, sid, &ufrag, &pwd);
  send_ice (s, "ice", "ufrag", ufrag, "pwd", pwd);
  g_free (ufrag);
  g_free (pwd);
  return nice_agent_gather_candidates (agent, sid);
}

static void
media_stop (GstMeetingSession *s)
{
  NiceAgent *agent;
  guint sid;

  g_mutex_lock (&s->agent_lock);
  agent = s->agent;
  sid = s->stream_id;
  s->agent = NULL;
  s->ice_ready = FALSE;
  g_array_set_size (s->published, 0);
  g_mutex_unlock (&s->agent_lock);
  s->media_up_since = 0;
  if (!agent)
    return;
  g_signal_handlers_disconnect_by_data (agent, s);
  nice_agent_attach_recv (agent, sid, 1, s->ctx, NULL, NULL);
  nice_agent_remove_stream (agent, sid);
  g_object_unref (agent);
}

/* ----------------------------------------------------- server messages */

static void handle_presence (
    GstMeetingSession *s, JsonObject *o, gboolean joined);

static void
add_strv (JsonBuilder *b, const gchar *name, GStrv v)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (; *v; v++)
    json_builder_add_string_value (b, *v);
  json_builder_end_array (b);
}

/* meetingsrc's media/participants filters: the server then does not send
 * what would only be dropped here */
static void
send_subscribe (GstMeetingSession *s)
{
  JsonBuilder *b;

  if (!s->joined)
    return; /* the join carries receive, the welcome brings us back here */
  g_mutex_lock (&s->cb_lock);
  b = msg_begin ("subscribe");
  if (!s->receiver.media) {
    /* no meetingsrc (any more): nothing */
    json_builder_set_member_name (b, "kinds");
    json_builder_begin_array (b);
    json_builder_end_array (b);
  } else {
    if (s->sub_kinds)
      add_strv (b, "kinds", s->sub_kinds);
    if (s->sub_names)
      add_strv (b, "names", s->sub_names);
  }
  json_builder_end_object (b);
  send_json (s, b);
  g_mutex_unlock (&s->cb_lock);
}

static void
handle_welcome (GstMeetingSession *s, JsonObject *o)
{
  const gchar *id = get_str (o, "id"), *instance = get_str (o, "instance");
  JsonArray *roster = get_array (o, "roster");
  JsonArray *streams = get_array (o, "streams");
  GPtrArray *kxs;
  GstStructure *st;

  if (!id || !instance) {
    session_disconnected (s, "malformed welcome");
    return;
  }
  /* our earlier connections to this instance are dead: keyexchange is told
   * below, so that they leave its roster (ids are never reused within an
   * instance; a new instance may reuse them) */
  if (s->self_id && g_strcmp0 (s->instance, instance) == 0 &&
      g_strcmp0 (s->self_id, id) != 0) {
    if (s->earlier_ids->len >= 64)
      g_ptr_array_remove_index (s->earlier_ids, 0);
    g_ptr_array_add (s->earlier_ids, s->self_id);
  } else {
    g_ptr_array_set_size (s->earlier_ids, 0);
    g_free (s->self_id);
  }
  s->self_id = g_strdup (id);
  g_free (s->instance);
  s->instance = g_strdup (instance);
  s->joined = TRUE;
  s->ssrc_taken_since = 0;
  s->down_since = 0;
  s->backoff_ms = 0;
  s->connects++;
  g_hash_table_remove_all (s->names);
  g_hash_table_remove_all (s->absent);
  /* names: filled from the roster below, as joins */
  GST_INFO ("joined %s as %s (instance %s)", s->uri, id, instance);

  /* keyexchange: this instance, this id; a resumed meeting gets new keys */
  kxs = kx_list (s);
  for (guint i = 0; i < kxs->len; i++) {
    g_object_set (kxs->pdata[i], "meeting-id", s->room, "participant-id", id,
        "instance", instance, "display-name", s->participant, NULL);
    g_signal_emit_by_name (kxs->pdata[i], "channel-ready");
    for (guint j = 0; j < s->earlier_ids->len; j++)
      g_signal_emit_by_name (
          kxs->pdata[i], "participant-gone", s->earlier_ids->pdata[j]);
  }
  g_ptr_array_unref (kxs);

  st = gst_structure_new ("meeting-connected", "uri", G_TYPE_STRING, s->uri,
      "participant-id", G_TYPE_STRING, id, "instance", G_TYPE_STRING, instance,
      "participants", G_TYPE_UINT,
      (guint)(roster ? json_array_get_length (roster) : 0) + 1, "reconnected",
      G_TYPE_BOOLEAN, s->connects > 1, NULL);
  post (s, st);

  /* who is already here, as if they had just joined */
  for (guint i = 0; roster && i < json_array_get_length (roster); i++) {
    JsonNode *n = json_array_get_element (roster, i);
    if (JSON_NODE_HOLDS_OBJECT (n))
      handle_presence (s, json_node_get_object (n), TRUE);
  }
  send_subscribe (s);
  if (!media_start (s))
    post_error (s, "Cannot start ICE", "no ICE stream");
  g_mutex_lock (&s->lock);
  for (guint i = 0; i < s->local->len; i++)
    send_publish (s, s->local->pdata[i]);
  g_mutex_unlock (&s->lock);
  for (guint i = 0; streams && i < json_array_get_length (streams); i++) {
    JsonNode *n = json_array_get_element (streams, i);
    if (JSON_NODE_HOLDS_OBJECT (n))
      remote_stream_add (s, json_node_get_object (n));
  }
}

static void
handle_board (GstMeetingSession *s, JsonObject *o)
{
  const gchar *data = get_str (o, "data");
  const gchar *from = get_str (o, "from");
  GPtrArray *kxs;
  guchar *raw;
  gsize n = 0;
  GBytes *b;

  if (!data)
    return;
  raw = g_base64_decode (data, &n);
  b = g_bytes_new_take (raw, n);
  kxs = kx_list (s);
  for (guint i = 0; i < kxs->len; i++)
    g_signal_emit_by_name (kxs->pdata[i], "receive-message", b);
  /* history of someone no longer here (the board is replayed at join):
   * keyexchange must not wait for them */
  if (from && g_strcmp0 (from, s->self_id) != 0 &&
      !g_hash_table_contains (s->names, from) &&
      !g_hash_table_contains (s->absent, from)) {
    g_hash_table_add (s->absent, g_strdup (from));
    for (guint i = 0; i < kxs->len; i++)
      g_signal_emit_by_name (kxs->pdata[i], "participant-gone", from);
  }
  g_ptr_array_unref (kxs);
  g_bytes_unref (b);
}

static void
handle_presence (GstMeetingSession *s, JsonObject *o, gboolean joined)
{
  const gchar *id = get_str (o, "id"), *name = get_str (o, "name");
  const gchar *reason = joined ? NULL : get_str (o, "reason");
  GstStructure *st;

  if (!id || !name)
    return;
  if (joined) {
    g_hash_table_insert (s->names, g_strdup (id), g_strdup (name));
  } else {
    GPtrArray *kxs = kx_list (s);
    remote_streams_remove (s, id, NULL, TRUE);
    g_hash_table_remove (s->names, id);
    for (guint i = 0; i < kxs->len; i++)
      g_signal_emit_by_name (kxs->pdata[i], "participant-gone", id);
    g_ptr_array_unref (kxs);
  }
  st = gst_structure_new (
      joined ? "meeting-participant-joined" : "meeting-participant-left",
      "participant-id", G_TYPE_STRING, id, "name", G_TYPE_STRING, name, NULL);
  /* left: "left", "closed", "timeout" or "media-failed" (server's word) */
  if (reason)
    gst_structure_set (st, "reason", G_TYPE_STRING, reason, NULL);
  post (s, st);
}

static void
handle_candidate (GstMeetingSession *s, JsonObject *o)
{
  const gchar *line = get_str (o, "candidate");
  NiceCandidate *c;
  GSList *l;

  if (!line || !s->agent)
    return;
  c = nice_agent_parse_remote_candidate_sdp (s->agent, s->stream_id, line);
  if (!c) {
    GST_WARNING ("unparsable candidate from the server: %s", line);
    return;
  }
  l = g_slist_append (NULL, c);
  nice_agent_set_remote_candidates (s->agent, s->stream_id, 1, l);
  g_slist_free_full (l, (GDestroyNotify)nice_candidate_free);
}

/* The server forwards a stream's packets once it has its announcement:
 * sending earlier would only get them dropped as unknown. */
static void
handle_published (GstMeetingSession *s, JsonObject *o)
{
  JsonNode *n = json_object_get_member (o, "ssrc");
  guint32 ssrc;

  if (!n || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_INT64)
    return;
  ssrc = (guint32)json_node_get_int (n);
  g_mutex_lock (&s->agent_lock);
  g_array_append_val (s->published, ssrc);
  g_mutex_unlock (&s->agent_lock);
}

static gboolean
is_published (GstMeetingSession *s, GstBuffer *buf)
{
  guint8 h[12];

  if (gst_buffer_extract (buf, 0, h, sizeof (h)) != sizeof (h))
    return FALSE;
  for (guint i = 0; i < s->published->len; i++)
    if (g_array_index (s->published, guint32, i) == meeting_rd32 (h + 8))
      return TRUE;
  return FALSE;
}

/* Publishes again the streams the server has not accepted yet. */
static gboolean
republish (gpointer data)
{
  GstMeetingSession *s = data;
  gboolean pending = FALSE;

  g_clear_pointer (&s->republish, g_source_unref);
  if (!s->joined)
    return G_SOURCE_REMOVE;
  g_mutex_lock (&s->lock);
  for (guint i = 0; i < s->local->len; i++) {
    LocalStream *ls = s->local->pdata[i];
    gboolean accepted = FALSE;
    g_mutex_lock (&s->agent_lock);
    for (guint j = 0; j < s->published->len; j++)
      accepted |= g_array_index (s->published, guint32, j) == ls->ssrc;
    g_mutex_unlock (&s->agent_lock);
    if (!accepted) {
      send_publish (s, ls);
      pending = TRUE;
    }
  }
  g_mutex_unlock (&s->lock);
  if (pending)
    GST_INFO ("publishing again the streams whose SSRC was taken");
  return G_SOURCE_REMOVE;
}

static void
handle_error (GstMeetingSession *s, JsonObject *o)
{
  const gchar *code = get_str (o, "code"), *message = get_str (o, "message");
  gint64 now = g_get_monotonic_time ();

  GST_WARNING ("server error %s: %s", code, message);
  post (s,
      gst_structure_new ("meeting-server-error", "code", G_TYPE_STRING, code,
          "message", G_TYPE_STRING, message, NULL));
  if (!code)
    return;
  if (g_str_equal (code, "media-failed")) {
    media_failed (s, message ? message : "the server said media-failed");
    return;
  }
  /* Our own old connection may still hold the SSRC (we came back after a
   * network loss before the server noticed the old one had gone): the
   * server drops it within its ping timeout, so publish again for a while
   * before giving up. */
  if (g_str_equal (code, "ssrc-taken")) {
    if (!s->ssrc_taken_since)
      s->ssrc_taken_since = now;
    if (now - s->ssrc_taken_since < SSRC_RETRY_US) {
      if (!s->republish) {
        s->republish = g_timeout_source_new (SSRC_RETRY_INTERVAL_MS);
        g_source_set_callback (s->republish, republish, s, NULL);
        g_source_attach (s->republish, s->ctx);
      }
      return;
    }
  }
  /* refusals that retrying cannot fix */
  if (g_str_equal (code, "forbidden") || g_str_equal (code, "full") ||
      g_str_equal (code, "e2ee-required") || g_str_equal (code, "ssrc-taken")) {
    gchar *text = g_strdup_printf ("The meeting server refused: %s", message);
    if (g_str_equal (code, "forbidden") || g_str_equal (code, "full"))
      s->fatal = TRUE;
    post_error (s, text, code);
    g_free (text);
  }
}

static void
on_ws_message (
    SoupWebsocketConnection *ws, gint type, GBytes *msg, gpointer user_data)
{
  GstMeetingSession *s = user_data;
  JsonParser *p;
  JsonNode *root;
  JsonObject *o;
  const gchar *t;
  gsize n;
  const gchar *d = g_bytes_get_data (msg, &n);

  s->last_seen = g_get_monotonic_time ();
  if (type != SOUP_WEBSOCKET_DATA_TEXT || n == 0 || !d)
    return;
  p = json_parser_new ();
  if (!json_parser_load_from_data (p, d, n, NULL) ||
      !(root = json_parser_get_root (p)) || !JSON_NODE_HOLDS_OBJECT (root) ||
      !(t = get_str (json_node_get_object (root), "type"))) {
    GST_WARNING ("unparsable message from the server");
    g_object_unref (p);
    return;
  }
  o = json_node_get_object (root);
  if (g_str_equal (t, "welcome"))
    handle_welcome (s, o);
  else if (g_str_equal (t, "error"))
    handle_error (s, o);
  else if (!s->joined)
    GST_DEBUG ("%s before welcome ignored", t);
  else if (g_str_equal (t, "board"))
    handle_board (s, o);
  else if (g_str_equal (t, "joined"))
    handle_presence (s, o, TRUE);
  else if (g_str_equal (t, "left"))
    handle_presence (s, o, FALSE);
  else if (g_str_equal (t, "stream"))
    remote_stream_add (s, o);
  else if (g_str_equal (t, "published"))
    handle_published (s, o);
  else if (g_str_equal (t, "stream-removed"))
    remote_streams_remove (s, get_str (o, "from"), get_str (o, "stream"), TRUE);
  else if (g_str_equal (t, "ice") && s->agent && get_str (o, "ufrag") &&
      get_str (o, "pwd"))
    nice_agent_set_remote_credentials (
        s->agent, s->stream_id, get_str (o, "ufrag"), get_str (o, "pwd"));
  else if (g_str_equal (t, "candidate"))
    handle_candidate (s, o);
  else if (g_str_equal (t, "end-of-candidates") && s->agent)
    nice_agent_peer_candidate_gathering_done (s->agent, s->stream_id);
  g_object_unref (p);
}

static void
on_ws_pong (SoupWebsocketConnection *ws, GBytes *msg, gpointer user_data)
{
  ((GstMeetingSession *)user_data)->last_seen = g_get_monotonic_time ();
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  GstMeetingSession *s = user_data;
  gushort code = soup_websocket_connection_get_close_code (ws);
  const gchar *why = soup_websocket_connection_get_close_data (ws);
  const gchar *refused = g_object_get_data (G_OBJECT (ws), "meeting-refused");
  gchar *reason = refused ? g_strdup_printf ("connection dropped: %s", refused)
                          : g_strdup_printf ("connection closed (%u%s%s)", code,
                                why && *why ? ": " : "", why ? why : "");

  session_disconnected (s, reason);
  g_free (reason);
}

/* ------------------------------------------------------- (re)connecting */

static void
drop_ws (GstMeetingSession *s, gboolean graceful)
{
  if (!s->ws)
    return;
  g_signal_handlers_disconnect_by_data (s->ws, s);
  if (graceful &&
      soup_websocket_connection_get_state (s->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (s->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  else
    /* the server is gone or stuck: no close handshake that would keep the
     * old connection (and its answers to pings) alive; the server sees the
     * socket close as soon as it reads again and drops the old us */
    g_io_stream_close (
        soup_websocket_connection_get_io_stream (s->ws), NULL, NULL);
  g_clear_object (&s->ws);
}

static gboolean
retry_connect (gpointer data)
{
  GstMeetingSession *s = data;

  g_clear_pointer (&s->retry, g_source_unref);
  connect_ws (s);
  return G_SOURCE_REMOVE;
}

/* The meeting is gone (server, network, ICE): forget its streams, tell the
 * application and try again until reconnect-timeout. */
static void
session_disconnected (GstMeetingSession *s, const gchar *reason)
{
  gint64 now = g_get_monotonic_time ();
  gboolean was_joined = s->joined;
  guint delay;

  if (s->stopping)
    return;
  s->joined = FALSE;
  drop_ws (s, FALSE);
  media_stop (s);
  remote_streams_remove (s, NULL, NULL, FALSE);
  g_hash_table_remove_all (s->names);
  if (s->republish) {
    g_source_destroy (s->republish);
    g_clear_pointer (&s->republish, g_source_unref);
  }
  if (!s->down_since)
    s->down_since = now;
  if (was_joined || s->backoff_ms == 0)
    GST_WARNING ("%s: %s", s->uri, reason);
  if (s->fatal)
    return;
  if (s->connects == 0) {
    /* never in: nothing to get back into, the patience of reconnect-timeout
     * is for meetings that were joined */
    gchar *text = g_strdup_printf (
        "Could not join the meeting at %s: %s", s->uri, reason);
    give_up (s, text, reason);
    g_free (text);
    return;
  }
  if (s->reconnect_timeout == 0 ||
      now - s->down_since > (gint64)s->reconnect_timeout * G_USEC_PER_SEC) {
    gchar *text = g_strdup_printf ("Lost the meeting at %s", s->uri);
    give_up (s, text, reason);
    g_free (text);
    return;
  }
  s->backoff_ms = s->backoff_ms ? MIN (s->backoff_ms * 2, MAX_BACKOFF_MS) : 250;
  delay = s->media_failing_since ? MAX (s->backoff_ms, s->media_backoff_ms)
                                 : s->backoff_ms;
  post (s,
      gst_structure_new ("meeting-disconnected", "uri", G_TYPE_STRING, s->uri,
          "reason", G_TYPE_STRING, reason, "retry-in-ms", G_TYPE_UINT, delay,
          NULL));
  s->retry = g_timeout_source_new (delay);
  g_source_set_callback (s->retry, retry_connect, s, NULL);
  g_source_attach (s->retry, s->ctx);
}

/* The stream was refused (meetingws.c: a message over the bound as it
 * arrived, a malformed frame) or failed; "closed" follows and reports it. */
static void
on_ws_error (SoupWebsocketConnection *ws, GError *error, gpointer user_data)
{
  if (!g_object_get_data (G_OBJECT (ws), "meeting-refused"))
    g_object_set_data_full (
        G_OBJECT (ws), "meeting-refused", g_strdup (error->message), g_free);
}

static void
on_ws_connected (GObject *src, GAsyncResult *res, gpointer user_data)
{
  GstMeetingSession *s = user_data;
  GError *err = NULL;
  SoupWebsocketConnection *ws = meeting_ws_connect_finish (res, &err);
  JsonBuilder *b;
  gboolean receive;

  if (!ws) {
    if (!g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      session_disconnected (s, err->message);
    g_error_free (err);
    return;
  }
  s->ws = ws;
  s->last_seen = g_get_monotonic_time ();
  /* frames (libsoup); whole messages are bounded as they arrive by the
   * guard under ws (meetingws.c), against a hostile server */
  soup_websocket_connection_set_max_incoming_payload_size (
      ws, MAX_SIGNALING_MESSAGE);
  soup_websocket_connection_set_keepalive_interval (ws, KEEPALIVE_S);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), s);
  g_signal_connect (ws, "pong", G_CALLBACK (on_ws_pong), s);
  g_signal_connect (ws, "error", G_CALLBACK (on_ws_error), s);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), s);
  g_mutex_lock (&s->cb_lock);
  receive = s->receiver.media != NULL;
  g_mutex_unlock (&s->cb_lock);
  b = msg_begin ("join");
  add_member_str (b, "name", s->participant);
  if (s->passcode)
    add_member_str (b, "passcode", s->passcode);
  json_builder_set_member_name (b, "receive");
  json_builder_add_boolean_value (b, receive);
  json_builder_end_object (b);
  send_json (s, b);
}

/* The handshake is ours (meetingws.c): libsoup 3.2's
 * soup_session_websocket_connect_async gives no way to bound whole
 * messages before they are put together. The session's TLS database
 * checks the server's certificate, as libsoup's connect did. */
static void
connect_ws (GstMeetingSession *s)
{
  GUri *u = g_uri_parse (s->uri, G_URI_FLAGS_ENCODED, NULL);
  gboolean ok = u && g_uri_get_host (u) && *g_uri_get_host (u) &&
      (g_ascii_strcasecmp (g_uri_get_scheme (u), "ws") == 0 ||
          g_ascii_strcasecmp (g_uri_get_scheme (u), "wss") == 0);

  g_clear_pointer (&u, g_uri_unref);
  if (!ok) {
    post_error (s, "Bad meeting URI", s->uri);
    s->fatal = TRUE;
    return;
  }
  meeting_ws_connect_async (s->uri, soup_session_get_tls_database (s->soup),
      MAX_SIGNALING_MESSAGE, CONNECT_TIMEOUT_S, s->cancel, on_ws_connected, s);
}

/* A server that stopped answering (network gone) is noticed here: libsoup
 * 3.2 pings but has no pong timeout. */
static gboolean
watchdog (gpointer data)
{
  GstMeetingSession *s = data;
  gint64 now = g_get_monotonic_time ();

  if (s->fatal)
    return G_SOURCE_CONTINUE;
  if (s->connects == 0 && now - s->started_at > FIRST_JOIN_US) {
    gchar *text = g_strdup_printf ("Could not join the meeting at %s: no "
                                   "answer from the server within %d s",
        s->uri, (gint)(FIRST_JOIN_US / G_USEC_PER_SEC));
    give_up (s, text, "no welcome");
    g_free (text);
    return G_SOURCE_CONTINUE;
  }
  /* the media path has not come back since it first failed (also while
   * a rejoin is pending or ICE is still trying) */
  if (s->media_failing_since && !s->media_up_since &&
      now - s->media_failing_since >
          (gint64)s->reconnect_timeout * G_USEC_PER_SEC) {
    gchar *text =
        g_strdup_printf ("The media path (ICE) of the meeting at %s failed: %s",
            s->uri, s->media_failure ? s->media_failure : "ICE failed");
    give_up (s, text, s->media_failure);
    g_free (text);
    return G_SOURCE_CONTINUE;
  }
  if (s->media_up_since && now - s->media_up_since > MEDIA_STABLE_US)
    s->media_backoff_ms = 0;
  if (s->ws && now - s->last_seen > DEAD_AFTER_US)
    session_disconnected (s, "the server stopped answering");
  return G_SOURCE_CONTINUE;
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
    send_ice (s, "leave", NULL, NULL, NULL, NULL);
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

typedef struct
{
  GstMeetingSession *s;
  LocalStream *ls; /* NULL: unpublish stream */
  gchar *stream;
} Announce;

static void
announce_free (Announce *a)
{
  if (a->ls)
    local_stream_free (a->ls);
  g_free (a->stream);
  session_unref (a->s);
  g_free (a);
}

static gboolean
announce (gpointer data)
{
  Announce *a = data;

  if (!a->s->joined)
    return G_SOURCE_REMOVE; /* announced at the next welcome */
  if (a->ls) {
    send_publish (a->s, a->ls);
  } else {
    JsonBuilder *b = msg_begin ("unpublish");
    add_member_str (b, "stream", a->stream);
    json_builder_end_object (b);
    send_json (a->s, b);
  }
  return G_SOURCE_REMOVE;
}

static void
schedule_announce (GstMeetingSession *s, LocalStream *copy, const gchar *stream)
{
  Announce *a = g_new0 (Announce, 1);

  a->s = session_ref (s);
  a->ls = copy;
  a->stream = g_strdup (stream);
  session_invoke (s, announce, a, (GDestroyNotify)announce_free);
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

gboolean
gst_meeting_session_send (GstMeetingSession *s, GstBuffer **buffers, guint n)
{
  NiceOutputMessage msgs[MAX_BATCH];
  GOutputVector vecs[MAX_BATCH];
  GstMapInfo maps[MAX_BATCH];
  gboolean ok = TRUE;

  for (guint done = 0; done < n;) {
    guint k = MIN (n - done, MAX_BATCH), mapped = 0;
    gint sent = -1;

    for (guint i = 0; i < k; i++) {
      if (!gst_buffer_map (buffers[done + i], &maps[mapped], GST_MAP_READ))
        continue;
      vecs[mapped].buffer = maps[mapped].data;
      vecs[mapped].size = maps[mapped].size;
      msgs[mapped].buffers = &vecs[mapped];
      msgs[mapped].n_buffers = 1;
      mapped++;
    }
    g_mutex_lock (&s->agent_lock);
    if (s->agent && s->ice_ready && mapped && is_published (s, buffers[done]))
      sent = nice_agent_send_messages_nonblocking (
          s->agent, s->stream_id, 1, msgs, mapped, NULL, NULL);
    if (sent < (gint)mapped)
      ok = FALSE;
    g_mutex_unlock (&s->agent_lock);
    for (guint i = 0; i < mapped; i++)
      gst_buffer_unmap (buffers[done + i], &maps[i]);
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
