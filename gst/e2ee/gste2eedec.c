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

#include "gste2eedec.h"

#include <string.h>

#include <gst/rtp/gstrtpbuffer.h>
#include <sodium.h>

#include "gste2eecommon.h"
#include "gste2eeelements.h"
#include "gste2eekeyring.h"
#include "sframe.h"

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_dec_debug);
#define GST_CAT_DEFAULT gst_e2ee_dec_debug

#define ANY_KID G_MAXUINT64
#define DEFAULT_REPLAY_WINDOW 1024
#define MAX_REPLAY_WINDOW 65536
#define DEFAULT_UNKNOWN_KID_TIMEOUT 2000
#define DEFAULT_UNKNOWN_KID_MAX_BYTES (2 * 1024 * 1024)
#define DEFAULT_DROP_REPORT_INTERVAL 1000
#define MAX_KID_STATES 4096 /* as many as a keyring holds */
#define MAX_FLOORS 65536
#define DERIVE_PER_SECOND 64.0

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
  PROP_RTP_AUTH_FIELDS,
  PROP_STATS,
};

typedef enum
{
  DROP_AUTH,
  DROP_REPLAY,
  DROP_UNKNOWN_KID,
  DROP_MALFORMED,
  N_DROP_REASONS
} DropReason;

static const gchar *const drop_reason_names[N_DROP_REASONS] = { "auth-failed",
  "replay", "unknown-kid", "malformed" };

typedef struct
{
  guint64 kid;
  SFrameCipher *cipher;
  GstE2eeKey *key; /* keyring mode */
  gchar *sender;
  /* replay window over the counters of this KID */
  gboolean seen;
  guint64 top;
  guint64 *window;
  /* stats (object lock) */
  guint64 packets;
  guint64 bytes;
  guint64 drops[N_DROP_REASONS];
  E2eeDropReport reports[N_DROP_REASONS];
  gint64 last_used;
} KidState;

typedef struct
{
  GstBuffer *buf;
  gint64 arrival;
} Held;

struct _GstE2eeDec
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, object lock */
  SFrameSuite suite;
  gboolean suite_set; /* cipher-suite was set: it overrides the caps */
  SFrameSuite caps_suite; /* the stream's suite from its caps, 0: none */
  guint8 *key;
  gsize key_len;
  gchar *key_error;
  guint64 kid;
  guint replay_window;
  guint unknown_kid_timeout;
  guint unknown_kid_max_bytes;
  guint drop_report_interval;
  guint rtp_auth_fields;
  GstE2eeKeyring *keyring;
  gint config_cookie; /* atomic: key material changed */
  gint tune_cookie; /* atomic: a tunable changed */

  /* streaming thread */
  gint cur_cookie;
  gint cur_tune_cookie;
  gboolean static_mode;
  SFrameSuite cur_suite;
  guint8 *cur_key;
  gsize cur_key_len;
  guint64 cur_kid;
  guint window_bits;
  GstClockTime cur_report_interval;
  gint64 cur_hold_us;
  gsize cur_hold_bytes;
  guint cur_auth_fields;
  GstE2eeKeyring *cur_keyring;
  guint keyring_gen;
  gboolean rtp_mode;
  gboolean caps_refused; /* the stream's suite cannot be decrypted here */
  GHashTable *states; /* kid -> KidState; writes under lock */
  KidState *last_state;
  KidState *candidate; /* KID seen but not authenticated yet */
  GHashTable *floors; /* kid -> top counter of evicted states */
  guint64 use_tick;
  gdouble derive_tokens;
  gint64 derive_last;
  GQueue held;
  gsize held_bytes;
  E2eeDropReport untracked_reports[N_DROP_REASONS];

  /* stats, object lock */
  guint64 packets;
  guint64 bytes_in;
  guint64 bytes_out;
  guint64 drops[N_DROP_REASONS];
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
static GstFlowReturn gst_e2ee_dec_chain (
    GstPad *pad, GstObject *parent, GstBuffer *buf);
