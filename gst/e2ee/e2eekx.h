/* The gst-e2ee/1 key-exchange state machine of one participant
 * (docs/protocol.md, part 1): no threads, no clock, no transport.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Time is passed in (milliseconds on a monotonic clock) and messages are
 * handed in and out as bytes, so that tests drive many participants in one
 * thread deterministically; the keyexchange element runs it on its own
 * thread with a real clock and channel.
 */
#ifndef __E2EE_KX_H__
#define __E2EE_KX_H__

#include "e2ee-prelude.h"
#include <gst/gst.h>

#include "e2eeproto.h"
#include "gste2eekeyring.h"

G_BEGIN_DECLS

typedef struct _GstE2eeKx GstE2eeKx;

typedef struct
{
  const gchar *meeting_id;
  GBytes *instance;
  const gchar *participant_id;
  const gchar *display_name;
  guint heartbeat_ms; /* leader heartbeat period, default 1000 */
  guint heartbeat_timeout_ms; /* no valid heartbeat: leader gone (10000) */
  guint ack_timeout_ms; /* send switch without every ACK (2000) */
  guint join_batch_ms; /* joins batched into one rekey (200) */
  guint leave_debounce_ms; /* leaves batched into one rekey (200) */
  guint rekey_interval_ms; /* periodic rekey, 0 = never (300000) */
  guint grace_ms; /* old epochs decrypt this long (5000) */
  guint start_wait_ms; /* wait for a roster before leading (2000) */
  guint liveness_ms; /* a fresh nonce (ACK) at least this often (60000) */
} GstE2eeKxConfig;

typedef struct
{
  /* a message to put on the channel (delivered to every participant,
   * the author included) */
  void (*send) (GstE2eeKx *kx, GBytes *msg, gpointer user_data);
  /* something the application should know: a structure named
   * "keyexchange-<what>" (docs/protocol.md, element section) */
  void (*event) (GstE2eeKx *kx, GstStructure *event, gpointer user_data);
} GstE2eeKxCallbacks;

/* identity and keyring are borrowed (keyring: a ref is taken). */
GST_E2EE_API
GstE2eeKx *gst_e2ee_kx_new (const GstE2eeKxConfig *config,
    const GstE2eeIdentity *identity, GstE2eeKeyring *keyring,
    const GstE2eeKxCallbacks *callbacks, gpointer user_data);
GST_E2EE_API
void gst_e2ee_kx_free (GstE2eeKx *kx);

GST_E2EE_API
void gst_e2ee_kx_start (GstE2eeKx *kx, gint64 now_ms);
GST_E2EE_API
void gst_e2ee_kx_receive (
    GstE2eeKx *kx, const guint8 *data, gsize len, gint64 now_ms);
/* A hint from the channel (untrusted) that a participant is gone for good
 * (its connection closed; also one's own earlier connections). Kept even
 * for a participant not known yet; a later roster does not bring it back. */
GST_E2EE_API
void gst_e2ee_kx_peer_gone (
    GstE2eeKx *kx, const gchar *participant_id, gint64 now_ms);
/* Runs the timers; returns when to call again (ms, absolute). */
GST_E2EE_API
gint64 gst_e2ee_kx_tick (GstE2eeKx *kx, gint64 now_ms);
/* Leaves: sends LEAVE and wipes every key. */
GST_E2EE_API
void gst_e2ee_kx_leave (GstE2eeKx *kx, gint64 now_ms);

GST_E2EE_API
gboolean gst_e2ee_kx_is_leader (GstE2eeKx *kx);
GST_E2EE_API
gboolean gst_e2ee_kx_is_active (GstE2eeKx *kx);
GST_E2EE_API
const gchar *gst_e2ee_kx_get_leader (GstE2eeKx *kx);
GST_E2EE_API
guint64 gst_e2ee_kx_get_epoch (GstE2eeKx *kx);
GST_E2EE_API
guint64 gst_e2ee_kx_get_send_epoch (GstE2eeKx *kx);
GST_E2EE_API
gint gst_e2ee_kx_get_index (GstE2eeKx *kx);
/* The code of the leader that certified the epoch we send with: NULL
 * until one did; it changes only together with the send epoch. */
GST_E2EE_API
gchar *gst_e2ee_kx_get_security_code (GstE2eeKx *kx);
/* participant ids of the accepted roster, in index order */
GST_E2EE_API
GStrv gst_e2ee_kx_get_roster (GstE2eeKx *kx);

G_END_DECLS

#endif /* __E2EE_KX_H__ */
