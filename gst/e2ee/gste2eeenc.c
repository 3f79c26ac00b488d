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

#include "gste2eeenc.h"

#include <string.h>

#include <gst/rtp/gstrtpbuffer.h>

#include "gste2eecommon.h"
#include "gste2eeelements.h"
#include "gste2eekeyring.h"
#include "sframe.h"

GST_DEBUG_CATEGORY_STATIC (gst_e2ee_enc_debug);
#define GST_CAT_DEFAULT gst_e2ee_enc_debug

#define DEFAULT_KID 0
/* RTP packets fit a network MTU; larger ones are allocated one by one */
#define POOL_BUFFER_SIZE 1536

/* ------------------------------------------------ small memories, recycled
 *
 * The SFrame header (with the RTP header before it) and the tag of a packet
 * encrypted in place are memories of their own.  They come from this
 * allocator, one per element, and are recycled as GstBufferPool recycles
 * buffers: when downstream drops the last reference (in any thread), the
 * memory's dispose pushes it, still initialised, onto a lock-free stack of
 * its allocator, which the streaming thread empties in one exchange when
 * it has no spare memory left.  A packet so costs no allocation, no
 * initialisation, no allocator reference and no lock; there are as many
 * memories as were ever in flight at once.  The element writes a memory it
 * has just taken without mapping it (it is the only holder).
 * Sub-memories (gst_memory_share) point into their parent and are freed
 * normally.  A memory in the free list holds its allocator: the element
 * closes the allocator when it is finalized (the free memories are freed,
 * and those still downstream when dropped). */

#define SMALL_MEM_SIZE 128

typedef struct _SmallMem SmallMem;
struct _SmallMem
{
  GstMemory mem;
  guint8 *data;
  SmallMem *next; /* in a free list */
};

/* (the returned list of an allocator that recycles no more) */
#define SMALL_CLOSED ((gpointer)&small_closed)
static const gint small_closed = 0;

typedef struct
{
  GstAllocator parent;
  /* atomic: memories given back by their dispose (any thread), a stack;
   * SMALL_CLOSED once closed */
  gpointer returned;
  /* streaming thread: memories taken from returned in one go */
  SmallMem *spare;
} E2eeEncSmallAlloc;

typedef struct
{
  GstAllocatorClass parent_class;
} E2eeEncSmallAllocClass;

static GType e2ee_enc_small_alloc_get_type (void);
G_DEFINE_TYPE (E2eeEncSmallAlloc, e2ee_enc_small_alloc, GST_TYPE_ALLOCATOR);

static gboolean
small_mem_dispose (GstMiniObject *obj)
{
  SmallMem *m = (SmallMem *)obj;
  E2eeEncSmallAlloc *a = (E2eeEncSmallAlloc *)m->mem.allocator;
  gpointer head;

  /* back to life (as in GstBufferPool) before anyone can take it */
  gst_mini_object_ref (obj);
  do {
    head = g_atomic_pointer_get (&a->returned);
    if (head == SMALL_CLOSED) {
      g_atomic_int_set (&obj->refcount, 0);
      return TRUE;
    }
    m->next = head;
  } while (!g_atomic_pointer_compare_and_exchange (&a->returned, head, m));
  return FALSE;
}

static GstMemory *
small_mem_new (E2eeEncSmallAlloc *a, gsize size)
{
  SmallMem *m = g_malloc (sizeof (SmallMem) + SMALL_MEM_SIZE);

  m->data = (guint8 *)(m + 1);
  gst_memory_init (GST_MEMORY_CAST (m), 0, GST_ALLOCATOR_CAST (a), NULL,
      SMALL_MEM_SIZE, 0, 0, size);
  GST_MINI_OBJECT_CAST (m)->dispose = small_mem_dispose;
  return GST_MEMORY_CAST (m);
}

/* A memory of size bytes (at most SMALL_MEM_SIZE), ours alone: its bytes
 * are at ((SmallMem *) mem)->data until it is given away.  Streaming
 * thread only.  A recycled one is as new: whole, flags as after
 * gst_memory_init(). */