static GstFlowReturn gst_e2ee_dec_chain_list (
    GstPad *pad, GstObject *parent, GstBufferList *list);
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
          "Per-KID replay window in counters (0 = off)", 0, MAX_REPLAY_WINDOW,
          DEFAULT_REPLAY_WINDOW,
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
kid_state_free (KidState *st)
{
  g_clear_pointer (&st->cipher, sframe_cipher_free);
  g_clear_pointer (&st->key, gst_e2ee_key_unref);
  g_free (st->sender);
  g_free (st->window);
  g_free (st);
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
  self->rtp_auth_fields = DEFAULT_RTP_AUTH_FIELDS;
  self->cur_cookie = -1;
  self->cur_tune_cookie = -1;
  self->states = g_hash_table_new_full (
      g_int64_hash, g_int64_equal, NULL, (GDestroyNotify)kid_state_free);
  self->floors =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_queue_init (&self->held);
}

static void
clear_held (GstE2eeDec *self)
{
  Held *h;

  while ((h = g_queue_pop_head (&self->held))) {
    gst_buffer_unref (h->buf);
    g_free (h);
  }
  self->held_bytes = 0;
}

/* Forget everything derived from keys (streaming thread). */
static void
reset_crypto (GstE2eeDec *self)
{
  GST_OBJECT_LOCK (self);
  g_hash_table_remove_all (self->states);
  GST_OBJECT_UNLOCK (self);
  g_hash_table_remove_all (self->floors);
  g_clear_pointer (&self->candidate, kid_state_free);
  self->last_state = NULL;
  e2ee_free_key (self->cur_key);
  self->cur_key = NULL;
  gst_clear_object (&self->cur_keyring);
  self->cur_cookie = -1;
  self->cur_tune_cookie = -1;
}

