/* meetingsink: sends a participant's RTP streams to an E2EE meeting.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-meetingsink
 * @title: meetingsink
 * @see_also: meetingsrc, e2eeenc, keyexchange
 *
 * Joins the meeting named by #GstMeetingSink:uri on a gst-meeting-server
 * and sends RTP to it over ICE (libnice, RTP and RTCP muxed).  Request a pad
 * per outgoing stream: `audio_%u`, `video_%u` or `screen_%u`; the pad name
 * is the stream's id in the meeting, and each stream is announced with its
 * caps and SSRC when its first packet arrives.
 *
 * Streams must be encrypted end to end: the pads accept only caps that
 * e2eeenc marked (`encryption=(string)sframe`); clear RTP is refused at
 * negotiation, with an error naming the pad, unless
 * #GstMeetingSink:allow-clear is set, and the server refuses clear streams
 * by default too.  The announcement keeps the mark and the suite
 * (`sframe-suite`) in its caps, so receivers' e2eedec decrypt whatever
 * suite this sender's e2eeenc uses.
 *
 * An RTCP PLI or FIR that another participant sends for one of the streams
 * becomes a force-key-unit event pushed upstream from that pad (and a
 * `meeting-keyframe-request` element message), so the encoder makes a
 * keyframe for the receiver that just got its key.
 *
 * meetingsink and meetingsrc of one pipeline with the same uri and
 * participant share one session: one WebSocket, one ICE agent, on their own
 * thread.  The session is a GstObject found through the pipeline's
 * `gst-meeting.session` context (as the e2ee keyring is), so sessions are
 * per pipeline.  A keyexchange element of the pipeline (without meeting-id, or
 * with the room's name) runs over the session's bulletin board by itself: the
 * session gives it the meeting instance and participant id.
 *
 * Bus messages (element messages, posted by one of the meeting elements):
 * `meeting-connected` (uri, participant-id, instance, participants,
 * reconnected), `meeting-media-ready`, `meeting-participant-joined` /
 * `meeting-participant-left` (participant-id, name; left: reason),
 * `meeting-disconnected` (reason, retry-in-ms), `meeting-server-error` (code,
 * message), `meeting-keyframe-request` (stream, ssrc).  Errors: a server that
 * cannot be reached at the first join (within a few seconds, naming the URI
 * and the cause); a server or network that stays away longer than
 * #GstMeetingSink:reconnect-timeout once joined; a media path (ICE) that has
 * not come up within reconnect-timeout of its first failure (meanwhile the
 * session rejoins after 1, 2, 4, then every 8 s).
 *
 * ## Example pipelines
 * |[
 * gst-launch-1.0 meetingsink name=m uri=ws://127.0.0.1:8443/demo \
 *   participant=alice \
 *   audiotestsrc is-live=true ! opusenc ! rtpopuspay ! e2eeenc ! m.audio_0 \
 *   videotestsrc is-live=true ! vp8enc deadline=1 ! rtpvp8pay ! e2eeenc ! \
 *   m.video_0 keyexchange
 * ]| alice sends a tone and a test picture to the meeting `demo`, encrypted
 * with keys that keyexchange agrees over the meeting's bulletin board.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeetingsink.h"

#include <string.h>

#include <gst/rtp/rtp.h>
#include <gst/video/video.h>

#include "gstmeetingelements.h"
#include "gstmeetingsession.h"
#include "gstmeetingsettings.h"

GST_DEBUG_CATEGORY_STATIC (gst_meeting_sink_debug);
#define GST_CAT_DEFAULT gst_meeting_sink_debug

enum
{
  PROP_ALLOW_CLEAR = GST_MEETING_PROP_LAST,
  PROP_STATS,
};

typedef struct
{
  GstPad *pad;
  gchar *kind;
  guint32 ssrc;
  gboolean announced;
  gboolean e2ee;
  gboolean eos;
  guint fku_count;
} SinkStream;

struct _GstMeetingSink
{
  GstElement parent;

  /* properties (object lock) */
  GstMeetingSettings settings;
  gboolean allow_clear;

  GstMeetingSession *session;
  GPtrArray *streams; /* SinkStream*, object lock */
  guint64 sent, dropped;
};

