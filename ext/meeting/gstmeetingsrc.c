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
 * meetingsink of the same pipeline, found through the `gst-meeting.session`
 * context) and exposes one live source pad per
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
 *   ...` (a request pad, made at once and fed when alice's stream is
 *   there; a name that matches no stream 5 s after the start gets a
 *   WARNING listing the streams there are);
 * - #GstMeetingSrc:media and #GstMeetingSrc:participants restrict which
 *   streams get a pad at all, e.g. `media=video` for every video and no
 *   audio;
 * - an application connects to #GstElement::pad-added and looks at the
 *   name or the caps' `media` field.
 * A pad keeps its name across its sender's leave and rejoin, a reconnect of
 * either side and a server restart: the stream that comes back (new SSRC,
 * new keys) feeds the same pad, its first buffer marked DISCONT, new caps
 * sent if they changed.  #GstMeetingSrc:eos-on-leave ends a pad with EOS
 * when its sender leaves instead.  An EOS sent to the element (gst-launch
 * -e) ends every pad, also those whose sender left, so that muxers
 * finalize their files.  A pad that nobody linked drops its packets.
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
 * |[
 * gst-launch-1.0 -e meetingsrc name=m uri=ws://127.0.0.1:8443/demo \
 *   participant=rec m.alice_audio_0 ! e2eedec ! rtpjitterbuffer ! \
 *   rtpopusdepay ! matroskamux ! filesink location=alice.mkv keyexchange
 * ]| records alice across her leaves and rejoins; Ctrl-C finishes the file.
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
/* pads by name, streams there and gone; beyond this no new pad */
#define MAX_PADS 512
/* a pad asked for by name that no stream matched this long: a warning */
#define UNMATCHED_WARN_S 5
#define DEFAULT_EOS_ON_LEAVE FALSE

enum
{
  PROP_MEDIA = GST_MEETING_PROP_LAST,
  PROP_PARTICIPANTS,
  PROP_STATS,
  PROP_EOS_ON_LEAVE,
};

/* One pad per stream name: it outlives its stream (leave, rejoin,
 * reconnect, server restart) and is fed again when a stream of that name
 * comes back. Fields under the element's object lock. */
typedef struct
{
  GstMeetingSrc *self;
  gchar *name;
  GstElement *appsrc;
  GstPad *ghost;
  GstCaps *caps; /* the announcement's; NULL: no stream yet */
  guint32 ssrc;
  gboolean bound; /* a stream of this name is there now */
  gboolean ever_bound;
  gboolean requested; /* asked for by name (a launch line's m.NAME) */
  gboolean ended; /* EOS sent: fed no more */
  gboolean discont; /* the next buffer follows a gap (a new stream) */
  gint64 last_pli;
} RemotePad;

struct _GstMeetingSrc
{
  GstBin parent;

  /* properties (object lock) */
  GstMeetingSettings settings;
  gchar **media;
  gchar **participants;
  gboolean eos_on_leave;

  GstMeetingSession *session;
  GHashTable *pads; /* name -> RemotePad*, object lock */
  GHashTable *by_ssrc; /* ssrc -> RemotePad* (bound ones), object lock */
  gboolean ended; /* EOS sent to every pad: no new ones */
  GstClockID warn_id; /* the unmatched-name check, object lock */
  guint64 received, unexposed; /* packets; object lock */
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "%s", GST_PAD_SRC, GST_PAD_REQUEST, GST_STATIC_CAPS ("application/x-rtp"));

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
  gboolean send = FALSE;
  guint32 ssrc = 0;
  gint64 now;

  if (!gst_video_event_is_force_key_unit (ev))
    return GST_PAD_PROBE_OK;
  now = g_get_monotonic_time ();
  GST_OBJECT_LOCK (self);
  if (rp->bound && self->session && now - rp->last_pli >= PLI_MIN_INTERVAL_US) {
    rp->last_pli = now;
    ssrc = rp->ssrc;
    send = TRUE;
  }
  GST_OBJECT_UNLOCK (self);
  if (send) {
    GST_INFO_OBJECT (rp->ghost, "keyframe wanted: PLI to ssrc %u", ssrc);
    gst_meeting_session_request_keyframe (self->session, ssrc);
  }
  return GST_PAD_PROBE_HANDLED;
}

/* The announced caps, before the first buffer has set them: lets a
 * pad-added handler or gst-launch link by caps. A pad asked for by name
 * before its stream is there answers application/x-rtp. */
static gboolean
ghost_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  RemotePad *rp = gst_pad_get_element_private (pad);

  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS && rp) {
    GstCaps *filter, *caps, *result;
    GST_OBJECT_LOCK (rp->self);
    caps = rp->caps ? gst_caps_ref (rp->caps)
                    : gst_static_pad_template_get_caps (&src_template);
    GST_OBJECT_UNLOCK (rp->self);
    gst_query_parse_caps (query, &filter);
    result = filter
        ? gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST)
        : gst_caps_ref (caps);
    gst_query_set_caps_result (query, result);
    gst_caps_unref (result);
    gst_caps_unref (caps);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

static void
remote_pad_free (RemotePad *rp)
{
  gst_clear_caps (&rp->caps);
  gst_object_unref (rp->appsrc);
  gst_object_unref (rp->ghost);
  g_free (rp->name);
  g_free (rp);
}

/* not under the object lock: removing a pad runs pad-removed handlers */
static void
remove_pad (GstMeetingSrc *self, RemotePad *rp)
{
  GST_INFO_OBJECT (self, "removing %s", rp->name);
  gst_element_set_locked_state (rp->appsrc, TRUE);
  gst_element_set_state (rp->appsrc, GST_STATE_NULL);
  gst_pad_set_active (rp->ghost, FALSE);
  if (GST_OBJECT_PARENT (rp->ghost) == GST_OBJECT (self))
    gst_element_remove_pad (GST_ELEMENT (self), rp->ghost);
  if (GST_OBJECT_PARENT (rp->appsrc) == GST_OBJECT (self))
    gst_bin_remove (GST_BIN (self), rp->appsrc);
  remote_pad_free (rp);
}

static RemotePad *
remote_pad_new (GstMeetingSrc *self, const gchar *name, GstCaps *caps)
{
  RemotePad *rp = g_new0 (RemotePad, 1);
  GstPad *target;

  rp->self = self;
  rp->name = g_strdup (name);
  rp->caps = caps ? gst_caps_ref (caps) : NULL;
  rp->appsrc = gst_object_ref_sink (gst_element_factory_make ("appsrc", NULL));
  g_object_set (rp->appsrc, "is-live", TRUE, "format", GST_FORMAT_TIME,
      "do-timestamp", TRUE, "max-bytes", (guint64)QUEUE_BYTES, "leaky-type",
      2 /* downstream: drop old */, NULL);
  if (caps)
    g_object_set (rp->appsrc, "caps", caps, NULL);
  target = gst_element_get_static_pad (rp->appsrc, "src");
  /* targeted once the appsrc is in the bin: adding it would undo a link */
  rp->ghost = gst_object_ref_sink (gst_ghost_pad_new_no_target_from_template (
      name,
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self), "%s")));
  gst_pad_set_element_private (rp->ghost, rp);
  gst_pad_set_query_function (rp->ghost, ghost_query);
  gst_pad_add_probe (
      target, GST_PAD_PROBE_TYPE_BUFFER, drop_unlinked, rp, NULL);
  gst_pad_add_probe (
      target, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, upstream_event, rp, NULL);
  gst_object_unref (target);
  return rp;
}

/* Puts a new pad in the element: called with no lock held. */
static void
expose (GstMeetingSrc *self, RemotePad *rp)
{
  GstPad *target = gst_element_get_static_pad (rp->appsrc, "src");

  gst_bin_add (GST_BIN (self), rp->appsrc);
  gst_ghost_pad_set_target (GST_GHOST_PAD (rp->ghost), target);
  gst_object_unref (target);
  gst_pad_set_active (rp->ghost, TRUE);
  gst_element_add_pad (GST_ELEMENT (self), rp->ghost);
  gst_element_sync_state_with_parent (rp->appsrc);
}

/* object lock held: a stream takes its pad (new or kept from before) */
static void
bind (GstMeetingSrc *self, RemotePad *rp, const GstMeetingRemoteStream *rs,
    gboolean *caps_changed)
{
  if (rp->bound)
    g_hash_table_remove (self->by_ssrc, GUINT_TO_POINTER (rp->ssrc));
  *caps_changed = !rp->caps || !gst_caps_is_equal (rp->caps, rs->caps);
  gst_caps_replace (&rp->caps, rs->caps);
  rp->ssrc = rs->ssrc;
  rp->discont = rp->ever_bound;
  rp->bound = TRUE;
  rp->ever_bound = TRUE;
  g_hash_table_insert (self->by_ssrc, GUINT_TO_POINTER (rs->ssrc), rp);
}

/* session thread, no lock of the session held */
static void
on_stream_added (gpointer user, const GstMeetingRemoteStream *rs)
{
  GstMeetingSrc *self = user;
  RemotePad *rp, *fresh = NULL;
  GstElement *appsrc;
  gboolean caps_changed = FALSE, ended;

  if (!wanted (self, rs)) {
    GST_DEBUG_OBJECT (self, "not exposing %s", rs->pad_name);
    return;
  }
  GST_OBJECT_LOCK (self);
  rp = g_hash_table_lookup (self->pads, rs->pad_name);
  if (!rp && (self->ended || g_hash_table_size (self->pads) >= MAX_PADS)) {
    GST_OBJECT_UNLOCK (self);
    GST_WARNING_OBJECT (self, "no pad for %s", rs->pad_name);
    return;
  }
  if (!rp) {
    GST_OBJECT_UNLOCK (self);
    fresh = remote_pad_new (self, rs->pad_name, rs->caps);
    GST_OBJECT_LOCK (self);
    /* asked for by name meanwhile? then that pad it is */
    rp = g_hash_table_lookup (self->pads, rs->pad_name);
    if (!rp) {
      rp = fresh;
      g_hash_table_insert (self->pads, rp->name, rp);
    } else {
      remote_pad_free (fresh);
      fresh = NULL;
    }
  }
  bind (self, rp, rs, &caps_changed);
  ended = rp->ended;
  appsrc = gst_object_ref (rp->appsrc);
  GST_OBJECT_UNLOCK (self);

  if (fresh) {
    GST_INFO_OBJECT (self, "new pad %s (ssrc %u) %" GST_PTR_FORMAT,
        rs->pad_name, rs->ssrc, rs->caps);
    expose (self, fresh);
  } else {
    GST_INFO_OBJECT (self, "%s is back (ssrc %u)%s%s", rs->pad_name, rs->ssrc,
        caps_changed ? ", new caps" : "",
        ended ? ", but the pad has ended" : "");
    if (caps_changed)
      gst_app_src_set_caps (GST_APP_SRC (appsrc), rs->caps);
  }
  gst_object_unref (appsrc);
}

/* session thread, no lock of the session held: the pad stays, for the
 * stream's return; EOS if eos-on-leave and its sender left */
static void
on_stream_removed (gpointer user, const GstMeetingRemoteStream *rs)
{
  GstMeetingSrc *self = user;
  RemotePad *rp;
  GstElement *eos = NULL;

  GST_OBJECT_LOCK (self);
  rp = g_hash_table_lookup (self->by_ssrc, GUINT_TO_POINTER (rs->ssrc));
  if (rp) {
    g_hash_table_remove (self->by_ssrc, GUINT_TO_POINTER (rs->ssrc));
    rp->bound = FALSE;
    if (rs->left && self->eos_on_leave && !rp->ended) {
      rp->ended = TRUE;
      eos = gst_object_ref (rp->appsrc);
    }
  }
  GST_OBJECT_UNLOCK (self);
  if (!rp)
    return;
  GST_INFO_OBJECT (self, "%s: its stream is gone (%s)%s", rs->pad_name,
      rs->left ? "left" : "meeting lost", eos ? ", EOS" : "");
  if (eos) {
    gst_app_src_end_of_stream (GST_APP_SRC (eos));
    gst_object_unref (eos);
  }
}

static void
on_media (gpointer user, const GstMeetingRemoteStream *rs, GstBuffer *buf)
{
  GstMeetingSrc *self = user;
  RemotePad *rp;
  GstElement *appsrc = NULL;
  gboolean discont = FALSE;

  GST_OBJECT_LOCK (self);
  rp = g_hash_table_lookup (self->by_ssrc, GUINT_TO_POINTER (rs->ssrc));
  if (rp && !rp->ended) {
    appsrc = gst_object_ref (rp->appsrc);
    discont = rp->discont;
    rp->discont = FALSE;
  }
  self->received++;
  if (!rp)
    self->unexposed++;
  GST_OBJECT_UNLOCK (self);
  if (!appsrc) {
    gst_buffer_unref (buf);
    return;
  }
  /* a stream that came back: its sequence numbers and timestamps start
   * anew; DISCONT lets rtpjitterbuffer and depayloaders start over */
  if (discont)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  gst_app_src_push_buffer (GST_APP_SRC (appsrc), buf);
  gst_object_unref (appsrc);
}

static const GstMeetingReceiver receiver = { on_stream_added, on_stream_removed,
  on_media };

static void
attach (GstMeetingSrc *self)
{
  GStrv media, participants;

  GST_OBJECT_LOCK (self);
  media = g_strdupv (self->media);
  participants = g_strdupv (self->participants);
  GST_OBJECT_UNLOCK (self);
  gst_meeting_session_attach_receiver (self->session, &receiver, self,
      (const gchar *const *)media, (const gchar *const *)participants);
  g_strfreev (media);
  g_strfreev (participants);
}

/* keep_requested: pads asked for by name stay (unfed) for the next start */
static void
remove_all_pads (GstMeetingSrc *self, gboolean keep_requested)
{
  GList *l, *gone = NULL;
  GHashTableIter it;
  gpointer v;

  GST_OBJECT_LOCK (self);
  g_hash_table_remove_all (self->by_ssrc);
  g_hash_table_iter_init (&it, self->pads);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    RemotePad *rp = v;
    rp->bound = FALSE;
    rp->ended = FALSE;
    if (!keep_requested || !rp->requested) {
      g_hash_table_iter_steal (&it);
      gone = g_list_prepend (gone, rp);
    }
  }
  GST_OBJECT_UNLOCK (self);
  for (l = gone; l; l = l->next)
    remove_pad (self, l->data);
  g_list_free (gone);
}

/* -e, or an application's EOS: every pad ends, those whose stream is gone
 * too, so that muxers downstream finish their files */
static gboolean
gst_meeting_src_send_event (GstElement *element, GstEvent *event)
{
  GstMeetingSrc *self = GST_MEETING_SRC (element);
  GPtrArray *ends;
  GHashTableIter it;
  gpointer v;

  if (GST_EVENT_TYPE (event) != GST_EVENT_EOS)
    return GST_ELEMENT_CLASS (parent_class)->send_event (element, event);
  ends = g_ptr_array_new_with_free_func (gst_object_unref);
  GST_OBJECT_LOCK (self);
  self->ended = TRUE;
  g_hash_table_iter_init (&it, self->pads);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    RemotePad *rp = v;
    if (!rp->ended) {
      rp->ended = TRUE;
      g_ptr_array_add (ends, gst_object_ref (rp->appsrc));
    }
  }
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "EOS on %u pads", ends->len);
  for (guint i = 0; i < ends->len; i++)
    gst_app_src_end_of_stream (GST_APP_SRC (ends->pdata[i]));
  g_ptr_array_unref (ends);
  gst_event_unref (event);
  return TRUE;
}

static void schedule_unmatched_check (GstMeetingSrc *self);

/* m.NAME in a launch line, or an application's request by name: a pad
 * that a stream of that name feeds whenever it is there */
static GstPad *
gst_meeting_src_request_new_pad (GstElement *element, GstPadTemplate *templ,
    const gchar *name, const GstCaps *caps)
{
  GstMeetingSrc *self = GST_MEETING_SRC (element);
  RemotePad *rp;

  if (!name || !*name || strchr (name, '%')) {
    GST_DEBUG_OBJECT (self, "pads are asked for by name (PARTICIPANT_STREAM)");
    return NULL;
  }
  rp = remote_pad_new (self, name, NULL);
  GST_OBJECT_LOCK (self);
  if (g_hash_table_contains (self->pads, name) ||
      g_hash_table_size (self->pads) >= MAX_PADS) {
    GST_OBJECT_UNLOCK (self);
    remote_pad_free (rp);
    return NULL;
  }
  rp->requested = TRUE;
  g_hash_table_insert (self->pads, rp->name, rp);
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "pad %s asked for", name);
  expose (self, rp);
  /* asked for while running: checked a few seconds from now (the pads
   * asked for before the start are checked from the start) */
  if (GST_STATE (self) >= GST_STATE_PAUSED)
    schedule_unmatched_check (self);
  return rp->ghost;
}

static void
gst_meeting_src_release_pad (GstElement *element, GstPad *pad)
{
  GstMeetingSrc *self = GST_MEETING_SRC (element);
  RemotePad *rp;

  GST_OBJECT_LOCK (self);
  rp = g_hash_table_lookup (self->pads, GST_PAD_NAME (pad));
  if (rp && rp->ghost == pad) {
    g_hash_table_steal (self->pads, rp->name);
    if (rp->bound)
      g_hash_table_remove (self->by_ssrc, GUINT_TO_POINTER (rp->ssrc));
  } else {
    rp = NULL;
  }
  GST_OBJECT_UNLOCK (self);
  if (rp)
    remove_pad (self, rp);
}

static gint
compare_str (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *)a, *(const gchar *const *)b);
}

/* the clock's thread: pads asked for by name that no stream matched */
static gboolean
check_unmatched (
    GstClock *clock, GstClockTime time, GstClockID id, gpointer user_data)
{
  GstMeetingSrc *self = user_data;
  GPtrArray *missing = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *there = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter it;
  gpointer v;

  GST_OBJECT_LOCK (self);
  if (self->warn_id != id) {
    GST_OBJECT_UNLOCK (self);
    goto done;
  }
  g_hash_table_iter_init (&it, self->pads);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    RemotePad *rp = v;
    if (rp->requested && !rp->ever_bound)
      g_ptr_array_add (missing, g_strdup (rp->name));
    else if (rp->bound)
      g_ptr_array_add (there, g_strdup (rp->name));
  }
  GST_OBJECT_UNLOCK (self);
  if (missing->len) {
    gchar *want, *have;
    g_ptr_array_sort (missing, compare_str);
    g_ptr_array_sort (there, compare_str);
    g_ptr_array_add (missing, NULL);
    g_ptr_array_add (there, NULL);
    want = g_strjoinv (", ", (gchar **)missing->pdata);
    have = g_strjoinv (", ", (gchar **)there->pdata);
    GST_ELEMENT_WARNING (self, STREAM, NOT_IMPLEMENTED,
        ("No stream named %s in the meeting after %d s; the streams there "
         "are: %s",
            want, UNMATCHED_WARN_S, *have ? have : "(none)"),
        ("pads are named PARTICIPANT_STREAM, e.g. alice_audio_0"));
    g_free (want);
    g_free (have);
  }
done:
  g_ptr_array_unref (missing);
  g_ptr_array_unref (there);
  return TRUE;
}

static void
schedule_unmatched_check (GstMeetingSrc *self)
{
  GstClock *clock = gst_system_clock_obtain ();
  GstClockID id = gst_clock_new_single_shot_id (
      clock, gst_clock_get_time (clock) + UNMATCHED_WARN_S * GST_SECOND);

  GST_OBJECT_LOCK (self);
  if (self->warn_id) {
    gst_clock_id_unschedule (self->warn_id);
    gst_clock_id_unref (self->warn_id);
  }
  self->warn_id = gst_clock_id_ref (id);
  GST_OBJECT_UNLOCK (self);
  gst_clock_id_wait_async (
      id, check_unmatched, gst_object_ref (self), gst_object_unref);
  gst_clock_id_unref (id);
  gst_object_unref (clock);
}

static void
cancel_unmatched_check (GstMeetingSrc *self)
{
  GstClockID id;

  GST_OBJECT_LOCK (self);
  id = self->warn_id;
  self->warn_id = NULL;
  GST_OBJECT_UNLOCK (self);
  if (id) {
    gst_clock_id_unschedule (id);
    gst_clock_id_unref (id);
  }
}

static GstStateChangeReturn
gst_meeting_src_change_state (GstElement *element, GstStateChange transition)
{
  GstMeetingSrc *self = GST_MEETING_SRC (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY: {
      gboolean deferred = FALSE;
      self->session =
          gst_meeting_settings_acquire (element, &self->settings, &deferred);
      if (!self->session && !deferred)
        return GST_STATE_CHANGE_FAILURE;
      if (self->session)
        attach (self);
      break;
    }
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!self->session) {
        self->session =
            gst_meeting_settings_acquire (element, &self->settings, NULL);
        if (!self->session)
          return GST_STATE_CHANGE_FAILURE;
        attach (self);
      }
      GST_OBJECT_LOCK (self);
      self->ended = FALSE;
      GST_OBJECT_UNLOCK (self);
      gst_meeting_session_start (self->session);
      schedule_unmatched_check (self);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      cancel_unmatched_check (self);
      gst_meeting_session_detach_receiver (self->session);
      remove_all_pads (self, TRUE);
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
      if (!self->session)
        break;
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
    case PROP_EOS_ON_LEAVE:
      self->eos_on_leave = g_value_get_boolean (value);
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
    case PROP_EOS_ON_LEAVE:
      g_value_set_boolean (value, self->eos_on_leave);
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
gst_meeting_src_dispose (GObject *object)
{
  GstMeetingSrc *self = GST_MEETING_SRC (object);

  remove_all_pads (self, FALSE);
  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_meeting_src_finalize (GObject *object)
{
  GstMeetingSrc *self = GST_MEETING_SRC (object);

  gst_meeting_settings_clear (&self->settings);
  g_strfreev (self->media);
  g_strfreev (self->participants);
  g_hash_table_unref (self->pads);
  g_hash_table_unref (self->by_ssrc);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_meeting_src_init (GstMeetingSrc *self)
{
  self->pads = g_hash_table_new (g_str_hash, g_str_equal);
  self->by_ssrc = g_hash_table_new (NULL, NULL);
  self->eos_on_leave = DEFAULT_EOS_ON_LEAVE;
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
  gobject_class->dispose = gst_meeting_src_dispose;
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

  g_object_class_install_property (gobject_class, PROP_EOS_ON_LEAVE,
      g_param_spec_boolean ("eos-on-leave", "EOS on leave",
          "End a pad with EOS when its participant leaves or unpublishes the "
          "stream (a recorder finishes its file), instead of keeping it for "
          "the stream's return",
          DEFAULT_EOS_ON_LEAVE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Packets received, and of those for streams without a pad "
          "(unexposed: the server sends only what media/participants select)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &src_template);
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_meeting_src_change_state);
  element_class->send_event = GST_DEBUG_FUNCPTR (gst_meeting_src_send_event);
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_meeting_src_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_meeting_src_release_pad);
  gst_element_class_set_static_metadata (element_class, "Meeting source",
      "Source/Network",
      "The other participants' end-to-end encrypted RTP streams of a "
      "gst-meeting-server meeting, one pad per stream",
      "gst-e2ee-meeting contributors");
}