static void
gst_e2ee_dec_finalize (GObject *object)
{
  GstE2eeDec *self = GST_E2EE_DEC (object);

  clear_held (self);
  reset_crypto (self);
  g_hash_table_unref (self->states);
  g_hash_table_unref (self->floors);
  e2ee_free_key (self->key);
  g_free (self->key_error);
  gst_clear_object (&self->keyring);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static GstStructure *
gst_e2ee_dec_get_stats (GstE2eeDec *self)
{
  GstStructure *s;
  GValue arr = G_VALUE_INIT;
  GHashTableIter it;
  gpointer v;

  g_value_init (&arr, GST_TYPE_ARRAY);
  GST_OBJECT_LOCK (self);
  s = gst_structure_new ("application/x-e2eedec-stats", "packets",
      G_TYPE_UINT64, self->packets, "bytes-in", G_TYPE_UINT64, self->bytes_in,
      "bytes-out", G_TYPE_UINT64, self->bytes_out, "auth-failures",
      G_TYPE_UINT64, self->drops[DROP_AUTH], "replays", G_TYPE_UINT64,
      self->drops[DROP_REPLAY], "unknown-kid", G_TYPE_UINT64,
      self->drops[DROP_UNKNOWN_KID], "malformed", G_TYPE_UINT64,
      self->drops[DROP_MALFORMED], "held", G_TYPE_UINT,
      g_queue_get_length (&self->held), NULL);
  g_hash_table_iter_init (&it, self->states);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    KidState *k = v;
    GValue e = G_VALUE_INIT;
    GstStructure *ks = gst_structure_new ("kid-stats", "kid", G_TYPE_UINT64,
        k->kid, "packets", G_TYPE_UINT64, k->packets, "bytes", G_TYPE_UINT64,
        k->bytes, "auth-failures", G_TYPE_UINT64, k->drops[DROP_AUTH],
        "replays", G_TYPE_UINT64, k->drops[DROP_REPLAY], "unknown-kid",
        G_TYPE_UINT64, k->drops[DROP_UNKNOWN_KID], NULL);
    if (k->sender)
      gst_structure_set (ks, "sender", G_TYPE_STRING, k->sender, NULL);
    g_value_init (&e, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&e, ks);
    gst_value_array_append_and_take_value (&arr, &e);
  }
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
static SFrameSuite
effective_suite (GstE2eeDec *self)
{
  if (self->suite_set || !self->caps_suite)
    return self->suite;
  return self->caps_suite;
}

/* A new suite from the caps (0: none) resets the keys derived for the old
 * one, as a cipher-suite change does. */
static void
set_caps_suite (GstE2eeDec *self, SFrameSuite suite)
{
  SFrameSuite before, after;

  GST_OBJECT_LOCK (self);
  before = effective_suite (self);
  self->caps_suite = suite;
  after = effective_suite (self);
  GST_OBJECT_UNLOCK (self);
  if (before != after)
    g_atomic_int_inc (&self->config_cookie);
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
      if (!sframe_init ()) {
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
  self->cur_hold_us = (gint64)self->unknown_kid_timeout * 1000;
  self->cur_hold_bytes = self->unknown_kid_max_bytes;
  GST_OBJECT_UNLOCK (self);
}

static void
sync_config (GstE2eeDec *self)
{
  gint cookie = g_atomic_int_get (&self->config_cookie);

  sync_tunables (self);
  if (G_LIKELY (cookie == self->cur_cookie))
    return;
  reset_crypto (self);
  self->cur_cookie = cookie;
  GST_OBJECT_LOCK (self);
  self->static_mode = self->key != NULL;
  if (self->static_mode) {
    self->cur_key = sodium_malloc (self->key_len);
    memcpy (self->cur_key, self->key, self->key_len);
    self->cur_key_len = self->key_len;
  }
  self->cur_suite = effective_suite (self);
  self->cur_kid = self->kid;
  self->window_bits = (self->replay_window + 63) / 64 * 64;
  self->cur_auth_fields = self->rtp_auth_fields;
  self->cur_keyring = self->keyring ? gst_object_ref (self->keyring) : NULL;
  GST_OBJECT_UNLOCK (self);
  self->keyring_gen = self->cur_keyring
      ? gst_e2ee_keyring_get_generation (self->cur_keyring)
      : 0;
}

/* Per-KID state exists only for KIDs that authenticated at least once: a
 * forged KID can neither fill the table nor evict the replay window of a
 * real one. */
static KidState *
lookup_state (GstE2eeDec *self, guint64 kid)
{
  KidState *st;

  if (self->last_state && self->last_state->kid == kid)
    return self->last_state;
  st = g_hash_table_lookup (self->states, &kid);
  if (st)
    self->last_state = st;
  return st;
}

static gboolean
insert_state (GstE2eeDec *self, KidState *st)
{
  GST_OBJECT_LOCK (self);
  if (g_hash_table_size (self->states) >= MAX_KID_STATES &&
      g_hash_table_size (self->floors) >= MAX_FLOORS) {
    GST_OBJECT_UNLOCK (self);
    return FALSE;
  }
  if (g_hash_table_size (self->states) >= MAX_KID_STATES) {
    /* evict the least recently used KID, remembering where its window
     * stood so that its old counters stay refused */
    GHashTableIter it;
    gpointer v;
    KidState *oldest = NULL;
    g_hash_table_iter_init (&it, self->states);
    while (g_hash_table_iter_next (&it, NULL, &v))
      if (!oldest || ((KidState *)v)->last_used < oldest->last_used)
        oldest = v;
    if (oldest->seen)
      g_hash_table_insert (self->floors, g_memdup2 (&oldest->kid, 8),
          g_memdup2 (&oldest->top, 8));
    if (self->last_state == oldest)
      self->last_state = NULL;
    g_hash_table_remove (self->states, &oldest->kid);
  }
  g_hash_table_insert (self->states, &st->kid, st);
  GST_OBJECT_UNLOCK (self);
  self->last_state = st;
  return TRUE;
}

/* Bounds the key derivations that unknown KIDs can trigger with a
 * pre-shared key (each costs an HKDF and guarded allocations). */
static gboolean
derive_allowed (GstE2eeDec *self)
{
  gint64 now = g_get_monotonic_time ();

  self->derive_tokens +=
      (gdouble)(now - self->derive_last) * DERIVE_PER_SECOND / G_USEC_PER_SEC;
  self->derive_last = now;
  if (self->derive_tokens > DERIVE_PER_SECOND)
    self->derive_tokens = DERIVE_PER_SECOND;
  if (self->derive_tokens < 1.0)
    return FALSE;
  self->derive_tokens -= 1.0;
  return TRUE;
}

/* The state a KID gets if its frame authenticates (kept in
 * self->candidate, so repeated frames of one KID derive once). NULL when no
 * key is known for the KID. */
static KidState *
candidate_for (GstE2eeDec *self, guint64 kid)
{
  KidState *c = self->candidate;
  guint64 *floor;

  if (c && c->kid == kid)
    return c;
  g_clear_pointer (&self->candidate, kid_state_free);
  c = g_new0 (KidState, 1);
  c->kid = kid;
  if (self->static_mode) {
    if ((self->cur_kid == ANY_KID || self->cur_kid == kid) &&
        derive_allowed (self))
      c->cipher = sframe_cipher_new (self->cur_suite, SFRAME_BACKEND_AUTO, kid,
          self->cur_key, self->cur_key_len);
  } else if (self->cur_keyring) {
    GstE2eeKey *key =
        gst_e2ee_keyring_lookup (self->cur_keyring, kid, GST_E2EE_KEY_RECEIVE);
    if (key) {
      gsize len;
      const guint8 *base = gst_e2ee_key_get_base_key (key, &len);
      c->cipher = sframe_cipher_new (
          self->cur_suite, SFRAME_BACKEND_AUTO, kid, base, len);
      c->key = key;
      c->sender = g_strdup (gst_e2ee_key_get_sender (key));
    }
  }
  if (!c->cipher) {
    kid_state_free (c);
    return NULL;
  }
  floor = g_hash_table_lookup (self->floors, &kid);
  if (floor) {
    c->seen = TRUE;
    c->top = *floor;
  }
  self->candidate = c;
  return c;
}

/* Keyring changed: forget the states of keys that were removed or expired
 * (their KIDs never come back: the keyring refuses a KID it holds, and
 * keyexchange never reuses one). */
static void
revalidate (GstE2eeDec *self)
{
  GHashTableIter it;
  gpointer v;

  if (self->candidate && self->candidate->key &&
      !gst_e2ee_key_is_valid (self->candidate->key))
    g_clear_pointer (&self->candidate, kid_state_free);
  GST_OBJECT_LOCK (self);
  g_hash_table_iter_init (&it, self->states);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    KidState *st = v;
    if (st->key && !gst_e2ee_key_is_valid (st->key)) {
      GST_DEBUG_OBJECT (
          self, "key of KID %" G_GUINT64_FORMAT " is gone", st->kid);
      if (self->last_state == st)
        self->last_state = NULL;
      g_hash_table_iter_remove (&it);
    }
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
replay_ok (GstE2eeDec *self, KidState *st, guint64 ctr)
{
  guint w = self->window_bits;
  guint64 pos;

  if (w == 0 || !st->seen || ctr > st->top)
    return TRUE;
  if (st->top - ctr >= w || !st->window)
    return FALSE;
  pos = ctr % w;
  return !(st->window[pos / 64] & (G_GUINT64_CONSTANT (1) << (pos % 64)));
}

static void
replay_mark (GstE2eeDec *self, KidState *st, guint64 ctr)
{
  guint w = self->window_bits;
  guint64 pos;

  if (w == 0)
    return;
  if (!st->window) {
    /* a window restored from a floor starts with everything below seen */
    st->window = g_new0 (guint64, w / 64);
    if (st->seen)
      memset (st->window, 0xff, w / 8);
  }
  if (!st->seen || ctr - st->top >= w) {
    if (!st->seen || ctr > st->top)
      memset (st->window, 0, w / 8);
  } else if (ctr > st->top) {
    for (guint64 c = st->top + 1; c < ctr; c++) {
      pos = c % w;
      st->window[pos / 64] &= ~(G_GUINT64_CONSTANT (1) << (pos % 64));
    }
  }
  if (!st->seen || ctr > st->top)
    st->top = ctr;
  st->seen = TRUE;
  pos = ctr % w;
  st->window[pos / 64] |= G_GUINT64_CONSTANT (1) << (pos % 64);
}

/* Counts a drop and reports it, rate limited per KID and reason for KIDs
 * that authenticated before, and per reason for all others. */
static void
drop (GstE2eeDec *self, DropReason reason, KidState *st, gboolean have_kid,
    guint64 kid, const gchar *sender, gboolean have_ssrc, guint32 ssrc)
{
  guint64 total;
  E2eeDropReport *report;

  GST_OBJECT_LOCK (self);
  total = ++self->drops[reason];
  if (st)
    st->drops[reason]++;
  GST_OBJECT_UNLOCK (self);
  report = st ? &st->reports[reason] : &self->untracked_reports[reason];
  GST_LOG_OBJECT (self, "drop: %s", drop_reason_names[reason]);
  e2ee_post_drop (GST_ELEMENT (self), report, self->cur_report_interval,
      drop_reason_names[reason], have_kid, kid, sender, have_ssrc, ssrc, total);
}

typedef enum
{
  RESULT_OUT,
  RESULT_DROPPED,
  RESULT_NO_KEY,
} Result;

/* Decrypts one buffer into *out: in place when the buffer is ours alone and
 * one block of memory, else into a new buffer. RESULT_NO_KEY leaves the
 * decision (hold or drop) to the caller and counts nothing. */
static Result
decrypt_one (GstE2eeDec *self, GstBuffer *in, GstBuffer **out)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  GstMapInfo imap, omap;
  guint8 *sf, *dst;
  gsize sf_len, hdr_len = 0, in_size = gst_buffer_get_size (in);
  guint8 meta[E2EE_RTP_METADATA_MAX];
  gsize mlen = 0;
  guint64 kid, ctr;
  gint hlen;
  KidState *st;
  gboolean have_ssrc = FALSE, fresh = FALSE, inplace;
  guint32 ssrc = 0;
  gssize n;
  GstBuffer *o = NULL;
  GstMapFlags flags;

  *out = NULL;
  inplace = gst_buffer_is_writable (in) && gst_buffer_n_memory (in) == 1;
  flags = inplace ? GST_MAP_READWRITE : GST_MAP_READ;
  if (self->rtp_mode) {
    if (!gst_rtp_buffer_map (in, flags, &rtp)) {
      drop (self, DROP_MALFORMED, NULL, FALSE, 0, NULL, FALSE, 0);
      return RESULT_DROPPED;
    }
    sf = gst_rtp_buffer_get_payload (&rtp);
    sf_len = gst_rtp_buffer_get_payload_len (&rtp);
    hdr_len = gst_rtp_buffer_get_header_len (&rtp);
    ssrc = gst_rtp_buffer_get_ssrc (&rtp);
    have_ssrc = TRUE;
    mlen = e2ee_rtp_metadata (&rtp, self->cur_auth_fields, meta);
  } else {
    if (!gst_buffer_map (in, &imap, flags)) {
      drop (self, DROP_MALFORMED, NULL, FALSE, 0, NULL, FALSE, 0);
      return RESULT_DROPPED;
    }
    sf = imap.data;
    sf_len = imap.size;
  }

  hlen = sframe_header_decode (sf, sf_len, &kid, &ctr);
  if (hlen < 0) {
    GST_DEBUG_OBJECT (
        self, "not an SFrame: %s", sframe_result_to_string (hlen));
    n = SFRAME_ERR_TRUNCATED;
    goto failed;
  }
  st = lookup_state (self, kid);
  if (!st) {
    st = candidate_for (self, kid);
    fresh = TRUE;
  }
  if (!st) {
    if (self->rtp_mode)
      gst_rtp_buffer_unmap (&rtp);
    else
      gst_buffer_unmap (in, &imap);
    if (!self->static_mode)
      return RESULT_NO_KEY;
    drop (self, DROP_UNKNOWN_KID, NULL, TRUE, kid, NULL, have_ssrc, ssrc);
    return RESULT_DROPPED;
  }
  if (!replay_ok (self, st, ctr)) {
    GST_DEBUG_OBJECT (self,
        "replay: KID %" G_GUINT64_FORMAT " CTR %" G_GUINT64_FORMAT, kid, ctr);
    n = SFRAME_ERR_AUTH;
    goto replayed;
  }

  if (inplace) {
    dst = sf + hlen;
  } else {
    o = gst_buffer_new_allocate (NULL, hdr_len + sf_len, NULL);
    gst_buffer_map (o, &omap, GST_MAP_WRITE);
    dst = omap.data + hdr_len;
  }
  n = sframe_cipher_decrypt (st->cipher, sf, sf_len, hlen, ctr, meta, mlen, dst,
      sf_len - MIN ((gsize)hlen, sf_len));
  if (n >= 0 && self->rtp_mode) {
    /* clear header, padding bit cleared, right before the plaintext */
    guint8 *h = dst - hdr_len;
    if (inplace)
      memmove (h, sf - hdr_len, hdr_len);
    else
      gst_buffer_extract (in, 0, h, hdr_len);
    h[0] &= ~0x20;
  }
  if (o)
    gst_buffer_unmap (o, &omap);
  if (self->rtp_mode)
    gst_rtp_buffer_unmap (&rtp);
  else
    gst_buffer_unmap (in, &imap);
  if (n < 0) {
    if (o)
      gst_buffer_unref (o);
    GST_DEBUG_OBJECT (self,
        "KID %" G_GUINT64_FORMAT " CTR %" G_GUINT64_FORMAT ": %s", kid, ctr,
        sframe_result_to_string (n));
    drop (self, DROP_AUTH, fresh ? NULL : st, TRUE, kid, st->sender, have_ssrc,
        ssrc);
    return RESULT_DROPPED;
  }

  if (fresh) {
    self->candidate = NULL;
    if (!insert_state (self, st)) {
      /* no room to track its replay window: refuse rather than forget */
      GST_WARNING_OBJECT (
          self, "too many KIDs, refusing KID %" G_GUINT64_FORMAT, kid);
      kid_state_free (st);
      if (o)
        gst_buffer_unref (o);
      drop (self, DROP_UNKNOWN_KID, NULL, TRUE, kid, NULL, have_ssrc, ssrc);
      return RESULT_DROPPED;
    }
  }
  st->last_used = ++self->use_tick;
  replay_mark (self, st, ctr);
  if (inplace) {
    gst_buffer_resize (in, hlen, hdr_len + n);
    o = gst_buffer_ref (in);
  } else {
    gst_buffer_set_size (o, hdr_len + n);
    e2ee_copy_metadata (o, in);
  }

  GST_OBJECT_LOCK (self);
  self->packets++;
  self->bytes_in += in_size;
  self->bytes_out += hdr_len + n;
  st->packets++;
  st->bytes += n;
  GST_OBJECT_UNLOCK (self);
  *out = o;
  return RESULT_OUT;

replayed:
  if (self->rtp_mode)
    gst_rtp_buffer_unmap (&rtp);
  else
    gst_buffer_unmap (in, &imap);
  drop (self, DROP_REPLAY, fresh ? NULL : st, TRUE, kid, st->sender, have_ssrc,
      ssrc);
  return RESULT_DROPPED;

failed:
  if (self->rtp_mode)
    gst_rtp_buffer_unmap (&rtp);
  else
    gst_buffer_unmap (in, &imap);
  drop (self, DROP_MALFORMED, NULL, FALSE, 0, NULL, have_ssrc, ssrc);
  return RESULT_DROPPED;
}

/* Drops a buffer whose key never came, reporting its KID and SSRC. */
static void
drop_unknown (GstE2eeDec *self, GstBuffer *buf)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  GstMapInfo map;
  guint64 kid = 0, ctr;
  gboolean have_ssrc = FALSE;
  guint32 ssrc = 0;
  gint hl = -1;

  if (self->rtp_mode && gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp)) {
    ssrc = gst_rtp_buffer_get_ssrc (&rtp);
    have_ssrc = TRUE;
    hl = sframe_header_decode (gst_rtp_buffer_get_payload (&rtp),
        gst_rtp_buffer_get_payload_len (&rtp), &kid, &ctr);
    gst_rtp_buffer_unmap (&rtp);
  } else if (!self->rtp_mode && gst_buffer_map (buf, &map, GST_MAP_READ)) {
    hl = sframe_header_decode (map.data, map.size, &kid, &ctr);
    gst_buffer_unmap (buf, &map);
  }
  drop (self, DROP_UNKNOWN_KID, hl >= 0 ? lookup_state (self, kid) : NULL,
      hl >= 0, kid, NULL, have_ssrc, ssrc);
}

