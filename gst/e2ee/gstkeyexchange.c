/* keyexchange: authenticated group key agreement for a meeting.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-keyexchange
 * @title: keyexchange
 * @see_also: e2eeenc, e2eedec
 *
 * Runs the gst-e2ee/1 key agreement of a meeting (docs/protocol.md) and
 * fills the meeting keyring that e2eeenc and e2eedec of the same pipeline
 * use, so that no key is typed anywhere.  It has no pads: it exchanges
 * signed and encrypted messages with the other participants over a
 * channel and posts what the application must know on the bus.
 *
 * The channel: every message to send is handed out by the
 * #GstKeyExchange::send-message signal (a #GBytes); the application (or the
 * meeting transport) must deliver it to every participant, the author
 * included, in one order, and hand every message received to the
 * #GstKeyExchange::receive-message action signal.  The channel is not
 * trusted: everything is signed or encrypted.  With no handler connected to
 * #GstKeyExchange::send-message, messages loop back to the element itself:
 * a meeting of one, as in the example below.
 *
 * Bus messages (element messages): `keyexchange-joined` (participant-id,
 * display-name, fingerprint, verification: new / known / verified /
 * identity-changed), `keyexchange-left` (participant-id, fingerprint,
 * verification), `keyexchange-leader` (leader, security-code),
 * `keyexchange-epoch` (epoch, leader), `keyexchange-error`
 * (sender-verified, reason, and participant-id when verified or
 * claimed-participant-id when not), `keyexchange-missing-key` (epoch,
 * leader), `keyexchange-fork`, `keyexchange-identity-changed`,
 * `keyexchange-identity-conflict`, `keyexchange-removed`,
 * `keyexchange-excluded` (leader, roster-version).  docs/keyexchange.md
 * describes each.
 *
 * ## Example pipelines
 * |[
 * gst-launch-1.0 audiotestsrc ! opusenc ! rtpopuspay ! e2eeenc ! \
 *   fakesink keyexchange participant-id=alice meeting-id=demo \
 *   instance=000102030405060708090a0b0c0d0e0f
 * ]| A meeting of one (nothing carries the messages): alice leads, draws
 * the epoch-1 key and e2eeenc encrypts with it.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstkeyexchange.h"

#include <string.h>

#include <gio/gio.h>

#include "e2eekx.h"
#include "gste2eeelements.h"
#include "gste2eekeyring.h"

GST_DEBUG_CATEGORY_STATIC (gst_key_exchange_debug);
#define GST_CAT_DEFAULT gst_key_exchange_debug

#define DEFAULT_REKEY_INTERVAL 300
#define DEFAULT_HEARTBEAT_INTERVAL 1000
#define MAX_INBOX 65536

enum
{
  PROP_0,
  PROP_MEETING_ID,
  PROP_INSTANCE,
  PROP_PARTICIPANT_ID,
  PROP_DISPLAY_NAME,
  PROP_IDENTITY_FILE,
  PROP_KNOWN_IDENTITIES,
  PROP_REKEY_INTERVAL,
  PROP_HEARTBEAT_INTERVAL,
  PROP_FINGERPRINT,
  PROP_SECURITY_CODE,
  PROP_LEADER,
  PROP_EPOCH,
  PROP_ROSTER,
};

enum
{
  SIGNAL_SEND_MESSAGE,
  SIGNAL_RECEIVE_MESSAGE,
  SIGNAL_PARTICIPANT_GONE,
  SIGNAL_BIND_CHANNEL,
  SIGNAL_CHANNEL_READY,
  LAST_SIGNAL
};
static guint signals[LAST_SIGNAL];

struct _GstKeyExchange
{
  GstElement parent;

  /* properties (object lock) */
  gchar *meeting_id;
  GBytes *instance;
  gchar *participant_id;
  gchar *display_name;
  gchar *identity_file;
  gchar *known_identities;
  guint rekey_interval;
  guint heartbeat_interval;

  GstE2eeKeyring *keyring;
  GstE2eeIdentity *identity;

  /* start and stop: from the state change and from a transport's
   * channel-ready (run_lock) */
  GMutex run_lock;
  gboolean active; /* READY->PAUSED done */
  gboolean channel_bound; /* a transport supplies instance and id */
  gboolean quiet_stop; /* stop without a LEAVE (read on the thread) */

  /* the protocol thread: everything below runs on it */
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  GSource *timer;
  GstE2eeKx *kx;
  GHashTable *known; /* participant id -> fingerprint[ verified] */
  GMutex inbox_lock;
  GQueue inbox; /* Work, in channel order */
  gboolean drain_scheduled;

  /* read-only properties, updated from the thread (object lock) */
  gchar *security_code;
  gchar *leader;
  guint64 epoch;
  GStrv roster;
};