static GstMemory *
small_mem_take (E2eeEncSmallAlloc *a, gsize size)
{
  SmallMem *m = a->spare;

  if (!m) {
    m = g_atomic_pointer_exchange (&a->returned, NULL);
    if (!m)
      return small_mem_new (a, size);
  }
  a->spare = m->next;
  GST_MINI_OBJECT_FLAGS (m) = GST_MINI_OBJECT_FLAG_LOCKABLE;
  m->mem.offset = 0;
  m->mem.size = size;
  return GST_MEMORY_CAST (m);
}

static void
small_free_list (SmallMem *m)
{
  while (m) {
    SmallMem *next = m->next;
    GST_MINI_OBJECT_CAST (m)->dispose = NULL;
    gst_memory_unref (GST_MEMORY_CAST (m));
    m = next;
  }
}

/* No more recycling: the free list is freed, and memories still
 * downstream are freed when dropped.  The element's last call. */
static void
small_alloc_close (E2eeEncSmallAlloc *a)
{
  small_free_list (g_atomic_pointer_exchange (&a->returned, SMALL_CLOSED));
  small_free_list (a->spare);
  a->spare = NULL;
}

static GstMemory *
e2ee_enc_small_alloc_alloc (
    GstAllocator *allocator, gsize size, GstAllocationParams *params)
{
  if (size > SMALL_MEM_SIZE ||
      (params && (params->prefix || params->padding || params->align > 7)))
    return NULL;
  return small_mem_new ((E2eeEncSmallAlloc *)allocator, size);
}

/* A sub-memory, or a memory its dispose did not keep */
static void
e2ee_enc_small_alloc_free (GstAllocator *allocator, GstMemory *mem)
{
  g_free (mem);
}

static gpointer
small_mem_map (GstMemory *mem, gsize maxsize, GstMapFlags flags)
{
  return ((SmallMem *)mem)->data;
}

static void
small_mem_unmap (GstMemory *mem)
{
}

static GstMemory *
small_mem_share (GstMemory *mem, gssize offset, gssize size)
{
  GstMemory *parent = mem->parent ? mem->parent : mem;
  SmallMem *sub = g_new (SmallMem, 1);

  if (size == -1)
    size = mem->size - offset;
  sub->data = ((SmallMem *)mem)->data;
  gst_memory_init (GST_MEMORY_CAST (sub),
      GST_MINI_OBJECT_FLAGS (parent) | GST_MINI_OBJECT_FLAG_LOCK_READONLY,
      mem->allocator, parent, mem->maxsize, mem->align, mem->offset + offset,
      size);
  return GST_MEMORY_CAST (sub);
}

static void
e2ee_enc_small_alloc_class_init (E2eeEncSmallAllocClass *klass)
{
  GST_ALLOCATOR_CLASS (klass)->alloc = e2ee_enc_small_alloc_alloc;
  GST_ALLOCATOR_CLASS (klass)->free = e2ee_enc_small_alloc_free;
}

static void
e2ee_enc_small_alloc_init (E2eeEncSmallAlloc *a)
{
  GstAllocator *allocator = GST_ALLOCATOR_CAST (a);

  allocator->mem_type = "E2eeEncSmallMemory";
  allocator->mem_map = small_mem_map;
  allocator->mem_unmap = small_mem_unmap;
  allocator->mem_share = small_mem_share;
  GST_OBJECT_FLAG_SET (a, GST_ALLOCATOR_FLAG_CUSTOM_ALLOC);
}

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

typedef struct
{
  guint64 kid;
  guint64 packets;
  guint64 bytes;
  guint64 last_ctr;
} KidStats;

struct _GstE2eeEnc
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, under the object lock */
  GstE2eeSFrameSuite suite;
  guint8 *key; /* sodium_malloc, NULL without a key */
  gsize key_len;
  gchar *key_error;
  guint64 kid;
  gchar *counter_dir;
  guint rtp_auth_fields;
  GstE2eeKeyring *keyring;
  gint config_cookie; /* atomic: bumped when keys/suite change */

  /* streaming thread */
  gint cur_cookie;
  gboolean static_mode;
  GstE2eeSFrameSuite cur_suite;
  guint cur_auth_fields;
  gboolean rtp_mode;
  GstE2eeSFrameSuite
      caps_suite; /* the suite the output caps name, 0 before caps */
  GstE2eeSFrameCipher *cipher;
  GstE2eeKey *send_key; /* keyring mode */
  GstE2eeKeyring *cur_keyring;
  guint keyring_gen;
  E2eeCounterStore store; /* static mode */
  GstBufferPool *pool; /* RTP-sized output buffers, recycled */
  E2eeEncSmallAlloc *small; /* headers and tags of in-place output */
  gboolean store_open;
  E2eeDropReport no_key_report;

  /* stats: see account() */
  guint64 packets;
  guint64 bytes_in;
  guint64 bytes_out;
  guint64 dropped_no_key;
  guint64 dropped_invalid;
  GArray *kid_stats;
};

