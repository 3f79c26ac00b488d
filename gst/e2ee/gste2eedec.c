/* e2eedec: SFrame (RFC 9605) decryption of RTP payloads or whole frames.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-e2eedec
 * @title: e2eedec
 * @see_also: e2eeenc, keyexchange
 *
 * Decrypts media that e2eeenc (or any other SFrame implementation, RFC
 * 9605) encrypted end to end.
 *
 * On `application/x-rtp` every packet payload is one SFrame and the clear
 * RTP header fields chosen by #GstE2eeDec:rtp-auth-fields are checked as
 * its metadata; the output keeps the caps, without e2eeenc's mark
 * (`encryption`, `sframe-suite`).  On `application/x-sframe` each buffer is
 * one SFrame and the output caps are those in the `original-caps` field,
 * exactly as they entered e2eeenc.
 *
 * The cipher suite is #GstE2eeDec:cipher-suite if it was set (it overrides
 * the caps, with a warning when they name another suite), else the
 * `sframe-suite` of the caps that e2eeenc marked (and a meeting carried to
 * meetingsrc's pads), else the default.  A stream whose caps name a suite
 * this receiver cannot decrypt (unknown, or not available on this machine)
 * or an encryption other than SFrame gets a GST_STREAM_ERROR_DECRYPT
 * warning naming it, and its buffers are dropped until usable caps
 * arrive.
 *
 * It fails closed: nothing that did not authenticate goes downstream.  A
 * buffer is dropped, counted in #GstE2eeDec:stats and reported on the bus
 * as an element message `e2ee-drop` (fields `reason`, `kid`, `sender`,
 * `ssrc` where known, `count` and `total`), at most once per
 * #GstE2eeDec:drop-report-interval for each reason and KID of a known
 * sender (and for each reason for all other KIDs together), when
 *
 * - it is not a well-formed SFrame (`malformed`);
 * - the tag does not verify: wrong key, tampering, wrong metadata
 *   (`auth-failed`);
 * - its counter was already seen or is older than the replay window of its
 *   KID (`replay`);
 * - no key is known for its KID (`unknown-kid`).  With the meeting keyring
 *   such a buffer is first held, within #GstE2eeDec:unknown-kid-timeout and
 *   #GstE2eeDec:unknown-kid-max-bytes, in case its key is on the way; held
 *   buffers are released (in order, before newer data) as soon as the key
 *   is in the keyring and the next buffer arrives.
 *
 * When nothing decrypts for #GstE2eeDec:failure-warning-timeout (on the
 * pipeline clock) while buffers keep being dropped, a WARNING message
 * (gst-launch-1.0 prints it) names the reason; an INFO message says so
 * once frames decrypt again.
 *
 * Keys come from #GstE2eeDec:key (pre-shared, optionally restricted to one
 * #GstE2eeDec:kid) or from the meeting keyring shared through a
 * #GstContext of type `gst-e2ee.keyring` (filled by keyexchange).
 *
 * ## Example pipelines
 * |[
 * gst-launch-1.0 udpsrc port=5004 \
 *     caps="application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=96"
 * ! \
 *   e2eedec key=000102030405060708090a0b0c0d0e0f ! rtpjitterbuffer ! \
 *   rtpopusdepay ! opusdec ! autoaudiosink
 * ]| Receives per-packet SFrame-protected Opus over UDP.
 * |[
 * gst-launch-1.0 filesrc location=video.sframe ! \
 *   e2eedec key=000102030405060708090a0b0c0d0e0f ! fakesink
 * ]| Frame mode needs framed input (`application/x-sframe` caps), e.g.
 * from rtpgstdepay, an appsrc or e2eeenc in the same pipeline.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <sodium.h>

#include "gste2eedec-priv.h"
#include "gste2eeelements.h"

GST_DEBUG_CATEGORY (gst_e2ee_dec_debug);
#define GST_CAT_DEFAULT gst_e2ee_dec_debug

#define DEFAULT_REPLAY_WINDOW 1024
#define DEFAULT_UNKNOWN_KID_TIMEOUT 2000
#define DEFAULT_UNKNOWN_KID_MAX_BYTES (2 * 1024 * 1024)
#define DEFAULT_DROP_REPORT_INTERVAL 1000
#define DEFAULT_FAILURE_WARNING_TIMEOUT 2000

enum
{
  PROP_0,
  PROP_CIPHER_SUITE,
  PROP_KEY,
  PROP_KID,
  PROP_REPLAY_WINDOW,
  PROP_UNKNOWN_KID_TIMEOUT,
  PROP_UNKNOWN_KID_MAX_BYTES,
  PROP_DROP_REPORT_INTERVAL,
  PROP_FAILURE_WARNING_TIMEOUT,
  PROP_RTP_AUTH_FIELDS,
  PROP_STATS,
};

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("application/x-rtp; application/x-sframe"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define gst_e2ee_dec_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstE2eeDec, gst_e2ee_dec, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (
        gst_e2ee_dec_debug, "e2eedec", 0, "SFrame end-to-end decryption"));
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (e2eedec, "e2eedec", GST_RANK_NONE,
    GST_TYPE_E2EE_DEC, e2ee_element_init (plugin));

static void gst_e2ee_dec_finalize (GObject *object);
static void gst_e2ee_dec_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_e2ee_dec_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static GstStateChangeReturn gst_e2ee_dec_change_state (
    GstElement *element, GstStateChange transition);
static void gst_e2ee_dec_set_context (GstElement *element, GstContext *context);
static GstFlowReturn gst_e2ee_dec_chain_checked (
    GstPad *pad, GstObject *parent, GstBuffer *buf);
static GstFlowReturn gst_e2ee_dec_chain_list_checked (
    GstPad *pad, GstObject *parent, GstBufferList *list);
static gboolean gst_e2ee_dec_sink_event (
    GstPad *pad, GstObject *parent, GstEvent *event);
static gboolean gst_e2ee_dec_query (
    GstPad *pad, GstObject *parent, GstQuery *query);

static void
gst_e2ee_dec_class_init (GstE2eeDecClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->finalize = gst_e2ee_dec_finalize;
  gobject_class->set_property = gst_e2ee_dec_set_property;
  gobject_class->get_property = gst_e2ee_dec_get_property;

  /**
   * GstE2eeDec:cipher-suite:
   *
   * The RFC 9605 cipher suite the sender uses.  Unset, it comes from the
   * caps (`sframe-suite`, as e2eeenc marks them) or is the default; set,
   * it overrides the caps.
   */
  g_object_class_install_property (gobject_class, PROP_CIPHER_SUITE,
      g_param_spec_enum ("cipher-suite", "Cipher suite",
          "SFrame cipher suite (RFC 9605 section 4.5)",
          GST_TYPE_E2EE_CIPHER_SUITE, DEFAULT_CIPHER_SUITE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING | GST_PARAM_DOC_SHOW_DEFAULT));

  /**
   * GstE2eeDec:key:
   *
   * A pre-shared SFrame base key, 32 to 128 hex digits.  Write-only.  When
   * set it takes precedence over the meeting keyring.
   */
  g_object_class_install_property (gobject_class, PROP_KEY,
      g_param_spec_string ("key", "Key",
          "Pre-shared SFrame base key, 32 to 128 hex digits (write-only)", NULL,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:kid:
   *
   * With a pre-shared key, the only KID accepted; the default,
   * 18446744073709551615 (2^64-1), accepts every KID (each KID derives its
   * own key from the base key, RFC 9605 section 4.4.2).
   */
  g_object_class_install_property (gobject_class, PROP_KID,
      g_param_spec_uint64 ("kid", "Key ID",
          "KID accepted with the pre-shared key (2^64-1 = any)", 0, G_MAXUINT64,
          ANY_KID,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeDec:replay-window:
   *
   * Size of the per-KID replay window in counters (rounded up to a
   * multiple of 64).  A counter seen before, or older than the window
   * behind the newest, is dropped.  Counters of one KID are shared by all
   * streams of a sender, so leave room for them. 0 disables replay
   * protection (not recommended, and never with the short-tag suites).
   */
  g_object_class_install_property (gobject_class, PROP_REPLAY_WINDOW,
      g_param_spec_uint ("replay-window", "Replay window",
          "Per-KID replay window in counters (0 = off)", 0,
          SFRAME_REPLAY_WINDOW_MAX, DEFAULT_REPLAY_WINDOW,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY |
              GST_PARAM_DOC_SHOW_DEFAULT));

  /**
   * GstE2eeDec:unknown-kid-timeout:
   *
   * How long (ms) a buffer whose KID has no key yet is held for its key to
   * arrive through the keyring before it is dropped. 0 drops at once.
   */
  g_object_class_install_property (gobject_class, PROP_UNKNOWN_KID_TIMEOUT,
      g_param_spec_uint ("unknown-kid-timeout", "Unknown KID timeout",
          "Milliseconds to hold buffers whose key is not known yet", 0, 60000,
          DEFAULT_UNKNOWN_KID_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING | GST_PARAM_DOC_SHOW_DEFAULT));

  /**
   * GstE2eeDec:unknown-kid-max-bytes:
   *
   * Memory bound of the held buffers; the oldest are dropped beyond it.
   */
  g_object_class_install_property (gobject_class, PROP_UNKNOWN_KID_MAX_BYTES,
      g_param_spec_uint ("unknown-kid-max-bytes", "Unknown KID max bytes",
          "Bytes of buffers held while their key is unknown", 0,
          64 * 1024 * 1024, DEFAULT_UNKNOWN_KID_MAX_BYTES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING | GST_PARAM_DOC_SHOW_DEFAULT));

  /**
   * GstE2eeDec:drop-report-interval:
   *
   * Minimum time (ms) between two `e2ee-drop` messages for the same KID and
   * reason; the next message carries the count of drops in between. 0
   * reports every drop.
   */
  g_object_class_install_property (gobject_class, PROP_DROP_REPORT_INTERVAL,
      g_param_spec_uint ("drop-report-interval", "Drop report interval",
          "Milliseconds between drop messages per KID and reason", 0, 3600000,
          DEFAULT_DROP_REPORT_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING | GST_PARAM_DOC_SHOW_DEFAULT));

  /**
   * GstE2eeDec:failure-warning-timeout:
   *
   * When nothing has decrypted for this long (ms) while frames kept being
   * dropped, a GStreamer WARNING names the reason (wrong key, unknown KID,
   * not SFrame...); an INFO message follows once frames decrypt again.  A
   * stream that ends (EOS) having decrypted nothing at all gets the
   * WARNING then.  Times are those of the pipeline clock.  0 warns at the
   * first drop.
   */
  g_object_class_install_property (gobject_class, PROP_FAILURE_WARNING_TIMEOUT,
      g_param_spec_uint ("failure-warning-timeout", "Failure warning timeout",
          "Milliseconds of drops with nothing decrypted before a WARNING", 0,
          3600000, DEFAULT_FAILURE_WARNING_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING | GST_PARAM_DOC_SHOW_DEFAULT));

  /**
   * GstE2eeDec:rtp-auth-fields:
   *
   * The clear RTP header fields authenticated in per-packet mode; must be
   * the sender's #GstE2eeEnc:rtp-auth-fields.
   */
  g_object_class_install_property (gobject_class, PROP_RTP_AUTH_FIELDS,
      g_param_spec_flags ("rtp-auth-fields", "RTP authenticated fields",
          "RTP header fields authenticated as SFrame metadata",
          GST_TYPE_E2EE_RTP_AUTH_FIELDS, DEFAULT_RTP_AUTH_FIELDS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY |
              GST_PARAM_DOC_SHOW_DEFAULT));

  /**
   * GstE2eeDec:stats:
   *
   * Counters: `packets`, `bytes-in`, `bytes-out`, `auth-failures`,
   * `replays`, `unknown-kid`, `malformed`, `held` (buffers waiting for a
   * key now), and `keys`, an array with one `kid-stats` structure (`kid`,
   * `sender` when known, `packets`, `bytes`, `auth-failures`, `replays`,
   * `unknown-kid`) per KID that authenticated at least once.
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics", "Decryption statistics",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_e2ee_dec_change_state);
  element_class->set_context = GST_DEBUG_FUNCPTR (gst_e2ee_dec_set_context);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "SFrame decryptor",
      "Filter/Network/Decryptor",
      "Decrypts and authenticates SFrame (RFC 9605) RTP payloads or frames",
      "gst-e2ee-meeting contributors");
}

static void
gst_e2ee_dec_init (GstE2eeDec *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_e2ee_dec_chain_checked));
  gst_pad_set_chain_list_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_e2ee_dec_chain_list_checked));
  gst_pad_set_event_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_e2ee_dec_sink_event));
  gst_pad_set_query_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_e2ee_dec_query));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_query_function (
      self->srcpad, GST_DEBUG_FUNCPTR (gst_e2ee_dec_query));
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->suite = DEFAULT_CIPHER_SUITE;
  self->kid = ANY_KID;
  self->replay_window = DEFAULT_REPLAY_WINDOW;
  self->unknown_kid_timeout = DEFAULT_UNKNOWN_KID_TIMEOUT;
  self->unknown_kid_max_bytes = DEFAULT_UNKNOWN_KID_MAX_BYTES;
  self->drop_report_interval = DEFAULT_DROP_REPORT_INTERVAL;
  self->failure_warning_timeout = DEFAULT_FAILURE_WARNING_TIMEOUT;
  self->rtp_auth_fields = DEFAULT_RTP_AUTH_FIELDS;
  self->cur_cookie = -1;
  self->cur_tune_cookie = -1;
  self->cur_suite_cookie = -1;
  self->cur_suite = DEFAULT_CIPHER_SUITE;
  self->cur_window = DEFAULT_REPLAY_WINDOW;
  self->tables[self->cur_suite] =
      sframe_kid_table_new (MAX_KID_STATES, MAX_FLOORS, DEFAULT_REPLAY_WINDOW,
          (GDestroyNotify)gst_e2ee_dec_kid_state_free);
  self->table = self->tables[self->cur_suite];
  randombytes_buf (self->tag_key, sizeof (self->tag_key));
  sframe_hold_queue_init (&self->held);
}

static void
clear_held (GstE2eeDec *self)
{
  sframe_hold_queue_clear (&self->held, (GDestroyNotify)gst_buffer_unref);
}

/* Forget everything derived from keys (streaming thread). */
static void
reset_crypto (GstE2eeDec *self)
{
  GST_OBJECT_LOCK (self);
  for (guint i = 0; i < N_SUITE_TABLES; i++)
    if (self->tables[i])
      sframe_kid_table_clear (self->tables[i]);
  GST_OBJECT_UNLOCK (self);
  g_clear_pointer (&self->candidate, gst_e2ee_dec_kid_state_free);
  e2ee_free_key (self->cur_key);
  self->cur_key = NULL;
  gst_clear_object (&self->cur_keyring);
  self->cur_cookie = -1;
  self->cur_tune_cookie = -1;
  self->cur_suite_cookie = -1;
  sframe_fail_run_init (&self->fail);
}

static void
gst_e2ee_dec_finalize (GObject *object)
{
  GstE2eeDec *self = GST_E2EE_DEC (object);

  clear_held (self);
  reset_crypto (self);
  for (guint i = 0; i < N_SUITE_TABLES; i++)
    sframe_kid_table_free (self->tables[i]);
  sodium_memzero (self->tag_key, sizeof (self->tag_key));
  e2ee_free_key (self->key);
  g_free (self->key_error);
  gst_clear_object (&self->keyring);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
append_kid_stats (gpointer unused, gpointer value, gpointer arr)
{
  KidState *k = value;
  GValue e = G_VALUE_INIT;
  GstStructure *ks = gst_structure_new ("kid-stats", "kid", G_TYPE_UINT64,
      k->entry.kid, "packets", G_TYPE_UINT64, STAT_GET (k->packets), "bytes",
      G_TYPE_UINT64, STAT_GET (k->bytes), "auth-failures", G_TYPE_UINT64,
      k->drops[DROP_AUTH], "replays", G_TYPE_UINT64, k->drops[DROP_REPLAY],
      "unknown-kid", G_TYPE_UINT64, k->drops[DROP_UNKNOWN_KID], NULL);

  if (k->sender)
    gst_structure_set (ks, "sender", G_TYPE_STRING, k->sender, NULL);
  g_value_init (&e, GST_TYPE_STRUCTURE);
  g_value_take_boxed (&e, ks);
  gst_value_array_append_and_take_value (arr, &e);
}

static GstStructure *
gst_e2ee_dec_get_stats (GstE2eeDec *self)
{
  GstStructure *s;
  GValue arr = G_VALUE_INIT;

  g_value_init (&arr, GST_TYPE_ARRAY);
  GST_OBJECT_LOCK (self);
  s = gst_structure_new ("application/x-e2eedec-stats", "packets",
      G_TYPE_UINT64, STAT_GET (self->packets), "bytes-in", G_TYPE_UINT64,
      STAT_GET (self->bytes_in), "bytes-out", G_TYPE_UINT64,
      STAT_GET (self->bytes_out), "auth-failures", G_TYPE_UINT64,
      self->drops[DROP_AUTH], "replays", G_TYPE_UINT64,
      self->drops[DROP_REPLAY], "unknown-kid", G_TYPE_UINT64,
      self->drops[DROP_UNKNOWN_KID], "malformed", G_TYPE_UINT64,
      self->drops[DROP_MALFORMED], "held", G_TYPE_UINT,
      sframe_hold_queue_length (&self->held), NULL);
  sframe_kid_table_foreach (self->table, append_kid_stats, &arr);
  GST_OBJECT_UNLOCK (self);
  gst_structure_take_value (s, "keys", &arr);
  return s;
}

static void
gst_e2ee_dec_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstE2eeDec *self = GST_E2EE_DEC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CIPHER_SUITE:
      self->suite = g_value_get_enum (value);
      self->suite_set = TRUE;
      break;
    case PROP_KEY: {
      const gchar *hex = g_value_get_string (value);
      e2ee_free_key (self->key);
      self->key = NULL;
      g_clear_pointer (&self->key_error, g_free);
      if (hex && *hex) {
        self->key = e2ee_parse_hex_key (hex, &self->key_len, &self->key_error);
        if (!self->key)
          GST_WARNING_OBJECT (self, "invalid key: %s", self->key_error);
      }
      break;
    }
    case PROP_KID:
      self->kid = g_value_get_uint64 (value);
      break;
    case PROP_REPLAY_WINDOW:
      self->replay_window = g_value_get_uint (value);
      break;
    case PROP_UNKNOWN_KID_TIMEOUT:
      self->unknown_kid_timeout = g_value_get_uint (value);
      break;
    case PROP_UNKNOWN_KID_MAX_BYTES:
      self->unknown_kid_max_bytes = g_value_get_uint (value);
      break;
    case PROP_DROP_REPORT_INTERVAL:
      self->drop_report_interval = g_value_get_uint (value);
      break;
    case PROP_FAILURE_WARNING_TIMEOUT:
      self->failure_warning_timeout = g_value_get_uint (value);
      break;
    case PROP_RTP_AUTH_FIELDS:
      self->rtp_auth_fields = g_value_get_flags (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
  /* new keys reset the per-KID state; tunables keep the replay windows */
  if (prop_id == PROP_KEY || prop_id == PROP_KID ||
      prop_id == PROP_CIPHER_SUITE)
    g_atomic_int_inc (&self->config_cookie);
  else
    g_atomic_int_inc (&self->tune_cookie);
}

static void
gst_e2ee_dec_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstE2eeDec *self = GST_E2EE_DEC (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_e2ee_dec_get_stats (self));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CIPHER_SUITE:
      g_value_set_enum (value, self->suite);
      break;
    case PROP_KID:
      g_value_set_uint64 (value, self->kid);
      break;
    case PROP_REPLAY_WINDOW:
      g_value_set_uint (value, self->replay_window);
      break;
    case PROP_UNKNOWN_KID_TIMEOUT:
      g_value_set_uint (value, self->unknown_kid_timeout);
      break;
    case PROP_UNKNOWN_KID_MAX_BYTES:
      g_value_set_uint (value, self->unknown_kid_max_bytes);
      break;
    case PROP_DROP_REPORT_INTERVAL:
      g_value_set_uint (value, self->drop_report_interval);
      break;
    case PROP_FAILURE_WARNING_TIMEOUT:
      g_value_set_uint (value, self->failure_warning_timeout);
      break;
    case PROP_RTP_AUTH_FIELDS:
      g_value_set_flags (value, self->rtp_auth_fields);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* The suite to decrypt with (object lock held): a cipher-suite that was set
 * overrides the stream's caps; else the suite the caps name; else the
 * default. */
static GstE2eeSFrameSuite
effective_suite (GstE2eeDec *self)
{
  if (self->suite_set || !self->caps_suite)
    return self->suite;
  return self->caps_suite;
}

/* A new suite from the caps (0: none): the streaming thread switches to the
 * KID table of that suite.  Caps come from the network in a meeting, so
 * this resets no replay window: switching back to a suite finds its
 * windows as they were (its old frames stay refused). */
static void
set_caps_suite (GstE2eeDec *self, GstE2eeSFrameSuite suite)
{
  GstE2eeSFrameSuite before, after;

  GST_OBJECT_LOCK (self);
  before = effective_suite (self);
  self->caps_suite = suite;
  after = effective_suite (self);
  GST_OBJECT_UNLOCK (self);
  if (before != after)
    g_atomic_int_inc (&self->suite_cookie);
}

static void
gst_e2ee_dec_set_context (GstElement *element, GstContext *context)
{
  GstE2eeDec *self = GST_E2EE_DEC (element);

  if (gst_e2ee_keyring_handle_set_context (element, context, &self->keyring))
    g_atomic_int_inc (&self->config_cookie);
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

/* Checks that a key source exists before data flows. */
static gboolean
check_keys (GstE2eeDec *self)
{
  gboolean have_key, ok;
  gchar *err;

  GST_OBJECT_LOCK (self);
  have_key = self->key != NULL;
  err = g_strdup (self->key_error);
  GST_OBJECT_UNLOCK (self);
  ok =
      e2ee_check_key_source (GST_ELEMENT (self), have_key, err, &self->keyring);
  g_free (err);
  return ok;
}

static GstStateChangeReturn
gst_e2ee_dec_change_state (GstElement *element, GstStateChange transition)
{
  GstE2eeDec *self = GST_E2EE_DEC (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY: {
      gboolean have_key;
      if (!gst_e2ee_sframe_init ()) {
        GST_ELEMENT_ERROR (self, LIBRARY, INIT,
            ("libsodium or OpenSSL failed to initialise"), (NULL));
        return GST_STATE_CHANGE_FAILURE;
      }
      GST_OBJECT_LOCK (self);
      have_key = self->key != NULL;
      GST_OBJECT_UNLOCK (self);
      if (!have_key)
        gst_e2ee_keyring_ensure (element, &self->keyring);
      break;
    }
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!check_keys (self))
        return GST_STATE_CHANGE_FAILURE;
      self->rtp_mode = FALSE;
      self->caps_refused = FALSE;
      set_caps_suite (self, 0);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      clear_held (self);
      reset_crypto (self);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      gst_clear_object (&self->keyring);
      break;
    default:
      break;
  }
  return ret;
}

static gboolean
gst_e2ee_dec_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstE2eeDec *self = GST_E2EE_DEC (parent);

  if (gst_e2ee_keyring_handle_context_query (
          GST_ELEMENT (self), query, &self->keyring))
    return TRUE;
  return gst_pad_query_default (pad, parent, query);
}

/* ------------------------------------------------------------ streaming */

static void
sync_tunables (GstE2eeDec *self)
{
  gint cookie = g_atomic_int_get (&self->tune_cookie);

  if (G_LIKELY (cookie == self->cur_tune_cookie))
    return;
  self->cur_tune_cookie = cookie;
  GST_OBJECT_LOCK (self);
  self->cur_report_interval = self->drop_report_interval * GST_MSECOND;
  sframe_hold_queue_set_limits (&self->held, self->unknown_kid_max_bytes,
      self->unknown_kid_timeout * GST_MSECOND);
  self->cur_warn_time = self->failure_warning_timeout * GST_MSECOND;
  GST_OBJECT_UNLOCK (self);
}

/* The suite of the caps changed (and no key did): the ciphers of the KID
 * table of the new suite, and its replay windows, apply from now on; the
 * table of the old suite stays as it is. */
static void
sync_suite (GstE2eeDec *self)
{
  gint cookie = g_atomic_int_get (&self->suite_cookie);
  GstE2eeSFrameSuite suite;

  if (G_LIKELY (cookie == self->cur_suite_cookie))
    return;
  self->cur_suite_cookie = cookie;
  GST_OBJECT_LOCK (self);
  suite = effective_suite (self);
  GST_OBJECT_UNLOCK (self);
  if (suite == self->cur_suite || suite >= N_SUITE_TABLES)
    return;
  GST_DEBUG_OBJECT (self, "suite %s from the caps", e2ee_suite_nick (suite));
  g_clear_pointer (&self->candidate, gst_e2ee_dec_kid_state_free);
  GST_OBJECT_LOCK (self);
  self->cur_suite = suite;
  if (!self->tables[suite])
    self->tables[suite] = sframe_kid_table_new (MAX_KID_STATES, MAX_FLOORS,
        self->cur_window, (GDestroyNotify)gst_e2ee_dec_kid_state_free);
  self->table = self->tables[suite];
  GST_OBJECT_UNLOCK (self);
}

void
gst_e2ee_dec_sync_config (GstE2eeDec *self)
{
  gint cookie = g_atomic_int_get (&self->config_cookie);
  SFrameKidTable *old[N_SUITE_TABLES];

  sync_tunables (self);
  if (G_LIKELY (cookie == self->cur_cookie)) {
    sync_suite (self);
    return;
  }
  reset_crypto (self);
  self->cur_cookie = cookie;
  self->cur_suite_cookie = g_atomic_int_get (&self->suite_cookie);
  GST_OBJECT_LOCK (self);
  self->static_mode = self->key != NULL;
  if (self->static_mode) {
    self->cur_key = sodium_malloc (self->key_len);
    memcpy (self->cur_key, self->key, self->key_len);
    self->cur_key_len = self->key_len;
  }
  self->cur_suite = effective_suite (self);
  self->cur_kid = self->kid;
  self->cur_auth_fields = self->rtp_auth_fields;
  self->cur_keyring = self->keyring ? gst_object_ref (self->keyring) : NULL;
  self->cur_window = self->replay_window;
  memcpy (old, self->tables, sizeof (old));
  memset (self->tables, 0, sizeof (self->tables));
  self->tables[self->cur_suite] =
      sframe_kid_table_new (MAX_KID_STATES, MAX_FLOORS, self->cur_window,
          (GDestroyNotify)gst_e2ee_dec_kid_state_free);
  self->table = self->tables[self->cur_suite];
  GST_OBJECT_UNLOCK (self);
  for (guint i = 0; i < N_SUITE_TABLES; i++)
    sframe_kid_table_free (old[i]);
  sframe_token_bucket_init (
      &self->derive_bucket, DERIVE_PER_SECOND, DERIVE_PER_SECOND);
  self->keyring_gen = self->cur_keyring
      ? gst_e2ee_keyring_get_generation (self->cur_keyring)
      : 0;
}

typedef enum
{
  CAPS_SUITE_OK, /* *suite is the caps' suite, 0 when they name none */
  CAPS_SUITE_UNUSABLE, /* a suite this build does not know or cannot run */
  CAPS_NOT_SFRAME, /* encrypted by something else */
} CapsSuite;

/* The suite a stream's caps name; *why says what is wrong when it is not
 * CAPS_SUITE_OK. */
static CapsSuite
suite_of_caps (const GstStructure *s, GstE2eeSFrameSuite *suite, gchar **why)
{
  const GValue *v;
  const gchar *name;

  *suite = 0;
  v = gst_structure_get_value (s, E2EE_CAPS_ENCRYPTION);
  if (v &&
      (!G_VALUE_HOLDS_STRING (v) ||
          g_strcmp0 (g_value_get_string (v), E2EE_CAPS_ENCRYPTION_SFRAME) !=
              0)) {
    gchar *str = gst_value_serialize (v);
    *why = g_strdup_printf ("the stream is encrypted with %s, not SFrame", str);
    g_free (str);
    return CAPS_NOT_SFRAME;
  }
  v = gst_structure_get_value (s, E2EE_CAPS_SUITE);
  if (!v)
    return CAPS_SUITE_OK;
  name = G_VALUE_HOLDS_STRING (v) ? g_value_get_string (v) : NULL;
  *suite = e2ee_suite_from_nick (name);
  if (!*suite) {
    gchar *str = gst_value_serialize (v);
    *why = g_strdup_printf ("unknown SFrame cipher suite %s", str);
    g_free (str);
    return CAPS_SUITE_UNUSABLE;
  }
  if (!gst_e2ee_sframe_backend_available (
          *suite, GST_E2EE_SFRAME_BACKEND_AUTO)) {
    *why = g_strdup_printf (
        "SFrame cipher suite %s is not available on this machine", name);
    *suite = 0;
    return CAPS_SUITE_UNUSABLE;
  }
  return CAPS_SUITE_OK;
}

/* New caps from upstream: the mode, the suite, and the caps to output (the
 * input without the SFrame mark, or the original caps of frame mode).  NULL
 * (posted) when frame-mode caps lack their original caps. */
static GstCaps *
caps_from_upstream (GstE2eeDec *self, GstCaps *caps)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  GstE2eeSFrameSuite suite, prop;
  CapsSuite res;
  gboolean set;
  gchar *why = NULL;
  GstCaps *out = NULL;

  self->rtp_mode = gst_structure_has_name (s, "application/x-rtp");
  if (self->rtp_mode) {
    out = gst_caps_copy (caps);
    for (guint i = 0; i < gst_caps_get_size (out); i++)
      gst_structure_remove_fields (gst_caps_get_structure (out, i),
          E2EE_CAPS_ENCRYPTION, E2EE_CAPS_SUITE, NULL);
  } else {
    gst_structure_get (s, "original-caps", GST_TYPE_CAPS, &out, NULL);
    if (out && !gst_caps_is_fixed (out))
      gst_clear_caps (&out);
    if (!out) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT,
          ("SFrame frames without their original caps"),
          ("application/x-sframe needs a fixed 'original-caps' field, got "
           "%" GST_PTR_FORMAT,
              caps));
      return NULL;
    }
  }

  res = suite_of_caps (s, &suite, &why);
  GST_OBJECT_LOCK (self);
  set = self->suite_set;
  prop = self->suite;
  GST_OBJECT_UNLOCK (self);
  if (res == CAPS_SUITE_UNUSABLE && set) {
    /* the property overrides what the caps say */
    GST_ELEMENT_WARNING (self, STREAM, DECRYPT,
        ("Decrypting with cipher-suite %s although %s", e2ee_suite_nick (prop),
            why),
        ("caps %" GST_PTR_FORMAT, caps));
    res = CAPS_SUITE_OK;
  } else if (res != CAPS_SUITE_OK) {
    GST_ELEMENT_WARNING (self, STREAM, DECRYPT,
        ("Cannot decrypt this stream, dropping it: %s", why),
        ("caps %" GST_PTR_FORMAT, caps));
  } else if (suite && set && suite != prop) {
    GST_ELEMENT_WARNING (self, STREAM, DECRYPT,
        ("cipher-suite %s overrides the stream's suite %s",
            e2ee_suite_nick (prop), e2ee_suite_nick (suite)),
        ("caps %" GST_PTR_FORMAT, caps));
  }
  g_free (why);
  self->caps_refused = res != CAPS_SUITE_OK;
  set_caps_suite (self, suite);
  return out;
}

/* A stream whose suite cannot be decrypted here is dropped whole (the
 * warning was posted with its caps). */
static GstFlowReturn
gst_e2ee_dec_chain_checked (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstE2eeDec *self = GST_E2EE_DEC (parent);

  if (G_UNLIKELY (self->caps_refused)) {
    GST_LOG_OBJECT (self, "dropping a buffer of an undecryptable stream");
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  return gst_e2ee_dec_chain (pad, parent, buf);
}

static GstFlowReturn
gst_e2ee_dec_chain_list_checked (
    GstPad *pad, GstObject *parent, GstBufferList *list)
{
  GstE2eeDec *self = GST_E2EE_DEC (parent);

  if (G_UNLIKELY (self->caps_refused)) {
    GST_LOG_OBJECT (self, "dropping buffers of an undecryptable stream");
    gst_buffer_list_unref (list);
    return GST_FLOW_OK;
  }
  return gst_e2ee_dec_chain_list (pad, parent, list);
}

static gboolean
gst_e2ee_dec_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstE2eeDec *self = GST_E2EE_DEC (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS: {
      GstCaps *caps, *out;
      gboolean ret;

      gst_event_parse_caps (event, &caps);
      /* held buffers belong to the old caps: last try, then dropped */
      if (sframe_hold_queue_length (&self->held))
        gst_e2ee_dec_flush_held (self);
      out = caps_from_upstream (self, caps);
      gst_event_unref (event);
      if (!out)
        return FALSE;
      GST_DEBUG_OBJECT (self, "%s mode, output caps %" GST_PTR_FORMAT,
          self->rtp_mode ? "per-packet" : "per-frame", out);
      ret = gst_pad_push_event (self->srcpad, gst_event_new_caps (out));
      gst_caps_unref (out);
      return ret;
    }
    case GST_EVENT_FLUSH_STOP:
      clear_held (self);
      break;
    case GST_EVENT_EOS:
      /* last chance for held buffers, then they are dropped */
      if (sframe_hold_queue_length (&self->held))
        gst_e2ee_dec_flush_held (self);
      /* a stream that ends having decrypted nothing at all gets its
       * WARNING now, however short it was */
      gst_e2ee_dec_warn_at_eos (self);
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}