#define gst_key_exchange_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstKeyExchange, gst_key_exchange, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (
        gst_key_exchange_debug, "keyexchange", 0, "E2EE meeting key exchange"));
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (keyexchange, "keyexchange",
    GST_RANK_NONE, GST_TYPE_KEY_EXCHANGE, e2ee_element_init (plugin));

static gint64
now_ms (void)
{
  return g_get_monotonic_time () / 1000;
}

/* ------------------------------------------------- trust on first use */

static void
load_known (GstKeyExchange *self, const gchar *path)
{
  gchar *contents = NULL;
  gchar **lines;

  self->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!path || !g_file_get_contents (path, &contents, NULL, NULL))
    return;
  lines = g_strsplit (contents, "\n", -1);
  for (gchar **l = lines; *l; l++) {
    gchar *sp = strchr (*l, ' ');
    if (!**l || **l == '#' || !sp)
      continue;
    g_hash_table_insert (
        self->known, g_strndup (*l, sp - *l), g_strdup (sp + 1));
  }
  g_strfreev (lines);
  g_free (contents);
}

static void
save_known (GstKeyExchange *self, const gchar *path)
{
  GString *s = g_string_new ("# gst-e2ee known identities: "
                             "participant-id fingerprint [verified]\n");
  GHashTableIter it;
  gpointer k, v;
  GError *err = NULL;

  g_hash_table_iter_init (&it, self->known);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_string_append_printf (s, "%s %s\n", (gchar *)k, (gchar *)v);
  if (!g_file_set_contents_full (
          path, s->str, s->len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &err)) {
    GST_WARNING_OBJECT (self, "cannot write %s: %s", path, err->message);
    g_error_free (err);
  }
  g_string_free (s, TRUE);
}

/* new / known / verified / identity-changed */
static const gchar *
verify_identity (GstKeyExchange *self, const gchar *id, const gchar *fp)
{
  const gchar *entry = g_hash_table_lookup (self->known, id);
  gchar *path;

  if (entry) {
    gsize n = strlen (fp);
    if (strncmp (entry, fp, n) == 0 && (entry[n] == 0 || entry[n] == ' '))
      return g_str_has_suffix (entry, " verified") ? "verified" : "known";
    return "identity-changed";
  }
  g_hash_table_insert (self->known, g_strdup (id), g_strdup (fp));
  GST_OBJECT_LOCK (self);
  path = g_strdup (self->known_identities);
  GST_OBJECT_UNLOCK (self);
  if (path)
    save_known (self, path);
  g_free (path);
  return "new";
}

/* ------------------------------------------------------ protocol thread */

static void
update_state (GstKeyExchange *self)
{
  gchar *code = gst_e2ee_kx_get_security_code (self->kx);
  GStrv roster = gst_e2ee_kx_get_roster (self->kx);

  GST_OBJECT_LOCK (self);
  g_free (self->security_code);
  self->security_code = code;
  g_free (self->leader);
  self->leader = g_strdup (gst_e2ee_kx_get_leader (self->kx));
  self->epoch = gst_e2ee_kx_get_send_epoch (self->kx);
  g_strfreev (self->roster);
  self->roster = roster;
  GST_OBJECT_UNLOCK (self);
}