static void
drop_held (GstE2eeDec *self, Held *h)
{
  drop_unknown (self, h->buf);
  self->held_bytes -= gst_buffer_get_size (h->buf);
  gst_buffer_unref (h->buf);
  g_free (h);
}

static void
hold (GstE2eeDec *self, GstBuffer *in)
{
  Held *h;
  gsize size = gst_buffer_get_size (in);

  if (self->cur_hold_us == 0 || size > self->cur_hold_bytes) {
    drop_unknown (self, in);
    return;
  }
  while (self->held_bytes + size > self->cur_hold_bytes)
    drop_held (self, g_queue_pop_head (&self->held));
  h = g_new (Held, 1);
  h->buf = gst_buffer_ref (in);
  h->arrival = g_get_monotonic_time ();
  g_queue_push_tail (&self->held, h);
  self->held_bytes += size;
  GST_DEBUG_OBJECT (self, "holding a buffer until its key arrives (%u held)",
      g_queue_get_length (&self->held));
}

/* Retries held buffers whose key may have arrived, drops the expired ones;
 * outputs go to outl in order. */
static void
process_held (GstE2eeDec *self, GstBufferList *outl, gboolean final)
{
  GList *l;
  gint64 now = g_get_monotonic_time ();

  for (l = self->held.head; l;) {
    Held *h = l->data;
    GList *next = l->next;
    GstBuffer *out;
    Result r = decrypt_one (self, h->buf, &out);

    if (r == RESULT_NO_KEY && !final && now - h->arrival < self->cur_hold_us) {
      l = next;
      continue;
    }
    g_queue_delete_link (&self->held, l);
    if (r == RESULT_NO_KEY) {
      drop_held (self, h);
    } else {
      self->held_bytes -= gst_buffer_get_size (h->buf);
      gst_buffer_unref (h->buf);
      g_free (h);
      if (out)
        gst_buffer_list_add (outl, out);
    }
    l = next;
  }
}

