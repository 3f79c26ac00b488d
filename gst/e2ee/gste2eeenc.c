/* e2eeenc: SFrame (RFC 9605) encryption of RTP payloads or whole frames.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-e2eeenc
 * @title: e2eeenc
 * @see_also: e2eedec, keyexchange
 *
 * Encrypts media end to end with SFrame (RFC 9605), so that a server that
 * relays it cannot read it.
 *
 * The mode follows the caps.  On `application/x-rtp` each packet is
 * encrypted on its own: the RTP header (CSRCs and header extensions
 * included) stays in clear for the network and the relay, the payload is
 * replaced by an SFrame (header, ciphertext, tag), and the header fields
 * chosen by #GstE2eeEnc:rtp-auth-fields are authenticated as SFrame
 * metadata.  Any other caps select frame mode: each buffer becomes one
 * SFrame and the output caps are `application/x-sframe` with the input caps
 * in the field `original-caps`, so that e2eedec restores them exactly.
 * Timestamps, buffer flags and metas that describe no memory layout pass
 * through.
 *
 * The output caps are marked: `encryption=(string)sframe` (RTP) and, in
 * both modes, `sframe-suite=(string)` with the #GstE2eeEnc:cipher-suite
 * nick, e.g. `application/x-rtp, ..., encryption=(string)sframe,
 * sframe-suite=(string)aes-256-gcm-sha512-128`.  meetingsink accepts only
 * marked caps (unless allow-clear), a meeting announces them to the
 * receivers, and e2eedec takes the suite from them, so receivers need no
 * suite setting.  A suite changed while playing is announced by new caps
 * before the first buffer encrypted with it.
 *
 * Keys come either from #GstE2eeEnc:key and #GstE2eeEnc:kid (a pre-shared
 * key, for broadcast and tests) or from the meeting keyring that
 * keyexchange fills, found through a #GstContext of type
 * `gst-e2ee.keyring`.  Without a send key the element drops (and counts)
 * buffers; it never sends anything in clear.
 *
 * A (key, nonce) pair is never used twice.  With the keyring, every send
 * key owns one counter shared by all e2eeenc of the process and keys are
 * never reused across epochs.  With a pre-shared key the next counter is
 * kept in a state file in #GstE2eeEnc:counter-dir, reserved ahead in blocks
 * of 65536 and written durably before any counter of the block is used, so
 * a restarted pipeline continues after the last reserved counter; an
 * exclusive lock on that file stops a second sender from using the same
 * key and KID.
 *
 * ## Example pipelines
 * |[
 * gst-launch-1.0 audiotestsrc num-buffers=100 ! opusenc ! rtpopuspay ! \
 *   e2eeenc key=000102030405060708090a0b0c0d0e0f kid=1 ! \
 *   e2eedec key=000102030405060708090a0b0c0d0e0f ! rtpopusdepay ! \
 *   opusdec ! fakesink
 * ]| Per-packet SFrame on Opus RTP and back.
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=50 ! vp8enc ! \
 *   e2eeenc cipher-suite=aes-128-ctr-hmac-sha256-80 \
 *     key=000102030405060708090a0b0c0d0e0f kid=2 ! \
 *   e2eedec key=000102030405060708090a0b0c0d0e0f ! vp8dec ! fakesink
 * ]| Per-frame SFrame on VP8 frames, with the 80-bit-tag CTR suite, which
 * e2eedec reads from the caps.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeenc-priv.h"

#include <string.h>

#include <gst/rtp/gstrtpbuffer.h>

#include "gste2eecommon.h"
#include "gste2eeelements.h"
#include "gste2eekeyring.h"
#include "sframe.h"

GST_DEBUG_CATEGORY (gst_e2ee_enc_debug);
#define GST_CAT_DEFAULT gst_e2ee_enc_debug

#define DEFAULT_KID 0

enum
{
  PROP_0,
  PROP_CIPHER_SUITE,
  PROP_KEY,
  PROP_KID,
  PROP_COUNTER_DIR,
  PROP_RTP_AUTH_FIELDS,
  PROP_STATS,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("application/x-rtp; application/x-sframe"));

#define gst_e2ee_enc_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstE2eeEnc, gst_e2ee_enc, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (
        gst_e2ee_enc_debug, "e2eeenc", 0, "SFrame end-to-end encryption"));
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (e2eeenc, "e2eeenc", GST_RANK_NONE,
    GST_TYPE_E2EE_ENC, e2ee_element_init (plugin));

static void gst_e2ee_enc_finalize (GObject *object);
static void gst_e2ee_enc_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_e2ee_enc_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static GstStateChangeReturn gst_e2ee_enc_change_state (
    GstElement *element, GstStateChange transition);
static void gst_e2ee_enc_set_context (GstElement *element, GstContext *context);
static gboolean gst_e2ee_enc_sink_event (
    GstPad *pad, GstObject *parent, GstEvent *event);
static gboolean gst_e2ee_enc_query (
    GstPad *pad, GstObject *parent, GstQuery *query);

static void
gst_e2ee_enc_class_init (GstE2eeEncClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->finalize = gst_e2ee_enc_finalize;
  gobject_class->set_property = gst_e2ee_enc_set_property;
  gobject_class->get_property = gst_e2ee_enc_get_property;

  /**
   * GstE2eeEnc:cipher-suite:
   *
   * The RFC 9605 cipher suite.  SFrame does not carry it: the output caps
   * name it (`sframe-suite`), and e2eedec reads it from there.
   */
  g_object_class_install_property (gobject_class, PROP_CIPHER_SUITE,
      g_param_spec_enum ("cipher-suite", "Cipher suite",
          "SFrame cipher suite (RFC 9605 section 4.5)",
          GST_TYPE_E2EE_CIPHER_SUITE, DEFAULT_CIPHER_SUITE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING | GST_PARAM_DOC_SHOW_DEFAULT));

  /**
   * GstE2eeEnc:key:
   *
   * A pre-shared SFrame base key as 32 to 128 hex digits (16 to 64 bytes).
   * Write-only: it cannot be read back.  When set it takes precedence over
   * the meeting keyring.  Setting it while playing switches keys at the
   * next buffer.
   */
  g_object_class_install_property (gobject_class, PROP_KEY,
      g_param_spec_string ("key", "Key",
          "Pre-shared SFrame base key, 32 to 128 hex digits (write-only)", NULL,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:kid:
   *
   * The SFrame key ID sent with the pre-shared key.  Each sender of a
   * pre-shared key needs its own KID.
   */
  g_object_class_install_property (gobject_class, PROP_KID,
      g_param_spec_uint64 ("kid", "Key ID", "SFrame KID of the pre-shared key",
          0, G_MAXUINT64, DEFAULT_KID,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstE2eeEnc:counter-dir:
   *
   * Directory of the counter state of pre-shared keys (one file per key,
   * KID and suite, named by a keyed hash).  Default:
   * `$XDG_STATE_HOME/gst-e2ee/counters`.
   */
  g_object_class_install_property (gobject_class, PROP_COUNTER_DIR,
      g_param_spec_string ("counter-dir", "Counter directory",
          "Where the SFrame counters of pre-shared keys persist across "
          "restarts (default: $XDG_STATE_HOME/gst-e2ee/counters)",
          NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  /**
   * GstE2eeEnc:rtp-auth-fields:
   *
   * The clear RTP header fields authenticated in per-packet mode.  The
   * default (marker and payload type) survives relays that rewrite SSRC,
   * sequence numbers and timestamps, as simulcast-switching SFUs do.
   * e2eedec must use the same value.
   */
  g_object_class_install_property (gobject_class, PROP_RTP_AUTH_FIELDS,
      g_param_spec_flags ("rtp-auth-fields", "RTP authenticated fields",
          "RTP header fields authenticated as SFrame metadata",
          GST_TYPE_E2EE_RTP_AUTH_FIELDS, DEFAULT_RTP_AUTH_FIELDS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY |
              GST_PARAM_DOC_SHOW_DEFAULT));

  /**
   * GstE2eeEnc:stats:
   *
   * Counters: `packets`, `bytes-in`, `bytes-out`, `dropped-no-key`,
   * `dropped-invalid`, and `keys`, an array with one `kid-stats` structure
   * (`kid`, `packets`, `bytes`, `last-counter`) per KID sent with.
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics", "Encryption statistics",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_e2ee_enc_change_state);
  element_class->set_context = GST_DEBUG_FUNCPTR (gst_e2ee_enc_set_context);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "SFrame encryptor",
      "Filter/Network/Encryptor",
      "End-to-end encrypts RTP payloads or whole frames with SFrame "
      "(RFC 9605)",
      "gst-e2ee-meeting contributors");
}

static void
gst_e2ee_enc_init (GstE2eeEnc *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_e2ee_enc_chain));
  gst_pad_set_chain_list_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_e2ee_enc_chain_list));
  gst_pad_set_event_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_e2ee_enc_sink_event));
  gst_pad_set_query_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_e2ee_enc_query));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_query_function (
      self->srcpad, GST_DEBUG_FUNCPTR (gst_e2ee_enc_query));
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->suite = DEFAULT_CIPHER_SUITE;
  self->kid = DEFAULT_KID;
  self->rtp_auth_fields = DEFAULT_RTP_AUTH_FIELDS;
  self->cur_cookie = -1;
  self->store.lock_fd = -1;
  self->kid_stats = g_array_new (FALSE, TRUE, sizeof (KidStats));
  self->hdr_mems =
      e2ee_enc_recycler_new (E2EE_ENC_HDR_MEM_SIZE, "E2eeEncSmallMemory");
  self->packet_bufs =
      e2ee_enc_recycler_new (E2EE_ENC_PACKET_MEM_SIZE, "E2eeEncPacketMemory");
}

void
gst_e2ee_enc_reset_crypto (GstE2eeEnc *self)
{
  g_clear_pointer (&self->cipher, gst_e2ee_sframe_cipher_free);
  g_clear_pointer (&self->send_key, gst_e2ee_key_unref);
  gst_clear_object (&self->cur_keyring);
  if (self->store_open)
    e2ee_counter_store_close (&self->store);
  self->store_open = FALSE;
  self->cur_cookie = -1;
}

static void
gst_e2ee_enc_finalize (GObject *object)
{
  GstE2eeEnc *self = GST_E2EE_ENC (object);

  gst_e2ee_enc_reset_crypto (self);
  e2ee_free_key (self->key);
  g_free (self->key_error);
  g_free (self->counter_dir);
  gst_clear_object (&self->keyring);
  g_array_unref (self->kid_stats);
  e2ee_enc_recycler_close (self->hdr_mems);
  gst_object_unref (self->hdr_mems);
  e2ee_enc_recycler_close (self->packet_bufs);
  gst_object_unref (self->packet_bufs);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static GstStructure *
gst_e2ee_enc_get_stats (GstE2eeEnc *self)
{
  GstStructure *s;
  GValue arr = G_VALUE_INIT;

  g_value_init (&arr, GST_TYPE_ARRAY);
  GST_OBJECT_LOCK (self);
  s = gst_structure_new ("application/x-e2eeenc-stats", "packets",
      G_TYPE_UINT64, STAT_GET (self->packets), "bytes-in", G_TYPE_UINT64,
      STAT_GET (self->bytes_in), "bytes-out", G_TYPE_UINT64,
      STAT_GET (self->bytes_out), "dropped-no-key", G_TYPE_UINT64,
      self->dropped_no_key, "dropped-invalid", G_TYPE_UINT64,
      self->dropped_invalid, NULL);
  for (guint i = 0; i < self->kid_stats->len; i++) {
    KidStats *k = &g_array_index (self->kid_stats, KidStats, i);
    GValue v = G_VALUE_INIT;
    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v,
        gst_structure_new ("kid-stats", "kid", G_TYPE_UINT64, k->kid, "packets",
            G_TYPE_UINT64, STAT_GET (k->packets), "bytes", G_TYPE_UINT64,
            STAT_GET (k->bytes), "last-counter", G_TYPE_UINT64,
            STAT_GET (k->last_ctr), NULL));
    gst_value_array_append_and_take_value (&arr, &v);
  }
  GST_OBJECT_UNLOCK (self);
  gst_structure_take_value (s, "keys", &arr);
  return s;
}

static void
gst_e2ee_enc_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstE2eeEnc *self = GST_E2EE_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CIPHER_SUITE:
      self->suite = g_value_get_enum (value);
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
    case PROP_COUNTER_DIR:
      g_free (self->counter_dir);
      self->counter_dir = g_value_dup_string (value);
      break;
    case PROP_RTP_AUTH_FIELDS:
      self->rtp_auth_fields = g_value_get_flags (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
  g_atomic_int_inc (&self->config_cookie);
}

static void
gst_e2ee_enc_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstE2eeEnc *self = GST_E2EE_ENC (object);

  switch (prop_id) {
    case PROP_CIPHER_SUITE:
      GST_OBJECT_LOCK (self);
      g_value_set_enum (value, self->suite);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_KID:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->kid);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_COUNTER_DIR:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->counter_dir);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_RTP_AUTH_FIELDS:
      GST_OBJECT_LOCK (self);
      g_value_set_flags (value, self->rtp_auth_fields);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_e2ee_enc_get_stats (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_enc_set_context (GstElement *element, GstContext *context)
{
  GstE2eeEnc *self = GST_E2EE_ENC (element);

  if (gst_e2ee_keyring_handle_set_context (element, context, &self->keyring))
    g_atomic_int_inc (&self->config_cookie);
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

/* Checks that a key source exists before data flows. */
static gboolean
check_keys (GstE2eeEnc *self)
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
gst_e2ee_enc_change_state (GstElement *element, GstStateChange transition)
{
  GstE2eeEnc *self = GST_E2EE_ENC (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!gst_e2ee_sframe_init ()) {
        GST_ELEMENT_ERROR (self, LIBRARY, INIT,
            ("libsodium or OpenSSL failed to initialise"), (NULL));
        return GST_STATE_CHANGE_FAILURE;
      }
      GST_OBJECT_LOCK (self);
      if (!self->key) {
        GST_OBJECT_UNLOCK (self);
        gst_e2ee_keyring_ensure (element, &self->keyring);
      } else {
        GST_OBJECT_UNLOCK (self);
      }
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!check_keys (self))
        return GST_STATE_CHANGE_FAILURE;
      self->rtp_mode = FALSE;
      self->caps_suite = 0;
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      gst_e2ee_enc_reset_crypto (self);
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
gst_e2ee_enc_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstE2eeEnc *self = GST_E2EE_ENC (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CONTEXT:
      if (gst_e2ee_keyring_handle_context_query (
              GST_ELEMENT (self), query, &self->keyring))
        return TRUE;
      break;
    case GST_QUERY_CAPS:
      if (pad == self->sinkpad) {
        /* any media can be encrypted */
        GstCaps *filter, *caps;
        gst_query_parse_caps (query, &filter);
        caps = filter ? gst_caps_ref (filter) : gst_caps_new_any ();
        gst_query_set_caps_result (query, caps);
        gst_caps_unref (caps);
        return TRUE;
      }
      break;
    default:
      break;
  }
  return gst_pad_query_default (pad, parent, query);
}

/* The output caps: the input marked as SFrame-protected with suite.  RTP
 * keeps its caps (receivers need them to depayload) plus `encryption` and
 * `sframe-suite`; anything else becomes application/x-sframe carrying the
 * input caps and the suite. */
static GstCaps *
marked_caps (GstCaps *in, gboolean rtp, GstE2eeSFrameSuite suite)
{
  const gchar *nick = e2ee_suite_nick (suite);
  GstCaps *out;

  if (!rtp)
    return gst_caps_new_simple ("application/x-sframe", "original-caps",
        GST_TYPE_CAPS, in, E2EE_CAPS_SUITE, G_TYPE_STRING, nick, NULL);
  out = gst_caps_copy (in);
  gst_caps_set_simple (out, E2EE_CAPS_ENCRYPTION, G_TYPE_STRING,
      E2EE_CAPS_ENCRYPTION_SFRAME, E2EE_CAPS_SUITE, G_TYPE_STRING, nick, NULL);
  return out;
}

static gboolean
gst_e2ee_enc_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstE2eeEnc *self = GST_E2EE_ENC (parent);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps, *out;
    gboolean ret;

    gst_event_parse_caps (event, &caps);
    self->rtp_mode = gst_structure_has_name (
        gst_caps_get_structure (caps, 0), "application/x-rtp");
    GST_OBJECT_LOCK (self);
    self->caps_suite = self->suite;
    GST_OBJECT_UNLOCK (self);
    out = marked_caps (caps, self->rtp_mode, self->caps_suite);
    GST_DEBUG_OBJECT (self, "%s mode, output caps %" GST_PTR_FORMAT,
        self->rtp_mode ? "per-packet" : "per-frame", out);
    gst_event_unref (event);
    ret = gst_pad_push_event (self->srcpad, gst_event_new_caps (out));
    gst_caps_unref (out);
    return ret;
  }
  return gst_pad_event_default (pad, parent, event);
}