static void queue_work (GstKeyExchange *self, GBytes *msg, const gchar *gone);
static void rearm (GstKeyExchange *self, gint64 next);

static void
on_kx_send (GstE2eeKx *kx, GBytes *msg, gpointer user_data)
{
  GstKeyExchange *self = user_data;

  /* with nobody carrying messages the meeting is this participant alone:
   * the channel is a loop back to ourselves */
  if (!g_signal_has_handler_pending (
          self, signals[SIGNAL_SEND_MESSAGE], 0, FALSE))
    queue_work (self, msg, NULL);
  else
    g_signal_emit (self, signals[SIGNAL_SEND_MESSAGE], 0, msg);
}

static void
on_kx_event (GstE2eeKx *kx, GstStructure *ev, gpointer user_data)
{
  GstKeyExchange *self = user_data;

  if (gst_structure_has_name (ev, "keyexchange-joined")) {
    const gchar *state =
        verify_identity (self, gst_structure_get_string (ev, "participant-id"),
            gst_structure_get_string (ev, "fingerprint"));
    gst_structure_set (ev, "verification", G_TYPE_STRING, state, NULL);
    if (g_str_equal (state, "identity-changed"))
      gst_element_post_message (GST_ELEMENT (self),
          gst_message_new_element (GST_OBJECT (self),
              gst_structure_new ("keyexchange-identity-changed",
                  "participant-id", G_TYPE_STRING,
                  gst_structure_get_string (ev, "participant-id"),
                  "fingerprint", G_TYPE_STRING,
                  gst_structure_get_string (ev, "fingerprint"), NULL)));
  }
  if (gst_structure_has_name (ev, "keyexchange-left")) {
    const gchar *entry = g_hash_table_lookup (
        self->known, gst_structure_get_string (ev, "participant-id"));
    const gchar *state = "new";
    if (entry)
      state = g_str_has_suffix (entry, " verified") ? "verified" : "known";
    gst_structure_set (ev, "verification", G_TYPE_STRING, state, NULL);
  }
  update_state (self);
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), ev));
}

static gboolean on_timer (gpointer data);

static void
rearm (GstKeyExchange *self, gint64 next)
{
  gint64 delay = next - now_ms ();

  if (self->timer) {
    g_source_destroy (self->timer);
    g_source_unref (self->timer);
  }
  self->timer = g_timeout_source_new ((guint)CLAMP (delay, 1, 60000));
  g_source_set_callback (self->timer, on_timer, self, NULL);
  g_source_attach (self->timer, self->context);
}

static gboolean
on_timer (gpointer data)
{
  GstKeyExchange *self = data;

  rearm (self, gst_e2ee_kx_tick (self->kx, now_ms ()));
  update_state (self);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  GBytes *msg;
  gchar *gone;
} Work;

static void
work_free (Work *w)
{
  if (w->msg)
    g_bytes_unref (w->msg);
  g_free (w->gone);
  g_free (w);
}

/* Runs the queued work in arrival order (the protocol relies on the order
 * of the channel), on the protocol thread, never re-entering the state
 * machine. */
static gboolean
drain (gpointer data)
{
  GstKeyExchange *self = data;
  Work *w;

  g_mutex_lock (&self->inbox_lock);
  while ((w = g_queue_pop_head (&self->inbox))) {
    g_mutex_unlock (&self->inbox_lock);
    if (self->kx) {
      if (w->msg) {
        gsize n;
        const guint8 *d = g_bytes_get_data (w->msg, &n);
        gst_e2ee_kx_receive (self->kx, d, n, now_ms ());
      }
      if (w->gone)
        gst_e2ee_kx_peer_gone (self->kx, w->gone, now_ms ());
    }
    work_free (w);
    g_mutex_lock (&self->inbox_lock);
  }
  self->drain_scheduled = FALSE;
  g_mutex_unlock (&self->inbox_lock);
  if (self->kx) {
    rearm (self, gst_e2ee_kx_tick (self->kx, now_ms ()));
    update_state (self);
  }
  return G_SOURCE_REMOVE;
}