static void
process (GstE2eeDec *self, GstBuffer *in, GstBufferList *outl)
{
  GstBuffer *out;

  sync_config (self);
  if (self->cur_keyring) {
    guint gen = gst_e2ee_keyring_get_generation (self->cur_keyring);
    if (gen != self->keyring_gen) {
      self->keyring_gen = gen;
      revalidate (self);
      if (self->held.length)
        process_held (self, outl, FALSE);
    }
  }
  if (self->held.length) {
    Held *oldest = self->held.head->data;
    if (g_get_monotonic_time () - oldest->arrival >= self->cur_hold_us)
      process_held (self, outl, FALSE);
  }

  switch (decrypt_one (self, in, &out)) {
    case RESULT_OUT:
      gst_buffer_list_add (outl, out);
      break;
    case RESULT_NO_KEY:
      hold (self, in);
      break;
    case RESULT_DROPPED:
      break;
  }
}

static GstFlowReturn
push_outputs (GstE2eeDec *self, GstBufferList *outl)
{
  guint n = gst_buffer_list_length (outl);

  if (n == 0) {
    gst_buffer_list_unref (outl);
    return GST_FLOW_OK;
  }
  if (n == 1) {
    GstBuffer *b = gst_buffer_ref (gst_buffer_list_get (outl, 0));
    gst_buffer_list_unref (outl);
    return gst_pad_push (self->srcpad, b);
  }
  return gst_pad_push_list (self->srcpad, outl);
}