static GstStaticPadTemplate audio_template =
    GST_STATIC_PAD_TEMPLATE ("audio_%u", GST_PAD_SINK, GST_PAD_REQUEST,
        GST_STATIC_CAPS ("application/x-rtp"));
static GstStaticPadTemplate video_template =
    GST_STATIC_PAD_TEMPLATE ("video_%u", GST_PAD_SINK, GST_PAD_REQUEST,
        GST_STATIC_CAPS ("application/x-rtp"));
static GstStaticPadTemplate screen_template =
    GST_STATIC_PAD_TEMPLATE ("screen_%u", GST_PAD_SINK, GST_PAD_REQUEST,
        GST_STATIC_CAPS ("application/x-rtp"));

#define gst_meeting_sink_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstMeetingSink, gst_meeting_sink, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (
        gst_meeting_sink_debug, "meetingsink", 0, "E2EE meeting sender"));
GST_ELEMENT_REGISTER_DEFINE (
    meetingsink, "meetingsink", GST_RANK_NONE, GST_TYPE_MEETING_SINK);

static SinkStream *
stream_of (GstPad *pad)
{
  return gst_pad_get_element_private (pad);
}

/* The mark e2eeenc puts on what it outputs (docs/e2eeenc.md). */
#define CAPS_ENCRYPTION "encryption"
#define CAPS_ENCRYPTION_SFRAME "sframe"

static gboolean
caps_marked (const GstCaps *caps)
{
  const GstStructure *s;

  if (!caps || gst_caps_get_size (caps) < 1)
    return FALSE;
  s = gst_caps_get_structure (caps, 0);
  return g_strcmp0 (gst_structure_get_string (s, CAPS_ENCRYPTION),
             CAPS_ENCRYPTION_SFRAME) == 0;
}

static gboolean
caps_acceptable (GstMeetingSink *self, const GstCaps *caps)
{
  gboolean allow_clear;

  if (!caps || gst_caps_get_size (caps) != 1 ||
      !gst_structure_has_name (
          gst_caps_get_structure (caps, 0), "application/x-rtp"))
    return FALSE;
  GST_OBJECT_LOCK (self);
  allow_clear = self->allow_clear;
  GST_OBJECT_UNLOCK (self);
  return allow_clear || caps_marked (caps);
}

static GstFlowReturn
announce (GstMeetingSink *self, GstPad *pad, SinkStream *ss, guint32 ssrc)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstCaps *clean;
  GstStructure *s;

  if (!caps) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("%s: no caps before the first buffer", GST_PAD_NAME (pad)));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  /* accept-caps let only marked caps in, unless allow-clear */
  ss->e2ee = caps_marked (caps);
  if (!caps_acceptable (self, caps)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Stream %s is not end-to-end encrypted", GST_PAD_NAME (pad)),
        ("put e2eeenc before meetingsink, or set allow-clear"));
    gst_caps_unref (caps);
    return GST_FLOW_ERROR;
  }
  /* what receivers need to depayload; the SSRC travels separately */
  clean = gst_caps_copy (caps);
  s = gst_caps_get_structure (clean, 0);
  gst_structure_remove_fields (
      s, "ssrc", "timestamp-offset", "seqnum-offset", NULL);
  GST_OBJECT_LOCK (self);
  ss->ssrc = ssrc;
  ss->announced = TRUE;
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (
      pad, "announcing %s ssrc %u: %" GST_PTR_FORMAT, ss->kind, ssrc, clean);
  gst_meeting_session_publish (
      self->session, GST_PAD_NAME (pad), ss->kind, ssrc, clean, ss->e2ee);
  gst_caps_unref (clean);
  gst_caps_unref (caps);
  return GST_FLOW_OK;
}

