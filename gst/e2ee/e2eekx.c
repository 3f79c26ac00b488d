/* The gst-e2ee/1 key-exchange state machine (docs/protocol.md, part 1).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "e2eekx-priv.h"

#include <string.h>

#include <sodium.h>

#include "sframe.h"

GST_DEBUG_CATEGORY (kx_debug);
#define GST_CAT_DEFAULT kx_debug

static void
peer_free (Peer *p)
{
  g_free (p->id);
  g_free (p->name);
  g_free (p);
}

void
kx_emit (GstE2eeKx *kx, GstStructure *s)
{
  GST_DEBUG ("[%s] %" GST_PTR_FORMAT, kx->self_id, s);
  if (kx->cb.event)
    kx->cb.event (kx, s, kx->user_data);
  else
    gst_structure_free (s);
}

/* An error in a message whose signature verified under author's key: it
 * names the author. */
void
kx_protocol_error (GstE2eeKx *kx, const gchar *author, const gchar *what)
{
  GST_INFO ("[%s] protocol error by %s: %s", kx->self_id, author, what);
  kx_emit (kx,
      gst_structure_new ("keyexchange-error", "participant-id", G_TYPE_STRING,
          author, "sender-verified", G_TYPE_BOOLEAN, TRUE, "reason",
          G_TYPE_STRING, what, NULL));
}

/* An error in a message whose author is not proven: the sender it claims
 * (NULL when not even that could be read) is only a claim, and nobody is
 * blamed. */
void
kx_unverified_error (GstE2eeKx *kx, const gchar *claimed, const gchar *what)
{
  GstStructure *s;

  GST_INFO ("[%s] protocol error, sender claim %s unverified: %s", kx->self_id,
      GST_STR_NULL (claimed), what);
  s = gst_structure_new ("keyexchange-error", "sender-verified", G_TYPE_BOOLEAN,
      FALSE, "reason", G_TYPE_STRING, what, NULL);
  if (claimed)
    gst_structure_set (
        s, "claimed-participant-id", G_TYPE_STRING, claimed, NULL);
  kx_emit (kx, s);
}

GstE2eeKx *
gst_e2ee_kx_new (const GstE2eeKxConfig *config, const GstE2eeIdentity *identity,
    GstE2eeKeyring *keyring, const GstE2eeKxCallbacks *callbacks,
    gpointer user_data)
{
  static gsize once = 0;
  GstE2eeKx *kx;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (kx_debug, "e2eekx", 0, "E2EE key exchange");
    g_once_init_leave (&once, 1);
  }
  if (!gst_e2ee_sframe_init ())
    return NULL;
  kx = g_new0 (GstE2eeKx, 1);
  kx->cfg = *config;
#define DEF(f, v)                                                              \
  if (!kx->cfg.f)                                                              \
  kx->cfg.f = v
  DEF (heartbeat_ms, 1000);
  DEF (heartbeat_timeout_ms, 10 * kx->cfg.heartbeat_ms);
  DEF (ack_timeout_ms, 2000);
  DEF (join_batch_ms, 200);
  DEF (leave_debounce_ms, 200);
  DEF (grace_ms, 5000);
  DEF (start_wait_ms, 2 * kx->cfg.heartbeat_ms);
  DEF (liveness_ms, 60000);
#undef DEF
  kx->meeting_id = g_strdup (config->meeting_id);
  kx->self_id = g_strdup (config->participant_id);
  kx->self_name = g_strdup (config->display_name ? config->display_name : "");
  kx->instance = g_bytes_ref (config->instance);
  kx->cfg.meeting_id = kx->meeting_id;
  kx->cfg.participant_id = kx->self_id;
  kx->cfg.display_name = kx->self_name;
  kx->cfg.instance = kx->instance;
  kx->identity = identity;
  kx->keyring = gst_object_ref (keyring);
  if (callbacks)
    kx->cb = *callbacks;
  kx->user_data = user_data;
  kx->dh = gst_e2ee_dh_key_new ();
  kx->peers = g_hash_table_new_full (
      g_str_hash, g_str_equal, NULL, (GDestroyNotify)peer_free);
  kx->gone_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  kx->epochs = g_array_new (FALSE, TRUE, sizeof (Epoch));
  kx->my_index = -1;
  return kx;
}

