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

/* gste2eeenc-alloc.c: memories of one size class, recycled; see there */
typedef struct _RecycledMem RecycledMem;
struct _RecycledMem
{
  GstMemory mem;
  guint8 *data;
  RecycledMem *next; /* in a free list */
  GstBuffer *buffer; /* the buffer it was made for (buffer mode) */
};

typedef struct _E2eeEncRecycler E2eeEncRecycler;

G_GNUC_INTERNAL GType e2ee_enc_recycler_get_type (void);
/* A recycler of memories of up to mem_size bytes, handed out bare or each
 * in a buffer of its own (one way per recycler); a floating reference
 * sunk: the caller owns it */
G_GNUC_INTERNAL E2eeEncRecycler *e2ee_enc_recycler_new (
    gsize mem_size, const gchar *mem_type);
/* A memory of size bytes (at most mem_size), ours alone */
G_GNUC_INTERNAL GstMemory *e2ee_enc_recycler_take (
    E2eeEncRecycler *a, gsize size);
/* A buffer of one such memory, its bytes at *data */
G_GNUC_INTERNAL GstBuffer *e2ee_enc_recycler_take_buffer (
    E2eeEncRecycler *a, gsize size, guint8 **data);
/* No more recycling (the element is finalized) */
G_GNUC_INTERNAL void e2ee_enc_recycler_close (E2eeEncRecycler *a);

/* The SFrame header and the tag around a payload encrypted in place */
#define E2EE_ENC_HDR_MEM_SIZE 128
/* A whole encrypted packet: RTP header, SFrame header, ciphertext, tag.
 * Outputs up to this size are written into a recycled buffer of one
 * memory (see gste2eeenc-stream.c), larger ones are encrypted in place. */
#define E2EE_ENC_PACKET_MEM_SIZE 2048

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
  E2eeEncRecycler *hdr_mems; /* headers and tags of in-place output */
  E2eeEncRecycler *packet_bufs; /* output buffers of packets up to MTU size */
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
 * which updates them without a lock (STAT_ADD); get_stats() reads them
 * under the object lock, which also guards the array of KIDs when it
 * changes. */

/* gste2eeenc.c */
G_GNUC_INTERNAL void gst_e2ee_enc_reset_crypto (GstE2eeEnc *self);

/* gste2eeenc-stream.c */
G_GNUC_INTERNAL GstFlowReturn gst_e2ee_enc_chain (
    GstPad *pad, GstObject *parent, GstBuffer *buf);
G_GNUC_INTERNAL GstFlowReturn gst_e2ee_enc_chain_list (
    GstPad *pad, GstObject *parent, GstBufferList *list);

G_END_DECLS

#endif /* __GST_E2EE_ENC_PRIV_H__ */