static GstFlowReturn
send_buffers (GstMeetingSink *self, GstPad *pad, GstBuffer **bufs, guint n)
{
  SinkStream *ss = stream_of (pad);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint32 ssrc;
  GstFlowReturn ret;
  gboolean sent;

  if (!self->session)
    return GST_FLOW_FLUSHING;
  if (!gst_rtp_buffer_map (bufs[0], GST_MAP_READ, &rtp)) {
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, (NULL),
        ("%s: dropping a buffer that is not RTP", GST_PAD_NAME (pad)));
    return GST_FLOW_OK;
  }
  ssrc = gst_rtp_buffer_get_ssrc (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  if (!ss->announced || ss->ssrc != ssrc) {
    ret = announce (self, pad, ss, ssrc);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  sent = gst_meeting_session_send (self->session, bufs, n);
  GST_OBJECT_LOCK (self);
  if (sent)
    self->sent += n;
  else
    self->dropped += n; /* media path not up (yet): RTP is loss-tolerant */
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_meeting_sink_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstFlowReturn ret = send_buffers (GST_MEETING_SINK (parent), pad, &buf, 1);

  gst_buffer_unref (buf);
  return ret;
}

static GstFlowReturn
gst_meeting_sink_chain_list (
    GstPad *pad, GstObject *parent, GstBufferList *list)
{
  guint n = gst_buffer_list_length (list);
  GstBuffer **bufs = g_newa (GstBuffer *, MAX (n, 1));
  GstFlowReturn ret = GST_FLOW_OK;

  for (guint i = 0; i < n; i++)
    bufs[i] = gst_buffer_list_get (list, i);
  if (n)
    ret = send_buffers (GST_MEETING_SINK (parent), pad, bufs, n);
  gst_buffer_list_unref (list);
  return ret;
}

static gboolean
all_eos (GstMeetingSink *self)
{
  gboolean all = self->streams->len > 0;

  for (guint i = 0; i < self->streams->len; i++)
    all &= ((SinkStream *)self->streams->pdata[i])->eos;
  return all;
}

static gboolean
gst_meeting_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstMeetingSink *self = GST_MEETING_SINK (parent);
  SinkStream *ss = stream_of (pad);
  gboolean post_eos = FALSE;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      GST_OBJECT_LOCK (self);
      ss->eos = TRUE;
      post_eos = all_eos (self);
      GST_OBJECT_UNLOCK (self);
      if (post_eos)
        gst_element_post_message (
            GST_ELEMENT (self), gst_message_new_eos (GST_OBJECT (self)));
      break;
    case GST_EVENT_FLUSH_STOP:
    case GST_EVENT_STREAM_START:
      GST_OBJECT_LOCK (self);
      ss->eos = FALSE;
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      break;
  }
  gst_event_unref (event);
  return TRUE;
}

/* Only RTP marked by e2eeenc (encryption=sframe), or any RTP with
 * allow-clear.  The caps query answers the template (application/x-rtp),
 * without the mark: payloaders copy the fields of downstream caps into
 * theirs, so a mark offered there would end up on clear RTP. */
static gboolean
gst_meeting_sink_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_ACCEPT_CAPS) {
    GstCaps *caps;
    gst_query_parse_accept_caps (query, &caps);
    gst_query_set_accept_caps_result (
        query, caps_acceptable (GST_MEETING_SINK (parent), caps));
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

/* Caps that accept-caps refuses never reach the event function: this probe
 * sees them first and says why the stream will not be sent. */
static GstPadProbeReturn
refused_caps_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstMeetingSink *self = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  if (gst_caps_get_size (caps) == 1 &&
      gst_structure_has_name (
          gst_caps_get_structure (caps, 0), "application/x-rtp") &&
      !caps_acceptable (self, caps))
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Stream %s is not end-to-end encrypted", GST_PAD_NAME (pad)),
        ("caps without %s=%s: put e2eeenc before meetingsink, or set "
         "allow-clear; caps %" GST_PTR_FORMAT,
            CAPS_ENCRYPTION, CAPS_ENCRYPTION_SFRAME, caps));
  return GST_PAD_PROBE_OK;
}