/* The counters of sent packets have one writer, the streaming thread,
 * which updates them without a lock; get_stats() reads them under the
 * object lock, which also guards the array of KIDs when it changes. */
#define STAT_GET(f) __atomic_load_n (&(f), __ATOMIC_RELAXED)
#define STAT_ADD(f, v) __atomic_store_n (&(f), (f) + (v), __ATOMIC_RELAXED)

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
static GstFlowReturn gst_e2ee_enc_chain (
    GstPad *pad, GstObject *parent, GstBuffer *buf);
static GstFlowReturn gst_e2ee_enc_chain_list (
    GstPad *pad, GstObject *parent, GstBufferList *list);
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
  self->small = g_object_new (e2ee_enc_small_alloc_get_type (), NULL);
  gst_object_ref_sink (self->small);
}

static void
reset_crypto (GstE2eeEnc *self)
{
  g_clear_pointer (&self->cipher, gst_e2ee_sframe_cipher_free);
  g_clear_pointer (&self->send_key, gst_e2ee_key_unref);
  gst_clear_object (&self->cur_keyring);
  if (self->store_open)
    e2ee_counter_store_close (&self->store);
  self->store_open = FALSE;
  self->cur_cookie = -1;
  if (self->pool) {
    gst_buffer_pool_set_active (self->pool, FALSE);
    gst_clear_object (&self->pool);
  }
}

static void
gst_e2ee_enc_finalize (GObject *object)
{
  GstE2eeEnc *self = GST_E2EE_ENC (object);

  reset_crypto (self);
  e2ee_free_key (self->key);
  g_free (self->key_error);
  g_free (self->counter_dir);
  gst_clear_object (&self->keyring);
  g_array_unref (self->kid_stats);
  small_alloc_close (self->small);
  gst_object_unref (self->small);
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

/* cipher-suite changed while playing: the output caps name the new suite
 * before the first buffer encrypted with it. */
static void
update_caps_suite (GstE2eeEnc *self)
{
  GstCaps *caps = gst_pad_get_current_caps (self->srcpad);

  self->caps_suite = self->cur_suite;
  if (!caps)
    return;
  caps = gst_caps_make_writable (caps);
  gst_caps_set_simple (caps, E2EE_CAPS_SUITE, G_TYPE_STRING,
      e2ee_suite_nick (self->cur_suite), NULL);
  GST_INFO_OBJECT (self, "suite changed, output caps %" GST_PTR_FORMAT, caps);
  gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));
  gst_caps_unref (caps);
}

/* Makes self->cipher match the current key source. FALSE on a fatal
 * error (posted); TRUE with cipher == NULL when there is no send key. */
