/* Helpers shared by e2eeenc and e2eedec.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_E2EE_COMMON_H__
#define __GST_E2EE_COMMON_H__

#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>

#include "gste2eekeyring.h"
#include "sframe.h"

G_BEGIN_DECLS

#define GST_TYPE_E2EE_CIPHER_SUITE (gst_e2ee_cipher_suite_get_type ())
GType gst_e2ee_cipher_suite_get_type (void);

/**
 * GstE2eeRtpAuthFields:
 * @GST_E2EE_RTP_AUTH_MARKER: the M bit
 * @GST_E2EE_RTP_AUTH_PAYLOAD_TYPE: the payload type
 * @GST_E2EE_RTP_AUTH_TIMESTAMP: the RTP timestamp
 * @GST_E2EE_RTP_AUTH_SSRC: the SSRC
 * @GST_E2EE_RTP_AUTH_SEQUENCE: the sequence number
 * @GST_E2EE_RTP_AUTH_CSRC: the CSRC list
 *
 * Which clear RTP header fields per-packet SFrame authenticates as its
 * metadata.  A forwarding server that rewrites an authenticated field makes
 * every packet fail authentication at the receiver.
 */
typedef enum
{
  GST_E2EE_RTP_AUTH_MARKER = 1 << 0,
  GST_E2EE_RTP_AUTH_PAYLOAD_TYPE = 1 << 1,
  GST_E2EE_RTP_AUTH_TIMESTAMP = 1 << 2,
  GST_E2EE_RTP_AUTH_SSRC = 1 << 3,
  GST_E2EE_RTP_AUTH_SEQUENCE = 1 << 4,
  GST_E2EE_RTP_AUTH_CSRC = 1 << 5,
} GstE2eeRtpAuthFields;

#define GST_TYPE_E2EE_RTP_AUTH_FIELDS (gst_e2ee_rtp_auth_fields_get_type ())
GType gst_e2ee_rtp_auth_fields_get_type (void);

#define DEFAULT_CIPHER_SUITE GST_E2EE_SFRAME_SUITE_AES_256_GCM_SHA512_128
#define DEFAULT_RTP_AUTH_FIELDS                                                \
  (GST_E2EE_RTP_AUTH_MARKER | GST_E2EE_RTP_AUTH_PAYLOAD_TYPE)

/* The caps mark of SFrame-protected streams (docs/e2eeenc.md): e2eeenc
 * sets it on application/x-rtp (both fields) and application/x-sframe (the
 * suite), e2eedec reads the suite from it and removes it. */
#define E2EE_CAPS_ENCRYPTION "encryption"
#define E2EE_CAPS_ENCRYPTION_SFRAME "sframe"
#define E2EE_CAPS_SUITE "sframe-suite"

/* The cipher-suite nick of a suite ("aes-256-gcm-sha512-128"), NULL for
 * none; and back, 0 for a name that is not a suite. */
G_GNUC_INTERNAL const gchar *e2ee_suite_nick (GstE2eeSFrameSuite suite);
G_GNUC_INTERNAL GstE2eeSFrameSuite e2ee_suite_from_nick (const gchar *nick);

/* A counter with one writer, the streaming thread, that adds to it without
 * a lock (a lock round trip per packet costs more than the add); others
 * read it with STAT_GET. */
#define STAT_GET(f) __atomic_load_n (&(f), __ATOMIC_RELAXED)
#define STAT_ADD(f, v) __atomic_store_n (&(f), (f) + (v), __ATOMIC_RELAXED)

#define E2EE_RTP_METADATA_MAX (1 + 1 + 4 + 4 + 2 + 1 + 15 * 4)

G_GNUC_INTERNAL
gsize e2ee_rtp_metadata (
    GstRTPBuffer *rtp, guint fields, guint8 out[E2EE_RTP_METADATA_MAX]);
/* The same from the bytes of a validated RTP header (with its CSRCs). */
G_GNUC_INTERNAL
gsize e2ee_rtp_header_metadata (
    const guint8 *hdr, guint fields, guint8 out[E2EE_RTP_METADATA_MAX]);

/* Parses a hex base key into guarded memory; NULL and a message on error. */
G_GNUC_INTERNAL
guint8 *e2ee_parse_hex_key (const gchar *hex, gsize *len, gchar **why);
G_GNUC_INTERNAL void e2ee_free_key (guint8 *key);

/* READY->PAUSED check shared by e2eeenc and e2eedec: an invalid key
 * (key_error) or no key source at all (no key and no keyring found) posts
 * an error and returns FALSE. */
G_GNUC_INTERNAL
gboolean e2ee_check_key_source (GstElement *element, gboolean have_key,
    const gchar *key_error, GstE2eeKeyring **keyring);

/* Copies timestamps, flags and the metas that describe no memory layout
 * (metas without tags) from src to dst. */
G_GNUC_INTERNAL void e2ee_copy_metadata (GstBuffer *dst, GstBuffer *src);

/* Persistent counter reservation for pre-shared keys: the next counter of
 * (key, KID, suite) lives in a state file, reserved ahead in blocks and
 * written (fsync'd) before a counter of the block is used, and an exclusive
 * lock keeps two senders off the same key and KID. */
typedef struct
{
  gint lock_fd;
  gchar *path;
  guint64 next;
  guint64 limit;
} E2eeCounterStore;

#define E2EE_COUNTER_BLOCK 65536

G_GNUC_INTERNAL
gboolean e2ee_counter_store_open (E2eeCounterStore *s, const gchar *dir,
    GstE2eeSFrameSuite suite, guint64 kid, const guint8 *key, gsize key_len,
    GError **error);
G_GNUC_INTERNAL
gboolean e2ee_counter_store_next (
    E2eeCounterStore *s, guint64 *ctr, GError **error);
G_GNUC_INTERNAL void e2ee_counter_store_close (E2eeCounterStore *s);
G_GNUC_INTERNAL gchar *e2ee_default_counter_dir (void);

/* Rate-limited drop reports: at most one bus message per KID and interval,
 * carrying how many drops it sums up. */
typedef struct
{
  gint64 last_us;
  guint64 unreported;
} E2eeDropReport;

G_GNUC_INTERNAL
void e2ee_post_drop (GstElement *element, E2eeDropReport *r,
    GstClockTime interval, const gchar *reason, gboolean have_kid, guint64 kid,
    const gchar *sender, gboolean have_ssrc, guint32 ssrc, guint64 total);

G_END_DECLS

#endif /* __GST_E2EE_COMMON_H__ */