static void
queue_work (GstKeyExchange *self, GBytes *msg, const gchar *gone)
{
  Work *w = g_new0 (Work, 1);
  gboolean schedule;

  w->msg = msg ? g_bytes_ref (msg) : NULL;
  w->gone = g_strdup (gone);
  g_mutex_lock (&self->inbox_lock);
  /* before the protocol runs, messages wait (in order, bounded): the board
   * may start talking before this element reaches PAUSED */
  if (g_queue_get_length (&self->inbox) >= MAX_INBOX) {
    GST_WARNING_OBJECT (self, "inbox full, dropping the oldest message");
    work_free (g_queue_pop_head (&self->inbox));
  }
  g_queue_push_tail (&self->inbox, w);
  if (!self->context) {
    g_mutex_unlock (&self->inbox_lock);
    return;
  }
  schedule = !self->drain_scheduled;
  self->drain_scheduled = TRUE;
  if (schedule) {
    GSource *src = g_idle_source_new ();
    g_source_set_callback (src, drain, self, NULL);
    g_source_attach (src, self->context);
    g_source_unref (src);
  }
  g_mutex_unlock (&self->inbox_lock);
}

static void
gst_key_exchange_receive_message (GstKeyExchange *self, GBytes *msg)
{
  if (msg)
    queue_work (self, msg, NULL);
}

static void
gst_key_exchange_participant_gone (GstKeyExchange *self, const gchar *id)
{
  if (id)
    queue_work (self, NULL, id);
}

static gpointer
thread_main (gpointer data)
{
  GstKeyExchange *self = data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static gboolean
start_kx (gpointer data)
{
  GstKeyExchange *self = data;

  gst_e2ee_kx_start (self->kx, now_ms ());
  rearm (self, gst_e2ee_kx_tick (self->kx, now_ms ()));
  return G_SOURCE_REMOVE;
}

static gboolean
stop_kx (gpointer data)
{
  GstKeyExchange *self = data;

  /* a restart for a new instance: the old meeting is gone, and a LEAVE of
   * it would only reach the new one */
  if (!self->quiet_stop)
    gst_e2ee_kx_leave (self->kx, now_ms ());
  if (self->timer) {
    g_source_destroy (self->timer);
    g_clear_pointer (&self->timer, g_source_unref);
  }
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
start (GstKeyExchange *self)
{
  GstE2eeKxConfig cfg = { 0 };
  GstE2eeKxCallbacks cb = { on_kx_send, on_kx_event };
  GError *err = NULL;
  gchar *identity_file, *known;

  GST_OBJECT_LOCK (self);
  if (!self->meeting_id || !self->participant_id || !self->instance) {
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("keyexchange needs meeting-id, instance and participant-id"), (NULL));
    return FALSE;
  }
  identity_file = g_strdup (self->identity_file);
  known = g_strdup (self->known_identities);
  cfg.meeting_id = self->meeting_id;
  cfg.instance = self->instance;
  cfg.participant_id = self->participant_id;
  cfg.display_name = self->display_name;
  cfg.heartbeat_ms = self->heartbeat_interval;
  cfg.rekey_interval_ms = self->rekey_interval * 1000;
  GST_OBJECT_UNLOCK (self);

  self->identity = identity_file
      ? gst_e2ee_identity_load_or_create (identity_file, &err)
      : gst_e2ee_identity_new (); /* guest: throwaway */
  g_free (identity_file);
  if (!self->identity) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Cannot load the identity key"),
        ("%s", err ? err->message : "key generation failed"));
    g_clear_error (&err);
    g_free (known);
    return FALSE;
  }
  load_known (self, known);
  g_free (known);

  GST_OBJECT_LOCK (self);
  self->kx = gst_e2ee_kx_new (&cfg, self->identity, self->keyring, &cb, self);
  GST_OBJECT_UNLOCK (self);
  g_mutex_lock (&self->inbox_lock);
  self->context = g_main_context_new ();
  g_mutex_unlock (&self->inbox_lock);
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("keyexchange", thread_main, self);
  g_main_context_invoke (self->context, start_kx, self);
  /* messages received while not running yet */
  g_mutex_lock (&self->inbox_lock);
  if (self->inbox.length && !self->drain_scheduled) {
    GSource *src = g_idle_source_new ();
    self->drain_scheduled = TRUE;
    g_source_set_callback (src, drain, self, NULL);
    g_source_attach (src, self->context);
    g_source_unref (src);
  }
  g_mutex_unlock (&self->inbox_lock);
  return TRUE;
}