static gboolean
ensure_cipher (GstE2eeEnc *self)
{
  gint cookie = g_atomic_int_get (&self->config_cookie);

  if (G_UNLIKELY (cookie != self->cur_cookie)) {
    reset_crypto (self);
    self->cur_cookie = cookie;
    GST_OBJECT_LOCK (self);
    self->static_mode = self->key != NULL;
    self->cur_suite = self->suite;
    self->cur_auth_fields = self->rtp_auth_fields;
    self->cur_keyring = self->keyring ? gst_object_ref (self->keyring) : NULL;
    if (self->static_mode) {
      GError *err = NULL;
      gchar *dir = g_strdup (self->counter_dir);
      guint64 kid = self->kid;
      gboolean ok = e2ee_counter_store_open (
          &self->store, dir, self->suite, kid, self->key, self->key_len, &err);
      if (ok)
        self->cipher = gst_e2ee_sframe_cipher_new (self->suite,
            GST_E2EE_SFRAME_BACKEND_AUTO, kid, self->key, self->key_len);
      GST_OBJECT_UNLOCK (self);
      g_free (dir);
      if (!ok) {
        GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
            ("Cannot reserve SFrame counters for the pre-shared key"),
            ("%s", err->message));
        g_error_free (err);
        return FALSE;
      }
      self->store_open = TRUE;
      if (!self->cipher) {
        GST_ELEMENT_ERROR (self, LIBRARY, INIT,
            ("Cannot set up cipher suite %d", self->cur_suite), (NULL));
        return FALSE;
      }
      GST_INFO_OBJECT (self,
          "pre-shared key, KID %" G_GUINT64_FORMAT
          ", counters from %" G_GUINT64_FORMAT ", backend %s",
          kid, self->store.next,
          gst_e2ee_sframe_backend_name (
              gst_e2ee_sframe_cipher_get_backend (self->cipher)));
      return TRUE;
    }
    GST_OBJECT_UNLOCK (self);
    self->keyring_gen = G_MAXUINT;
  }

  if (self->static_mode)
    return TRUE;

  if (self->cur_keyring) {
    guint gen = gst_e2ee_keyring_get_generation (self->cur_keyring);
    GstE2eeKey *key;

    if (G_LIKELY (gen == self->keyring_gen))
      return TRUE;
    self->keyring_gen = gen;
    key = gst_e2ee_keyring_get_send_key (self->cur_keyring);
    if (key == self->send_key) {
      if (key)
        gst_e2ee_key_unref (key);
      return TRUE;
    }
    g_clear_pointer (&self->cipher, gst_e2ee_sframe_cipher_free);
    g_clear_pointer (&self->send_key, gst_e2ee_key_unref);
    if (key) {
      gsize len;
      const guint8 *base = gst_e2ee_key_get_base_key (key, &len);
      self->cipher = gst_e2ee_sframe_cipher_new (self->cur_suite,
          GST_E2EE_SFRAME_BACKEND_AUTO, gst_e2ee_key_get_kid (key), base, len);
      if (!self->cipher) {
        gst_e2ee_key_unref (key);
        GST_ELEMENT_ERROR (self, LIBRARY, INIT,
            ("Cannot set up cipher suite %d", self->cur_suite), (NULL));
        return FALSE;
      }
      self->send_key = key;
      GST_INFO_OBJECT (self, "sending with keyring KID %" G_GUINT64_FORMAT,
          gst_e2ee_key_get_kid (key));
    }
  }
  return TRUE;
}

static gboolean
next_counter (GstE2eeEnc *self, guint64 *ctr)
{
  GError *err = NULL;

  if (self->static_mode) {
    if (e2ee_counter_store_next (&self->store, ctr, &err))
      return TRUE;
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Cannot reserve more SFrame counters"), ("%s", err->message));
    g_error_free (err);
    return FALSE;
  }
  if (gst_e2ee_key_next_counter (self->send_key, ctr))
    return TRUE;
  GST_ELEMENT_ERROR (self, STREAM, FAILED,
      ("SFrame counter of KID %" G_GUINT64_FORMAT " exhausted",
          gst_e2ee_key_get_kid (self->send_key)),
      ("the keyring must rekey"));
  return FALSE;
}

static void
account (GstE2eeEnc *self, guint64 kid, guint64 ctr, gsize in, gsize out)
{
  KidStats *k = NULL;

  STAT_ADD (self->packets, 1);
  STAT_ADD (self->bytes_in, in);
  STAT_ADD (self->bytes_out, out);
  for (guint i = self->kid_stats->len; i > 0; i--) {
    KidStats *c = &g_array_index (self->kid_stats, KidStats, i - 1);
    if (c->kid == kid) {
      k = c;
      break;
    }
  }
  if (G_UNLIKELY (!k)) {
    KidStats n = { kid, 0, 0, 0 };
    GST_OBJECT_LOCK (self);
    if (self->kid_stats->len >= 256)
      g_array_remove_index (self->kid_stats, 0);
    g_array_append_val (self->kid_stats, n);
    GST_OBJECT_UNLOCK (self);
    k = &g_array_index (self->kid_stats, KidStats, self->kid_stats->len - 1);
  }
  STAT_ADD (k->packets, 1);
  STAT_ADD (k->bytes, out);
  __atomic_store_n (&k->last_ctr, ctr, __ATOMIC_RELAXED);
}