/* session thread: someone wants a keyframe of one of our streams */
static void
on_keyframe_request (gpointer user, guint32 ssrc, gboolean fir)
{
  GstMeetingSink *self = user;
  GstPad *pad = NULL;
  guint count = 0;

  GST_OBJECT_LOCK (self);
  for (guint i = 0; i < self->streams->len; i++) {
    SinkStream *ss = self->streams->pdata[i];
    if (ss->announced && ss->ssrc == ssrc) {
      pad = gst_object_ref (ss->pad);
      count = ++ss->fku_count;
    }
  }
  GST_OBJECT_UNLOCK (self);
  if (!pad)
    return;
  GST_INFO_OBJECT (
      pad, "%s: asking upstream for a keyframe", fir ? "FIR" : "PLI");
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("meeting-keyframe-request", "stream",
              G_TYPE_STRING, GST_PAD_NAME (pad), "ssrc", G_TYPE_UINT, ssrc,
              NULL)));
  gst_pad_push_event (pad,
      gst_video_event_new_upstream_force_key_unit (
          GST_CLOCK_TIME_NONE, TRUE, count));
  gst_object_unref (pad);
}

static GstPad *
gst_meeting_sink_request_new_pad (GstElement *element, GstPadTemplate *templ,
    const gchar *name, const GstCaps *caps)
{
  GstMeetingSink *self = GST_MEETING_SINK (element);
  const gchar *tname = GST_PAD_TEMPLATE_NAME_TEMPLATE (templ);
  gchar *pad_name = NULL;
  SinkStream *ss;
  GstPad *pad;

  if (name) {
    pad_name = g_strdup (name);
  } else {
    /* the first free index of this kind */
    gchar *prefix = g_strndup (tname, strlen (tname) - 3);
    for (guint i = 0; !pad_name; i++) {
      gchar *n = g_strdup_printf ("%s_%u", prefix, i);
      GstPad *p = gst_element_get_static_pad (element, n);
      if (p) {
        gst_object_unref (p);
        g_free (n);
      } else {
        pad_name = n;
      }
    }
    g_free (prefix);
  }
  pad = gst_pad_new_from_template (templ, pad_name);
  g_free (pad_name);
  ss = g_new0 (SinkStream, 1);
  ss->pad = pad;
  ss->kind = g_strndup (tname, strchr (tname, '_') - tname);
  gst_pad_set_element_private (pad, ss);
  gst_pad_set_chain_function (pad, gst_meeting_sink_chain);
  gst_pad_set_chain_list_function (pad, gst_meeting_sink_chain_list);
  gst_pad_set_event_function (pad, gst_meeting_sink_event);
  gst_pad_set_query_function (pad, gst_meeting_sink_query);
  gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, refused_caps_probe, self, NULL);
  GST_OBJECT_LOCK (self);
  g_ptr_array_add (self->streams, ss);
  GST_OBJECT_UNLOCK (self);
  if (!gst_element_add_pad (element, pad)) {
    GST_OBJECT_LOCK (self);
    g_ptr_array_remove (self->streams, ss);
    GST_OBJECT_UNLOCK (self);
    g_free (ss->kind);
    g_free (ss);
    return NULL;
  }
  return pad;
}

static void
gst_meeting_sink_release_pad (GstElement *element, GstPad *pad)
{
  GstMeetingSink *self = GST_MEETING_SINK (element);
  SinkStream *ss = stream_of (pad);

  GST_OBJECT_LOCK (self);
  g_ptr_array_remove (self->streams, ss);
  GST_OBJECT_UNLOCK (self);
  if (self->session && ss->announced)
    gst_meeting_session_unpublish (self->session, GST_PAD_NAME (pad));
  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (element, pad);
  g_free (ss->kind);
  g_free (ss);
}

