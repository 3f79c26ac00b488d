/* The meeting session that meetingsrc and meetingsink of one pipeline share:
 * one WebSocket to the meeting server, one ICE agent, on their own thread and
 * GMainContext.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_MEETING_SESSION_H__
#define __GST_MEETING_SESSION_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* The session is a GstObject that the meeting elements of a pipeline share
 * through a GstContext of this type (field "sessions": an array of
 * sessions, one per meeting URI and participant). */
#define GST_MEETING_SESSION_CONTEXT_TYPE "gst-meeting.session"

#define GST_TYPE_MEETING_SESSION (gst_meeting_session_get_type ())
G_DECLARE_FINAL_TYPE (
    GstMeetingSession, gst_meeting_session, GST, MEETING_SESSION, GstObject)

/* A stream another participant publishes, as announced by the server. */
typedef struct
{
  gchar *participant_id; /* the server's id, e.g. p2 */
  gchar *participant; /* display name */
  gchar *stream; /* the publisher's stream id, e.g. video_0 */
  gchar *kind; /* audio, video or screen */
  guint32 ssrc;
  GstCaps *caps;
  gboolean e2ee;
  gchar *pad_name; /* <participant>_<stream>, unique in the session */
  /* at stream_removed: TRUE when the sender unpublished it or left the
   * meeting, FALSE when we lost the meeting (reconnecting) or stopped */
  gboolean left;
} GstMeetingRemoteStream;

/* Called on the session thread with no lock of the session held (a handler
 * may call into the session and its elements), never after detach returns
 * (except for the call detach is made from). */
typedef struct
{
  void (*stream_added) (gpointer user, const GstMeetingRemoteStream *rs);
  void (*stream_removed) (gpointer user, const GstMeetingRemoteStream *rs);
  /* takes the buffer */
  void (*media) (
      gpointer user, const GstMeetingRemoteStream *rs, GstBuffer *buffer);
} GstMeetingReceiver;

typedef struct
{
  /* an RTCP PLI (fir = FALSE) or FIR (fir = TRUE) arrived for ssrc */
  void (*keyframe_request) (gpointer user, guint32 ssrc, gboolean fir);
} GstMeetingSender;

typedef struct
{
  const gchar *uri; /* NULL: the session of the pipeline's context */
  const gchar *participant; /* display name, NULL: the session's */
  const gchar *passcode;
  guint reconnect_timeout; /* seconds, 0: no reconnection */
  const gchar *tls_ca_file; /* NULL: the system's */
} GstMeetingSessionConfig;

/* The session of the element's pipeline for cfg (found in, or added to,
 * the pipeline's "gst-meeting.session" context); a reference for the
 * element, dropped by release. */
GstMeetingSession *gst_meeting_session_acquire (
    GstElement *element, const GstMeetingSessionConfig *cfg, GError **error);
void gst_meeting_session_release (
    GstMeetingSession *session, GstElement *element);

/* Connects (first caller) and keeps the meeting up; stop by the last. */
void gst_meeting_session_start (GstMeetingSession *session);
void gst_meeting_session_stop (GstMeetingSession *session);

/* kinds, names: the streams to receive (NULL: all), sent to the server */
void gst_meeting_session_attach_receiver (GstMeetingSession *session,
    const GstMeetingReceiver *receiver, gpointer user,
    const gchar *const *kinds, const gchar *const *names);
void gst_meeting_session_detach_receiver (GstMeetingSession *session);
void gst_meeting_session_attach_sender (
    GstMeetingSession *session, const GstMeetingSender *sender, gpointer user);
void gst_meeting_session_detach_sender (GstMeetingSession *session);

/* meetingsink: announce (or re-announce) a stream, withdraw it */
void gst_meeting_session_publish (GstMeetingSession *session,
    const gchar *stream, const gchar *kind, guint32 ssrc, const GstCaps *caps,
    gboolean e2ee);
void gst_meeting_session_unpublish (
    GstMeetingSession *session, const gchar *stream);
/* Sends RTP packets; FALSE when the media path is not up (dropped). */
gboolean gst_meeting_session_send (
    GstMeetingSession *session, GstBuffer **buffers, guint n);

/* meetingsrc: ask the sender of ssrc for a keyframe (RTCP PLI) */
void gst_meeting_session_request_keyframe (
    GstMeetingSession *session, guint32 ssrc);

const gchar *gst_meeting_session_get_uri (GstMeetingSession *session);

void gst_meeting_remote_stream_free (GstMeetingRemoteStream *rs);

G_END_DECLS

#endif /* __GST_MEETING_SESSION_H__ */