/* An output buffer of size bytes: from a pool for MTU-sized packets (no
 * allocation per packet, and memory that stays warm in the caches). */
static GstBuffer *
output_buffer (GstE2eeEnc *self, gsize size)
{
  GstBuffer *out = NULL;

  if (size <= POOL_BUFFER_SIZE) {
    if (!self->pool) {
      GstStructure *config;
      self->pool = gst_buffer_pool_new ();
      config = gst_buffer_pool_get_config (self->pool);
      gst_buffer_pool_config_set_params (config, NULL, POOL_BUFFER_SIZE, 0, 0);
      if (!gst_buffer_pool_set_config (self->pool, config) ||
          !gst_buffer_pool_set_active (self->pool, TRUE))
        gst_clear_object (&self->pool);
    }
    if (self->pool &&
        gst_buffer_pool_acquire_buffer (self->pool, &out, NULL) == GST_FLOW_OK)
      gst_buffer_set_size (out, size);
  }
  return out ? out : gst_buffer_new_allocate (NULL, size, NULL);
}

/* The metas the copying path would not carry (those that describe a
 * memory layout, or cannot be copied) leave a buffer encrypted in place. */
static gboolean
strip_meta (GstBuffer *buf, GstMeta **meta, gpointer unused)
{
  const GstMetaInfo *info = (*meta)->info;
  const gchar *const *tags = gst_meta_api_type_get_tags (info->api);

  if ((!info->transform_func || (tags && tags[0])) &&
      !GST_META_FLAG_IS_SET (*meta, GST_META_FLAG_LOCKED))
    *meta = NULL;
  return TRUE;
}

/* Encrypts len bytes at data + skip (a mapped memory of the input) where
 * they are, and returns two new small memories: the SFrame header preceded
 * by the skip bytes before the payload (the RTP header when header and
 * payload share one memory), and the tag. */
static gboolean
seal_mapped (GstE2eeEnc *self, guint8 *data, gsize skip, gsize len,
    const guint8 *meta, gsize mlen, guint64 ctr, GstMemory **hmem_out,
    GstMemory **tmem_out)
{
  gsize hlen = gst_e2ee_sframe_header_len (
      gst_e2ee_sframe_cipher_get_kid (self->cipher), ctr);
  gsize nt = gst_e2ee_sframe_cipher_overhead (self->cipher, ctr) - hlen;
  GstMemory *hmem, *tmem;
  gsize hl = 0;
  GstE2eeSFrameResult r = GST_E2EE_SFRAME_ERR_CRYPTO;

  if (G_LIKELY (skip + hlen <= SMALL_MEM_SIZE && nt <= SMALL_MEM_SIZE)) {
    /* ours alone until inserted: written without a map */
    hmem = small_mem_take (self->small, skip + hlen);
    tmem = small_mem_take (self->small, nt);
    memcpy (((SmallMem *)hmem)->data, data, skip);
    r = gst_e2ee_sframe_cipher_encrypt_inplace (self->cipher, ctr, meta, mlen,
        ((SmallMem *)hmem)->data + skip, &hl, data + skip, len,
        ((SmallMem *)tmem)->data);
  } else {
    GstMapInfo hm, tm;
    hmem = gst_allocator_alloc (NULL, skip + hlen, NULL);
    tmem = gst_allocator_alloc (NULL, nt, NULL);
    if (gst_memory_map (hmem, &hm, GST_MAP_WRITE)) {
      if (gst_memory_map (tmem, &tm, GST_MAP_WRITE)) {
        guint8 tag[GST_E2EE_SFRAME_TAG_MAX];
        memcpy (hm.data, data, skip);
        r = gst_e2ee_sframe_cipher_encrypt_inplace (self->cipher, ctr, meta,
            mlen, hm.data + skip, &hl, data + skip, len, tag);
        memcpy (tm.data, tag, nt);
        gst_memory_unmap (tmem, &tm);
      }
      gst_memory_unmap (hmem, &hm);
    }
  }
  if (r != GST_E2EE_SFRAME_OK || hl != hlen) {
    gst_memory_unref (hmem);
    gst_memory_unref (tmem);
    GST_WARNING_OBJECT (
        self, "encryption failed: %s", gst_e2ee_sframe_result_to_string (r));
    return FALSE;
  }
  *hmem_out = hmem;
  *tmem_out = tmem;
  return TRUE;
}

