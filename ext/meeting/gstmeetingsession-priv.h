/* The meeting session's private parts, shared by its four files:
 * gstmeetingsession.c (the object, its context, lifecycle and thread, the
 * elements' API), gstmeetingsession-signaling.c (the WebSocket and its JSON
 * messages, keyexchange, reconnection), gstmeetingsession-streams.c (the
 * remote streams and their pad names) and gstmeetingsession-media.c (ICE
 * and RTP/RTCP).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_MEETING_SESSION_PRIV_H__
#define __GST_MEETING_SESSION_PRIV_H__

#include "gstmeetingsession.h"

#include "meetingice.h"
#include "meetingproto.h"
#include <libsoup/soup.h>
#include <nice/agent.h>

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (meeting_session_debug);
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
#define FIRST_JOIN_US (8 * G_USEC_PER_SEC)

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
  MeetingIce *ice; /* the ICE endpoint (meetingice.h) */
  NiceAgent *agent; /* its agent and stream */
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

G_GNUC_INTERNAL GstMeetingSession *session_ref (GstMeetingSession *s);
G_GNUC_INTERNAL void local_stream_free (LocalStream *ls);
G_GNUC_INTERNAL void session_unref (GstMeetingSession *s);
G_GNUC_INTERNAL void session_invoke (GstMeetingSession *s, GSourceFunc func,
    gpointer data, GDestroyNotify destroy);
G_GNUC_INTERNAL void post (GstMeetingSession *s, GstStructure *st);
G_GNUC_INTERNAL void post_error (
    GstMeetingSession *s, const gchar *text, const gchar *debug);
G_GNUC_INTERNAL void give_up (
    GstMeetingSession *s, const gchar *text, const gchar *debug);
G_GNUC_INTERNAL void receiver_enter (
    GstMeetingSession *s, GstMeetingReceiver *r, gpointer *user);
G_GNUC_INTERNAL void receiver_leave (GstMeetingSession *s);
G_GNUC_INTERNAL void receiver_stream_added (
    GstMeetingSession *s, const GstMeetingRemoteStream *rs);
G_GNUC_INTERNAL void receiver_stream_removed (
    GstMeetingSession *s, const GstMeetingRemoteStream *rs);
G_GNUC_INTERNAL void remote_stream_add (
    GstMeetingSession *s, const MeetingStreamInfo *st);
G_GNUC_INTERNAL void session_send_text (GstMeetingSession *s, gchar *text);
G_GNUC_INTERNAL void send_publish (GstMeetingSession *s, LocalStream *ls);
G_GNUC_INTERNAL void on_kx_send (
    GstElement *kx, GBytes *msg, gpointer user_data);
G_GNUC_INTERNAL void bind_keyexchanges (
    GstMeetingSession *s, GstElement *pipeline);
G_GNUC_INTERNAL GPtrArray *kx_list (GstMeetingSession *s);
G_GNUC_INTERNAL void remote_streams_remove (GstMeetingSession *s,
    const gchar *from, const gchar *stream, gboolean left);
G_GNUC_INTERNAL void send_subscribe (GstMeetingSession *s);
G_GNUC_INTERNAL void drop_ws (GstMeetingSession *s, gboolean graceful);
G_GNUC_INTERNAL void session_disconnected (
    GstMeetingSession *s, const gchar *reason);
G_GNUC_INTERNAL void connect_ws (GstMeetingSession *s);
G_GNUC_INTERNAL gboolean watchdog (gpointer data);
G_GNUC_INTERNAL void schedule_announce (
    GstMeetingSession *s, LocalStream *copy, const gchar *stream);
G_GNUC_INTERNAL void media_failed (GstMeetingSession *s, const gchar *cause);
G_GNUC_INTERNAL gboolean media_start (GstMeetingSession *s);
G_GNUC_INTERNAL void media_stop (GstMeetingSession *s);

G_END_DECLS

#endif /* __GST_MEETING_SESSION_PRIV_H__ */