static const GstMeetingSender sender = { on_keyframe_request };

static GstStateChangeReturn
gst_meeting_sink_change_state (GstElement *element, GstStateChange transition)
{
  GstMeetingSink *self = GST_MEETING_SINK (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY: {
      gboolean deferred = FALSE;
      self->session =
          gst_meeting_settings_acquire (element, &self->settings, &deferred);
      if (!self->session && !deferred)
        return GST_STATE_CHANGE_FAILURE;
      if (self->session)
        gst_meeting_session_attach_sender (self->session, &sender, self);
      break;
    }
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!self->session) {
        self->session =
            gst_meeting_settings_acquire (element, &self->settings, NULL);
        if (!self->session)
          return GST_STATE_CHANGE_FAILURE;
        gst_meeting_session_attach_sender (self->session, &sender, self);
      }
      GST_OBJECT_LOCK (self);
      for (guint i = 0; i < self->streams->len; i++) {
        SinkStream *ss = self->streams->pdata[i];
        ss->eos = FALSE;
        ss->announced = FALSE;
      }
      GST_OBJECT_UNLOCK (self);
      gst_meeting_session_start (self->session);
      break;
    default:
      break;
  }
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      gst_meeting_session_stop (self->session);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      if (!self->session)
        break;
      gst_meeting_session_detach_sender (self->session);
      gst_meeting_session_release (self->session, element);
      self->session = NULL;
      break;
    default:
      break;
  }
  return ret;
}

static void
gst_meeting_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstMeetingSink *self = GST_MEETING_SINK (object);

  GST_OBJECT_LOCK (self);
  if (gst_meeting_settings_set_property (&self->settings, prop_id, value)) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_ALLOW_CLEAR:
      self->allow_clear = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_meeting_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstMeetingSink *self = GST_MEETING_SINK (object);

  GST_OBJECT_LOCK (self);
  if (gst_meeting_settings_get_property (&self->settings, prop_id, value)) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_ALLOW_CLEAR:
      g_value_set_boolean (value, self->allow_clear);
      break;
    case PROP_STATS:
      g_value_take_boxed (value,
          gst_structure_new ("application/x-meetingsink-stats", "sent",
              G_TYPE_UINT64, self->sent, "dropped", G_TYPE_UINT64,
              self->dropped, NULL));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_meeting_sink_finalize (GObject *object)
{
  GstMeetingSink *self = GST_MEETING_SINK (object);

  gst_meeting_settings_clear (&self->settings);
  g_ptr_array_unref (self->streams);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_meeting_sink_init (GstMeetingSink *self)
{
  self->streams = g_ptr_array_new ();
  gst_meeting_settings_init (&self->settings);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);
}

static void
gst_meeting_sink_class_init (GstMeetingSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_meeting_sink_set_property;
  gobject_class->get_property = gst_meeting_sink_get_property;
  gobject_class->finalize = gst_meeting_sink_finalize;

  gst_meeting_settings_install (gobject_class);
  g_object_class_install_property (gobject_class, PROP_ALLOW_CLEAR,
      g_param_spec_boolean ("allow-clear", "Allow clear",
          "Accept RTP without e2eeenc's caps mark (encryption=sframe) too, "
          "announced as clear (the server must allow it too); off: such "
          "caps are refused with an error",
          FALSE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Packets sent, and dropped while the media path was not up",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &audio_template);
  gst_element_class_add_static_pad_template (element_class, &video_template);
  gst_element_class_add_static_pad_template (element_class, &screen_template);
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_meeting_sink_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_meeting_sink_release_pad);
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_meeting_sink_change_state);
  gst_element_class_set_static_metadata (element_class, "Meeting sink",
      "Sink/Network",
      "Sends end-to-end encrypted RTP streams to a gst-meeting-server "
      "meeting over ICE",
      "gst-e2ee-meeting contributors");
}