/* After seal_mapped() on memory idx of in: that memory now holds the
 * payload alone, between the header and the tag memories. */
static void
attach_around (GstBuffer *in, guint idx, gsize skip, gsize len, GstMemory *hmem,
    GstMemory *tmem)
{
  gpointer state = NULL;

  gst_memory_resize (gst_buffer_peek_memory (in, idx), skip, len);
  gst_buffer_insert_memory (in, idx, hmem);
  gst_buffer_insert_memory (in, idx + 2, tmem);
  if (G_UNLIKELY (gst_buffer_iterate_meta (in, &state)))
    gst_buffer_foreach_meta (in, strip_meta, NULL);
}

/* Without a copy: bytes off..off+len of in (the payload, the end of the
 * buffer) are encrypted where they are, between two new small memories:
 * one with the SFrame header (preceded by the bytes of the RTP header that
 * shared the payload's memory, if any) and one with the tag.  A payload in
 * several memories is merged first.  in must be writable (ours alone); it
 * becomes the output. */
static gboolean
encrypt_inplace (GstE2eeEnc *self, GstBuffer *in, gsize off, gsize len,
    const guint8 *meta, gsize mlen, guint64 ctr)
{
  GstMemory *hmem, *tmem;
  GstMapInfo pm;
  guint idx, n;
  gsize skip;
  gboolean ok;

  if (!gst_buffer_find_memory (in, off, len, &idx, &n, &skip) ||
      !gst_buffer_map_range (in, idx, n, &pm, GST_MAP_READWRITE))
    return FALSE;
  /* (a payload over several memories is one merged memory at idx now) */
  ok = seal_mapped (self, pm.data, skip, len, meta, mlen, ctr, &hmem, &tmem);
  gst_buffer_unmap (in, &pm);
  if (!ok)
    return FALSE;
  attach_around (in, idx, skip, len, hmem, tmem);
  return TRUE;
}

/* The length of the RTP header at d (size bytes), CSRCs and extension
 * included, when the checks of gst_rtp_buffer_map() pass on it and there
 * is no padding; 0 otherwise. */
static gsize
simple_rtp_header_len (const guint8 *d, gsize size)
{
  gsize len;

  if (size < 12 || (d[0] & 0xc0) != 0x80 || (d[0] & 0x20))
    return 0;
  len = 12 + 4 * (d[0] & 0x0f);
  if (d[0] & 0x10) {
    if (len + 4 > size)
      return 0;
    len += 4 + 4 * (gsize)GST_READ_UINT16_BE (d + len + 2);
  }
  return len <= size ? len : 0;
}

/* The usual packets, ours alone, without padding: header and payload in
 * one memory (from the network, or a payloader that writes both), or the
 * header in one memory and the payload in a second (rtpbasepayload).  The
 * header is read where it is, the payload mapped once.  Returns FALSE
 * without side effects (nothing changed) when the packet is not of these
 * shapes: encrypt_rtp() then validates and handles it. */
