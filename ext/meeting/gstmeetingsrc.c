/* meetingsrc: the other participants' streams of an E2EE meeting.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-meetingsrc
 * @title: meetingsrc
 * @see_also: meetingsink, e2eedec, keyexchange
 *
 * Joins the meeting named by #GstMeetingSrc:uri (or the session of a
 * meetingsink of the same pipeline) and exposes one live source pad per
 * stream another participant publishes, with the caps of the publisher's
 * announcement (application/x-rtp, payload still SFrame-encrypted: put
 * e2eedec after it).  Those caps carry the sender's e2eeenc mark,
 * `encryption=(string)sframe` and `sframe-suite`, from which e2eedec takes
 * the cipher suite.
 *
 * Pads are named `PARTICIPANT_STREAM`: the publisher's display name (letters,
 * digits and `-`; other characters become `-`) and its stream id, e.g.
 * `alice_audio_0` or `bob_video_0`.  Two participants of the same name get
 * `NAME-ID_STREAM` with the server's participant id.
 *
 * Picking streams:
 * - in a gst-launch line, link a pad by name: `m.alice_audio_0 ! e2eedec !
 *   ...` (the link is made when alice's stream appears);
 * - #GstMeetingSrc:media and #GstMeetingSrc:participants restrict which
 *   streams get a pad at all, e.g. `media=video` for every video and no
 *   audio;
 * - an application connects to #GstElement::pad-added and looks at the
 *   name or the caps' `media` field.
 * Pads come and go as participants publish, leave or reconnect; a pad that
 * nobody linked drops its packets.
 *
 * A force-key-unit event travelling upstream into a pad (depayloaders and
 * decoders send one when they need a keyframe, e.g. rtpvp8depay
 * request-keyframe=true) becomes an RTCP PLI to the stream's sender, at most
 * every 300 ms per stream.
 *
 * ## Example pipelines
 * |[
 * gst-launch-1.0 meetingsrc name=m uri=ws://127.0.0.1:8443/demo \
 *   participant=bob \
 *   m.alice_audio_0 ! e2eedec ! rtpopusdepay ! opusdec ! autoaudiosink \
 *   m.alice_video_0 ! e2eedec ! rtpvp8depay request-keyframe=true ! \
 *   vp8dec ! videoconvert ! autovideosink keyexchange
 * ]| bob hears and sees alice, decrypted with the keys keyexchange agrees.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeetingsrc.h"

#include <string.h>

#include <gst/app/app.h>
#include <gst/video/video.h>

#include "gstmeetingelements.h"
#include "gstmeetingsession.h"
#include "gstmeetingsettings.h"

GST_DEBUG_CATEGORY_STATIC (gst_meeting_src_debug);
#define GST_CAT_DEFAULT gst_meeting_src_debug

#define PLI_MIN_INTERVAL_US (300 * 1000)
#define QUEUE_BYTES (2 * 1024 * 1024)

enum
{
  PROP_MEDIA = GST_MEETING_PROP_LAST,
  PROP_PARTICIPANTS,
  PROP_STATS,
};

typedef struct
{
  GstMeetingSrc *self;
  GstElement *appsrc;
  GstPad *ghost;
  GstCaps *caps; /* the announcement's */
  guint32 ssrc;
  gint64 last_pli;
} RemotePad;

struct _GstMeetingSrc
{
  GstBin parent;

  /* properties (object lock) */
  GstMeetingSettings settings;
  gchar **media;
  gchar **participants;

  GstMeetingSession *session;
  GHashTable *pads; /* ssrc -> RemotePad*, object lock */
  guint64 received, unexposed; /* packets; object lock */
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("%s",
    GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS ("application/x-rtp"));

#define gst_meeting_src_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstMeetingSrc, gst_meeting_src, GST_TYPE_BIN,
    GST_DEBUG_CATEGORY_INIT (
        gst_meeting_src_debug, "meetingsrc", 0, "E2EE meeting receiver"));
GST_ELEMENT_REGISTER_DEFINE (
    meetingsrc, "meetingsrc", GST_RANK_NONE, GST_TYPE_MEETING_SRC);

static gboolean
wanted (GstMeetingSrc *self, const GstMeetingRemoteStream *rs)
{
  gboolean ok = TRUE;

  GST_OBJECT_LOCK (self);
  if (self->media && self->media[0])
    ok &= g_strv_contains ((const gchar *const *)self->media, rs->kind);
  if (self->participants && self->participants[0])
    ok &= g_strv_contains (
        (const gchar *const *)self->participants, rs->participant);
  GST_OBJECT_UNLOCK (self);
  return ok;
}

