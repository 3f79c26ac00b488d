/* e2eedec internals shared by gste2eedec.c (the element: properties,
 * states, events) and gste2eedec-stream.c (the streaming path).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_E2EE_DEC_PRIV_H__
#define __GST_E2EE_DEC_PRIV_H__

#include <sodium.h>

#include "gste2eecommon.h"
#include "gste2eedec.h"
#include "gste2eekeyring.h"
#include "sframe-receiver.h"
#include "sframe.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_e2ee_dec_debug);

#define ANY_KID G_MAXUINT64
#define MAX_KID_STATES 4096 /* as many as a keyring holds */
#define MAX_FLOORS 65536
#define DERIVE_PER_SECOND 64.0
/* replay windows are kept per suite (a frame authenticates under one suite
 * only): index = GstE2eeSFrameSuite */
#define N_SUITE_TABLES (GST_E2EE_SFRAME_SUITE_AES_256_GCM_SHA512_128 + 1)

typedef enum
{
  DROP_AUTH,
  DROP_REPLAY,
  DROP_UNKNOWN_KID,
  DROP_MALFORMED,
  N_DROP_REASONS
} DropReason;

/* Per-KID state: SFrameKidEntry (KID, replay window, LRU) first. */
typedef struct
{
  SFrameKidEntry entry;
  GstE2eeSFrameCipher *cipher;
  GstE2eeKey *key; /* keyring mode */
  gchar *sender;
  /* stats: packets and bytes by the streaming thread alone (STAT_ADD),
   * drops under the object lock */
  guint64 packets;
  guint64 bytes;
  guint64 drops[N_DROP_REASONS];
  E2eeDropReport reports[N_DROP_REASONS];
} KidState;

struct _GstE2eeDec
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, object lock */
  GstE2eeSFrameSuite suite;
  gboolean suite_set; /* cipher-suite was set: it overrides the caps */
  GstE2eeSFrameSuite caps_suite; /* the stream's suite from its caps, 0: none */
  guint8 *key;
  gsize key_len;
  gchar *key_error;
  guint64 kid;
  guint replay_window;
  guint unknown_kid_timeout;
  guint unknown_kid_max_bytes;
  guint drop_report_interval;
  guint failure_warning_timeout;
  guint rtp_auth_fields;
  GstE2eeKeyring *keyring;
  gint config_cookie; /* atomic: key material changed */
  gint tune_cookie; /* atomic: a tunable changed */
  gint suite_cookie; /* atomic: the suite of the caps changed */

  /* streaming thread */
  gint cur_cookie;
  gint cur_tune_cookie;
  gint cur_suite_cookie;
  gboolean static_mode;
  GstE2eeSFrameSuite cur_suite;
  guint8 *cur_key;
  gsize cur_key_len;
  guint64 cur_kid;
  GstClockTime cur_report_interval;
  GstClockTime cur_warn_time;
  guint cur_auth_fields;
  GstE2eeKeyring *cur_keyring;
  guint keyring_gen;
  gboolean rtp_mode;
  gboolean caps_refused; /* the stream's suite cannot be decrypted here */
  /* KIDs that authenticated, one table per suite (a suite change from the
   * caps, which come from the network, switches tables and resets nothing:
   * switching back finds the old windows); writes under lock */
  SFrameKidTable *tables[N_SUITE_TABLES];
  SFrameKidTable *table; /* tables[cur_suite] */
  guint cur_window; /* replay-window of the tables of this configuration */
  /* keys the tags that tell keyring keys apart in the KID tables */
  guint8 tag_key[crypto_generichash_KEYBYTES];
  KidState *candidate; /* KID seen but not authenticated yet */
  SFrameTokenBucket derive_bucket;
  SFrameHoldQueue held; /* buffers whose key is not known yet */
  E2eeDropReport untracked_reports[N_DROP_REASONS];
  SFrameFailRun fail; /* drops since the last frame that decrypted */

  /* stats: packets and bytes by the streaming thread alone (STAT_ADD),
   * drops under the object lock */
  guint64 packets;
  guint64 bytes_in;
  guint64 bytes_out;
  guint64 drops[N_DROP_REASONS];
};

/* gste2eedec.c */
G_GNUC_INTERNAL void gst_e2ee_dec_sync_config (GstE2eeDec *self);

/* gste2eedec-stream.c */
G_GNUC_INTERNAL void gst_e2ee_dec_kid_state_free (KidState *st);
G_GNUC_INTERNAL GstFlowReturn gst_e2ee_dec_chain (
    GstPad *pad, GstObject *parent, GstBuffer *buf);
G_GNUC_INTERNAL GstFlowReturn gst_e2ee_dec_chain_list (
    GstPad *pad, GstObject *parent, GstBufferList *list);
/* Held buffers get a last try, then are dropped (EOS, new caps). */
G_GNUC_INTERNAL void gst_e2ee_dec_flush_held (GstE2eeDec *self);
/* At EOS: a stream that decrypted nothing at all gets its WARNING. */
G_GNUC_INTERNAL void gst_e2ee_dec_warn_at_eos (GstE2eeDec *self);

G_END_DECLS

#endif /* __GST_E2EE_DEC_PRIV_H__ */