static gboolean
encrypt_rtp_simple (GstE2eeEnc *self, GstBuffer *in, guint64 ctr, gboolean *ok)
{
  guint n = gst_buffer_n_memory (in);
  GstMemory *mem, *pmem, *hmem, *tmem;
  guint8 meta[E2EE_RTP_METADATA_MAX];
  GstMapInfo hm, pm;
  gsize hdr_len, mlen;

  if (n != 1 && n != 2)
    return FALSE;
  mem = gst_buffer_peek_memory (in, 0);
  if (!gst_memory_map (mem, &hm, n == 1 ? GST_MAP_READWRITE : GST_MAP_READ))
    return FALSE;
  hdr_len = simple_rtp_header_len (hm.data, hm.size);
  /* one memory: a payload after the header; two: the header alone, then
   * the payload */
  if (hdr_len == 0 || (n == 1 && hdr_len == hm.size) ||
      (n == 2 && hdr_len != hm.size))
    goto other;
  mlen = e2ee_rtp_header_metadata (hm.data, self->cur_auth_fields, meta);
  if (n == 1) {
    *ok = seal_mapped (self, hm.data, hdr_len, hm.size - hdr_len, meta, mlen,
        ctr, &hmem, &tmem);
    gst_memory_unmap (mem, &hm);
    if (*ok)
      attach_around (in, 0, hdr_len, hm.size - hdr_len, hmem, tmem);
    return TRUE;
  }
  pmem = gst_buffer_peek_memory (in, 1);
  if (!gst_memory_map (pmem, &pm, GST_MAP_READWRITE))
    goto other;
  if (pm.size == 0) {
    gst_memory_unmap (pmem, &pm);
    goto other;
  }
  *ok = seal_mapped (self, pm.data, 0, pm.size, meta, mlen, ctr, &hmem, &tmem);
  gst_memory_unmap (pmem, &pm);
  gst_memory_unmap (mem, &hm);
  if (*ok)
    attach_around (in, 1, 0, pm.size, hmem, tmem);
  return TRUE;

other:
  gst_memory_unmap (mem, &hm);
  return FALSE;
}

static GstBuffer *
encrypt_rtp (GstE2eeEnc *self, GstBuffer *in, gboolean writable, guint64 ctr)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint8 meta[E2EE_RTP_METADATA_MAX];
  gsize mlen, hdr_len, plen, cap;
  GstBuffer *out;
  GstMapInfo map;
  gssize n;

  if (writable) {
    gboolean ok;
    if (encrypt_rtp_simple (self, in, ctr, &ok))
      return ok ? in : NULL;
  }
  if (!gst_rtp_buffer_map (in, GST_MAP_READ, &rtp))
    return NULL;
  hdr_len = gst_rtp_buffer_get_header_len (&rtp);
  plen = gst_rtp_buffer_get_payload_len (&rtp);
  mlen = e2ee_rtp_metadata (&rtp, self->cur_auth_fields, meta);
  /* in place unless the buffer is shared or its padding bit must be
   * cleared (padding is not carried over) */
  if (writable && plen > 0 && !gst_rtp_buffer_get_padding (&rtp)) {
    gst_rtp_buffer_unmap (&rtp);
    if (!encrypt_inplace (self, in, hdr_len, plen, meta, mlen, ctr))
      return NULL;
    return in;
  }
  cap = hdr_len + plen + gst_e2ee_sframe_cipher_overhead (self->cipher, ctr);
  out = output_buffer (self, cap);
  gst_buffer_map (out, &map, GST_MAP_WRITE);
  gst_buffer_extract (in, 0, map.data, hdr_len);
  map.data[0] &= ~0x20; /* padding is not carried over */
  n = gst_e2ee_sframe_cipher_encrypt (self->cipher, ctr, meta, mlen,
      gst_rtp_buffer_get_payload (&rtp), plen, map.data + hdr_len,
      cap - hdr_len);
  gst_buffer_unmap (out, &map);
  gst_rtp_buffer_unmap (&rtp);
  if (n < 0) {
    gst_buffer_unref (out);
    GST_WARNING_OBJECT (
        self, "encryption failed: %s", gst_e2ee_sframe_result_to_string (n));
    return NULL;
  }
  gst_buffer_set_size (out, hdr_len + n);
  return out;
}

static GstBuffer *
encrypt_frame (GstE2eeEnc *self, GstBuffer *in, gboolean writable, guint64 ctr)
{
  GstMapInfo imap, omap;
  GstBuffer *out;
  gsize cap;
  gssize n;

  if (writable && gst_buffer_get_size (in) > 0) {
    if (!encrypt_inplace (self, in, 0, gst_buffer_get_size (in), NULL, 0, ctr))
      return NULL;
    return in;
  }
  if (!gst_buffer_map (in, &imap, GST_MAP_READ))
    return NULL;
  cap = imap.size + gst_e2ee_sframe_cipher_overhead (self->cipher, ctr);
  out = gst_buffer_new_allocate (NULL, cap, NULL);
  gst_buffer_map (out, &omap, GST_MAP_WRITE);
  n = gst_e2ee_sframe_cipher_encrypt (
      self->cipher, ctr, NULL, 0, imap.data, imap.size, omap.data, cap);
  gst_buffer_unmap (out, &omap);
  gst_buffer_unmap (in, &imap);
  if (n < 0) {
    gst_buffer_unref (out);
    GST_WARNING_OBJECT (
        self, "encryption failed: %s", gst_e2ee_sframe_result_to_string (n));
    return NULL;
  }
  gst_buffer_set_size (out, n);
  return out;
}