/* A pad nobody linked (yet) drops, instead of failing the pipeline. */
static GstPadProbeReturn
drop_unlinked (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RemotePad *rp = user_data;

  return gst_pad_is_linked (rp->ghost) ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

/* force-key-unit from downstream: a PLI to the sender */
static GstPadProbeReturn
upstream_event (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RemotePad *rp = user_data;
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
  GstMeetingSrc *self = rp->self;
  gint64 now;

  if (!gst_video_event_is_force_key_unit (ev))
    return GST_PAD_PROBE_OK;
  now = g_get_monotonic_time ();
  if (now - rp->last_pli >= PLI_MIN_INTERVAL_US && self->session) {
    rp->last_pli = now;
    GST_INFO_OBJECT (rp->ghost, "keyframe wanted: PLI to ssrc %u", rp->ssrc);
    gst_meeting_session_request_keyframe (self->session, rp->ssrc);
  }
  return GST_PAD_PROBE_HANDLED;
}

/* The announced caps, before the first buffer has set them: lets a
 * pad-added handler or gst-launch link by caps. */
static gboolean
ghost_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  RemotePad *rp = gst_pad_get_element_private (pad);

  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS && rp) {
    GstCaps *filter, *result;
    gst_query_parse_caps (query, &filter);
    result = filter
        ? gst_caps_intersect_full (filter, rp->caps, GST_CAPS_INTERSECT_FIRST)
        : gst_caps_ref (rp->caps);
    gst_query_set_caps_result (query, result);
    gst_caps_unref (result);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

static void
remote_pad_free (RemotePad *rp)
{
  gst_caps_unref (rp->caps);
  gst_object_unref (rp->appsrc);
  gst_object_unref (rp->ghost);
  g_free (rp);
}

static void
remove_pad (GstMeetingSrc *self, RemotePad *rp)
{
  GST_INFO_OBJECT (self, "removing %s", GST_PAD_NAME (rp->ghost));
  gst_element_set_locked_state (rp->appsrc, TRUE);
  gst_element_set_state (rp->appsrc, GST_STATE_NULL);
  gst_pad_set_active (rp->ghost, FALSE);
  gst_element_remove_pad (GST_ELEMENT (self), rp->ghost);
  gst_bin_remove (GST_BIN (self), rp->appsrc);
  remote_pad_free (rp);
}

/* session thread */
static void
on_stream_added (gpointer user, const GstMeetingRemoteStream *rs)
{
  GstMeetingSrc *self = user;
  RemotePad *rp;
  GstPad *target;

  if (!wanted (self, rs)) {
    GST_DEBUG_OBJECT (self, "not exposing %s", rs->pad_name);
    return;
  }
  rp = g_new0 (RemotePad, 1);
  rp->self = self;
  rp->ssrc = rs->ssrc;
  rp->caps = gst_caps_ref (rs->caps);
  rp->appsrc = gst_object_ref (gst_element_factory_make ("appsrc", NULL));
  g_object_set (rp->appsrc, "caps", rs->caps, "is-live", TRUE, "format",
      GST_FORMAT_TIME, "do-timestamp", TRUE, "max-bytes", (guint64)QUEUE_BYTES,
      "leaky-type", 2 /* downstream: drop old */, NULL);
  /* in the bin first: adding it would undo a link made before */
  gst_bin_add (GST_BIN (self), rp->appsrc);
  target = gst_element_get_static_pad (rp->appsrc, "src");
  rp->ghost = gst_object_ref (gst_ghost_pad_new_from_template (rs->pad_name,
      target,
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self), "%s")));
  gst_pad_set_element_private (rp->ghost, rp);
  gst_pad_set_query_function (rp->ghost, ghost_query);
  gst_pad_add_probe (
      target, GST_PAD_PROBE_TYPE_BUFFER, drop_unlinked, rp, NULL);
  gst_pad_add_probe (
      target, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, upstream_event, rp, NULL);
  gst_object_unref (target);
  gst_pad_set_active (rp->ghost, TRUE);
  GST_OBJECT_LOCK (self);
  g_hash_table_insert (self->pads, GUINT_TO_POINTER (rp->ssrc), rp);
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "new pad %s (ssrc %u) %" GST_PTR_FORMAT, rs->pad_name,
      rs->ssrc, rs->caps);
  gst_element_add_pad (GST_ELEMENT (self), rp->ghost);
  gst_element_sync_state_with_parent (rp->appsrc);
}

static void
on_stream_removed (gpointer user, const GstMeetingRemoteStream *rs)
{
  GstMeetingSrc *self = user;
  RemotePad *rp;

  GST_OBJECT_LOCK (self);
  rp = g_hash_table_lookup (self->pads, GUINT_TO_POINTER (rs->ssrc));
  if (rp)
    g_hash_table_steal (self->pads, GUINT_TO_POINTER (rs->ssrc));
  GST_OBJECT_UNLOCK (self);
  if (rp)
    remove_pad (self, rp);
}

static void
on_media (gpointer user, const GstMeetingRemoteStream *rs, GstBuffer *buf)
{
  GstMeetingSrc *self = user;
  RemotePad *rp;
  GstElement *appsrc = NULL;

  GST_OBJECT_LOCK (self);
  rp = g_hash_table_lookup (self->pads, GUINT_TO_POINTER (rs->ssrc));
  if (rp)
    appsrc = gst_object_ref (rp->appsrc);
  self->received++;
  if (!rp)
    self->unexposed++;
  GST_OBJECT_UNLOCK (self);
  if (!appsrc) {
    gst_buffer_unref (buf);
    return;
  }
  gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf);
  gst_object_unref (appsrc);
}

