/* e2eeenc internals shared by gste2eeenc.c (the element: properties,
 * states, events), gste2eeenc-stream.c (the streaming path) and
 * gste2eeenc-alloc.c (the recycled memories of in-place output).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_E2EE_ENC_PRIV_H__
#define __GST_E2EE_ENC_PRIV_H__

#include "gste2eecommon.h"
#include "gste2eeenc.h"
#include "gste2eekeyring.h"
#include "sframe.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_e2ee_enc_debug);

/* gste2eeenc-alloc.c: see there */
#define SMALL_MEM_SIZE 128

typedef struct _SmallMem SmallMem;
struct _SmallMem
{
  GstMemory mem;
  guint8 *data;
  SmallMem *next; /* in a free list */
};

typedef struct _E2eeEncSmallAlloc E2eeEncSmallAlloc;

G_GNUC_INTERNAL GType e2ee_enc_small_alloc_get_type (void);
/* A memory of size bytes (at most SMALL_MEM_SIZE), ours alone */
G_GNUC_INTERNAL GstMemory *e2ee_enc_small_mem_take (
    E2eeEncSmallAlloc *a, gsize size);
/* No more recycling (the element is finalized) */
G_GNUC_INTERNAL void e2ee_enc_small_alloc_close (E2eeEncSmallAlloc *a);

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

/* gste2eeenc.c */
G_GNUC_INTERNAL void gst_e2ee_enc_reset_crypto (GstE2eeEnc *self);

/* gste2eeenc-stream.c */
G_GNUC_INTERNAL GstFlowReturn gst_e2ee_enc_chain (
    GstPad *pad, GstObject *parent, GstBuffer *buf);
G_GNUC_INTERNAL GstFlowReturn gst_e2ee_enc_chain_list (
    GstPad *pad, GstObject *parent, GstBufferList *list);

G_END_DECLS

#endif /* __GST_E2EE_ENC_PRIV_H__ */