/* Encrypts one buffer (borrowed); in place when writable (in is ours
 * alone), and then *out is in itself, without a reference of its own.
 * *out is NULL when the buffer is dropped. */
static GstFlowReturn
encrypt_one (GstE2eeEnc *self, GstBuffer *in, GstBuffer **out)
{
  gboolean writable = gst_buffer_is_writable (in);
  gsize in_size = gst_buffer_get_size (in);
  guint64 ctr, kid;

  GST_LOG_OBJECT (self, "%" GST_PTR_FORMAT ", %s", in,
      writable ? "in place" : "copying (not writable)");

  *out = NULL;
  if (!ensure_cipher (self))
    return GST_FLOW_ERROR;
  if (G_UNLIKELY (self->caps_suite && self->cur_suite != self->caps_suite))
    update_caps_suite (self);
  if (!self->cipher) {
    guint64 total;
    GST_OBJECT_LOCK (self);
    total = ++self->dropped_no_key;
    GST_OBJECT_UNLOCK (self);
    GST_LOG_OBJECT (self, "no send key yet, dropping");
    e2ee_post_drop (GST_ELEMENT (self), &self->no_key_report, GST_SECOND,
        "no-key", FALSE, 0, NULL, FALSE, 0, total);
    return GST_FLOW_OK;
  }
  if (!next_counter (self, &ctr))
    return GST_FLOW_ERROR;

  *out = self->rtp_mode ? encrypt_rtp (self, in, writable, ctr)
                        : encrypt_frame (self, in, writable, ctr);
  if (!*out) {
    GST_OBJECT_LOCK (self);
    self->dropped_invalid++;
    GST_OBJECT_UNLOCK (self);
    GST_WARNING_OBJECT (self, "dropping a buffer that is not valid %s",
        self->rtp_mode ? "RTP" : "input");
    return GST_FLOW_OK;
  }
  if (*out != in)
    e2ee_copy_metadata (*out, in);
  kid = gst_e2ee_sframe_cipher_get_kid (self->cipher);
  account (self, kid, ctr, in_size, gst_buffer_get_size (*out));
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_e2ee_enc_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstE2eeEnc *self = GST_E2EE_ENC (parent);
  GstBuffer *out;
  GstFlowReturn ret = encrypt_one (self, buf, &out);

  if (out != buf)
    gst_buffer_unref (buf);
  if (ret != GST_FLOW_OK || !out)
    return ret;
  return gst_pad_push (self->srcpad, out);
}

static GstFlowReturn
gst_e2ee_enc_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  GstE2eeEnc *self = GST_E2EE_ENC (parent);
  guint n = gst_buffer_list_length (list);
  GstBufferList *outl = gst_buffer_list_new_sized (n);
  GstFlowReturn ret = GST_FLOW_OK;

  /* a shared list shares its buffers: a copy of the list makes them read
   * only, so that they are encrypted into new buffers */
  list = gst_buffer_list_make_writable (list);
  for (guint i = 0; i < n && ret == GST_FLOW_OK; i++) {
    GstBuffer *out;
    GstBuffer *in = gst_buffer_list_get (list, i);
    ret = encrypt_one (self, in, &out);
    if (out)
      gst_buffer_list_add (outl, out == in ? gst_buffer_ref (out) : out);
  }
  gst_buffer_list_unref (list);
  if (ret != GST_FLOW_OK || gst_buffer_list_length (outl) == 0) {
    gst_buffer_list_unref (outl);
    return ret;
  }
  return gst_pad_push_list (self->srcpad, outl);
}