static const GstMeetingReceiver receiver = { on_stream_added, on_stream_removed,
  on_media };

static void
attach (GstMeetingSrc *self)
{
  GStrv media, participants;

  /* not under our lock: the session calls us back under its own */
  GST_OBJECT_LOCK (self);
  media = g_strdupv (self->media);
  participants = g_strdupv (self->participants);
  GST_OBJECT_UNLOCK (self);
  gst_meeting_session_attach_receiver (self->session, &receiver, self,
      (const gchar *const *)media, (const gchar *const *)participants);
  g_strfreev (media);
  g_strfreev (participants);
}

static void
remove_all_pads (GstMeetingSrc *self)
{
  GList *l, *all;

  GST_OBJECT_LOCK (self);
  all = g_hash_table_get_values (self->pads);
  g_hash_table_steal_all (self->pads);
  GST_OBJECT_UNLOCK (self);
  for (l = all; l; l = l->next)
    remove_pad (self, l->data);
  g_list_free (all);
}

static GstStateChangeReturn
gst_meeting_src_change_state (GstElement *element, GstStateChange transition)
{
  GstMeetingSrc *self = GST_MEETING_SRC (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY: {
      self->session = gst_meeting_settings_acquire (element, &self->settings);
      if (!self->session)
        return GST_STATE_CHANGE_FAILURE;
      attach (self);
      break;
    }
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      gst_meeting_session_start (self->session);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      gst_meeting_session_detach_receiver (self->session);
      remove_all_pads (self);
      break;
    default:
      break;
  }
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;
  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      ret = GST_STATE_CHANGE_NO_PREROLL; /* a live source */
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      gst_meeting_session_stop (self->session);
      attach (self);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      gst_meeting_session_detach_receiver (self->session);
      gst_meeting_session_release (self->session, element);
      self->session = NULL;
      break;
    default:
      break;
  }
  return ret;
}

static gchar **
split_list (const GValue *value)
{
  const gchar *s = g_value_get_string (value);
  gchar **v;

  if (!s || !*s)
    return NULL;
  v = g_strsplit_set (s, ",", -1);
  for (gchar **p = v; *p; p++)
    g_strstrip (*p);
  return v;
}

static void
gst_meeting_src_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstMeetingSrc *self = GST_MEETING_SRC (object);

  GST_OBJECT_LOCK (self);
  if (gst_meeting_settings_set_property (&self->settings, prop_id, value)) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_MEDIA:
      g_strfreev (self->media);
      self->media = split_list (value);
      break;
    case PROP_PARTICIPANTS:
      g_strfreev (self->participants);
      self->participants = split_list (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_meeting_src_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstMeetingSrc *self = GST_MEETING_SRC (object);

  GST_OBJECT_LOCK (self);
  if (gst_meeting_settings_get_property (&self->settings, prop_id, value)) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_MEDIA:
      g_value_take_string (
          value, self->media ? g_strjoinv (",", self->media) : NULL);
      break;
    case PROP_PARTICIPANTS:
      g_value_take_string (value,
          self->participants ? g_strjoinv (",", self->participants) : NULL);
      break;
    case PROP_STATS:
      g_value_take_boxed (value,
          gst_structure_new ("application/x-meetingsrc-stats", "received",
              G_TYPE_UINT64, self->received, "unexposed", G_TYPE_UINT64,
              self->unexposed, NULL));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_meeting_src_finalize (GObject *object)
{
  GstMeetingSrc *self = GST_MEETING_SRC (object);

  gst_meeting_settings_clear (&self->settings);
  g_strfreev (self->media);
  g_strfreev (self->participants);
  g_hash_table_unref (self->pads);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_meeting_src_init (GstMeetingSrc *self)
{
  self->pads = g_hash_table_new (NULL, NULL);
  gst_meeting_settings_init (&self->settings);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
}

static void
gst_meeting_src_class_init (GstMeetingSrcClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = gst_meeting_src_set_property;
  gobject_class->get_property = gst_meeting_src_get_property;
  gobject_class->finalize = gst_meeting_src_finalize;

  gst_meeting_settings_install (gobject_class);
  g_object_class_install_property (gobject_class, PROP_MEDIA,
      g_param_spec_string ("media", "Media",
          "Comma-separated kinds of stream to expose: audio, video, screen "
          "(unset: all)",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_PARTICIPANTS,
      g_param_spec_string ("participants", "Participants",
          "Comma-separated display names whose streams to expose (unset: "
          "everybody's)",
          NULL, rw));

  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Packets received, and of those for streams without a pad "
          "(unexposed: the server sends only what media/participants select)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &src_template);
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_meeting_src_change_state);
  gst_element_class_set_static_metadata (element_class, "Meeting source",
      "Source/Network",
      "The other participants' end-to-end encrypted RTP streams of a "
      "gst-meeting-server meeting, one pad per stream",
      "gst-e2ee-meeting contributors");
}