static void
stop (GstKeyExchange *self)
{
  if (!self->thread)
    return;
  g_main_context_invoke (self->context, stop_kx, self);
  g_thread_join (self->thread);
  self->thread = NULL;
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_mutex_lock (&self->inbox_lock);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_queue_clear_full (&self->inbox, (GDestroyNotify)work_free);
  self->drain_scheduled = FALSE;
  g_mutex_unlock (&self->inbox_lock);
  g_clear_pointer (&self->kx, gst_e2ee_kx_free);
  g_clear_pointer (&self->identity, gst_e2ee_identity_free);
  g_clear_pointer (&self->known, g_hash_table_unref);
}

/* ------------------------------------------------------------- element */

static void
gst_key_exchange_set_context (GstElement *element, GstContext *context)
{
  GstKeyExchange *self = GST_KEY_EXCHANGE (element);

  gst_e2ee_keyring_handle_set_context (element, context, &self->keyring);
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

/* The keyring of the pipeline, or a new one that is announced. */
static void
ensure_keyring (GstKeyExchange *self)
{
  GstContext *ctx;
  gchar *meeting;

  if (gst_e2ee_keyring_ensure (GST_ELEMENT (self), &self->keyring))
    return;
  GST_OBJECT_LOCK (self);
  meeting = g_strdup (self->meeting_id);
  GST_OBJECT_UNLOCK (self);
  self->keyring = gst_e2ee_keyring_new (meeting);
  g_free (meeting);
  ctx = gst_e2ee_context_new_keyring (self->keyring, TRUE);
  gst_element_set_context (GST_ELEMENT (self), ctx);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_have_context (GST_OBJECT (self), ctx));
}

/* A transport waits for its meeting's instance and participant id before the
 * protocol starts: bound, the element does not fail at READY->PAUSED
 * without them but starts at channel-ready. */
static void
gst_key_exchange_bind_channel (GstKeyExchange *self)
{
  g_mutex_lock (&self->run_lock);
  self->channel_bound = TRUE;
  g_mutex_unlock (&self->run_lock);
}

static gboolean
have_settings (GstKeyExchange *self)
{
  gboolean ok;

  GST_OBJECT_LOCK (self);
  ok = self->meeting_id && self->participant_id && self->instance;
  GST_OBJECT_UNLOCK (self);
  return ok;
}

/* The transport (re)joined the meeting and set meeting-id, instance and
 * participant-id: a running protocol of an earlier instance stops, its keys
 * are forgotten and the protocol starts afresh (new keys). */
static void
gst_key_exchange_channel_ready (GstKeyExchange *self)
{
  g_mutex_lock (&self->run_lock);
  if (self->active) {
    if (self->thread) {
      self->quiet_stop = TRUE;
      stop (self);
      self->quiet_stop = FALSE;
      if (self->keyring)
        gst_e2ee_keyring_clear (self->keyring);
    } else {
      /* nothing of an earlier instance may reach the new one */
      g_mutex_lock (&self->inbox_lock);
      g_queue_clear_full (&self->inbox, (GDestroyNotify)work_free);
      g_mutex_unlock (&self->inbox_lock);
    }
    /* nothing of the earlier instance shows through the properties */
    GST_OBJECT_LOCK (self);
    g_clear_pointer (&self->security_code, g_free);
    g_clear_pointer (&self->leader, g_free);
    g_clear_pointer (&self->roster, g_strfreev);
    self->epoch = 0;
    GST_OBJECT_UNLOCK (self);
    GST_INFO_OBJECT (self, "channel ready: starting");
    start (self);
  }
  g_mutex_unlock (&self->run_lock);
}