void
gst_e2ee_kx_free (GstE2eeKx *kx)
{
  if (!kx)
    return;
  for (guint i = 0; i < kx->epochs->len; i++)
    g_array_unref (g_array_index (kx->epochs, Epoch, i).kids);
  g_array_unref (kx->epochs);
  g_hash_table_unref (kx->peers);
  g_hash_table_unref (kx->gone_ids);
  gst_e2ee_msg_free (kx->roster);
  gst_e2ee_dh_key_free (kx->dh);
  gst_object_unref (kx->keyring);
  g_bytes_unref (kx->instance);
  g_free (kx->meeting_id);
  g_free (kx->self_id);
  g_free (kx->self_name);
  g_free (kx->leader_id);
  g_free (kx->code_leader);
  g_free (kx);
}

/* ------------------------------------------------------------- sending */

void
kx_send_msg (GstE2eeKx *kx, GstE2eeMsg *m)
{
  GError *err = NULL;
  GBytes *b = gst_e2ee_msg_encode (m, kx->identity, &err);

  if (!b) {
    GST_ERROR ("[%s] cannot encode %s: %s", kx->self_id,
        gst_e2ee_msg_type_name (m->type), err->message);
    g_error_free (err);
    return;
  }
  if (kx->cb.send)
    kx->cb.send (kx, b, kx->user_data);
  g_bytes_unref (b);
}

GstE2eeMsg *
kx_new_msg (GstE2eeKx *kx, GstE2eeMsgType type)
{
  return gst_e2ee_msg_new (type, kx->meeting_id, kx->instance, kx->self_id);
}

static void
fresh_nonce (GstE2eeKx *kx)
{
  memcpy (kx->my_nonce[1], kx->my_nonce[0], GST_E2EE_NONCE_LEN);
  randombytes_buf (kx->my_nonce[0], GST_E2EE_NONCE_LEN);
}

void
kx_send_ack (GstE2eeKx *kx)
{
  GstE2eeMsg *m = kx_new_msg (kx, GST_E2EE_MSG_ACK);

  fresh_nonce (kx);
  memcpy (m->nonce, kx->my_nonce[0], GST_E2EE_NONCE_LEN);
  m->acked_epoch = kx->epoch;
  m->counter = ++kx->my_ack_counter;
  kx->last_ack_ms = kx->now_ms;
  kx_send_msg (kx, m);
  gst_e2ee_msg_free (m);
}

/* --------------------------------------------------------------- keys */

Epoch *
kx_find_epoch (GstE2eeKx *kx, guint64 e)
{
  for (guint i = 0; i < kx->epochs->len; i++)
    if (g_array_index (kx->epochs, Epoch, i).epoch == e)
      return &g_array_index (kx->epochs, Epoch, i);
  return NULL;
}

/* Puts the media keys of epoch e for every roster entry in the keyring. */
void
kx_install_epoch (GstE2eeKx *kx, guint64 e, const guint8 mk[GST_E2EE_KEY_LEN])
{
  Epoch ep = { e, g_array_new (FALSE, FALSE, sizeof (guint64)) };

  for (guint i = 0; i < kx->roster->entries->len; i++) {
    GstE2eeRosterEntry *en = g_ptr_array_index (kx->roster->entries, i);
    guint8 base[32];
    guint64 kid = gst_e2ee_media_kid (e, en->index);
    gboolean mine = g_strcmp0 (en->participant_id, kx->self_id) == 0;
    GError *err = NULL;

    if (!gst_e2ee_media_key (mk, kx->instance, e, en->index, base))
      continue;
    if (gst_e2ee_keyring_add_key (kx->keyring, kid, base, sizeof (base),
            mine ? GST_E2EE_KEY_SEND : GST_E2EE_KEY_RECEIVE, en->participant_id,
            &err))
      g_array_append_val (ep.kids, kid);
    else
      g_clear_error (&err);
    sodium_memzero (base, sizeof (base));
  }
  g_array_append_val (kx->epochs, ep);
  if (e > kx->epoch)
    kx->epoch = e;
}

/* Sends with epoch e from now on; older epochs decrypt for the grace
 * period, then the keyring wipes them. The security code shown is the one
 * of the leader that certified the epoch: it changes only together with
 * the epoch (a leader that never keyed us in shows no code). */