/* Held buffers get a last try (their key may have come), then are
 * dropped: at EOS, and before caps change the meaning of the stream. */
static void
flush_held (GstE2eeDec *self)
{
  GstBufferList *outl = gst_buffer_list_new ();

  sync_config (self);
  if (self->cur_keyring)
    revalidate (self);
  process_held (self, outl, TRUE);
  push_outputs (self, outl);
}

static GstFlowReturn
gst_e2ee_dec_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstE2eeDec *self = GST_E2EE_DEC (parent);
  GstBufferList *outl;
  GstBuffer *out;

  /* fast path: nothing held and the keyring unchanged */
  sync_config (self);
  if (self->held.length == 0 &&
      (!self->cur_keyring ||
          gst_e2ee_keyring_get_generation (self->cur_keyring) ==
              self->keyring_gen)) {
    switch (decrypt_one (self, buf, &out)) {
      case RESULT_OUT:
        gst_buffer_unref (buf);
        return gst_pad_push (self->srcpad, out);
      case RESULT_NO_KEY:
        hold (self, buf);
        break;
      case RESULT_DROPPED:
        break;
    }
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }

  outl = gst_buffer_list_new_sized (1);
  process (self, buf, outl);
  gst_buffer_unref (buf);
  return push_outputs (self, outl);
}

static GstFlowReturn
gst_e2ee_dec_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  GstE2eeDec *self = GST_E2EE_DEC (parent);
  guint n = gst_buffer_list_length (list);
  GstBufferList *outl = gst_buffer_list_new_sized (n);

  for (guint i = 0; i < n; i++)
    process (self, gst_buffer_list_get (list, i), outl);
  gst_buffer_list_unref (list);
  return push_outputs (self, outl);
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
suite_of_caps (const GstStructure *s, SFrameSuite *suite, gchar **why)
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
  if (!sframe_backend_available (*suite, SFRAME_BACKEND_AUTO)) {
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
  SFrameSuite suite, prop;
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
      if (self->held.length) {
        flush_held (self);
      }
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
      if (self->held.length) {
        /* last chance for held buffers, then they are dropped */
        flush_held (self);
      }
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}