static GstStateChangeReturn
gst_key_exchange_change_state (GstElement *element, GstStateChange transition)
{
  GstKeyExchange *self = GST_KEY_EXCHANGE (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      ensure_keyring (self);
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      g_mutex_lock (&self->run_lock);
      self->active = TRUE;
      if (self->channel_bound && !have_settings (self)) {
        GST_INFO_OBJECT (self, "waiting for the channel's instance and id");
      } else if (!start (self)) {
        self->active = FALSE;
        g_mutex_unlock (&self->run_lock);
        return GST_STATE_CHANGE_FAILURE;
      }
      g_mutex_unlock (&self->run_lock);
      break;
    default:
      break;
  }
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      g_mutex_lock (&self->run_lock);
      self->active = FALSE;
      stop (self);
      g_mutex_unlock (&self->run_lock);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      gst_clear_object (&self->keyring);
      break;
    default:
      break;
  }
  return ret;
}

static void
gst_key_exchange_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstKeyExchange *self = GST_KEY_EXCHANGE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MEETING_ID:
      g_free (self->meeting_id);
      self->meeting_id = g_value_dup_string (value);
      break;
    case PROP_INSTANCE: {
      const gchar *hex = g_value_get_string (value);
      gsize n = hex ? strlen (hex) / 2 : 0;
      guint8 buf[GST_E2EE_INSTANCE_MAX];
      gboolean ok = hex && strlen (hex) % 2 == 0 &&
          n >= GST_E2EE_INSTANCE_MIN && n <= GST_E2EE_INSTANCE_MAX;
      for (gsize i = 0; ok && i < n; i++) {
        gint hi = g_ascii_xdigit_value (hex[2 * i]);
        gint lo = g_ascii_xdigit_value (hex[2 * i + 1]);
        ok = hi >= 0 && lo >= 0;
        buf[i] = (guint8)(hi << 4 | lo);
      }
      g_clear_pointer (&self->instance, g_bytes_unref);
      if (ok)
        self->instance = g_bytes_new (buf, n);
      else if (hex)
        GST_WARNING_OBJECT (self, "instance must be 32 to 64 hex digits");
      break;
    }
    case PROP_PARTICIPANT_ID:
      g_free (self->participant_id);
      self->participant_id = g_value_dup_string (value);
      break;
    case PROP_DISPLAY_NAME:
      g_free (self->display_name);
      self->display_name = g_value_dup_string (value);
      break;
    case PROP_IDENTITY_FILE:
      g_free (self->identity_file);
      self->identity_file = g_value_dup_string (value);
      break;
    case PROP_KNOWN_IDENTITIES:
      g_free (self->known_identities);
      self->known_identities = g_value_dup_string (value);
      break;
    case PROP_REKEY_INTERVAL:
      self->rekey_interval = g_value_get_uint (value);
      break;
    case PROP_HEARTBEAT_INTERVAL:
      self->heartbeat_interval = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_key_exchange_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstKeyExchange *self = GST_KEY_EXCHANGE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MEETING_ID:
      g_value_set_string (value, self->meeting_id);
      break;
    case PROP_INSTANCE:
      if (self->instance) {
        gsize n;
        const guint8 *d = g_bytes_get_data (self->instance, &n);
        GString *s = g_string_new (NULL);
        for (gsize i = 0; i < n; i++)
          g_string_append_printf (s, "%02x", d[i]);
        g_value_take_string (value, g_string_free (s, FALSE));
      }
      break;
    case PROP_PARTICIPANT_ID:
      g_value_set_string (value, self->participant_id);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    case PROP_IDENTITY_FILE:
      g_value_set_string (value, self->identity_file);
      break;
    case PROP_KNOWN_IDENTITIES:
      g_value_set_string (value, self->known_identities);
      break;
    case PROP_REKEY_INTERVAL:
      g_value_set_uint (value, self->rekey_interval);
      break;
    case PROP_HEARTBEAT_INTERVAL:
      g_value_set_uint (value, self->heartbeat_interval);
      break;
    case PROP_FINGERPRINT:
      if (self->identity)
        g_value_take_string (value, gst_e2ee_fingerprint (self->identity->pk));
      break;
    case PROP_SECURITY_CODE:
      g_value_set_string (value, self->security_code);
      break;
    case PROP_LEADER:
      g_value_set_string (value, self->leader);
      break;
    case PROP_EPOCH:
      g_value_set_uint64 (value, self->epoch);
      break;
    case PROP_ROSTER:
      g_value_set_boxed (value, self->roster);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_key_exchange_finalize (GObject *object)
{
  GstKeyExchange *self = GST_KEY_EXCHANGE (object);

  stop (self);
  gst_clear_object (&self->keyring);
  g_free (self->meeting_id);
  g_clear_pointer (&self->instance, g_bytes_unref);
  g_free (self->participant_id);
  g_free (self->display_name);
  g_free (self->identity_file);
  g_free (self->known_identities);
  g_free (self->security_code);
  g_free (self->leader);
  g_strfreev (self->roster);
  g_queue_clear_full (&self->inbox, (GDestroyNotify)work_free);
  g_mutex_clear (&self->inbox_lock);
  g_mutex_clear (&self->run_lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_key_exchange_init (GstKeyExchange *self)
{
  g_mutex_init (&self->inbox_lock);
  g_mutex_init (&self->run_lock);
  g_queue_init (&self->inbox);
  self->rekey_interval = DEFAULT_REKEY_INTERVAL;
  self->heartbeat_interval = DEFAULT_HEARTBEAT_INTERVAL;
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
}

static void
gst_key_exchange_class_init (GstKeyExchangeClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = gst_key_exchange_set_property;
  gobject_class->get_property = gst_key_exchange_get_property;
  gobject_class->finalize = gst_key_exchange_finalize;

  g_object_class_install_property (gobject_class, PROP_MEETING_ID,
      g_param_spec_string ("meeting-id", "Meeting ID",
          "Identifier of the meeting (1 to 128 bytes)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_INSTANCE,
      g_param_spec_string ("instance", "Meeting instance",
          "The meeting instance as 32 to 64 hex digits, from the channel "
          "(the server makes a fresh one per meeting)",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_PARTICIPANT_ID,
      g_param_spec_string ("participant-id", "Participant ID",
          "This participant's id in the meeting (1 to 64 bytes)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_DISPLAY_NAME,
      g_param_spec_string ("display-name", "Display name",
          "Name shown to the others (signed, up to 128 bytes)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_IDENTITY_FILE,
      g_param_spec_string ("identity-file", "Identity file",
          "File of the device's Ed25519 identity key, created (mode 0600) on "
          "first use; unset: a throwaway guest identity",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_KNOWN_IDENTITIES,
      g_param_spec_string ("known-identities", "Known identities",
          "Trust-on-first-use file of participant fingerprints; a changed "
          "identity is flagged",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_REKEY_INTERVAL,
      g_param_spec_uint ("rekey-interval", "Rekey interval",
          "Seconds between periodic rekeys when leading (0 = only on joins "
          "and leaves)",
          0, 86400, DEFAULT_REKEY_INTERVAL, rw | GST_PARAM_DOC_SHOW_DEFAULT));
  g_object_class_install_property (gobject_class, PROP_HEARTBEAT_INTERVAL,
      g_param_spec_uint ("heartbeat-interval", "Heartbeat interval",
          "Milliseconds between leader heartbeats; 10 missed = leader gone", 50,
          60000, DEFAULT_HEARTBEAT_INTERVAL, rw | GST_PARAM_DOC_SHOW_DEFAULT));
  g_object_class_install_property (gobject_class, PROP_FINGERPRINT,
      g_param_spec_string ("fingerprint", "Fingerprint",
          "Fingerprint of this device's identity key", NULL, ro));
  g_object_class_install_property (gobject_class, PROP_SECURITY_CODE,
      g_param_spec_string ("security-code", "Security code",
          "Meeting security code (40 digits) to compare with the leader", NULL,
          ro));
  g_object_class_install_property (gobject_class, PROP_LEADER,
      g_param_spec_string (
          "leader", "Leader", "Participant id of the leader", NULL, ro));
  g_object_class_install_property (gobject_class, PROP_EPOCH,
      g_param_spec_uint64 ("epoch", "Epoch",
          "Key epoch this participant sends with", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PROP_ROSTER,
      g_param_spec_boxed ("roster", "Roster",
          "Participant ids of the leader-signed roster", G_TYPE_STRV, ro));

  /**
   * GstKeyExchange::send-message:
   * @keyexchange: the element
   * @message: a #GBytes to deliver to every participant, this one included
   *
   * Emitted from the element's protocol thread.
   */
  signals[SIGNAL_SEND_MESSAGE] =
      g_signal_new ("send-message", G_TYPE_FROM_CLASS (klass),
          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BYTES);
  /**
   * GstKeyExchange::receive-message:
   * @keyexchange: the element
   * @message: a #GBytes received from the channel
   *
   * Action signal: hands a message to the protocol (from any thread).
   */
  signals[SIGNAL_RECEIVE_MESSAGE] =
      g_signal_new_class_handler ("receive-message", G_TYPE_FROM_CLASS (klass),
          G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
          G_CALLBACK (gst_key_exchange_receive_message), NULL, NULL, NULL,
          G_TYPE_NONE, 1, G_TYPE_BYTES);
  /**
   * GstKeyExchange::participant-gone:
   * @keyexchange: the element
   * @participant_id: who the channel says is gone
   *
   * Action signal: a hint from the (untrusted) channel that this
   * participant's connection is gone for good (also one's own earlier
   * connections after a reconnect into the same instance).
   */
  signals[SIGNAL_PARTICIPANT_GONE] =
      g_signal_new_class_handler ("participant-gone", G_TYPE_FROM_CLASS (klass),
          G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
          G_CALLBACK (gst_key_exchange_participant_gone), NULL, NULL, NULL,
          G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * GstKeyExchange::bind-channel:
   * @keyexchange: the element
   *
   * Action signal for a transport (meetingsrc/meetingsink do this): the
   * transport will set meeting-id, instance and participant-id when it has
   * joined and then emit #GstKeyExchange::channel-ready, so the element
   * waits for them instead of failing at READY to PAUSED.
   */
  signals[SIGNAL_BIND_CHANNEL] = g_signal_new_class_handler ("bind-channel",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_key_exchange_bind_channel), NULL, NULL, NULL, G_TYPE_NONE,
      0);
  /**
   * GstKeyExchange::channel-ready:
   * @keyexchange: the element
   *
   * Action signal for a transport: it (re)joined the meeting and set
   * meeting-id, instance and participant-id.  A protocol already running
   * for an earlier instance stops, the keyring is cleared and the protocol
   * starts again: a resumed meeting gets new keys.
   */
  signals[SIGNAL_CHANNEL_READY] = g_signal_new_class_handler ("channel-ready",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_key_exchange_channel_ready), NULL, NULL, NULL,
      G_TYPE_NONE, 0);

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_key_exchange_change_state);
  element_class->set_context = GST_DEBUG_FUNCPTR (gst_key_exchange_set_context);
  gst_element_class_set_static_metadata (element_class, "Key exchange",
      "Generic/Network/Encryptor",
      "End-to-end key agreement of a meeting (gst-e2ee/1): fills the keyring "
      "of e2eeenc and e2eedec",
      "gst-e2ee-meeting contributors");
}