void
kx_switch_send (GstE2eeKx *kx, guint64 e, gint64 now_ms)
{
  GError *err = NULL;

  if (e <= kx->send_epoch || !kx_find_epoch (kx, e) || kx->my_index < 0)
    return;
  if (!gst_e2ee_keyring_set_send_kid (
          kx->keyring, gst_e2ee_media_kid (e, (guint16)kx->my_index), &err)) {
    GST_WARNING ("[%s] %s", kx->self_id, err->message);
    g_clear_error (&err);
    return;
  }
  kx->send_epoch = e;
  for (guint i = 0; i < kx->epochs->len;) {
    Epoch *ep = &g_array_index (kx->epochs, Epoch, i);
    if (ep->epoch < e) {
      for (guint k = 0; k < ep->kids->len; k++)
        gst_e2ee_keyring_retire_key (kx->keyring,
            g_array_index (ep->kids, guint64, k),
            (GstClockTime)kx->cfg.grace_ms * GST_MSECOND);
      g_array_unref (ep->kids);
      g_array_remove_index (kx->epochs, i);
    } else {
      i++;
    }
  }
  if (g_strcmp0 (kx->code_leader, kx->leader_id) != 0) {
    g_free (kx->code_leader);
    kx->code_leader = g_strdup (kx->leader_id);
    kx_announce_leader (kx);
  }
  kx_emit (kx,
      gst_structure_new ("keyexchange-epoch", "epoch", G_TYPE_UINT64, e,
          "leader", G_TYPE_STRING, kx->leader_id, NULL));
}

static void
wipe_all (GstE2eeKx *kx)
{
  for (guint i = 0; i < kx->epochs->len; i++)
    g_array_unref (g_array_index (kx->epochs, Epoch, i).kids);
  g_array_set_size (kx->epochs, 0);
  gst_e2ee_keyring_clear (kx->keyring);
}

/* ------------------------------------------------------------- public */

void
gst_e2ee_kx_start (GstE2eeKx *kx, gint64 now_ms)
{
  GstE2eeMsg *m;

  if (kx->started)
    return;
  kx->started = TRUE;
  kx->start_ms = now_ms;
  kx->now_ms = now_ms;
  kx->last_ack_ms = now_ms;
  kx->last_hb_ms = now_ms;
  fresh_nonce (kx);
  m = kx_new_msg (kx, GST_E2EE_MSG_ANNOUNCE);
  memcpy (m->identity_key, kx->identity->pk, GST_E2EE_KEY_LEN);
  memcpy (m->dh_key, kx->dh->pk, GST_E2EE_KEY_LEN);
  m->display_name = g_strdup (kx->self_name);
  memcpy (m->nonce, kx->my_nonce[0], GST_E2EE_NONCE_LEN);
  m->join_time_ms = (guint64)(g_get_real_time () / 1000);
  kx_send_msg (kx, m);
  gst_e2ee_msg_free (m);
}

void
gst_e2ee_kx_peer_gone (
    GstE2eeKx *kx, const gchar *participant_id, gint64 now_ms)
{
  if (kx->left || !participant_id ||
      g_strcmp0 (participant_id, kx->self_id) == 0)
    return;
  /* kept for a participant we do not know yet (its messages may come
   * later in the board's history, or never) */
  if (g_hash_table_size (kx->gone_ids) < 4 * GST_E2EE_MAX_ENTRIES)
    g_hash_table_add (kx->gone_ids, g_strdup (participant_id));
  kx_mark_gone (kx, participant_id, TRUE, now_ms);
}

gint64
gst_e2ee_kx_tick (GstE2eeKx *kx, gint64 now_ms)
{
  gint64 next = now_ms + kx->cfg.heartbeat_ms;

  if (!kx->started || kx->left)
    return G_MAXINT64;
  kx->now_ms = now_ms;
  /* liveness: a fresh nonce for the leader's next key box (1.8) */
  if (kx->roster && !kx->leading && kx->my_index >= 0) {
    if (now_ms - kx->last_ack_ms >= (gint64)kx->cfg.liveness_ms)
      kx_send_ack (kx);
    next = MIN (next, kx->last_ack_ms + kx->cfg.liveness_ms);
  }

  if (!kx->roster && !kx->leading) {
    /* no roster yet: the first announcer leads (docs/protocol.md 1.9) */
    if (now_ms - kx->start_ms >= kx->cfg.start_wait_ms) {
      Peer *first = NULL;
      GHashTableIter it;
      gpointer v;
      g_hash_table_iter_init (&it, kx->peers);
      while (g_hash_table_iter_next (&it, NULL, &v)) {
        Peer *p = v;
        if (p->announced && !p->gone && (!first || p->seq < first->seq))
          first = p;
      }
      if (first && g_strcmp0 (first->id, kx->self_id) == 0)
        kx_become_leader (kx, now_ms);
    } else {
      next = MIN (next, kx->start_ms + kx->cfg.start_wait_ms);
    }
  }

  if (kx->leading) {
    if (kx->rekey_due_ms && now_ms >= kx->rekey_due_ms)
      kx_rekey (kx, now_ms);
    if (kx->pending_epoch &&
        now_ms - kx->keys_sent_ms >= (gint64)kx->cfg.ack_timeout_ms)
      kx_confirm_pending (kx, now_ms);
    if (kx->periodic_ms && now_ms >= kx->periodic_ms)
      kx_rekey (kx, now_ms);
    if (now_ms >= kx->next_hb_ms)
      kx_send_heartbeat (kx, now_ms);
    next = MIN (next, kx->next_hb_ms);
    if (kx->rekey_due_ms)
      next = MIN (next, kx->rekey_due_ms);
    if (kx->pending_epoch)
      next = MIN (next, kx->keys_sent_ms + kx->cfg.ack_timeout_ms);
    if (kx->periodic_ms)
      next = MIN (next, kx->periodic_ms);
  } else if (kx->roster && kx->leader_id) {
    /* left out: a live leader has not taken us in for a heartbeat timeout
     * (it never saw our ANNOUNCE, or will not have us) */
    if (kx->my_index < 0 && !kx->excluded_told && kx->have_hb) {
      gint64 since = MAX (kx->start_ms, kx->excluded_since_ms);
      if (now_ms - since >= (gint64)kx->cfg.heartbeat_timeout_ms) {
        kx->excluded_told = TRUE;
        kx_emit (kx,
            gst_structure_new ("keyexchange-excluded", "leader", G_TYPE_STRING,
                kx->leader_id, "roster-version", G_TYPE_UINT64,
                kx->roster->version, NULL));
      } else {
        next = MIN (next, since + kx->cfg.heartbeat_timeout_ms);
      }
    }
    if (now_ms - kx->last_hb_ms >= (gint64)kx->cfg.heartbeat_timeout_ms) {
      GST_INFO ("[%s] no heartbeat from %s", kx->self_id, kx->leader_id);
      kx_mark_gone (kx, kx->leader_id, FALSE, now_ms);
    }
    next = MIN (next, kx->last_hb_ms + kx->cfg.heartbeat_timeout_ms);
  }
  return next;
}

void
gst_e2ee_kx_leave (GstE2eeKx *kx, gint64 now_ms)
{
  GstE2eeMsg *m;

  if (kx->left)
    return;
  if (kx->started) {
    m = kx_new_msg (kx, GST_E2EE_MSG_LEAVE);
    kx_send_msg (kx, m);
    gst_e2ee_msg_free (m);
  }
  kx->left = TRUE;
  kx->leading = FALSE;
  wipe_all (kx);
}

gboolean
gst_e2ee_kx_is_leader (GstE2eeKx *kx)
{
  return kx->leading;
}

gboolean
gst_e2ee_kx_is_active (GstE2eeKx *kx)
{
  return !kx->left && kx->send_epoch > 0;
}

const gchar *
gst_e2ee_kx_get_leader (GstE2eeKx *kx)
{
  return kx->leader_id;
}

guint64
gst_e2ee_kx_get_epoch (GstE2eeKx *kx)
{
  return kx->epoch;
}

guint64
gst_e2ee_kx_get_send_epoch (GstE2eeKx *kx)
{
  return kx->send_epoch;
}

gint
gst_e2ee_kx_get_index (GstE2eeKx *kx)
{
  return kx->my_index;
}

gchar *
gst_e2ee_kx_get_security_code (GstE2eeKx *kx)
{
  Peer *l =
      kx->code_leader ? g_hash_table_lookup (kx->peers, kx->code_leader) : NULL;
  return l ? gst_e2ee_security_code (kx->meeting_id, kx->instance, l->ik)
           : NULL;
}

GStrv
gst_e2ee_kx_get_roster (GstE2eeKx *kx)
{
  GStrvBuilder *b = g_strv_builder_new ();
  GStrv v;

  for (guint i = 0; kx->roster && i < kx->roster->entries->len; i++)
    g_strv_builder_add (b,
        ((GstE2eeRosterEntry *)g_ptr_array_index (kx->roster->entries, i))
            ->participant_id);
  v = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return v;
}
